package http

import (
	"fmt"
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
)

// ArticleRequest is the body of POST and PUT /api/v1/articles.
type ArticleRequest struct {
	Slug        string `json:"slug"`
	Title       string `json:"title" validate:"required"`
	Outlet      string `json:"outlet"`
	URL         string `json:"url"`
	Author      string `json:"author"`
	PublishedAt *Time  `json:"published_at"`
	Body        string `json:"body" validate:"required"`
}

func (r ArticleRequest) fields() claims.ArticleFields {
	return claims.ArticleFields{
		Slug: r.Slug, Title: r.Title, Outlet: r.Outlet, URL: r.URL, Author: r.Author,
		PublishedAt: timePtr(r.PublishedAt), Body: r.Body,
	}
}

// ArticleResponse is an article; Body is left out of listings.
type ArticleResponse struct {
	ID          ID     `json:"id"`
	Slug        string `json:"slug,omitempty"`
	Title       string `json:"title"`
	Outlet      string `json:"outlet"`
	URL         string `json:"url"`
	Author      string `json:"author"`
	PublishedAt *Time  `json:"published_at"`
	Revision    int    `json:"revision"`
	BodySHA256  string `json:"body_sha256"`
	Body        string `json:"body,omitempty"`
	Version     int64  `json:"version"`
	CreatedAt   Time   `json:"created_at"`
	UpdatedAt   Time   `json:"updated_at"`
}

func articleResponse(a *claims.Article, withBody bool) ArticleResponse {
	r := ArticleResponse{
		ID: ID(a.ID), Slug: a.Slug, Title: a.Title, Outlet: a.Outlet, URL: a.URL, Author: a.Author,
		PublishedAt: fromTimePtr(a.PublishedAt), Revision: a.Revision, BodySHA256: a.BodySHA256,
		Version: a.Version, CreatedAt: Time{a.CreatedAt}, UpdatedAt: Time{a.UpdatedAt},
	}
	if withBody {
		r.Body = a.Body
	}
	return r
}

func (s *Server) listArticles(c *gin.Context) error {
	q := newQuery(c)
	f := claims.ArticleFilter{Outlet: q.str("outlet")}
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	f.AfterID, f.Limit = p.afterID(), p.limit
	list, more, err := s.claims.FindArticles(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := make([]ArticleResponse, len(list))
	for i, a := range list {
		out[i] = articleResponse(a, false)
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(a ArticleResponse) []int64 { return byID(int64(a.ID)) }))
	return nil
}

func (s *Server) createArticle(c *gin.Context) error {
	var req ArticleRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.claims.CreateArticle(c.Request.Context(), actorOf(c), req.fields())
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/articles/%d", a.ID))
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusCreated, articleResponse(a, true))
	return nil
}

func (s *Server) getArticle(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	a, err := s.claims.FindArticleByID(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if notModified(c, etag(a.Version)) {
		return nil
	}
	c.JSON(http.StatusOK, articleResponse(a, true))
	return nil
}

func (s *Server) replaceArticle(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	version, err := ifMatch(c, false, func() (int64, error) {
		a, err := s.claims.FindArticleByID(c.Request.Context(), id)
		if err != nil {
			return 0, err
		}
		return a.Version, nil
	})
	if err != nil {
		return err
	}
	var req ArticleRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.claims.ReplaceArticle(c.Request.Context(), actorOf(c), id, version, req.fields())
	if err != nil {
		return err
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusOK, articleResponse(a, true))
	return nil
}

// RevisionResponse is one revision of an article as listings show it, without its body.
type RevisionResponse struct {
	Revision   int    `json:"revision"`
	BodySHA256 string `json:"body_sha256"`
	// BodyLength is the body's length in characters (code points), the unit of anchors.
	BodyLength int  `json:"body_length"`
	CreatedAt  Time `json:"created_at"`
	CreatedBy  *ID  `json:"created_by"`
}

// RevisionDetail is one revision with its body.
type RevisionDetail struct {
	RevisionResponse
	Body string `json:"body"`
}

func revisionResponse(r *claims.Revision) RevisionResponse {
	return RevisionResponse{
		Revision: r.Revision, BodySHA256: r.BodySHA256, BodyLength: r.BodyLength,
		CreatedAt: Time{r.CreatedAt}, CreatedBy: ptrID(r.CreatedBy),
	}
}

func (s *Server) listRevisions(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	// FindRevisions answers NotFound for a missing article itself.
	revs, more, err := s.claims.FindRevisions(c.Request.Context(), id, int(p.afterID()), p.limit)
	if err != nil {
		return err
	}
	out := make([]RevisionResponse, len(revs))
	for i := range revs {
		out[i] = revisionResponse(&revs[i])
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(r RevisionResponse) []int64 { return []int64{int64(r.Revision)} }))
	return nil
}

func (s *Server) getRevision(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	revision, err := parseID(c.Param("revision"), "revision")
	if err != nil || revision > math.MaxInt32 {
		return fault.New(fault.NotFound, "revision %q of article %d not found", c.Param("revision"), id)
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	r, err := s.claims.FindRevision(c.Request.Context(), id, int(revision))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, RevisionDetail{RevisionResponse: revisionResponse(r), Body: r.Body})
	return nil
}
