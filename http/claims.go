package http

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/provenance"
)

// QuantityDTO is a number a claim states.
type QuantityDTO struct {
	Value     *float64 `json:"value"`
	Lower     *float64 `json:"lower"`
	Upper     *float64 `json:"upper"`
	Qualifier string   `json:"qualifier"`
	Unit      string   `json:"unit" validate:"required"`
	AsOf      string   `json:"as_of"`
}

func quantitiesIn(in []QuantityDTO) []claims.Quantity {
	out := make([]claims.Quantity, len(in))
	for i, q := range in {
		out[i] = claims.Quantity(q)
	}
	return out
}

func quantitiesOut(in []claims.Quantity) []QuantityDTO {
	out := make([]QuantityDTO, len(in))
	for i, q := range in {
		out[i] = QuantityDTO(q)
	}
	return out
}

// ClaimRequest is the body of POST /api/v1/claims.
type ClaimRequest struct {
	ArticleID  ID            `json:"article_id" validate:"required"`
	Quote      string        `json:"quote" validate:"required"`
	Start      *int          `json:"start"`
	Text       string        `json:"text"`
	Kind       string        `json:"kind" validate:"omitempty,claim_kind"`
	Quantities []QuantityDTO `json:"quantities" validate:"dive"`
	// Citations are created with the claim, in its transaction: a bad one creates nothing.
	Citations []CitationRequest `json:"citations" validate:"max=50,dive"`
}

// ClaimPatch is the body of PATCH /api/v1/claims/{id}; absent fields stay as they are.
type ClaimPatch struct {
	Text       *string        `json:"text"`
	Kind       *string        `json:"kind" validate:"omitempty,claim_kind"`
	Quantities *[]QuantityDTO `json:"quantities" validate:"omitempty,dive"`
}

