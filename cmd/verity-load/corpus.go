package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// ClaimsPerArticle is how many claims the corpus anchors in each article: 40 articles make
// 1,000 claims, 4,000 make 100,000.
const ClaimsPerArticle = 25

// SearchWord occurs in about SearchShare of the generated claim passages and nowhere else in
// them, so the search workload asks a query whose answer size is known. No other word of
// the lists starts with it, since search matches words as prefixes.
const SearchWord = "ceasefire"

// SearchShare is the share of passages that mention SearchWord.
const SearchShare = 0.4

// passage is one sentence of a generated article that a claim may quote: it starts after a
// space or at the start of the body and ends before a space or at the end, so that its
// quote never starts or ends inside a word, a number or a grapheme cluster.
type passage struct {
	Quote      string
	Start      int // in code points, as the API counts
	Text       string
	Kind       string
	Quantities []quantity
}

type quantity struct {
	Value     *float64 `json:"value,omitempty"`
	Lower     *float64 `json:"lower,omitempty"`
	Upper     *float64 `json:"upper,omitempty"`
	Qualifier string   `json:"qualifier,omitempty"`
	Unit      string   `json:"unit"`
	AsOf      string   `json:"as_of,omitempty"`
}

// article is a generated news article: its fields as the API takes them, the passages its
// phase-one claims quote, and spare passages for the create-claim workload.
type article struct {
	Title       string
	Outlet      string
	URL         string
	Author      string
	PublishedAt time.Time
	Body        string
	Claimed     []passage
	Spare       []passage
}

