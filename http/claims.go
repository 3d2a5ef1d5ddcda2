package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/provenance"
)

// QuantityDTO is a number a claim states.
type QuantityDTO struct {
	Value     *float64 `json:"value"`
	Lower     *float64 `json:"lower"`
	Upper     *float64 `json:"upper"`
	Qualifier string   `json:"qualifier" validate:"max=200"`
	Unit      string   `json:"unit" validate:"required,max=200"`
	AsOf      string   `json:"as_of" validate:"omitempty,datetime=2006-01-02"`
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
	Quote      string        `json:"quote" validate:"required,max=4000"`
	Start      *int          `json:"start" validate:"omitempty,gte=0"`
	Text       string        `json:"text" validate:"max=4000"`
	Kind       string        `json:"kind" validate:"omitempty,claim_kind"`
	Quantities []QuantityDTO `json:"quantities" validate:"max=20,dive"`
}

// ClaimPatch is the body of PATCH /api/v1/claims/{id}; absent fields stay as they are.
type ClaimPatch struct {
	Text       *string        `json:"text" validate:"omitempty,min=1,max=4000"`
	Kind       *string        `json:"kind" validate:"omitempty,claim_kind"`
	Quantities *[]QuantityDTO `json:"quantities" validate:"omitempty,max=20,dive"`
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
			Limit:      q.limit(),
		},
		SourceID: q.id("source_id"),
	}
}

func (s *Server) listClaims(c *gin.Context) error {
	q := newQuery(c)
	f := claimFilter(q)
	return s.serveClaims(c, q, f)
}

func (s *Server) listArticleClaims(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	// Only whether it exists: the body, up to 2 MiB, is not needed to list its claims.
	if err := s.claims.CheckArticle(c.Request.Context(), id); err != nil {
		return err
	}
	q := newQuery(c)
	f := claimFilter(q)
	if f.ArticleID != 0 && f.ArticleID != id {
		q.fields.Add("article_id", "contradicts the article in the path")
	}
	f.ArticleID = id
	f.Order = claims.ByPosition
	return s.serveClaims(c, q, f)
}

func (s *Server) serveClaims(c *gin.Context, q *query, f provenance.ClaimFilter) error {
	var after claims.Key
	if q.cursor(&after) {
		f.After = &after
	}
	if err := q.err(); err != nil {
		return err
	}
	list, more, err := s.provenance.FindClaims(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]ClaimResponse, len(list))
	for i, cl := range list {
		out[i] = claimResponse(cl)
	}
	c.JSON(http.StatusOK, page(out, more, func() any { return claims.KeyOf(list[len(list)-1], f.Order) }))
	return nil
}

func (s *Server) createClaim(c *gin.Context) error {
	var req ClaimRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	cl, err := s.claims.CreateClaim(c.Request.Context(), actorOf(c), claims.NewClaim{
		ArticleID: int64(req.ArticleID), Quote: req.Quote, Start: req.Start, Text: req.Text,
		Kind: claims.Kind(req.Kind), Quantities: quantitiesIn(req.Quantities),
	})
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d", cl.ID))
	c.Header("ETag", etag(cl.Version))
	c.JSON(http.StatusCreated, claimResponse(cl))
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
	cits, err := s.provenance.FindCitationsByClaim(ctx, id)
	if err != nil {
		return err
	}
	evidence, err := s.claims.FindEvidence(ctx, id)
	if err != nil {
		return err
	}
	out := ClaimDetail{ClaimResponse: claimResponse(cl), Citations: citationsResponse(cits), Evidence: evidenceListResponse(evidence)}
	c.Header("ETag", etag(cl.Version))
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) updateClaim(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	version, err := ifMatch(c, true)
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

// existingClaim reads the claim id of a route under /claims/{id} and checks that the claim
// exists, so that a list of a missing claim's items is 404 rather than empty.
func (s *Server) existingClaim(c *gin.Context) (int64, error) {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return 0, err
	}
	if _, err := s.claims.FindClaimByID(c.Request.Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}
