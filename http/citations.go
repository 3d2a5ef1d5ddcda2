package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/http/export"
	"verity/provenance"
)

// CitationRequest is the body of POST /api/v1/claims/{id}/citations.
type CitationRequest struct {
	SourceID    ID     `json:"source_id" validate:"required"`
	Attribution string `json:"attribution"`
	Locator     string `json:"locator"`
	Relation    string `json:"relation" validate:"omitempty,relation"`
}

// citation is the request as the domain takes it, for the claim claimID (0 while the claim
// is being created with it).
func (r CitationRequest) citation(claimID int64) provenance.NewCitation {
	return provenance.NewCitation{
		ClaimID: claimID, SourceID: int64(r.SourceID), Attribution: r.Attribution, Locator: r.Locator,
		Relation: provenance.Relation(r.Relation),
	}
}

// CitationResponse is a citation with the source it names.
type CitationResponse struct {
	ID          ID              `json:"id"`
	ClaimID     ID              `json:"claim_id"`
	SourceID    ID              `json:"source_id"`
	Attribution string          `json:"attribution"`
	Locator     string          `json:"locator"`
	Relation    string          `json:"relation"`
	CreatedAt   Time            `json:"created_at"`
	Source      *SourceResponse `json:"source,omitempty"`
}

func citationResponse(ct *provenance.Citation) CitationResponse {
	r := CitationResponse{
		ID: ID(ct.ID), ClaimID: ID(ct.ClaimID), SourceID: ID(ct.SourceID), Attribution: ct.Attribution,
		Locator: ct.Locator, Relation: string(ct.Relation), CreatedAt: Time{ct.CreatedAt},
	}
	if ct.Source != nil {
		src := sourceResponse(ct.Source)
		r.Source = &src
	}
	return r
}

func (s *Server) listCitations(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	// FindCitationsByClaim answers NotFound for a missing claim itself.
	cits, more, err := s.provenance.FindCitationsByClaim(c.Request.Context(), id, p.afterID(), p.limit)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(p, citationsResponse(cits), more, func(r CitationResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}

func (s *Server) createCitation(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	var req CitationRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	ct, err := s.provenance.CreateCitation(c.Request.Context(), actorOf(c), req.citation(id))
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/claims/%d/citations", id))
	c.JSON(http.StatusCreated, citationResponse(ct))
	return nil
}

func (s *Server) getProvenance(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	q := newQuery(c)
	format := q.str("format")
	if format != "" && format != "prov-json" {
		q.fields.Add("format", "must be prov-json or absent")
	}
	if err := q.err(); err != nil {
		return err
	}
	g, err := s.provenance.ClaimGraph(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if format == "prov-json" {
		c.JSON(http.StatusOK, export.PROV(g))
		return nil
	}
	c.JSON(http.StatusOK, graphResponse(g))
	return nil
}

// GraphResponse is the provenance chain of a claim: the claim, the article revision it is
// anchored in, the sources it cites and the sources those derive from.
type GraphResponse struct {
	Claim       ClaimResponse        `json:"claim"`
	Article     ArticleResponse      `json:"article"`
	Citations   []CitationResponse   `json:"citations"`
	Derivations []DerivationResponse `json:"derivations"`
	Sources     []SourceResponse     `json:"sources"`
	Evidence    []EvidenceResponse   `json:"evidence"`
}

func graphResponse(g *provenance.Graph) GraphResponse {
	out := GraphResponse{
		Claim:       claimResponse(g.Claim),
		Article:     articleResponse(g.Article, false),
		Citations:   citationsResponse(g.Citations),
		Derivations: derivationsResponse(g.Upstream),
		Sources:     []SourceResponse{},
		Evidence:    evidenceListResponse(g.Evidence),
	}
	for _, src := range g.Sources {
		out.Sources = append(out.Sources, sourceResponse(src))
	}
	sortByID(out.Sources, func(r SourceResponse) ID { return r.ID })
	return out
}
