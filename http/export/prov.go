package export

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"verity/claims"
	"verity/provenance"
)

// ProvNamespace is the namespace of the "verity" prefix in PROV documents.
const ProvNamespace = "urn:verity:"

// The identifiers of the records a PROV document holds.
func claimRef(id int64) string    { return fmt.Sprintf("verity:claim/%d", id) }
func evidenceRef(id int64) string { return fmt.Sprintf("verity:evidence/%d", id) }
func sourceRef(id int64) string   { return fmt.Sprintf("verity:source/%d", id) }
func userRef(id int64) string     { return fmt.Sprintf("verity:user/%d", id) }
func reviewRef(id int64) string   { return fmt.Sprintf("verity:review/%d", id) }
func proposalRef(id int64) string { return fmt.Sprintf("verity:proposal/%d", id) }
func verdictRef(id int64) string  { return fmt.Sprintf("verity:verdict/%d", id) }
func revisionRef(articleID int64, revision int) string {
	return fmt.Sprintf("verity:article/%d/revision/%d", articleID, revision)
}

// qualifiedName is a PROV-JSON typed literal holding a qualified name: the form of prov:type
// values and of any attribute that refers to another record.
func qualifiedName(name string) map[string]any {
	return map[string]any{"$": name, "type": "prov:QUALIFIED_NAME"}
}

// typedLiteral is a PROV-JSON typed literal; PROV-JSON writes its value as a string.
func typedLiteral(value, xsdType string) map[string]any {
	return map[string]any{"$": value, "type": xsdType}
}

func dateTime(t time.Time) map[string]any {
	return typedLiteral(t.UTC().Format(time.RFC3339Nano), "xsd:dateTime")
}

func agentType(k provenance.SourceKind) string {
	if k.IsPerson() {
		return "prov:Person"
	}
	return "prov:Organization"
}

// setIf adds an attribute only when it has a value, so that documents do not fill up with
// empty strings that a reader could take for stated facts.
func setIf(attrs map[string]any, name, value string) {
	if value != "" {
		attrs[name] = value
	}
}

// provDoc accumulates a PROV-JSON document: records by identifier under each PROV key.
// Relations have blank-node identifiers numbered per key in the order they are added, so
// equal graphs give equal documents.
type provDoc struct {
	records map[string]map[string]any
	counts  map[string]int
}

// provKeys are the PROV-JSON keys a document always has, empty or not, so that a reader
// finds the same shape for every claim.
var provKeys = []string{
	"entity", "activity", "agent",
	"wasGeneratedBy", "used", "wasInvalidatedBy", "wasDerivedFrom", "wasAttributedTo",
	"wasAssociatedWith", "wasInfluencedBy",
}

// relationPrefix is the letter of each relation's blank-node identifiers.
var relationPrefix = map[string]string{
	"wasGeneratedBy": "g", "used": "u", "wasInvalidatedBy": "x", "wasDerivedFrom": "d",
	"wasAttributedTo": "a", "wasAssociatedWith": "w", "wasInfluencedBy": "i",
}

func newProvDoc() *provDoc {
	d := &provDoc{records: map[string]map[string]any{}, counts: map[string]int{}}
	for _, k := range provKeys {
		d.records[k] = map[string]any{}
	}
	return d
}

// declare adds an entity, activity or agent record.
func (d *provDoc) declare(key, id string, attrs map[string]any) { d.records[key][id] = attrs }

// relate adds a relation record.
func (d *provDoc) relate(key string, attrs map[string]any) {
	d.counts[key]++
	d.records[key][fmt.Sprintf("_:%s%d", relationPrefix[key], d.counts[key])] = attrs
}

