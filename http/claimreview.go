package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/provenance"
)

// rating places a verdict on schema.org's 1 (worst) to 5 (best) scale with the name readers
// see; unverifiable has no place on the scale (value 0) and is published by name alone.
func rating(st claims.Status) (value int, name string) {
	switch st {
	case claims.StatusFalse:
		return 1, "False"
	case claims.StatusMisleading:
		return 2, "Misleading"
	case claims.StatusDisputed:
		return 3, "Disputed"
	case claims.StatusOutdated:
		return 3, "Outdated"
	case claims.StatusVerified:
		return 5, "True"
	}
	return 0, "Unverifiable"
}

// getClaimReview answers the schema.org ClaimReview JSON-LD of a signed-off verdict, for
// publishing beside the article. Claims that are not closed have no verdict to publish.
func (s *Server) getClaimReview(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	g, err := s.provenance.ClaimGraph(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if err := g.Claim.CheckPublishable(); err != nil {
		return err
	}
	var signed time.Time
	if g.Claim.SignedOffAt != nil {
		signed = *g.Claim.SignedOffAt
	}
	c.Header("Content-Type", "application/ld+json")
	c.JSON(http.StatusOK, claimReview(g, signed, s.baseURL(c)))
	return nil
}

// baseURL is the configured public URL; without one, the request's own host, which a
// client controls, so operators publishing ClaimReviews should set --public-url.
func (s *Server) baseURL(c *gin.Context) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func claimReview(g *provenance.Graph, signed time.Time, base string) map[string]any {
	cl, a := g.Claim, g.Article
	value, name := rating(cl.Status)
	reviewRating := map[string]any{"@type": "Rating", "alternateName": name}
	if value > 0 {
		reviewRating["ratingValue"] = value
		reviewRating["bestRating"] = 5
		reviewRating["worstRating"] = 1
	}
	appearance := map[string]any{"@type": "NewsArticle", "headline": a.Title}
	if a.URL != "" {
		appearance["url"] = a.URL
	}
	if a.Outlet != "" {
		appearance["publisher"] = map[string]any{"@type": "Organization", "name": a.Outlet}
	}
	if a.PublishedAt != nil {
		appearance["datePublished"] = a.PublishedAt.Format(time.DateOnly)
	}
	item := map[string]any{"@type": "Claim", "appearance": appearance}
	// The claim's author is the first source it is attributed to, when there is one.
	for _, ct := range g.Citations {
		if ct.Source != nil {
			kind := "Organization"
			if ct.Source.Kind.IsPerson() {
				kind = "Person"
			}
			item["author"] = map[string]any{"@type": kind, "name": ct.Source.Name}
			break
		}
	}
	review := map[string]any{
		"@context":      "https://schema.org",
		"@type":         "ClaimReview",
		"url":           fmt.Sprintf("%s/claims/%d", base, cl.ID),
		"claimReviewed": cl.Text,
		"reviewBody":    cl.Rationale,
		"reviewRating":  reviewRating,
		"itemReviewed":  item,
		"author":        map[string]any{"@type": "Organization", "name": "Verity"},
	}
	if !signed.IsZero() {
		review["datePublished"] = signed.Format(time.DateOnly)
	}
	return review
}
