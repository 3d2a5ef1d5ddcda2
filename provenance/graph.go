package provenance

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"verity/claims"
)

// Graph is the provenance of one claim: the claim, the article it is anchored in, the
// citations linking it to sources, and the derivations upstream of the cited sources.
type Graph struct {
	Claim     *claims.Claim
	Article   *claims.Article
	Citations []*Citation
	// Upstream holds every derivation reachable from a cited source, breadth-first from the
	// cited sources in citation order, each once.
	Upstream []Derivation
	// Sources holds every source cited or upstream, by id.
	Sources map[int64]*Source
	// Evidence is what reviewers attached to the claim, withdrawn items included.
	Evidence []*claims.Evidence
}

// ClaimGraph follows a claim to its article, its cited sources and everything upstream of
// them. It only reads, so anyone who may read may call it. It returns NotFound for a missing
// claim.
func (s *Store) ClaimGraph(ctx context.Context, claimID int64) (*Graph, error) {
	c, err := s.claims.FindClaimByID(ctx, claimID)
	if err != nil {
		return nil, err
	}
	a, err := s.claims.FindArticleByID(ctx, c.ArticleID)
	if err != nil {
		return nil, err
	}
	cits, err := s.findCitations(ctx, claimID)
	if err != nil {
		return nil, err
	}
	sources := make(map[int64]*Source)
	var roots []int64
	for _, ci := range cits {
		if ci.Source != nil {
			sources[ci.SourceID] = ci.Source
		}
		if !slices.Contains(roots, ci.SourceID) {
			roots = append(roots, ci.SourceID)
		}
	}
	edges, err := s.reachableUpstream(ctx, roots)
	if err != nil {
		return nil, err
	}
	edges = breadthFirst(edges, roots)
	var missing []int64
	for _, e := range edges {
		for _, id := range [...]int64{e.SourceID, e.DerivedFromID} {
			if _, ok := sources[id]; !ok && !slices.Contains(missing, id) {
				missing = append(missing, id)
			}
		}
	}
	upstream, err := s.findSources(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, src := range upstream {
		sources[id] = src
	}
	evidence, err := s.claims.ClaimEvidence(ctx, claimID)
	if err != nil {
		return nil, err
	}
	return &Graph{Claim: c, Article: a, Citations: cits, Upstream: edges, Sources: sources, Evidence: evidence}, nil
}

// ProvNamespace is the namespace of the "verity" prefix in PROV documents.
const ProvNamespace = "urn:verity:"

func claimRef(id int64) string    { return fmt.Sprintf("verity:claim/%d", id) }
func evidenceRef(id int64) string { return fmt.Sprintf("verity:evidence/%d", id) }
func sourceRef(id int64) string   { return fmt.Sprintf("verity:source/%d", id) }
func revisionRef(articleID int64, revision int) string {
	return fmt.Sprintf("verity:article/%d/revision/%d", articleID, revision)
}

// qualifiedName is a PROV-JSON typed literal holding a qualified name, the form prov:type
// values take.
func qualifiedName(name string) map[string]any {
	return map[string]any{"$": name, "type": "prov:QUALIFIED_NAME"}
}

func typedLiteral(value any, xsdType string) map[string]any {
	return map[string]any{"$": value, "type": xsdType}
}

func dateTime(t time.Time) map[string]any {
	return typedLiteral(t.UTC().Format(time.RFC3339Nano), "xsd:dateTime")
}

// IsAgent reports whether a source of this kind said something (a PROV agent) rather than
// being material that can be derived from (a PROV entity).
func (k SourceKind) IsAgent() bool {
	switch k {
	case KindReport, KindDocument, KindDataset:
		return false
	}
	return true
}

// IsPerson reports whether a source of this kind is a person rather than a body.
func (k SourceKind) IsPerson() bool { return k == KindNamedPerson || k == KindAnonymousOfficial }

func agentType(k SourceKind) string {
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

// provDoc accumulates a PROV-JSON document; relation ids are numbered per relation in the
// order relations are added, so equal graphs give equal documents.
type provDoc struct {
	entity, agent                            map[string]any
	derivedFrom, attributedTo, influencedBy  map[string]any
	nDerivedFrom, nAttributedTo, nInfluenced int
}

func (d *provDoc) add(rel map[string]any, prefix string, n *int, attrs map[string]any) {
	*n++
	rel[fmt.Sprintf("_:%s%d", prefix, *n)] = attrs
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
// Each relation carries its citation's or derivation's details as verity: attributes.
func (g *Graph) PROV() map[string]any {
	d := &provDoc{
		entity: map[string]any{}, agent: map[string]any{},
		derivedFrom: map[string]any{}, attributedTo: map[string]any{}, influencedBy: map[string]any{},
	}
	kindOf := func(id int64) SourceKind {
		if src := g.Sources[id]; src != nil {
			return src.Kind
		}
		return KindDocument
	}

	var claim string
	if c := g.Claim; c != nil {
		claim = claimRef(c.ID)
		d.entity[claim] = map[string]any{
			"prov:type":           qualifiedName("verity:Claim"),
			"prov:label":          c.Text,
			"prov:value":          c.Quote,
			"verity:kind":         string(c.Kind),
			"verity:stage":        string(c.Stage),
			"verity:status":       string(c.Status),
			"verity:anchor_start": c.AnchorStart,
			"verity:anchor_end":   c.AnchorEnd,
			"verity:anchor_state": string(c.AnchorState),
		}
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
			d.entity[rev] = attrs
			d.add(d.derivedFrom, "d", &d.nDerivedFrom, map[string]any{
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
			d.agent[sourceRef(id)] = attrs
		} else {
			attrs["prov:type"] = qualifiedName("verity:Source")
			d.entity[sourceRef(id)] = attrs
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
				d.add(d.attributedTo, "a", &d.nAttributedTo, attrs)
				continue
			}
			attrs["prov:generatedEntity"] = claim
			attrs["prov:usedEntity"] = sourceRef(ci.SourceID)
			if ci.Relation == QuotedFrom {
				attrs["prov:type"] = qualifiedName("prov:Quotation")
			}
			d.add(d.derivedFrom, "d", &d.nDerivedFrom, attrs)
		}
	}

	for _, e := range g.Upstream {
		attrs := map[string]any{"verity:relation": string(DerivedFrom)}
		setIf(attrs, "verity:note", e.Note)
		if !kindOf(e.SourceID).IsAgent() && !kindOf(e.DerivedFromID).IsAgent() {
			attrs["prov:generatedEntity"] = sourceRef(e.SourceID)
			attrs["prov:usedEntity"] = sourceRef(e.DerivedFromID)
			d.add(d.derivedFrom, "d", &d.nDerivedFrom, attrs)
			continue
		}
		attrs["prov:influencee"] = sourceRef(e.SourceID)
		attrs["prov:influencer"] = sourceRef(e.DerivedFromID)
		d.add(d.influencedBy, "i", &d.nInfluenced, attrs)
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
				attrs["verity:source"] = sourceRef(*e.SourceID)
			}
			if e.WithdrawnAt != nil {
				attrs["verity:withdrawal_reason"] = e.WithdrawalReason
			}
			d.entity[ref] = attrs
			d.add(d.influencedBy, "i", &d.nInfluenced, map[string]any{
				"prov:influencee": claim,
				"prov:influencer": ref,
				"verity:stance":   string(e.Stance),
			})
		}
	}

	return map[string]any{
		"prefix":          map[string]any{"verity": ProvNamespace},
		"entity":          d.entity,
		"agent":           d.agent,
		"wasDerivedFrom":  d.derivedFrom,
		"wasAttributedTo": d.attributedTo,
		"wasInfluencedBy": d.influencedBy,
	}
}
