package http_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/identity"
)

// isAPIRoute tells the routes of the JSON API, the exports, the metrics and the probes, which
// the OpenAPI document and the API's role matrix cover, from the reviewer pages, which have
// tests of their own.
func isAPIRoute(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/exports/") ||
		path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// apiRoutes lists the routes isAPIRoute names.
func apiRoutes(e *env) gin.RoutesInfo {
	var out gin.RoutesInfo
	for _, rt := range e.srv.Routes() {
		if isAPIRoute(rt.Path) {
			out = append(out, rt)
		}
	}
	return out
}

// visitor is a person using the pages through the real engine, as a browser would: with a
// session cookie, Accept: text/html, and the Sec-Fetch-Site header a browser sends.
type visitor struct {
	t      testing.TB
	e      *env
	cookie *http.Cookie
	// csrf is the anti-forgery token of the last page read, which forms carry.
	csrf string
	addr string
}

// page is an answer read as HTML.
type page struct {
	*httptest.ResponseRecorder
	doc *goquery.Document
}

func (e *env) visitor() *visitor {
	return &visitor{t: e.t, e: e, addr: "192.0.2.10:4000"}
}

// signIn signs in as the user of role through the sign-in form.
func (e *env) signIn(role identity.Role) *visitor {
	e.t.Helper()
	v := e.visitor()
	w := v.post("/login", url.Values{"email": {string(role) + "@example.org"}, "password": {"correct horse battery"}})
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: %d %s", role, w.Code, w.Body.String())
	}
	return v
}

func (v *visitor) send(r *http.Request) *httptest.ResponseRecorder {
	if r.Header.Get("Sec-Fetch-Site") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return v.sendRaw(r)
}

// sendRaw sends r with the visitor's cookie and nothing else a browser would add.
func (v *visitor) sendRaw(r *http.Request) *httptest.ResponseRecorder {
	r.RemoteAddr = v.addr
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	if v.cookie != nil {
		r.AddCookie(v.cookie)
	}
	w := httptest.NewRecorder()
	v.e.handler.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == "verity_session" {
			if c.MaxAge < 0 || c.Value == "" {
				v.cookie = nil
			} else {
				v.cookie = c
			}
		}
	}
	return w
}

// get reads a page; parse it with doc.
func (v *visitor) get(path string) page {
	v.t.Helper()
	w := v.send(httptest.NewRequest(http.MethodGet, path, nil))
	p := page{ResponseRecorder: w}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			v.t.Fatalf("parse %s: %v", path, err)
		}
		p.doc = doc
		if token, ok := doc.Find(`input[name="csrf"]`).First().Attr("value"); ok {
			v.csrf = token
		}
	}
	return p
}

// post sends a form as a browser does, with the session's anti-forgery token unless the
// form names its own csrf.
func (v *visitor) post(path string, form url.Values) page {
	v.t.Helper()
	if _, ok := form["csrf"]; !ok && v.csrf != "" {
		form.Set("csrf", v.csrf)
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.read(path, v.send(r))
}

// postFile sends a multipart form with a file in the part "attachment".
func (v *visitor) postFile(path string, form url.Values, filename string, content []byte) page {
	v.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", v.csrf)
	}
	for k, vals := range form {
		for _, val := range vals {
			mw.WriteField(k, val)
		}
	}
	fw, _ := mw.CreateFormFile("attachment", filename)
	fw.Write(content)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return v.read(path, v.send(r))
}

func (v *visitor) read(path string, w *httptest.ResponseRecorder) page {
	p := page{ResponseRecorder: w}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			v.t.Fatalf("parse the answer to %s: %v", path, err)
		}
		p.doc = doc
	}
	return p
}

// wantPage fails t unless the answer is an HTML page with the status.
func wantPage(t testing.TB, p page, status int) {
	t.Helper()
	if p.Code != status {
		t.Fatalf("status %d, want %d: %s", p.Code, status, clipBody(p.Body.String()))
	}
	if p.doc == nil {
		t.Fatalf("not an HTML page: %s %s", p.Header().Get("Content-Type"), clipBody(p.Body.String()))
	}
}

// wantRedirect fails t unless the answer redirects (303) to a location starting with prefix.
func wantRedirect(t testing.TB, p page, prefix string) string {
	t.Helper()
	loc := p.Header().Get("Location")
	if p.Code != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("status %d to %q, want 303 to %s…: %s", p.Code, loc, prefix, clipBody(p.Body.String()))
	}
	return loc
}

func clipBody(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// text is the trimmed text of the elements sel selects.
func (p page) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).Text()) }

// has reports whether sel selects anything.
func (p page) has(sel string) bool { return p.doc.Find(sel).Length() > 0 }

// buttons lists the page's button names.
func (p page) buttons() []string {
	var out []string
	p.doc.Find("button").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

// labelled returns the control whose visible label says name, as a person finds it.
func (p page) labelled(name string) *goquery.Selection {
	var id string
	p.doc.Find("label").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if strings.TrimSpace(s.Text()) == name {
			id, _ = s.Attr("for")
			return false
		}
		return true
	})
	if id == "" {
		return p.doc.Find("#no-such-label")
	}
	return p.doc.Find("#" + id)
}

// errorOf is the field error shown beside the control labelled name.
func (p page) errorOf(name string) string {
	ctl := p.labelled(name)
	return strings.TrimSpace(ctl.Parent().Find(".field-error").Text())
}

// claimID finds a seeded claim whose quote contains s.
func (e *env) claimID(s string) int64 {
	e.t.Helper()
	id, err := strconv.ParseInt(e.claimByQuote(s)["id"].(string), 10, 64)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// version is a claim's current version, as its page's forms carry it.
func (e *env) version(id int64) string {
	e.t.Helper()
	c, err := claims.NewStore(e.db).FindClaimByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(c.Version, 10)
}
