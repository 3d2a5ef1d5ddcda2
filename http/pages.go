package http

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/http/web"
)

// The reviewer pages: server-rendered HTML over the same domain calls as the API. This file
// holds what every page shares: the view every layout needs, form state, rendering with the
// security headers, the page gate and its anti-forgery check.

// pageBase is what the layout needs on every page.
type pageBase struct {
	Title   string
	Section string
	User    *identity.User
	CSRF    string
	Notice  string
}

// form is one form's state when a page is shown again after a refusal: what was typed and
// the errors, field by field, from the same fault.Error fields the JSON problem carries.
type form struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

// V returns the value typed in a field.
func (f *form) V(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// E returns the error of a field.
func (f *form) E(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Prefixed returns the errors of the fields under prefix (quantities[0].unit, …), for a
// fieldset that shows them together.
func (f *form) Prefixed(prefix string) []string {
	if f == nil {
		return nil
	}
	var out []string
	for name, msg := range f.Errors {
		if strings.HasPrefix(name, prefix) {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(name, prefix), ".")+" "+msg)
		}
	}
	return out
}

// refusal turns an error into a form state for the fields that were posted. It reports
// false for errors a page cannot explain beside its form (a missing claim, a failure of
// ours), which writeError answers instead.
func refusal(err error, posted url.Values) (*form, bool) {
	e := fault.As(err)
	switch e.Kind {
	case fault.Invalid, fault.Conflict, fault.PreconditionFailed, fault.Forbidden, fault.TooLarge:
	default:
		return nil, false
	}
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	for k, v := range posted {
		if k != "csrf" && k != "password" && len(v) > 0 {
			f.Values[k] = v[0]
		}
	}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	if len(e.Fields) == 0 || e.Message != "validation failed" {
		f.Message = e.Message
	}
	return f, true
}

// pageFuncs are the http package's helpers for the templates.
func pageFuncs() template.FuncMap {
	return template.FuncMap{
		"icon": func(status any) string { return statusIcon(fmt.Sprint(status)) },
	}
}

func newRenderer() *web.Renderer {
	r, err := web.New(pageFuncs())
	if err != nil {
		// The templates are embedded: a broken one is a bug of this build, found at start-up.
		panic(err)
	}
	return r
}

// contentSecurityPolicy allows the pages nothing but their own scripts, styles and images:
// no inline script or style, no frames, forms that post only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	// Pages show what the signed-in person may read; no shared cache keeps them.
	h.Set("Cache-Control", "no-store")
}

// renderPage answers with a page.
func (s *Server) renderPage(c *gin.Context, status int, name string, view any) error {
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, name, view); err != nil {
		return fault.Wrap(fault.Internal, err, "render page")
	}
	setPageHeaders(c.Writer.Header())
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// base is the layout's view for the person making the request.
func (s *Server) base(c *gin.Context, title, section string) pageBase {
	b := pageBase{Title: title, Section: section}
	if sess, ok := sessionFrom(c); ok {
		b.User, b.CSRF = sess.User, sess.CSRFToken
	}
	return b
}

// isPagePath reports whether a path belongs to the reviewer pages, where a session cookie
// authenticates, rather than to the API, the exports or the probes, where only bearer
// tokens do.
func isPagePath(path string) bool {
	for _, p := range []string{"/api/", "/exports/", "/static/"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return true
}

// maxFormBytes bounds a page form without a file: a claim's quote and text, a rationale.
const maxFormBytes = 1 << 20

// pageGate is a page route's check: a person who is not signed in is sent to the sign-in
// page (and back here afterwards); one whose role lacks the right sees why. A POST must
// carry its session's anti-forgery token, on top of the cross-origin check that wraps the
// whole engine and the SameSite cookie.
func (s *Server) pageGate(right identity.Right) gin.HandlerFunc {
	return func(c *gin.Context) {
		actor, ok := actorFrom(c)
		if !ok {
			if v, bad := c.Get(authErrorKey); bad {
				s.writeError(c, v.(error))
				return
			}
			target := "/login"
			if c.Request.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
			}
			c.Redirect(http.StatusSeeOther, target)
			c.Abort()
			return
		}
		if right != public && !actor.Role.Can(right) {
			s.writeError(c, fault.New(fault.Forbidden, "this page needs the %s right (%s); you are %s", right, right.Holders(), actor.Role))
			return
		}
		if c.Request.Method == http.MethodPost {
			if err := s.parsePageForm(c); err != nil {
				s.writeError(c, err)
				return
			}
			// A bearer token is never sent by a browser on its own, so only sessions need the
			// anti-forgery token.
			if sess, ok := sessionFrom(c); ok {
				sent := c.Request.PostFormValue("csrf")
				if subtle.ConstantTimeCompare([]byte(sent), []byte(sess.CSRFToken)) != 1 {
					s.writeError(c, fault.New(fault.Forbidden, "this form is out of date or did not come from Verity; reload the page and try again"))
					return
				}
			}
		}
		c.Next()
	}
}

// parsePageForm reads a posted form, urlencoded or multipart, within its size limit.
func (s *Server) parsePageForm(c *gin.Context) error {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	limit := int64(maxFormBytes)
	if mt == "multipart/form-data" {
		limit = s.maxUpload + maxFormBytes
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	var err error
	switch mt {
	case "multipart/form-data":
		// Files above 8 MiB go to a temporary file rather than memory while the form is read.
		err = c.Request.ParseMultipartForm(8 << 20)
	case "application/x-www-form-urlencoded":
		err = c.Request.ParseForm()
	default:
		return fault.New(kindUnsupportedMedia, "send the form as a browser does (urlencoded or multipart), not %q", c.GetHeader("Content-Type"))
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fault.New(fault.TooLarge, "the form is larger than %d bytes", limit)
		}
		return fault.New(kindMalformed, "the form could not be read: %v", err)
	}
	return nil
}

// seeOther answers a successful form post (Post/Redirect/Get).
func seeOther(c *gin.Context, target string) error {
	c.Redirect(http.StatusSeeOther, target)
	return nil
}

// formID reads an optional id from a form or query value; "" is 0.
func formID(fields fault.Fields, name, raw string) int64 {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		fields.Add(name, "is not a valid id")
		return 0
	}
	return n
}

// formVersion reads the claim version a transition form was rendered with, which stands
// for the API's If-Match.
func formVersion(raw string) (int64, error) {
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 1 {
		return 0, fault.New(kindMalformed, "the form carries no claim version; reload the page and try again")
	}
	return v, nil
}

// safeNext keeps a post-sign-in destination on this site: a path, never another host.
func safeNext(raw string) string {
	if raw == "" || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\r\n") {
		return "/claims"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host != "" || u.Scheme != "" || u.Path == "/login" {
		return "/claims"
	}
	return raw
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// names finds users' names for a page, reading each user once.
type names struct {
	s     *Server
	c     *gin.Context
	known map[int64]string
}

func (s *Server) names(c *gin.Context) *names {
	return &names{s: s, c: c, known: map[int64]string{}}
}

// of returns a user's name, or "Verity" for a change Verity made itself.
func (n *names) of(id *int64) string {
	if id == nil {
		return "Verity"
	}
	if name, ok := n.known[*id]; ok {
		return name
	}
	name := fmt.Sprintf("user %d", *id)
	if u, err := n.s.identity.FindUserByID(n.c.Request.Context(), *id); err == nil {
		name = u.Name
	}
	n.known[*id] = name
	return name
}
