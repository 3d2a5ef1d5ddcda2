package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/provenance"
)

// SourceRequest is the body of POST /api/v1/sources.
type SourceRequest struct {
	Kind        string `json:"kind" validate:"required,source_kind"`
	Name        string `json:"name" validate:"required"`
	Affiliation string `json:"affiliation"`
	URL         string `json:"url"`
	Publisher   string `json:"publisher"`
	PublishedAt *Time  `json:"published_at"`
	Reliability string `json:"reliability" validate:"omitempty,reliability"`
	Notes       string `json:"notes"`
}

// SourcePatch is the body of PATCH /api/v1/sources/{id}; absent fields stay as they are and
// "published_at": null clears the date.
type SourcePatch struct {
	Kind        *string  `json:"kind" validate:"omitempty,source_kind"`
	Name        *string  `json:"name"`
	Affiliation *string  `json:"affiliation"`
	URL         *string  `json:"url"`
	Publisher   *string  `json:"publisher"`
	PublishedAt Optional `json:"published_at"`
	Reliability *string  `json:"reliability" validate:"omitempty,reliability"`
	Notes       *string  `json:"notes"`
}

// Optional is a time field of a patch that tells "absent" from "null".
type Optional struct {
	Set  bool
	Time *Time
}

// UnmarshalJSON records that the field was present, and its value or null.
func (o *Optional) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		return nil
	}
	o.Time = new(Time)
	return o.Time.UnmarshalJSON(b)
}

// SourceResponse is a source; the detail view adds the sources it derives from.
type SourceResponse struct {
	ID          ID     `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Affiliation string `json:"affiliation"`
	URL         string `json:"url"`
	Publisher   string `json:"publisher"`
	PublishedAt *Time  `json:"published_at"`
	Reliability string `json:"reliability"`
	Notes       string `json:"notes"`
	Version     int64  `json:"version"`
	CreatedAt   Time   `json:"created_at"`
	UpdatedAt   Time   `json:"updated_at"`
}

// SourceDetail is a source with its derivation edges in both directions.
type SourceDetail struct {
	SourceResponse
	DerivedFrom []DerivationResponse `json:"derived_from"`
	DerivedBy   []DerivationResponse `json:"derived_by"`
}

// DerivationResponse is one edge: source_id derives from derived_from_id.
type DerivationResponse struct {
	SourceID      ID     `json:"source_id"`
	DerivedFromID ID     `json:"derived_from_id"`
	Note          string `json:"note"`
	CreatedAt     Time   `json:"created_at"`
}

func sourceResponse(src *provenance.Source) SourceResponse {
	return SourceResponse{
		ID: ID(src.ID), Kind: string(src.Kind), Name: src.Name, Affiliation: src.Affiliation, URL: src.URL,
		Publisher: src.Publisher, PublishedAt: fromTimePtr(src.PublishedAt), Reliability: string(src.Reliability),
		Notes: src.Notes, Version: src.Version, CreatedAt: Time{src.CreatedAt}, UpdatedAt: Time{src.UpdatedAt},
	}
}

func derivationsResponse(ds []provenance.Derivation) []DerivationResponse {
	out := make([]DerivationResponse, len(ds))
	for i, d := range ds {
		out[i] = DerivationResponse{SourceID: ID(d.SourceID), DerivedFromID: ID(d.DerivedFromID), Note: d.Note, CreatedAt: Time{d.CreatedAt}}
	}
	return out
}

func (s *Server) listSources(c *gin.Context) error {
	q := newQuery(c)
	f := provenance.SourceFilter{Kind: provenance.SourceKind(q.str("kind")), Q: q.str("q")}
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	f.AfterID, f.Limit = p.afterID(), p.limit
	list, more, err := s.provenance.FindSources(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]SourceResponse, len(list))
	for i, src := range list {
		out[i] = sourceResponse(src)
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(r SourceResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}

func (s *Server) createSource(c *gin.Context) error {
	var req SourceRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	src, err := s.provenance.CreateSource(c.Request.Context(), actorOf(c), provenance.SourceFields{
		Kind: provenance.SourceKind(req.Kind), Name: req.Name, Affiliation: req.Affiliation, URL: req.URL,
		Publisher: req.Publisher, PublishedAt: timePtr(req.PublishedAt),
		Reliability: provenance.Reliability(req.Reliability), Notes: req.Notes,
	})
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/sources/%d", src.ID))
	c.Header("ETag", etag(src.Version))
	c.JSON(http.StatusCreated, sourceResponse(src))
	return nil
}

func (s *Server) getSource(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "source")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	src, err := s.provenance.FindSourceByID(ctx, id)
	if err != nil {
		return err
	}
	up, err := s.provenance.FindUpstream(ctx, id)
	if err != nil {
		return err
	}
	down, err := s.provenance.FindDownstream(ctx, id)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(src.Version))
	c.JSON(http.StatusOK, SourceDetail{SourceResponse: sourceResponse(src), DerivedFrom: derivationsResponse(up), DerivedBy: derivationsResponse(down)})
	return nil
}

func (s *Server) updateSource(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "source")
	if err != nil {
		return err
	}
	version, err := ifMatch(c, true, func() (int64, error) {
		src, err := s.provenance.FindSourceByID(c.Request.Context(), id)
		if err != nil {
			return 0, err
		}
		return src.Version, nil
	})
	if err != nil {
		return err
	}
	var req SourcePatch
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u := provenance.SourceUpdate{Name: req.Name, Affiliation: req.Affiliation, URL: req.URL, Publisher: req.Publisher, Notes: req.Notes}
	if req.Kind != nil {
		k := provenance.SourceKind(*req.Kind)
		u.Kind = &k
	}
	if req.Reliability != nil {
		r := provenance.Reliability(*req.Reliability)
		u.Reliability = &r
	}
	if req.PublishedAt.Set {
		t := timePtr(req.PublishedAt.Time)
		u.PublishedAt = &t
	}
	src, err := s.provenance.UpdateSource(c.Request.Context(), actorOf(c), id, version, u)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(src.Version))
	c.JSON(http.StatusOK, sourceResponse(src))
	return nil
}

// DerivationRequest is the body of POST /api/v1/sources/{id}/derivations.
type DerivationRequest struct {
	DerivedFromID ID     `json:"derived_from_id" validate:"required"`
	Note          string `json:"note"`
}

func (s *Server) createDerivation(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "source")
	if err != nil {
		return err
	}
	var req DerivationRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := s.provenance.AddDerivation(c.Request.Context(), actorOf(c), id, int64(req.DerivedFromID), req.Note)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, derivationsResponse([]provenance.Derivation{*d})[0])
	return nil
}