// source is a generated source as the API takes it.
type source struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Affiliation string `json:"affiliation,omitempty"`
	URL         string `json:"url,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
	PublishedAt string `json:"published_at,omitempty"`
	Reliability string `json:"reliability"`
	Notes       string `json:"notes,omitempty"`
}

// vocabulary is the word lists the generator draws from.
type vocabulary struct {
	places          []string
	firstNames      []string
	lastNames       []string
	roles           []string
	orgs            []string
	groups          []string
	events          []string
	things          []string
	verbs           []string
	findings        []string
	quoteLines      []string
	weekdays        []string
	months          []string
	colour          []string
	outlets         []string
	sourceKinds     []string
	reliabilities   []string
	agencies        []string
	proposeStatuses []string
	relations       []string
}

func newVocabulary() vocabulary {
	return vocabulary{
		places: []string{"Kabul", "Kandahar", "Herat", "Jalalabad", "Kunduz", "Mazar-i-Sharif", "Peshawar", "Quetta",
			"Islamabad", "Doha", "Tashkent", "Dushanbe", "Lahore", "Karachi", "Ghazni", "Khost", "Bamiyan", "Faizabad",
			"Nangarhar province", "Helmand province", "Kunar province", "the Panjshir valley", "the border town of Torkham"},
		firstNames: []string{"Amina", "Farid", "Layla", "Omar", "Nadia", "Karim", "Sahar", "Yusuf", "Mariam", "Tariq",
			"Zahra", "Hamid", "Leena", "Javed", "Soraya", "Bilal", "Hana", "Rashid", "Parwin", "Idris", "Claire", "Martin",
			"Sofia", "Daniel", "Ingrid", "Pedro"},
		lastNames: []string{"Rahimi", "Haidari", "Nazari", "Sultani", "Karimi", "Ahmadzai", "Popal", "Wardak", "Stanekzai",
			"Noori", "Qaderi", "Barakzai", "Hashimi", "Jalali", "Dupont", "Lindqvist", "Moreau", "Okafor", "Fernandes", "Novak"},
		roles: []string{"a spokesperson", "the director", "a senior analyst", "a researcher", "the head of operations",
			"a former adviser", "a field coordinator", "the deputy minister", "a legal officer", "a regional commander"},
		orgs: []string{"the UN Assistance Mission", "the International Committee of the Red Cross", "Human Rights Watch",
			"the World Food Programme", "the Ministry of Public Health", "the Ministry of Interior", "Médecins Sans Frontières",
			"the International Crisis Group", "the UN refugee agency", "the Afghanistan Analysts Network",
			"the Norwegian Refugee Council", "the Pentagon", "the European Commission", "the World Bank",
			"the Committee to Protect Journalists", "the provincial council", "Amnesty International", "Save the Children"},
		groups: []string{"families", "displaced people", "aid workers", "schoolgirls", "former soldiers", "journalists",
			"health workers", "returnees", "farmers", "prisoners", "civil servants", "shopkeepers"},
		events: []string{"an explosion near a mosque", "a suicide bombing at a checkpoint", "an attack on a bus",
			"a rocket strike on the airport", "clashes near the border", "a drone strike", "an ambush on a convoy",
			"an attack on a hospital", "a raid on a prison", "fighting in the old city"},
		things: []string{"fighters", "refugees", "tonnes of wheat", "landmines", "schools", "clinics", "trucks of aid",
			"weapons", "checkpoints", "detainees", "households"},
		verbs: []string{"crossed into", "fled", "arrived in", "were recorded in", "remained in", "were sent to", "left"},
		findings: []string{"had no access to clean water", "had lost their income", "could not reach a clinic",
			"were going hungry", "had been displaced at least twice", "had no identity documents", "lived in tents"},
		quoteLines: []string{"We have never seen numbers like this", "The situation is getting worse every week",
			"Nobody has told us what happens next", "People are selling everything they own to eat",
			"The attacks follow a pattern we have documented for years", "We need access, not promises",
			"Most of the victims were civilians", "The figures we have are almost certainly too low",
			"They came at night and took everyone", "Our teams are working around the clock"},
		weekdays: []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		months: []string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		colour: []string{"The streets were quiet by the evening.", "Shops reopened slowly in the days that followed.",
			"Residents described long queues outside the banks.", "Officials did not respond to requests for comment.",
			"The road to the city was closed for most of the day.", "Several witnesses gave similar accounts."},
		outlets:         []string{"The Daily Ledger", "Northern Herald", "The Evening Standard-Bearer", "Coastline Times", "The Observer Review"},
		sourceKinds:     []string{"report", "named_person", "anonymous_official", "organisation", "government", "news_agency", "photo_agency", "dataset", "document"},
		reliabilities:   []string{"A", "B", "B", "C", "C", "C", "D", "E", "F"},
		agencies:        []string{"Reuters", "Associated Press", "Agence France-Presse", "Anadolu", "EFE", "Xinhua", "Press Trust of India", "Kyodo"},
		proposeStatuses: []string{"verified", "verified", "verified", "misleading", "false", "disputed", "outdated", "unverifiable"},
		relations:       []string{"attributed_to", "attributed_to", "quoted_from", "derived_from"},
	}
}

// generator makes the corpus: the same seed makes the same articles and sources.
type generator struct {
	seed uint64
	v    vocabulary
}

func newGenerator(seed uint64) *generator { return &generator{seed: seed, v: newVocabulary()} }

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func (g *generator) name(r *rand.Rand) string {
	return pick(r, g.v.firstNames) + " " + pick(r, g.v.lastNames)
}

// number writes n the way news text does: 2,200 rather than 2200.
func number(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ptr(f float64) *float64 { return &f }

// sentence makes one claim-worthy sentence with the claim's text, kind and quantities. With
// mention it names SearchWord once; without, never.
func (g *generator) sentence(r *rand.Rand, mention bool) passage {
	year := 2020 + r.IntN(6)
	month, day := r.IntN(12), 1+r.IntN(28)
	date := fmt.Sprintf("%d-%02d-%02d", year, month+1, day)
	var p passage
	var core string
	switch k := r.IntN(8); k {
	case 0:
		killed, injured := 3+r.IntN(200), 5+r.IntN(400)
		place := pick(r, g.v.places)
		core = fmt.Sprintf("At least %s people were killed and %s injured in %s in %s on %s, according to %s",
			number(killed), number(injured), pick(r, g.v.events), place, pick(r, g.v.weekdays), pick(r, g.v.orgs))
		p.Kind, p.Text = "casualty_count", fmt.Sprintf("At least %s people were killed in %s.", number(killed), place)
		p.Quantities = []quantity{
			{Value: ptr(float64(killed)), Lower: ptr(float64(killed)), Qualifier: "at least", Unit: "people killed", AsOf: date},
			{Value: ptr(float64(injured)), Lower: ptr(float64(injured)), Qualifier: "at least", Unit: "people injured", AsOf: date},
		}
	case 1:
		lo := 100 * (1 + r.IntN(90))
		hi := lo + 100*(1+r.IntN(50))
		what, place := pick(r, g.v.things), pick(r, g.v.places)
		core = fmt.Sprintf("%s estimates that between %s and %s %s %s %s since %s",
			capitalise(pick(r, g.v.orgs)), number(lo), number(hi), what, pick(r, g.v.verbs), place, g.v.months[month])
		p.Kind, p.Text = "estimate", fmt.Sprintf("Between %s and %s %s are in %s.", number(lo), number(hi), what, place)
		p.Quantities = []quantity{{Lower: ptr(float64(lo)), Upper: ptr(float64(hi)), Qualifier: "between", Unit: what, AsOf: date}}
	case 2:
		pct := 5 + r.IntN(90)
		grp, place, finding := pick(r, g.v.groups), pick(r, g.v.places), pick(r, g.v.findings)
		core = fmt.Sprintf("A report by %s published in %s %d found that %d per cent of %s in %s %s",
			pick(r, g.v.orgs), g.v.months[month], year, pct, grp, place, finding)
		p.Kind, p.Text = "report_finding", fmt.Sprintf("%d%% of %s in %s %s.", pct, grp, place, finding)
		p.Quantities = []quantity{{Value: ptr(float64(pct)), Unit: "per cent of " + grp}}
	case 3:
		line, who, org := pick(r, g.v.quoteLines), g.name(r), pick(r, g.v.orgs)
		core = fmt.Sprintf("“%s,” said %s, %s at %s", line, who, pick(r, g.v.roles), org)
		p.Kind, p.Text = "quote", fmt.Sprintf("%s of %s said: %s.", who, org, line)
	case 4:
		n, place := 2+r.IntN(60), pick(r, g.v.places)
		core = fmt.Sprintf("Two officials in %s, who spoke on condition of anonymity, said %d %s had been detained in the past week",
			place, n, pick(r, g.v.groups))
		p.Kind, p.Text = "attribution", fmt.Sprintf("%d people were detained in %s in one week.", n, place)
		p.Quantities = []quantity{{Value: ptr(float64(n)), Unit: "people detained"}}
	case 5:
		place := pick(r, g.v.places)
		core = fmt.Sprintf("Fighters took control of %s on %s %d, %d, after %d days of fighting",
			place, g.v.months[month], day, year, 2+r.IntN(40))
		p.Kind, p.Text = "event", fmt.Sprintf("Fighters took control of %s on %s.", place, date)
	case 6:
		city := pick(r, g.v.places)
		core = fmt.Sprintf("The agreement was signed in %s on %s %d, %d, by %s and %s",
			city, g.v.months[month], day, year, g.name(r), g.name(r))
		p.Kind, p.Text = "date", fmt.Sprintf("The agreement was signed on %s in %s.", date, city)
	default:
		who, org := g.name(r), pick(r, g.v.orgs)
		core = fmt.Sprintf("%s, formerly %s at %s until %d, now leads a network of %s in %s",
			who, pick(r, g.v.roles), org, year, pick(r, g.v.groups), pick(r, g.v.places))
		p.Kind, p.Text = "affiliation", fmt.Sprintf("%s worked for %s until %d.", who, org, year)
	}
	if mention {
		core += ", weeks into the " + SearchWord
	}
	p.Quote = core + "."
	return p
}

func capitalise(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[size:]
}

// article generates article i of a corpus: ClaimsPerArticle passages to claim, one or two
// spare passages after each, a sentence of g.v.colour now and then, in paragraphs. Every passage
// occurs once in the body; the same seed and index always give the same article.
func (g *generator) article(i int) article {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	place := pick(r, g.v.places)
	a := article{
		Title:       fmt.Sprintf("%s: %s as aid runs short", place, capitalise(pick(r, g.v.groups))+" wait at the border"),
		Outlet:      pick(r, g.v.outlets),
		Author:      g.name(r),
		PublishedAt: time.Date(2021+r.IntN(5), time.Month(1+r.IntN(12)), 1+r.IntN(28), 6+r.IntN(14), r.IntN(60), 0, 0, time.UTC),
	}
	a.URL = fmt.Sprintf("https://news.example.org/%d/load-%d-%d", a.PublishedAt.Year(), g.seed, i)
	var body strings.Builder
	offset := 0 // code points written so far
	inParagraph := 0
	// write appends a sentence, after a space or a paragraph break, and returns the code
	// point offset at which it starts.
	write := func(s string) int {
		if offset > 0 {
			sep := " "
			if inParagraph >= 2+r.IntN(3) {
				sep, inParagraph = "\n\n", 0
			}
			body.WriteString(sep)
			offset += utf8.RuneCountInString(sep)
		}
		start := offset
		body.WriteString(s)
		offset += utf8.RuneCountInString(s)
		inParagraph++
		return start
	}
	add := func() passage {
		for {
			p := g.sentence(r, r.Float64() < SearchShare)
			// A sentence that occurs twice would make its quote ambiguous; the lists are
			// large enough that a redraw is rare.
			if strings.Contains(body.String(), p.Quote) {
				continue
			}
			p.Start = write(p.Quote)
			return p
		}
	}
	for range ClaimsPerArticle {
		a.Claimed = append(a.Claimed, add())
		for range 1 + r.IntN(2) {
			a.Spare = append(a.Spare, add())
		}
		if r.IntN(4) == 0 {
			write(pick(r, g.v.colour))
		}
	}
	a.Body = body.String()
	return a
}

// source generates source i of the pool.
func (g *generator) source(i int) source {
	r := rand.New(rand.NewPCG(g.seed, 1<<32+uint64(i)))
	s := source{Kind: g.v.sourceKinds[i%len(g.v.sourceKinds)], Reliability: pick(r, g.v.reliabilities)}
	year := 2018 + r.IntN(8)
	switch s.Kind {
	case "report":
		s.Name = fmt.Sprintf("%s report no. %d on %s", capitalise(pick(r, g.v.orgs)), i, pick(r, g.v.groups))
		s.Publisher = pick(r, g.v.orgs)
		s.URL = fmt.Sprintf("https://reports.example.org/%d/%d", year, i)
		s.PublishedAt = fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))
	case "named_person":
		s.Name = g.name(r)
		s.Affiliation = capitalise(pick(r, g.v.orgs))
	case "anonymous_official":
		s.Name = fmt.Sprintf("An official in %s (source %d)", pick(r, g.v.places), i)
		s.Affiliation = capitalise(pick(r, g.v.orgs))
		s.Notes = "Spoke on condition of anonymity; identity known to the desk."
	case "organisation":
		s.Name = fmt.Sprintf("%s, %s office", capitalise(pick(r, g.v.orgs)), pick(r, g.v.places))
	case "government":
		s.Name = fmt.Sprintf("Provincial government of %s (%d)", pick(r, g.v.places), i)
	case "news_agency":
		s.Name = fmt.Sprintf("%s (%s bureau)", pick(r, g.v.agencies), pick(r, g.v.places))
	case "photo_agency":
		s.Name = fmt.Sprintf("%s Pictures, frame %d", pick(r, g.v.agencies), i)
	case "dataset":
		s.Name = fmt.Sprintf("Displacement tracking dataset, round %d", i)
		s.Publisher = pick(r, g.v.orgs)
		s.URL = fmt.Sprintf("https://data.example.org/dtm/%d", i)
	default:
		s.Name = fmt.Sprintf("Leaked memo no. %d from %s", i, pick(r, g.v.orgs))
	}
	return s
}