// PROV returns the graph as a W3C PROV-JSON document, ready to encode as JSON.
//
// The claim and the article revision it quotes are entities; so are sources that are
// material (reports, documents, datasets), while sources who speak (people, officials,
// organisations, governments, agencies) are agents. PROV lets only an entity be derived
// from another entity and only an entity be attributed to an agent, so:
//   - claim → article revision is wasDerivedFrom typed prov:Quotation (the quote is a
//     verbatim passage);
//   - a citation of an agent is wasAttributedTo carrying the attribution as written;
//     a citation of an entity is wasDerivedFrom, typed prov:Quotation for quoted_from
//     (PROV-JSON writes wasQuotedFrom that way; it has no key of its own);
//   - a derivation between two entity sources is wasDerivedFrom; one with an agent at
//     either end is wasInfluencedBy, PROV's general relation.
//
// Evidence items are entities that influenced the claim. The review is the activities: each
// transition of the workflow is one (see reviews), associated with the user who made it.
//
// Each record carries its details as verity: attributes; an attribute that names another
// record is a prov:QUALIFIED_NAME.
func PROV(g *provenance.Graph) map[string]any {
	d := newProvDoc()
	kindOf := func(id int64) provenance.SourceKind {
		if src := g.Sources[id]; src != nil {
			return src.Kind
		}
		return provenance.KindDocument
	}

	var claim string
	if c := g.Claim; c != nil {
		claim = claimRef(c.ID)
		d.declare("entity", claim, map[string]any{
			"prov:type":           qualifiedName("verity:Claim"),
			"prov:label":          c.Text,
			"prov:value":          c.Quote,
			"verity:kind":         string(c.Kind),
			"verity:stage":        string(c.Stage),
			"verity:status":       string(c.Status),
			"verity:version":      c.Version,
			"verity:anchor_start": c.AnchorStart,
			"verity:anchor_end":   c.AnchorEnd,
			"verity:anchor_state": string(c.AnchorState),
		})
		if a := g.Article; a != nil {
			rev := revisionRef(a.ID, c.ArticleRevision)
			attrs := map[string]any{
				"prov:type":       qualifiedName("verity:ArticleRevision"),
				"prov:label":      a.Title,
				"verity:revision": c.ArticleRevision,
			}
			setIf(attrs, "verity:outlet", a.Outlet)
			setIf(attrs, "verity:author", a.Author)
			if a.URL != "" {
				attrs["verity:url"] = typedLiteral(a.URL, "xsd:anyURI")
			}
			if a.PublishedAt != nil {
				attrs["verity:published_at"] = dateTime(*a.PublishedAt)
			}
			// The loaded article is the current revision; its hash describes the quoted
			// revision only when the two are the same.
			if a.Revision == c.ArticleRevision {
				attrs["verity:body_sha256"] = a.BodySHA256
			}
			d.declare("entity", rev, attrs)
			d.relate("wasDerivedFrom", map[string]any{
				"prov:generatedEntity": claim,
				"prov:usedEntity":      rev,
				"prov:type":            qualifiedName("prov:Quotation"),
			})
		}
	}

	for _, id := range slices.Sorted(maps.Keys(g.Sources)) {
		src := g.Sources[id]
		attrs := map[string]any{
			"prov:label":         src.Name,
			"verity:kind":        string(src.Kind),
			"verity:reliability": string(src.Reliability),
		}
		setIf(attrs, "verity:affiliation", src.Affiliation)
		setIf(attrs, "verity:publisher", src.Publisher)
		if src.URL != "" {
			attrs["verity:url"] = typedLiteral(src.URL, "xsd:anyURI")
		}
		if src.PublishedAt != nil {
			attrs["verity:published_at"] = dateTime(*src.PublishedAt)
		}
		if src.Kind.IsAgent() {
			attrs["prov:type"] = qualifiedName(agentType(src.Kind))
			d.declare("agent", sourceRef(id), attrs)
		} else {
			attrs["prov:type"] = qualifiedName("verity:Source")
			d.declare("entity", sourceRef(id), attrs)
		}
	}

	if claim != "" {
		for _, ci := range g.Citations {
			attrs := map[string]any{
				"verity:citation": ci.ID,
				"verity:relation": string(ci.Relation),
			}
			setIf(attrs, "verity:attribution", ci.Attribution)
			setIf(attrs, "verity:locator", ci.Locator)
			if kindOf(ci.SourceID).IsAgent() {
				attrs["prov:entity"] = claim
				attrs["prov:agent"] = sourceRef(ci.SourceID)
				d.relate("wasAttributedTo", attrs)
				continue
			}
			attrs["prov:generatedEntity"] = claim
			attrs["prov:usedEntity"] = sourceRef(ci.SourceID)
			if ci.Relation == provenance.QuotedFrom {
				attrs["prov:type"] = qualifiedName("prov:Quotation")
			}
			d.relate("wasDerivedFrom", attrs)
		}
	}

	for _, e := range g.Upstream {
		attrs := map[string]any{"verity:relation": string(provenance.DerivedFrom)}
		setIf(attrs, "verity:note", e.Note)
		if !kindOf(e.SourceID).IsAgent() && !kindOf(e.DerivedFromID).IsAgent() {
			attrs["prov:generatedEntity"] = sourceRef(e.SourceID)
			attrs["prov:usedEntity"] = sourceRef(e.DerivedFromID)
			d.relate("wasDerivedFrom", attrs)
			continue
		}
		attrs["prov:influencee"] = sourceRef(e.SourceID)
		attrs["prov:influencer"] = sourceRef(e.DerivedFromID)
		d.relate("wasInfluencedBy", attrs)
	}

	// Evidence bears on the claim's verdict, not on where its words came from: each item is an
	// entity that influenced the claim, with its stance; withdrawn items stay, marked.
	if claim != "" {
		for _, e := range g.Evidence {
			ref := evidenceRef(e.ID)
			attrs := map[string]any{
				"prov:type":        qualifiedName("verity:Evidence"),
				"verity:stance":    string(e.Stance),
				"verity:withdrawn": e.WithdrawnAt != nil,
				"verity:added_at":  dateTime(e.CreatedAt),
			}
			setIf(attrs, "prov:label", e.Title)
			setIf(attrs, "verity:excerpt", e.Excerpt)
			if e.URL != "" {
				attrs["verity:url"] = typedLiteral(e.URL, "xsd:anyURI")
			}
			if e.AttachmentSHA256 != nil {
				attrs["verity:attachment_sha256"] = *e.AttachmentSHA256
			}
			if e.SourceID != nil {
				attrs["verity:source"] = qualifiedName(sourceRef(*e.SourceID))
			}
			if e.WithdrawnAt != nil {
				attrs["verity:withdrawn_at"] = dateTime(*e.WithdrawnAt)
				attrs["verity:withdrawal_reason"] = e.WithdrawalReason
			}
			d.declare("entity", ref, attrs)
			d.relate("wasInfluencedBy", map[string]any{
				"prov:influencee": claim,
				"prov:influencer": ref,
				"verity:stance":   string(e.Stance),
			})
		}
		d.reviews(g, claim)
	}

	doc := map[string]any{"prefix": map[string]any{"verity": ProvNamespace}}
	for k, recs := range d.records {
		doc[k] = recs
	}
	return doc
}