// AnchorDTO locates a quote: code point offsets plus the quote and its context.
type AnchorDTO struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Exact  string `json:"exact"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
}

// ClaimResponse is a claim; the detail view adds citations.
type ClaimResponse struct {
	ID              ID            `json:"id"`
	ArticleID       ID            `json:"article_id"`
	ArticleRevision int           `json:"article_revision"`
	Quote           string        `json:"quote"`
	Text            string        `json:"text"`
	Anchor          AnchorDTO     `json:"anchor"`
	AnchorState     string        `json:"anchor_state"`
	Kind            string        `json:"kind"`
	Quantities      []QuantityDTO `json:"quantities"`
	Stage           string        `json:"stage"`
	Status          string        `json:"status"`
	Rationale       string        `json:"rationale"`
	AssigneeID      *ID           `json:"assignee_id"`
	Proposal        *ProposalDTO  `json:"proposal"`
	SignedOffBy     *ID           `json:"signed_off_by"`
	SignedOffAt     *Time         `json:"signed_off_at"`
	Version         int64         `json:"version"`
	CreatedAt       Time          `json:"created_at"`
	UpdatedAt       Time          `json:"updated_at"`
}

// ProposalDTO is a verdict awaiting sign-off: not a verdict yet.
type ProposalDTO struct {
	Status     string `json:"status"`
	Rationale  string `json:"rationale"`
	ProposedBy *ID    `json:"proposed_by"`
	ProposedAt Time   `json:"proposed_at"`
}

// ClaimDetail is a claim with the citations (each with its source) and the evidence that
// back it.
type ClaimDetail struct {
	ClaimResponse
	Citations []CitationResponse `json:"citations"`
	Evidence  []EvidenceResponse `json:"evidence"`
}

func claimResponse(c *claims.Claim) ClaimResponse {
	a := c.Anchor()
	r := ClaimResponse{
		ID: ID(c.ID), ArticleID: ID(c.ArticleID), ArticleRevision: c.ArticleRevision,
		Quote: c.Quote, Text: c.Text,
		Anchor:      AnchorDTO(a),
		AnchorState: string(c.AnchorState), Kind: string(c.Kind), Quantities: quantitiesOut(c.Quantities),
		Stage: string(c.Stage), Status: string(c.Status), Rationale: c.Rationale,
		AssigneeID: ptrID(c.AssigneeID), SignedOffBy: ptrID(c.SignedOffBy), SignedOffAt: fromTimePtr(c.SignedOffAt),
		Version: c.Version, CreatedAt: Time{c.CreatedAt}, UpdatedAt: Time{c.UpdatedAt},
	}
	if c.ProposedStatus != nil {
		p := &ProposalDTO{Status: string(*c.ProposedStatus), Rationale: c.ProposedRationale, ProposedBy: ptrID(c.ProposedBy)}
		if c.ProposedAt != nil {
			p.ProposedAt = Time{*c.ProposedAt}
		}
		r.Proposal = p
	}
	return r
}

// claimFilter reads the filters shared by the claim listings.
func claimFilter(q *query) provenance.ClaimFilter {
	return provenance.ClaimFilter{
		Filter: claims.Filter{
			ArticleID:  q.id("article_id"),
			Stage:      claims.Stage(q.str("stage")),
			Status:     claims.Status(q.str("status")),
			Kind:       claims.Kind(q.str("kind")),
			AssigneeID: q.id("assignee_id"),
			Q:          q.str("q"),
		},
		SourceID: q.id("source_id"),
	}
}

func (s *Server) listClaims(c *gin.Context) error {
	q := newQuery(c)
	f := claimFilter(q)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	f.Limit = p.limit
	if p.after != nil {
		f.After = &claims.Key{ID: p.afterID()}
	}
	list, more, err := s.provenance.FindClaims(c.Request.Context(), f)
	if err != nil {
		return err
	}
	c.Render(http.StatusOK, s.claimPageJSON(newPage(p, claimsResponse(list), more, func(cl ClaimResponse) []int64 { return byID(int64(cl.ID)) })))
	return nil
}

// listArticleClaims lists an article's claims in text order. Its cursor holds the snapshot
// of the first page (the article's revision and the highest claim id then) and the text
// position reached, so that later pages show exactly the first page's claims; once the
// article has a new revision, the claims may have moved, and the next page is a conflict.
func (s *Server) listArticleClaims(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	q := newQuery(c)
	f := claimFilter(q)
	if f.ArticleID != 0 && f.ArticleID != id {
		q.fields.Add("article_id", "contradicts the article in the path")
	}
	p := q.page(4) // revision, highest claim id, anchor start, claim id
	if err := q.err(); err != nil {
		return err
	}
	f.ArticleID, f.Order, f.Limit = id, claims.ByPosition, p.limit
	list, more, snap, err := s.findInTextOrder(c.Request.Context(), f, p)
	if err != nil {
		return err
	}
	c.Render(http.StatusOK, s.claimPageJSON(newPage(p, claimsResponse(list), more, func(cl ClaimResponse) []int64 {
		return []int64{int64(snap.Revision), snap.Through, int64(cl.Anchor.Start), int64(cl.ID)}
	})))
	return nil
}

// findInTextOrder reads a page of an article's claims in text order: after a cursor, in its
// snapshot; on the first page, in a snapshot taken now, which it returns.
func (s *Server) findInTextOrder(ctx context.Context, f provenance.ClaimFilter, p position) ([]*claims.Claim, bool, claims.Snapshot, error) {
	if p.after != nil {
		snap := claims.Snapshot{Revision: int(p.after[0]), Through: p.after[1]}
		f.Snapshot, f.After = &snap, &claims.Key{Start: int(p.after[2]), ID: p.after[3]}
		list, more, err := s.provenance.FindClaims(ctx, f)
		return list, more, snap, err
	}
	// A first page conflicts only with an edit committed between its snapshot and its read;
	// it then reads again in the new revision.
	for range 3 {
		snap, err := s.claims.SnapshotClaims(ctx, f.ArticleID)
		if err != nil {
			return nil, false, snap, err
		}
		f.Snapshot = &snap
		list, more, err := s.provenance.FindClaims(ctx, f)
		if !fault.Is(err, fault.Conflict) {
			return list, more, snap, err
		}
	}
	return nil, false, claims.Snapshot{}, fault.New(fault.Conflict, "article %d is being edited faster than it can be listed: try again", f.ArticleID)
}

func claimsResponse(list []*claims.Claim) []ClaimResponse {
	out := make([]ClaimResponse, len(list))
	for i, cl := range list {
		out[i] = claimResponse(cl)
	}
	return out
}

func (s *Server) createClaim(c *gin.Context) error {
	var req ClaimRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	n := provenance.CitedClaim{NewClaim: claims.NewClaim{
		ArticleID: int64(req.ArticleID), Quote: req.Quote, Start: req.Start, Text: req.Text,
		Kind: claims.Kind(req.Kind), Quantities: quantitiesIn(req.Quantities),
	}}
	for _, ct := range req.Citations {
		n.Citations = append(n.Citations, ct.citation(0))
	}
	made, err := s.provenance.CreateClaims(c.Request.Context(), actorOf(c), []provenance.CitedClaim{n})
	if err != nil {
		return err
	}
	cl := made[0].Claim
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d", cl.ID))
	c.Header("ETag", etag(cl.Version))
	c.JSON(http.StatusCreated, ClaimDetail{ClaimResponse: claimResponse(cl), Citations: citationsResponse(made[0].Citations),
		Evidence: []EvidenceResponse{}})
	return nil
}

func (s *Server) getClaim(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	cl, err := s.claims.FindClaimByID(ctx, id)
	if err != nil {
		return err
	}
	cits, err := s.provenance.ClaimCitations(ctx, id)
	if err != nil {
		return err
	}
	evidence, err := s.claims.ClaimEvidence(ctx, id)
	if err != nil {
		return err
	}
	out := ClaimDetail{ClaimResponse: claimResponse(cl), Citations: citationsResponse(cits), Evidence: evidenceListResponse(evidence)}
	c.Header("ETag", etag(cl.Version))
	c.Render(http.StatusOK, claimDetailJSON{detail: &out, buffers: &s.buffers})
	return nil
}

func (s *Server) updateClaim(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	version, err := ifMatch(c, true, s.claimVersion(c, id))
	if err != nil {
		return err
	}
	var req ClaimPatch
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u := claims.ClaimUpdate{Text: req.Text}
	if req.Kind != nil {
		k := claims.Kind(*req.Kind)
		u.Kind = &k
	}
	if req.Quantities != nil {
		qs := quantitiesIn(*req.Quantities)
		u.Quantities = &qs
	}
	cl, err := s.claims.UpdateClaim(c.Request.Context(), actorOf(c), id, *version, u)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(cl.Version))
	c.JSON(http.StatusOK, claimResponse(cl))
	return nil
}

// citationsResponse keeps an empty list as [] so the detail view always shows the field.
func citationsResponse(cits []*provenance.Citation) []CitationResponse {
	out := make([]CitationResponse, len(cits))
	for i, ct := range cits {
		out[i] = citationResponse(ct)
	}
	return out
}
