package http

import (
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
)

// access is what a route demands of its caller. Each route names one in routes.go, which is
// therefore the whole role matrix.
type access int

const (
	// public routes need no token.
	public access = iota
	// read routes are open to every role.
	read
	// review routes change the workflow or evidence: reviewers, editors and admins.
	review
	// edit routes change articles, claims, sources and citations: editors and admins.
	edit
	// audits routes read the audit trail: auditors and admins.
	audits
	// admin routes manage users and tokens.
	admin
)

// allows reports whether role r may use a route of this access.
func (a access) allows(r claims.Role) bool {
	switch a {
	case public, read:
		return r.Valid()
	case review:
		return r == claims.RoleReviewer || r == claims.RoleEditor || r == claims.RoleAdmin
	case edit:
		return r == claims.RoleEditor || r == claims.RoleAdmin
	case audits:
		return r == claims.RoleAuditor || r == claims.RoleAdmin
	case admin:
		return r == claims.RoleAdmin
	}
	return false
}

func (a access) String() string {
	return [...]string{"anyone", "any signed-in role", "reviewer, editor or admin", "editor or admin", "auditor or admin", "admin"}[a]
}

// require authenticates the bearer token and checks the route's access.
func (s *Server) require(a access) gin.HandlerFunc {
	return func(c *gin.Context) {
		if a == public {
			c.Next()
			return
		}
		header := c.GetHeader("Authorization")
		scheme, token, ok := strings.Cut(header, " ")
		if header == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="verity"`)
			s.writeError(c, fault.New(fault.Unauthorized, "send Authorization: Bearer <token>; `verity token create --email E` makes one"))
			return
		}
		u, tok, err := s.identity.Authorize(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			if fault.Is(err, fault.Unauthorized) {
				c.Header("WWW-Authenticate", `Bearer realm="verity", error="invalid_token"`)
			}
			s.writeError(c, err)
			return
		}
		if !a.allows(u.Role) {
			s.writeError(c, fault.New(fault.Forbidden, "this needs the role of %s; you are %s", a, u.Role))
			return
		}
		// The last-used time is bookkeeping: failing to write it must not fail the request.
		if err := s.identity.MarkUsed(c.Request.Context(), tok); err != nil {
			s.logger.Warn("could not record token use", "token_id", tok.ID, "error", err)
		}
		c.Set(actorKey, u.ActorVia(tok))
		c.Next()
	}
}
