package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// Kinds that only arise while reading an HTTP request; the domain never returns them.
const (
	kindMalformed            fault.Kind = "malformed"
	kindPreconditionRequired fault.Kind = "precondition_required"
	kindUnsupportedMedia     fault.Kind = "unsupported_media_type"
	kindMethodNotAllowed     fault.Kind = "method_not_allowed"
	kindTimeout              fault.Kind = "timeout"
)

// statusOf is the one table from error kinds to HTTP statuses.
func statusOf(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusUnprocessableEntity
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.PreconditionFailed:
		return http.StatusPreconditionFailed
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.Internal:
		return http.StatusInternalServerError
	case kindMalformed:
		return http.StatusBadRequest
	case kindPreconditionRequired:
		return http.StatusPreconditionRequired
	case kindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kindTimeout, kindNotConfigured, kindNotReady:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// statusTitle is a status's reason phrase as RFC 9110 names it, the title of its problem
// documents. Go's http.StatusText still has RFC 7231's older names for a few.
func statusTitle(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "Content Too Large"
	case http.StatusUnprocessableEntity:
		return "Unprocessable Content"
	case http.StatusRequestURITooLong:
		return "URI Too Long"
	case http.StatusRequestedRangeNotSatisfiable:
		return "Range Not Satisfiable"
	}
	return http.StatusText(status)
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []FieldProblem `json:"errors,omitempty"`
	// RequestID names the request in the server's log, for reports of server errors.
	RequestID string `json:"request_id,omitempty"`
}

// FieldProblem says what is wrong with one field of the request.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemOf turns any error into the problem a client sees. Internal errors say nothing of
// their cause.
func problemOf(err error, instance string) Problem {
	e := fault.As(err)
	status := statusOf(e.Kind)
	p := Problem{
		Type:     "urn:verity:problem:" + string(e.Kind),
		Title:    statusTitle(status),
		Status:   status,
		Detail:   e.Message,
		Instance: instance,
	}
	if status == http.StatusInternalServerError {
		p.Type = "urn:verity:problem:internal"
		p.Detail = "internal error; it has been logged"
	}
	for field, msg := range e.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: field, Message: msg})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	return p
}

// writeError is the one function that answers a request with an error. It logs internal
// errors with their cause and nothing else.
//
// An error after the answer has begun (a CSV export failing halfway) cannot become a
// problem document: the status and part of the body are gone. It is logged and the
// connection is cut, so that the client sees a broken transfer instead of a short file
// that looks whole.
func (s *Server) writeError(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil || errors.Is(err, errAnswerLost) {
		// The client went away; nobody reads an answer, and nothing failed on our side.
		c.AbortWithStatus(statusClientClosedRequest)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The request's own deadline (Server.bound) stopped it; a write it was making rolled back.
		err = fault.Wrap(kindTimeout, err, "the request took longer than %s and was stopped; nothing it would have changed was saved", s.timeout)
	}
	p := problemOf(err, c.Request.URL.EscapedPath())
	if p.Status >= 500 && !errors.Is(err, errClientGone) {
		p.RequestID = requestIDOf(c)
		s.logger.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
			slog.String("request_id", p.RequestID),
			slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path), slog.Any("error", err))
	}
	if c.Writer.Written() {
		s.logger.LogAttrs(c.Request.Context(), slog.LevelWarn, "error after the answer began; cutting the connection",
			slog.String("request_id", requestIDOf(c)), slog.Any("error", err))
		panic(http.ErrAbortHandler)
	}
	c.Header("Cache-Control", "no-store")
	if wantsPage(c) {
		s.writeErrorPage(c, p)
		return
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

// wantsPage reports whether the client is a browser asking for a page rather than a
// program calling the API: the API and exports always answer problem+json.
func wantsPage(c *gin.Context) bool {
	return isPagePath(c.Request.URL.Path) && strings.Contains(c.GetHeader("Accept"), "text/html")
}

// errorView is the page a browser gets for an error.
type errorView struct {
	pageBase
	Problem Problem
}

func (s *Server) writeErrorPage(c *gin.Context, p Problem) {
	s.renderErrorPage(c.Writer, errorView{pageBase: s.base(c, p.Title, "error"), Problem: p})
	c.Abort()
}

func (s *Server) renderErrorPage(w http.ResponseWriter, v errorView) {
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, "error", v); err != nil {
		s.logger.Error("render error page", "error", err)
		buf.Reset()
		buf.WriteString(statusTitle(v.Problem.Status))
	}
	setPageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(v.Problem.Status)
	_, _ = buf.WriteTo(w)
}

// crossOriginProtection refuses state-changing requests that a browser says come from
// another origin (Sec-Fetch-Site, or Origin against Host): a forged form post from another
// site never reaches a handler. Requests without those headers (programs, with bearer
// tokens) and safe methods pass.
func (s *Server) crossOriginProtection(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := problemOf(fault.New(fault.Forbidden, "this request came from another site; Verity accepts forms only from its own pages"), r.URL.EscapedPath())
		w.Header().Set("Cache-Control", "no-store")
		if isPagePath(r.URL.Path) && strings.Contains(r.Header.Get("Accept"), "text/html") {
			s.renderErrorPage(w, errorView{pageBase: pageBase{Title: p.Title, Section: "error"}, Problem: p})
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(p.Status)
		_ = json.NewEncoder(w).Encode(p)
	}))
	return cop.Handler(h)
}

var errClientGone = errors.New("client went away")

// statusClientClosedRequest is the log-only status (nginx's 499) of a request whose client
// left before the answer.
const statusClientClosedRequest = 499

// handle adapts a handler that returns its error, so that every failure reaches writeError.
func (s *Server) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}
