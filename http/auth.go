package http

import (
	"context"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
	"verity/claims/identity"
)

// public marks routes that need no credentials.
const public identity.Right = ""

// authenticate finds out who makes the request, from a bearer token or, on the reviewer
// pages only, a session cookie, and keeps the answer for gate: an actor, or the error that
// the presented credentials earned. It decides nothing about what the caller may do; the
// domain and gate do.
//
// A session never authenticates the API or the exports: a browser sends its cookie with
// any request, so a cookie that authorized /api/v1 writes would make every API route a
// target of cross-site forgery, while a bearer token is only ever sent on purpose.
func (s *Server) authenticate(c *gin.Context) {
	header := c.GetHeader("Authorization")
	if header == "" {
		if isPagePath(c.Request.URL.Path) {
			s.authenticateSession(c)
		}
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
		// The last-used time is bookkeeping: it must neither fail nor hold up the request.
		// Within the minute, when the use would not be written, nothing is started.
		if v, ok := c.Get(tokenKey); ok {
			if tok := v.(*identity.Token); s.identity.UseDue(tok) {
				s.books.note(fmt.Sprintf("token %d", tok.ID), func(ctx context.Context) error { return s.identity.MarkUsed(ctx, tok) })
			}
		}
		c.Next()
	}
}

// authenticateSession reads the session cookie. A session that has ended is no error on a
// page: the person is simply not signed in, and the sign-in page says why.
func (s *Server) authenticateSession(c *gin.Context) {
	cookie, err := c.Request.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return
	}
	sess, err := s.identity.AuthorizeSession(c.Request.Context(), cookie.Value, s.sessionPolicy)
	if err != nil {
		if fault.Is(err, fault.Unauthorized) {
			c.Set(sessionErrorKey, err)
		} else {
			c.Set(authErrorKey, err)
		}
		return
	}
	c.Set(actorKey, sess.User.Actor())
	c.Set(sessionKey, sess)
	if s.identity.TouchDue(sess) {
		s.books.note("session "+sess.TokenHash, func(ctx context.Context) error { return s.identity.TouchSession(ctx, sess) })
	}
}

// sessionCookie names the cookie that holds a session's secret.
const sessionCookie = "verity_session"

// Keys of what authenticate learns, in the gin context.
const (
	actorKey        = "verity.actor"
	tokenKey        = "verity.token"
	authErrorKey    = "verity.auth_error"
	sessionKey      = "verity.session"
	sessionErrorKey = "verity.session_error"
)

// sessionFrom returns the session a page request was signed in with.
func sessionFrom(c *gin.Context) (*identity.Session, bool) {
	v, ok := c.Get(sessionKey)
	if !ok {
		return nil, false
	}
	return v.(*identity.Session), true
}

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
