package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims/identity"
)

// routes lists the whole HTTP surface with the right each route's purpose needs: with the
// table of roles and rights in claims/identity, this is the role matrix.
func (s *Server) routes() {
	const (
		read   = identity.Read
		review = identity.Review
		edit   = identity.Edit
		audits = identity.Audit
		export = identity.ExportAudit
		admin  = identity.Administer
	)
	r := func(method, path string, right identity.Right, h func(*gin.Context) error) {
		s.engine.Handle(method, path, caching(right), s.gate(right), s.handle(h))
		// Every GET answers HEAD too, and 405s list it in Allow.
		if method == http.MethodGet {
			s.engine.Handle(http.MethodHead, path, headOnly, caching(right), s.gate(right), s.handle(h))
		}
	}
	r("GET", "/healthz", public, s.health)
	r("GET", "/readyz", public, s.ready)
	r("GET", "/metrics", audits, s.scrape)
	r("GET", "/api/openapi.json", public, s.openAPI)

	const api = "/api/v1"
	r("GET", api+"/articles", read, s.listArticles)
	r("POST", api+"/articles", edit, s.createArticle)
	r("GET", api+"/articles/:id", read, s.getArticle)
	r("PUT", api+"/articles/:id", edit, s.replaceArticle)
	r("GET", api+"/articles/:id/revisions", read, s.listRevisions)
	r("GET", api+"/articles/:id/revisions/:revision", read, s.getRevision)
	r("GET", api+"/articles/:id/claims", read, s.listArticleClaims)
	r("GET", api+"/articles/:id/claimreview", read, s.listArticleClaimReviews)

	r("GET", api+"/claims", read, s.listClaims)
	r("POST", api+"/claims", edit, s.createClaim)
	r("GET", api+"/claims/:id", read, s.getClaim)
	r("PATCH", api+"/claims/:id", edit, s.updateClaim)
	r("POST", api+"/claims/:id/transitions", review, s.transition)
	r("GET", api+"/claims/:id/transitions", read, s.listTransitions)
	r("GET", api+"/claims/:id/evidence", read, s.listEvidence)
	r("POST", api+"/claims/:id/evidence", review, s.addEvidence)
	r("GET", api+"/claims/:id/citations", read, s.listCitations)
	r("POST", api+"/claims/:id/citations", edit, s.createCitation)
	r("GET", api+"/claims/:id/provenance", read, s.getProvenance)
	r("GET", api+"/claims/:id/claimreview", read, s.getClaimReview)

	r("GET", api+"/evidence/:id", read, s.getEvidence)
	r("POST", api+"/evidence/:id/withdraw", review, s.withdrawEvidence)
	r("GET", api+"/attachments/:sha256", read, s.getAttachment)

	r("GET", api+"/sources", read, s.listSources)
	r("POST", api+"/sources", edit, s.createSource)
	r("GET", api+"/sources/:id", read, s.getSource)
	r("PATCH", api+"/sources/:id", edit, s.updateSource)
	r("POST", api+"/sources/:id/derivations", edit, s.createDerivation)

	r("GET", api+"/audit", audits, s.listAudit)
	r("GET", api+"/audit/verify", audits, s.verifyAudit)

	// The exports stream, without the overall deadline of other requests (see bound).
	stream := func(path string, right identity.Right, h func(*gin.Context) error) {
		s.streams[path] = true
		r("GET", path, right, h)
	}
	stream("/exports/audit.csv", export, s.exportAudit)
	stream("/exports/claims.csv", read, s.exportClaims)

	r("GET", api+"/users", admin, s.listUsers)
	r("POST", api+"/users", admin, s.createUser)
	r("GET", api+"/users/:id", admin, s.getUser)
	r("PATCH", api+"/users/:id", admin, s.updateUser)
	r("GET", api+"/users/:id/tokens", admin, s.listTokens)
	r("POST", api+"/users/:id/tokens", admin, s.createToken)
	r("DELETE", api+"/users/:id/tokens/:token_id", admin, s.revokeToken)

	// The reviewer pages: the same domain calls as the API, for people in a browser signed in
	// with a session. A page route that needs a right sends whoever is not signed in to
	// /login; every POST is a form that answers with a redirect (Post/Redirect/Get).
	p := func(method, path string, right identity.Right, h func(*gin.Context) error) {
		s.engine.Handle(method, path, s.pageGate(right), s.handle(h))
	}
	s.engine.GET("/static/*file", func(c *gin.Context) { s.pages.ServeStatic(c.Writer, c.Request, c.Param("file")) })
	r("GET", "/", public, s.home)
	r("GET", "/login", public, s.loginPage)
	r("POST", "/login", public, s.login)
	p("POST", "/logout", public, s.logout)
	p("GET", "/claims", read, s.queuePage)
	p("GET", "/claims/:id", read, s.claimPage)
	p("POST", "/claims/:id/transitions", review, s.claimTransitionForm)
	p("POST", "/claims/:id/evidence", review, s.claimEvidenceForm)
	p("POST", "/claims/:id/citations", edit, s.claimCitationForm)
	p("POST", "/evidence/:id/withdraw", review, s.withdrawEvidenceForm)
	p("GET", "/articles/:id", read, s.articlePage)
	p("POST", "/articles/:id/claims", edit, s.articleClaimForm)
	p("GET", "/sources/:id", read, s.sourcePage)
	// Attachments for the pages: the API's handler, which serves them as downloads that a
	// browser never renders in Verity's origin, behind the session instead of a token.
	p("GET", "/attachments/:sha256", read, s.getAttachment)
}

// Routes lists the engine's routes, for tests that walk the whole surface.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// caching says what a cache may keep of a route's answers; an error answers no-store
// whatever the route (writeError). What a token shows is its holder's alone, and stale the
// moment something changes: private, no-cache lets a client keep it and revalidate (with
// If-None-Match, where the response has an ETag that allows it). Public answers are the same
// for everyone; the handlers that have an ETag say so.
func caching(right identity.Right) gin.HandlerFunc {
	value := "private, no-cache"
	if right == public {
		value = "no-cache"
	}
	return func(c *gin.Context) {
		c.Header("Cache-Control", value)
		c.Next()
	}
}

func (s *Server) health(c *gin.Context) error {
	if err := s.db.Reader().NewSelect().ColumnExpr("1").Scan(c.Request.Context(), new(int)); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}