// reviews writes the claim's review history. Each transition is an activity, at the time
// it was made, associated with the user who made it, that used the claim. Beyond that:
//   - propose used the evidence that stood then (added and not withdrawn) and generated a
//     proposal entity with the proposed status and rationale;
//   - sign_off used the proposal and that evidence and generated the verdict, an entity
//     derived from the proposal;
//   - reject invalidated the proposal it discarded, reopen the verdict it withdrew.
func (d *provDoc) reviews(g *provenance.Graph, claim string) {
	var proposal, verdict string
	var rationale string
	for i := range g.Reviews {
		ev := &g.Reviews[i]
		act := reviewRef(ev.ID)
		attrs := map[string]any{
			"prov:type":            qualifiedName("verity:" + activityName(ev.Action)),
			"prov:startTime":       ev.CreatedAt.UTC().Format(time.RFC3339Nano),
			"prov:endTime":         ev.CreatedAt.UTC().Format(time.RFC3339Nano),
			"verity:action":        string(ev.Action),
			"verity:from_stage":    string(ev.FromStage),
			"verity:to_stage":      string(ev.ToStage),
			"verity:claim_version": ev.ClaimVersion,
		}
		setIf(attrs, "verity:status", string(ev.Status))
		setIf(attrs, "verity:rationale", ev.Rationale)
		if ev.AssigneeID != nil {
			attrs["verity:assignee"] = qualifiedName(userRef(*ev.AssigneeID))
		}
		d.declare("activity", act, attrs)
		if ev.ActorID != nil {
			user := userRef(*ev.ActorID)
			agent := map[string]any{"prov:type": qualifiedName("prov:Person")}
			setIf(agent, "prov:label", g.Reviewers[*ev.ActorID])
			d.declare("agent", user, agent)
			d.relate("wasAssociatedWith", map[string]any{"prov:activity": act, "prov:agent": user})
		}
		at := attrs["prov:endTime"]
		d.relate("used", map[string]any{"prov:activity": act, "prov:entity": claim, "prov:time": at})

		switch ev.Action {
		case claims.ActionPropose:
			d.usedEvidence(g, act, ev.CreatedAt, at)
			proposal, rationale = proposalRef(ev.ID), ev.Rationale
			d.declare("entity", proposal, verdictAttrs("verity:Proposal", ev.Status, rationale))
			d.relate("wasGeneratedBy", map[string]any{"prov:entity": proposal, "prov:activity": act, "prov:time": at})
		case claims.ActionSignOff:
			d.usedEvidence(g, act, ev.CreatedAt, at)
			verdict = verdictRef(ev.ID)
			d.declare("entity", verdict, verdictAttrs("verity:Verdict", ev.Status, rationale))
			d.relate("wasGeneratedBy", map[string]any{"prov:entity": verdict, "prov:activity": act, "prov:time": at})
			if proposal != "" {
				d.relate("used", map[string]any{"prov:activity": act, "prov:entity": proposal, "prov:time": at})
				d.relate("wasDerivedFrom", map[string]any{"prov:generatedEntity": verdict, "prov:usedEntity": proposal, "prov:activity": act})
			}
			proposal = ""
		case claims.ActionReject:
			if proposal != "" {
				d.relate("used", map[string]any{"prov:activity": act, "prov:entity": proposal, "prov:time": at})
				d.relate("wasInvalidatedBy", map[string]any{"prov:entity": proposal, "prov:activity": act, "prov:time": at})
			}
			proposal = ""
		case claims.ActionReopen:
			if verdict != "" {
				d.relate("wasInvalidatedBy", map[string]any{"prov:entity": verdict, "prov:activity": act, "prov:time": at})
			}
			verdict = ""
		}
	}
}

// usedEvidence relates an activity at time t to every evidence item that stood then.
func (d *provDoc) usedEvidence(g *provenance.Graph, act string, t time.Time, at any) {
	for _, e := range g.Evidence {
		if e.CreatedAt.After(t) || e.WithdrawnAt != nil && !e.WithdrawnAt.After(t) {
			continue
		}
		d.relate("used", map[string]any{"prov:activity": act, "prov:entity": evidenceRef(e.ID), "prov:time": at})
	}
}

func verdictAttrs(typ string, st claims.Status, rationale string) map[string]any {
	attrs := map[string]any{"prov:type": qualifiedName(typ), "prov:value": string(st), "verity:status": string(st)}
	setIf(attrs, "verity:rationale", rationale)
	return attrs
}

// activityName spells an action as a type name: sign_off → SignOff.
func activityName(a claims.Action) string {
	var b strings.Builder
	for _, part := range strings.Split(string(a), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
