package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/http/export"
	"verity/provenance"
)

// kindNotConfigured is a feature the operator has not configured; the server cannot serve it
// until they do.
const kindNotConfigured fault.Kind = "not_configured"

// publisher returns the publishing configuration, or what is missing from it. Published
// links never come from the request (its Host header is the client's to choose).
func (s *Server) publisher() (export.Publisher, error) {
	if missing := s.publishing.Missing(); missing != nil {
		return export.Publisher{}, fault.New(kindNotConfigured,
			"ClaimReview is not configured: start verity serve with %s", strings.Join(missing, " and "))
	}
	return s.publishing, nil
}

// getClaimReview answers the schema.org ClaimReview JSON-LD of a signed-off verdict, for
// publishing beside the article. Claims that are not closed, or whose passage is gone, have
// no verdict to publish (409).
func (s *Server) getClaimReview(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	p, err := s.publisher()
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	cl, err := s.claims.FindClaimByID(ctx, id)
	if err != nil {
		return err
	}
	if err := cl.CheckPublishable(); err != nil {
		return err
	}
	r, err := s.claimReview(ctx, cl, nil, p)
	if err != nil {
		return err
	}
	c.Render(http.StatusOK, jsonLD{r})
	return nil
}

// listArticleClaimReviews answers the ClaimReviews of every publishable claim of an article,
// in id order, as one JSON-LD array: the feed a publisher embeds in the article's page.
func (s *Server) listArticleClaimReviews(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	p, err := s.publisher()
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	a, err := s.claims.FindArticleByID(ctx, id)
	if err != nil {
		return err
	}
	reviews := []*export.ClaimReview{}
	f := provenance.ClaimFilter{Filter: claims.Filter{ArticleID: id, Stage: claims.StageClosed, Limit: maxLimit}}
	for {
		list, more, err := s.provenance.FindClaims(ctx, f)
		if err != nil {
			return err
		}
		for _, cl := range list {
			if cl.CheckPublishable() != nil {
				continue
			}
			r, err := s.claimReview(ctx, cl, a, p)
			if err != nil {
				return err
			}
			reviews = append(reviews, r)
		}
		if !more || len(list) == 0 {
			break
		}
		f.After = &claims.Key{ID: list[len(list)-1].ID}
	}
	c.Render(http.StatusOK, jsonLD{reviews})
	return nil
}

// claimReview builds the ClaimReview of a publishable claim; a is its article when the
// caller has it already.
func (s *Server) claimReview(ctx context.Context, cl *claims.Claim, a *claims.Article, p export.Publisher) (*export.ClaimReview, error) {
	if a == nil {
		var err error
		if a, err = s.claims.FindArticleByID(ctx, cl.ArticleID); err != nil {
			return nil, err
		}
	}
	cits, err := s.provenance.ClaimCitations(ctx, cl.ID)
	if err != nil {
		return nil, err
	}
	return export.NewClaimReview(cl, a, cits, p)
}

// jsonLD renders JSON-LD: JSON under its own media type. Like all of the API's JSON it
// escapes <, > and &, so that the document stays inert when pasted into a page's script
// element.
type jsonLD struct{ v any }

func (j jsonLD) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/ld+json")
}

func (j jsonLD) Render(w http.ResponseWriter) error {
	j.WriteContentType(w)
	b, err := json.Marshal(j.v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
