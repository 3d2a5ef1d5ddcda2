package http

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

type loginView struct {
	pageBase
	Next string
	Form *form
}

func (s *Server) home(c *gin.Context) error { return seeOther(c, "/claims") }

func (s *Server) loginPage(c *gin.Context) error {
	next := safeNext(c.Query("next"))
	if _, ok := sessionFrom(c); ok {
		return seeOther(c, next)
	}
	v := loginView{pageBase: s.base(c, "Sign in", "login"), Next: next, Form: &form{}}
	// Why the person is here again: their session ended, or their account was disabled.
	if err, ok := c.Get(sessionErrorKey); ok {
		v.Form.Message = fault.As(err.(error)).Message
	}
	if c.Query("signed_out") != "" {
		v.Notice = "You are signed out."
	}
	return s.renderPage(c, http.StatusOK, "login", v)
}

// login checks an email and password and starts a session. Failures are counted per account
// and per client address and, past the limits, refused before any password is checked; the
// answer never says whether the email or the password was wrong.
func (s *Server) login(c *gin.Context) error {
	if err := s.parsePageForm(c); err != nil {
		return err
	}
	email, password := strings.TrimSpace(c.PostForm("email")), c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	v := loginView{pageBase: s.base(c, "Sign in", "login"), Next: next,
		Form: &form{Values: map[string]string{"email": email}, Errors: map[string]string{}}}
	if email == "" {
		v.Form.Errors["email"] = "Enter your email address."
	}
	if password == "" {
		v.Form.Errors["password"] = "Enter your password."
	}
	if len(v.Form.Errors) > 0 {
		return s.renderPage(c, http.StatusUnprocessableEntity, "login", v)
	}
	account, address := strings.ToLower(email), c.ClientIP()
	if wait := s.logins.wait(account, address); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		v.Form.Message = fmt.Sprintf("Too many failed sign-ins for this account or from this address. Wait %d minute%s and try again.", minutes, plural(minutes))
		s.logger.Warn("sign-in refused by the rate limit", "remote", address)
		return s.renderPage(c, http.StatusTooManyRequests, "login", v)
	}
	u, err := s.identity.Authenticate(c.Request.Context(), email, password)
	if fault.Is(err, fault.Unauthorized) {
		s.logins.failed(account, address)
		s.logger.Info("sign-in failed", "remote", address)
		v.Form.Message = "Wrong email or password."
		return s.renderPage(c, http.StatusUnauthorized, "login", v)
	}
	if err != nil {
		return err
	}
	sess, secret, err := s.identity.CreateSession(c.Request.Context(), u.ID, s.sessionPolicy)
	if err != nil {
		return err
	}
	s.logins.succeeded(account)
	s.logger.Info("signed in", "user_id", u.ID, "remote", address)
	s.setSessionCookie(c, secret, time.Until(sess.ExpiresAt))
	return seeOther(c, next)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (s *Server) logout(c *gin.Context) error {
	if cookie, err := c.Request.Cookie(sessionCookie); err == nil {
		if err := s.identity.DeleteSession(c.Request.Context(), cookie.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, "", -1)
	return seeOther(c, "/login?signed_out=1")
}

// setSessionCookie sets (or, with a negative age, clears) the session cookie: never
// readable by scripts, sent on top-level navigation from other sites but not with their
// forms or requests (SameSite=Lax), and Secure when the server is reached over TLS. The
// engine trusts no proxy header, so behind a proxy that terminates TLS the operator says so
// with an https --public-url.
func (s *Server) setSessionCookie(c *gin.Context, secret string, age time.Duration) {
	maxAge := int(age.Seconds())
	if age < 0 {
		maxAge = -1
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Request.TLS != nil || strings.HasPrefix(s.publicURL, "https://"),
	})
}
