package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// Conditional requests (RFC 9110 section 13). A claim's, an article's or a source's ETag
// is its version, "3": If-Match takes it back on writes, so that a stale edit is refused.
// If-None-Match lets a GET that already holds the current representation skip it (304),
// for the responses whose ETag names all they hold (see notModified).

// entityTag is one entity-tag of a precondition header.
type entityTag struct {
	weak   bool
	opaque string // between the quotes
}

// parseTags reads an If-Match or If-None-Match field value: "*", or a comma-separated list
// of entity-tags, each "…" or W/"…" (RFC 9110 section 8.8.3). ok is false when the value
// is neither.
func parseTags(raw string) (any bool, tags []entityTag, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "*" {
		return true, nil, true
	}
	for raw != "" {
		var t entityTag
		if rest, weak := strings.CutPrefix(raw, "W/"); weak {
			t.weak, raw = true, rest
		}
		if !strings.HasPrefix(raw, `"`) {
			return false, nil, false
		}
		end := strings.IndexByte(raw[1:], '"')
		if end < 0 {
			return false, nil, false
		}
		t.opaque = raw[1 : 1+end]
		if strings.ContainsFunc(t.opaque, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
			return false, nil, false
		}
		tags = append(tags, t)
		raw = strings.TrimLeft(raw[2+end:], " \t")
		if raw == "" {
			break
		}
		if raw[0] != ',' {
			return false, nil, false
		}
		raw = strings.TrimLeft(raw[1:], " \t,")
	}
	return false, tags, len(tags) > 0
}

// ifMatch reads the version an If-Match header allows a write at. required makes a missing
// header an error (428); nil means no precondition.
//
// If-Match compares strongly: W/"3" never matches, nor do "03" or "+3". "*" allows the
// current version and a list of ETags any version it names; both are resolved against the
// version current reads just before the write, so a change in between is still refused
// with 412, as a stale ETag is.
func ifMatch(c *gin.Context, required bool, current func() (int64, error)) (*int64, error) {
	raw := strings.TrimSpace(c.GetHeader("If-Match"))
	if raw == "" {
		if required {
			return nil, fault.New(kindPreconditionRequired, "send If-Match with the ETag from a GET of this resource")
		}
		return nil, nil
	}
	anyVersion, tags, ok := parseTags(raw)
	if !ok {
		return nil, fault.New(fault.PreconditionFailed, `If-Match %q is not "*" or a list of ETags: send the ETag from a GET of this resource`, raw)
	}
	var versions []int64
	for _, t := range tags {
		v, err := strconv.ParseInt(t.opaque, 10, 64)
		// Strong comparison is byte for byte: "003" and "+3" are not the ETag "3".
		if t.weak || err != nil || v < 1 || strconv.FormatInt(v, 10) != t.opaque {
			continue
		}
		versions = append(versions, v)
	}
	if !anyVersion && len(versions) == 0 {
		if slices.ContainsFunc(tags, func(t entityTag) bool { return t.weak }) {
			return nil, fault.New(fault.PreconditionFailed, "If-Match compares strongly: send the ETag without W/")
		}
		return nil, fault.New(fault.PreconditionFailed, "If-Match %q names no ETag of this resource: send the ETag from a GET", raw)
	}
	if !anyVersion && len(versions) == 1 {
		return &versions[0], nil
	}
	v, err := current()
	if err != nil {
		return nil, err
	}
	if !anyVersion && !slices.Contains(versions, v) {
		return nil, fault.New(fault.PreconditionFailed, "the resource is at version %d, which If-Match %q does not name; reload it and try again", v, raw)
	}
	return &v, nil
}

// claimVersion reads a claim's current version, for ifMatch.
func (s *Server) claimVersion(c *gin.Context, id int64) func() (int64, error) {
	return func() (int64, error) {
		cl, err := s.claims.FindClaimByID(c.Request.Context(), id)
		if err != nil {
			return 0, err
		}
		return cl.Version, nil
	}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// notModified sets tag as the response's ETag and reports whether the request's
// If-None-Match names it, in which case the response is 304 Not Modified, with the ETag and
// caching headers and no body, and the handler must write nothing more. If-None-Match
// compares weakly (W/"3" matches "3"); "*" matches any current representation.
//
// Only a tag that changes whenever the body does may be given: an article's version, a
// content hash. A claim's or a source's version is not one (their detail shows citations,
// evidence and derivations, which change without it), so those answer in full.
func notModified(c *gin.Context, tag string) bool {
	c.Header("ETag", tag)
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return false
	}
	raw := c.GetHeader("If-None-Match")
	if raw == "" {
		return false
	}
	anyTag, tags, ok := parseTags(raw)
	if !ok {
		return false // a malformed condition is no condition
	}
	_, mine, _ := parseTags(tag)
	match := anyTag || slices.ContainsFunc(tags, func(t entityTag) bool { return len(mine) == 1 && t.opaque == mine[0].opaque })
	if !match {
		return false
	}
	h := c.Writer.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Disposition", "Content-Security-Policy", "Repr-Digest"} {
		h.Del(k)
	}
	c.Status(http.StatusNotModified)
	return true
}

// headOnly answers HEAD as GET without the body (RFC 9110 section 9.3.2): the handler runs
// as for GET, its body is counted instead of sent, and Content-Length says how long it was.
func headOnly(c *gin.Context) {
	w := &headWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	if h := w.Header(); h.Get("Content-Length") == "" && w.Status() != http.StatusNotModified && !c.GetBool(streamedKey) {
		h.Set("Content-Length", strconv.Itoa(w.n))
	}
}

// headWriter discards a body, counting it.
type headWriter struct {
	gin.ResponseWriter
	n int
}

func (w *headWriter) Write(b []byte) (int, error) {
	w.n += len(b)
	return len(b), nil
}

func (w *headWriter) WriteString(s string) (int, error) {
	w.n += len(s)
	return len(s), nil
}

// Flush sends nothing: the headers go out once the handler has finished, with the length.
func (w *headWriter) Flush() {}

// Written reports whether the handler began its answer, as it would over GET.
func (w *headWriter) Written() bool { return w.n > 0 || w.ResponseWriter.Written() }
