package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"verity/claims/identity"
)

// TestHeadAnswersAsGet sends HEAD to every GET route: the same status and headers as the
// GET, no body, and the GET body's length.
func TestHeadAnswersAsGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	for _, tc := range []struct {
		path string
		role identity.Role
	}{
		{"/healthz", ""},
		{"/api/openapi.json", ""},
		{"/api/v1/claims?limit=2", viewer},
		{"/api/v1/claims/" + claim, viewer},
		{"/api/v1/claims/" + claim + "/provenance?format=prov-json", viewer},
		{"/api/v1/claims/999999", viewer},
		{"/api/v1/audit", viewer},
	} {
		get := e.do(req{method: "GET", path: tc.path, token: e.tokens[tc.role]})
		head := e.do(req{method: "HEAD", path: tc.path, token: e.tokens[tc.role]})
		if head.Code != get.Code || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d with %d bytes; GET: %d", tc.path, head.Code, head.Body.Len(), get.Code)
		}
		if n := head.Header().Get("Content-Length"); n != strconv.Itoa(get.Body.Len()) {
			t.Errorf("HEAD %s: Content-Length %q, GET sent %d bytes", tc.path, n, get.Body.Len())
		}
		for _, h := range []string{"Content-Type", "ETag", "Cache-Control", "Link"} {
			if head.Header().Get(h) != get.Header().Get(h) {
				t.Errorf("HEAD %s: %s %q, GET %q", tc.path, h, head.Header().Get(h), get.Header().Get(h))
			}
		}
	}
	// A method a path does not take is 405, and Allow lists HEAD beside GET.
	for path, want := range map[string][]string{
		"/api/v1/claims/" + claim + "/provenance": {"GET", "HEAD"},
		"/api/v1/claims": {"GET", "POST", "HEAD"},
		"/healthz":       {"GET", "HEAD"},
	} {
		w := e.as(admin, "DELETE", path, nil)
		wantProblem(t, w, http.StatusMethodNotAllowed, "")
		allow := strings.Split(w.Header().Get("Allow"), ", ")
		for _, m := range want {
			if !strings.Contains(","+strings.Join(allow, ",")+",", ","+m+",") {
				t.Errorf("DELETE %s: Allow %v lacks %s", path, allow, m)
			}
		}
	}
}

func TestIfNoneMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	article := fmt.Sprintf("/api/v1/articles/%d", e.seed.ArticleID)
	w := e.as(viewer, "GET", article, nil)
	wantStatus(t, w, http.StatusOK)
	tag := w.Header().Get("ETag")
	for header, want := range map[string]int{
		tag:                    http.StatusNotModified,
		"W/" + tag:             http.StatusNotModified,
		`"9", ` + tag:          http.StatusNotModified,
		"*":                    http.StatusNotModified,
		`"9"`:                  http.StatusOK,
		`"9", W/"10"`:          http.StatusOK,
		"not a tag":            http.StatusOK,
		strings.Trim(tag, `"`): http.StatusOK,
	} {
		for _, method := range []string{"GET", "HEAD"} {
			w := e.as(viewer, method, article, nil, "If-None-Match", header)
			if w.Code != want {
				t.Errorf("%s with If-None-Match %s: %d, want %d", method, header, w.Code, want)
			}
			if w.Code == http.StatusNotModified {
				if w.Body.Len() != 0 || w.Header().Get("ETag") != tag || w.Header().Get("Cache-Control") != "private, no-cache" || w.Header().Get("Content-Type") != "" {
					t.Errorf("304: body %q, headers %v", w.Body.String(), w.Header())
				}
			}
		}
	}
	// A claim's ETag is its version, which does not move when evidence or citations are
	// added: its detail is always answered in full.
	claim := "/api/v1/claims/" + e.claimByQuote("just 2,200 fighters")["id"].(string)
	w = e.as(viewer, "GET", claim, nil)
	if w2 := e.as(viewer, "GET", claim, nil, "If-None-Match", w.Header().Get("ETag")); w2.Code != http.StatusOK || w2.Body.String() != w.Body.String() {
		t.Errorf("claim with If-None-Match of its version: %d", w2.Code)
	}
	// The document: a digest of its bytes.
	doc := e.do(req{method: "GET", path: "/api/openapi.json"})
	if tag := doc.Header().Get("ETag"); !strings.HasPrefix(tag, `"`) || len(tag) < 10 || doc.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("openapi.json: ETag %q, Cache-Control %q", tag, doc.Header().Get("Cache-Control"))
	}
	again := e.do(req{method: "GET", path: "/api/openapi.json", header: map[string]string{"If-None-Match": doc.Header().Get("ETag")}})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("openapi.json revalidated: %d %d bytes", again.Code, again.Body.Len())
	}
	// An attachment: its content hash.
	sum := uploadEvidence(t, e, e.claimByQuote("just 2,200 fighters")["id"].(string), []byte("a scan"))
	att := e.as(viewer, "GET", "/api/v1/attachments/"+sum, nil, "If-None-Match", `"`+sum+`"`)
	if att.Code != http.StatusNotModified || att.Body.Len() != 0 || att.Header().Get("Content-Disposition") != "" {
		t.Errorf("attachment revalidated: %d, %v", att.Code, att.Header())
	}
}

func TestIfMatchStarAndLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := "/api/v1/claims/" + e.claimByQuote("just 2,200 fighters")["id"].(string)
	patch := func(ifMatch string) int {
		return e.as(editor, "PATCH", claim, map[string]any{"text": "Text " + ifMatch}, "If-Match", ifMatch).Code
	}
	for _, tc := range []struct {
		header string
		want   int
	}{
		{`*`, http.StatusOK},        // any version: now 2
		{`"7", "2"`, http.StatusOK}, // names the current one: now 3
		{`"3","8"`, http.StatusOK},  // without spaces: now 4
		{`"7", "8"`, http.StatusPreconditionFailed},
		{`W/"4", "9"`, http.StatusPreconditionFailed},
		{`W/"4"`, http.StatusPreconditionFailed},
		{`"4" "5"`, http.StatusPreconditionFailed},
		{`"4",`, http.StatusOK}, // an empty list element is allowed: now 5
	} {
		if got := patch(tc.header); got != tc.want {
			t.Errorf("If-Match %s: %d, want %d", tc.header, got, tc.want)
		}
	}
	if v := decode[map[string]any](t, e.as(viewer, "GET", claim, nil))["version"]; v != 5.0 {
		t.Errorf("version %v after four changes, want 5", v)
	}
	// A missing claim is 404 whatever the header says.
	w := e.as(editor, "PATCH", "/api/v1/claims/999999", map[string]any{"text": "x"}, "If-Match", "*")
	wantProblem(t, w, http.StatusNotFound, "")
}

func TestCachingAndTitles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if cc := e.as(viewer, "GET", "/api/v1/claims?limit=1", nil).Header().Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("authenticated 200: Cache-Control %q", cc)
	}
	if cc := e.do(req{method: "GET", path: "/api/v1/claims"}).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("401: Cache-Control %q", cc)
	}
	if cc := e.do(req{method: "GET", path: "/healthz"}).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("healthz: Cache-Control %q", cc)
	}
	for _, tc := range []struct {
		w     func() problem
		title string
	}{
		{func() problem {
			return wantProblem(t, e.as(viewer, "GET", "/api/v1/claims?limit=0", nil), 422, "limit")
		}, "Unprocessable Content"},
		{func() problem {
			return wantProblem(t, e.as(editor, "POST", "/api/v1/articles", `{"title":"t","body":"`+strings.Repeat("x", 9<<20)+`"}`), 413, "")
		}, "Content Too Large"},
		{func() problem { return wantProblem(t, e.as(viewer, "GET", "/api/v1/claims/999999", nil), 404, "") }, "Not Found"},
	} {
		if p := tc.w(); p.Title != tc.title {
			t.Errorf("status %d: title %q, want %q", p.Status, p.Title, tc.title)
		}
	}
}

func TestLinkHeaderFollowsTheCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/api/v1/claims?stage=open&limit=10"
	seen := map[string]bool{}
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			t.Fatal("no last page")
		}
		w := e.as(viewer, "GET", path, nil)
		page := decode[listPage](t, w)
		for _, c := range page.Data {
			if seen[c["id"].(string)] {
				t.Fatalf("claim %s listed twice", c["id"])
			}
			seen[c["id"].(string)] = true
		}
		link := w.Header().Get("Link")
		if page.Next == nil {
			if link != "" {
				t.Errorf("last page has Link %q", link)
			}
			break
		}
		target, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		if !ok || !strings.Contains(target, "cursor="+*page.Next) || !strings.Contains(target, "stage=open") || !strings.HasPrefix(target, "/api/v1/claims?") {
			t.Fatalf("Link %q for next_cursor %s", link, *page.Next)
		}
		path = target
	}
	var all listPage
	json.Unmarshal(e.as(viewer, "GET", "/api/v1/claims?stage=open&limit=200", nil).Body.Bytes(), &all)
	if len(seen) != len(all.Data) || len(seen) < 3 {
		t.Errorf("following Link saw %d claims; the whole list has %d", len(seen), len(all.Data))
	}
}
