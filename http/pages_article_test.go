package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"verity/claims"
	"verity/claims/identity"
)

// articleText is the text of the article as the page shows it, without the markers that
// CSS draws.
func articleText(p page) string {
	return p.doc.Find("#article-text").Text()
}

func TestPageArticleMarksEveryPassage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	a, err := cs.FindArticleByID(ctx, e.seed.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := cs.FindClaims(ctx, claims.Filter{ArticleID: a.ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	p := e.signIn(viewer).get("/articles/" + itoa(a.ID))
	wantPage(t, p, http.StatusOK)
	if got := articleText(p); got != a.Body {
		t.Fatalf("the page's text differs from the body (%d and %d characters)", len([]rune(got)), len([]rune(a.Body)))
	}
	for _, c := range list {
		link := p.doc.Find(`[data-status] a[href="/claims/` + itoa(c.ID) + `"]`)
		if link.Length() == 0 {
			t.Errorf("claim %d (%q) has no marked passage linking to it", c.ID, c.Quote)
			continue
		}
		if st := link.First().Closest("[data-status]").AttrOr("data-status", ""); st != string(c.Status) {
			t.Errorf("claim %d is marked %q, want %q", c.ID, st, c.Status)
		}
	}
	if got := p.text(".summary h2"); got != "69 claims" {
		t.Errorf("summary %q", got)
	}
	if !strings.Contains(p.text(".bar-block"), "Unverified 69") || !p.has("svg.bar rect.s-unverified") {
		t.Errorf("the status bar says %q", p.text(".bar-block"))
	}
	// Every verdict has a symbol besides its colour, in the key.
	for _, st := range claims.Statuses() {
		if p.text("#st-"+string(st)+" .swatch") == "" {
			t.Errorf("the key gives %s no symbol", st)
		}
	}
	if p.text(".revisions") == "" {
		t.Error("no revisions listed")
	}
}

func TestPageArticleOverlappingPassages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	body := "Officials said at least 79 Afghans and 13 American soldiers were killed on Thursday."
	a, err := cs.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "Overlaps", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, q := range []string{
		"at least 79 Afghans and 13 American soldiers", // outer
		"13 American soldiers",                         // inside it
		"soldiers were killed on Thursday",             // crossing its end
		"79 Afghans",                                   // inside the outer, alone
	} {
		c, err := cs.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: q})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	// The same passage twice: one of the two links is a marker of its own.
	start := strings.Index(body, "13 American")
	dup, err := cs.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "13 American soldiers", Start: &start})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, dup.ID)

	p := e.signIn(viewer).get("/articles/" + itoa(a.ID))
	wantPage(t, p, http.StatusOK)
	if got := articleText(p); got != body {
		t.Fatalf("the page's text is %q, want the body", got)
	}
	for _, id := range ids {
		if p.doc.Find(`mark[data-status] a[href="/claims/`+itoa(id)+`"]`).Length() == 0 {
			t.Errorf("claim %d has no link in a marked passage", id)
		}
		// The claim's marks, joined, are its passage.
		var parts []string
		p.doc.Find(`mark[data-claim="` + itoa(id) + `"]`).Each(func(_ int, s *goquery.Selection) {
			if s.Parent().AttrOr("data-claim", "") != itoa(id) {
				parts = append(parts, s.Text())
			}
		})
		c, _ := cs.FindClaimByID(ctx, id)
		if got := strings.Join(parts, ""); got != c.Quote {
			t.Errorf("claim %d is marked as %q, want %q", id, got, c.Quote)
		}
	}
	// Marks nest: the words inside two passages are inside two marks.
	if n := p.doc.Find(`mark[data-claim] mark[data-claim]`).Length(); n == 0 {
		t.Error("no mark nests in another")
	}
}

func TestPageArticleCreatesClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/articles/" + itoa(e.seed.ArticleID)
	if e.signIn(reviewer).get(path).has("form#new-claim") {
		t.Error("a reviewer is offered New claim")
	}
	wantPage(t, e.signIn(reviewer).post(path+"/claims", url.Values{"quote": {"Isis-K"}}), http.StatusForbidden)
	ed := e.signIn(editor)
	p := ed.get(path)
	for _, name := range []string{"Quote", "Kind", "Unit", "Value"} {
		if p.labelled(name).Length() != 1 {
			t.Errorf("the new claim form has no field labelled %s", name)
		}
	}
	before := e.auditCount()

	// An ambiguous quote says where it occurs, and keeps the form as typed.
	p = ed.post(path+"/claims", url.Values{"quote": {"Isis-K"}, "text": {"Isis-K is named."}, "kind": {"other"}})
	wantPage(t, p, http.StatusUnprocessableEntity)
	if msg := p.doc.Find("#nc-quote-error").Text(); !strings.Contains(msg, "occurs more than once") || !strings.Contains(msg, "give start") {
		t.Errorf("beside Quote: %q", msg)
	}
	if p.doc.Find("#nc-quote").Text() != "Isis-K" || p.doc.Find("#nc-text").Text() != "Isis-K is named." {
		t.Error("the form does not keep what was typed")
	}
	p = ed.post(path+"/claims", url.Values{"quote": {"13 American soldiers"}, "q_value": {"many"}, "q_unit": {"soldiers"}})
	wantPage(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(".quantity .field-error"), "must be a number") {
		t.Errorf("a bad quantity: %q", p.text(".quantity"))
	}
	if e.auditCount() != before {
		t.Fatal("a refused claim was stored")
	}

	// A good one, with a start and a quantity.
	w := ed.post(path+"/claims", url.Values{"quote": {"13 American soldiers"}, "text": {"13 US service members were killed."},
		"kind": {"casualty_count"}, "q_value": {"13"}, "q_unit": {"US service members killed"}, "q_as_of": {"2021-08-26"}})
	loc := wantRedirect(t, w, "/claims/")
	p = ed.get(loc)
	wantPage(t, p, http.StatusOK)
	if !strings.Contains(p.text(".notice"), "Claim created") || p.text("h1") != "13 US service members were killed." || !strings.Contains(p.text(".quantities"), "13") {
		t.Errorf("the new claim's page: %q %q %q", p.text(".notice"), p.text("h1"), p.text(".quantities"))
	}
}

func TestPageSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.signIn(viewer)
	// The seed's UN report draws on member states' briefings.
	p := v.get("/sources/1")
	wantPage(t, p, http.StatusOK)
	if !p.has(".grade") || p.text(".reliability") == "" {
		t.Error("no reliability shown")
	}
	up, down := p.text("#up-title ~ *"), p.text("#down-title ~ *")
	if up == "" || down == "" {
		t.Errorf("upstream %q, downstream %q", up, down)
	}
	if len(p.rows()) == 0 {
		t.Error("no claim cites source 1")
	}
	for _, id := range p.rows() {
		c := v.get("/claims/" + id)
		if !c.has(`.citations a[href="/sources/1"]`) {
			t.Errorf("claim %s is listed under source 1 but does not cite it", id)
		}
	}
	wantPage(t, v.get("/sources/9999"), http.StatusNotFound)
}
