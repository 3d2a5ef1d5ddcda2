package http

import (
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
	"verity/claims/identity"
)

// public marks routes that need no credentials.
const public identity.Right = ""

// authenticate finds out who makes the request, from a bearer token, and keeps the answer
// for gate: an actor, or the error that the presented credentials earned. It decides
// nothing about what the caller may do; the domain and gate do.
func (s *Server) authenticate(c *gin.Context) {
	header := c.GetHeader("Authorization")
	if header == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Set(authErrorKey, fault.New(fault.Unauthorized, "send Authorization: Bearer <token>; `verity token create --email E` makes one"))
		c.Next()
		return
	}
	u, tok, err := s.identity.Authorize(c.Request.Context(), token)
	if err != nil {
		if fault.Is(err, fault.Unauthorized) {
			c.Header("WWW-Authenticate", `Bearer realm="verity", error="invalid_token"`)
		}
		c.Set(authErrorKey, err)
		c.Next()
		return
	}
	c.Set(actorKey, u.ActorVia(tok))
	c.Set(tokenKey, tok)
	c.Next()
}

// gate is a route's coarse check: the caller must be authenticated and their role must
// have the right the route's purpose needs, so that a request that can never succeed is
// refused before any work. Every domain method checks the actor's right again itself.
func (s *Server) gate(right identity.Right) gin.HandlerFunc {
	return func(c *gin.Context) {
		if right == public {
			c.Next()
			return
		}
		if v, ok := c.Get(authErrorKey); ok {
			s.writeError(c, v.(error))
			return
		}
		actor, ok := actorFrom(c)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="verity"`)
			s.writeError(c, fault.New(fault.Unauthorized, "send Authorization: Bearer <token>; `verity token create --email E` makes one"))
			return
		}
		if !actor.Role.Can(right) {
			s.writeError(c, fault.New(fault.Forbidden, "this needs the %s right (%s); you are %s", right, right.Holders(), actor.Role))
			return
		}
		// The last-used time is bookkeeping: failing to write it must not fail the request.
		if v, ok := c.Get(tokenKey); ok {
			tok := v.(*identity.Token)
			if err := s.identity.MarkUsed(c.Request.Context(), tok); err != nil {
				s.logger.Warn("could not record token use", "token_id", tok.ID, "error", err)
			}
		}
		c.Next()
	}
}

// Keys of what authenticate learns, in the gin context.
const (
	actorKey     = "verity.actor"
	tokenKey     = "verity.token"
	authErrorKey = "verity.auth_error"
)

func actorFrom(c *gin.Context) (identity.Actor, bool) {
	v, ok := c.Get(actorKey)
	if !ok {
		return identity.Actor{}, false
	}
	return v.(identity.Actor), true
}

// actorOf returns who makes the request, on a route whose gate let them through.
func actorOf(c *gin.Context) identity.Actor {
	a, ok := actorFrom(c)
	if !ok {
		panic("actorOf on a route without a gate")
	}
	return a
}
