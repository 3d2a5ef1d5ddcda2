package provenance

import (
	"context"
	"slices"

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
	// Reviews are the claim's workflow transitions, oldest first.
	Reviews []claims.ReviewEvent
	// Reviewers names the users who made those transitions, by id.
	Reviewers map[int64]string
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
	reviews, reviewers, err := s.reviewHistory(ctx, claimID)
	if err != nil {
		return nil, err
	}
	return &Graph{
		Claim: c, Article: a, Citations: cits, Upstream: edges, Sources: sources, Evidence: evidence,
		Reviews: reviews, Reviewers: reviewers,
	}, nil
}

// reviewHistory reads every transition of a claim, page by page, and the names of the users
// who made them.
func (s *Store) reviewHistory(ctx context.Context, claimID int64) ([]claims.ReviewEvent, map[int64]string, error) {
	const page = 200
	var all []claims.ReviewEvent
	for after := int64(0); ; {
		events, more, err := s.claims.FindReviewEvents(ctx, claimID, after, page)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, events...)
		if !more || len(events) == 0 {
			break
		}
		after = events[len(events)-1].ID
	}
	names := map[int64]string{}
	for _, e := range all {
		if e.ActorID == nil {
			continue
		}
		if _, ok := names[*e.ActorID]; ok {
			continue
		}
		u, err := s.identity.FindUserByID(ctx, *e.ActorID)
		if err != nil {
			return nil, nil, err
		}
		names[u.ID] = u.Name
	}
	if all == nil {
		all = []claims.ReviewEvent{}
	}
	return all, names, nil
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
