package http_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"verity/claims/identity"
)

// walk reads every page of a listing with the given limit and returns the items in order,
// failing on a repeated key; path has a query already.
func walk(t *testing.T, e *env, role identity.Role, path string, limit int, key string) []map[string]any {
	t.Helper()
	var all []map[string]any
	seen := map[string]bool{}
	next := fmt.Sprintf("%s&limit=%d", path, limit)
	for range 1000 {
		w := e.as(role, "GET", next, nil)
		wantStatus(t, w, http.StatusOK)
		p := decode[listPage](t, w)
		if len(p.Data) > limit || p.Next != nil && len(p.Data) != limit {
			t.Fatalf("%s: a page of %d items, limit %d, next %v", next, len(p.Data), limit, p.Next)
		}
		for _, item := range p.Data {
			k := fmt.Sprint(item[key])
			if seen[k] {
				t.Fatalf("%s: %s %s repeated", path, key, k)
			}
			seen[k] = true
			all = append(all, item)
		}
		if p.Next == nil {
			return all
		}
		next = fmt.Sprintf("%s&limit=%d&cursor=%s", path, limit, url.QueryEscape(*p.Next))
	}
	t.Fatalf("%s never ends", path)
	return nil
}

// firstCursor returns the next_cursor of the first page of path.
func firstCursor(t *testing.T, e *env, path string) string {
	t.Helper()
	w := e.as(admin, "GET", path, nil)
	wantStatus(t, w, http.StatusOK)
	p := decode[listPage](t, w)
	if p.Next == nil {
		t.Fatalf("%s: one page holds everything", path)
	}
	return *p.Next
}

// TestEveryListPagesInOneScheme walks every listing one item a page: each answers in the
// same envelope, pages in SQL without repeats, and takes back only its own cursors.
func TestEveryListPagesInOneScheme(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	article := fmt.Sprint(e.seed.ArticleID)
	user := fmt.Sprint(e.users[viewer].ID)
	for i := range 2 {
		w := e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/evidence", map[string]any{"url": fmt.Sprintf("https://example.org/%d", i), "stance": "context"})
		wantStatus(t, w, http.StatusCreated)
	}
	w := e.as(editor, "POST", "/api/v1/claims/"+claim+"/citations", map[string]any{"source_id": "2", "attribution": "a second source"})
	wantStatus(t, w, http.StatusCreated)
	w = e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/transitions", map[string]any{"action": "start"}, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	w = e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/transitions", map[string]any{"action": "propose", "status": "verified", "rationale": "the report says so"}, "If-Match", `"2"`)
	wantStatus(t, w, http.StatusOK)
	if _, _, err := identity.NewStore(e.db).CreateToken(t.Context(), identity.System(), e.users[viewer].ID, "second"); err != nil {
		t.Fatal(err)
	}
	w = e.as(editor, "PUT", "/api/v1/articles/"+article, map[string]any{"title": "Isis-K", "body": e.articleBody() + "\n\nCorrection appended."})
	wantStatus(t, w, http.StatusOK)
	w = e.as(editor, "POST", "/api/v1/articles", map[string]any{"title": "Another", "body": "Another article."})
	wantStatus(t, w, http.StatusCreated)

	lists := map[string]struct {
		path, key string
		role      identity.Role
		want      int // at least this many items
	}{
		"GET /api/v1/articles":               {"/api/v1/articles?", "id", viewer, 1},
		"GET /api/v1/articles/:id/revisions": {"/api/v1/articles/" + article + "/revisions?", "revision", viewer, 2},
		"GET /api/v1/articles/:id/claims":    {"/api/v1/articles/" + article + "/claims?", "id", viewer, e.seed.Claims},
		"GET /api/v1/claims":                 {"/api/v1/claims?kind=casualty_count", "id", viewer, 2},
		"GET /api/v1/claims/:id/transitions": {"/api/v1/claims/" + claim + "/transitions?", "id", viewer, 2},
		"GET /api/v1/claims/:id/evidence":    {"/api/v1/claims/" + claim + "/evidence?", "id", viewer, 2},
		"GET /api/v1/claims/:id/citations":   {"/api/v1/claims/" + claim + "/citations?", "id", viewer, 2},
		"GET /api/v1/sources":                {"/api/v1/sources?", "id", viewer, 2},
		"GET /api/v1/audit":                  {"/api/v1/audit?entity_type=claim", "seq", auditor, 2},
		"GET /api/v1/users":                  {"/api/v1/users?", "id", admin, 2},
		"GET /api/v1/users/:id/tokens":       {"/api/v1/users/" + user + "/tokens?", "id", admin, 2},
	}
	for _, rt := range apiRoutes(e) {
		key := rt.Method + " " + rt.Path
		if _, ok := lists[key]; rt.Method == "GET" && !ok && !strings.Contains(rt.Path, ":") && strings.HasPrefix(rt.Path, "/api/v1/") && rt.Path != "/api/v1/audit/verify" {
			t.Errorf("listing %s is not walked here", key)
		}
	}
	cursors := map[string]string{}
	for name, l := range lists {
		t.Run(name, func(t *testing.T) {
			items := walk(t, e, l.role, l.path, 1, l.key)
			if len(items) < l.want {
				t.Fatalf("%d items, want at least %d", len(items), l.want)
			}
			whole := walk(t, e, l.role, l.path, 200, l.key)
			if fmt.Sprint(whole) != fmt.Sprint(items) {
				t.Errorf("one item a page lists %d items, one page %d", len(items), len(whole))
			}
			cursors[name] = firstCursor(t, e, l.path+"&limit=1")
		})
	}
	// A cursor is refused by every list but its own.
	for from, cur := range cursors {
		for to, l := range lists {
			if from == to {
				continue
			}
			w := e.as(admin, "GET", l.path+"&cursor="+url.QueryEscape(cur), nil)
			wantProblem(t, w, http.StatusUnprocessableEntity, "cursor")
		}
	}
}

// cursorOf opens a cursor, as the tests alone may.
func cursorOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("cursor %q: %v", raw, err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("cursor %q: %v", b, err)
	}
	return c
}

func encode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestCursorsAreCanonicalAndBound: a cursor decodes and re-encodes to exactly itself, and
// carries its version and the list and filters it came from.
func TestCursorsAreCanonicalAndBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	article := fmt.Sprint(e.seed.ArticleID)
	good := firstCursor(t, e, "/api/v1/claims?limit=2")
	var fields map[string]any
	if err := json.Unmarshal(must(base64.RawURLEncoding.DecodeString(good)), &fields); err != nil || fields["v"] != 1.0 || fields["l"] != "/claims" {
		t.Fatalf("cursor %s = %v, %v", good, fields, err)
	}
	raw := string(must(base64.RawURLEncoding.DecodeString(good)))
	last := good[len(good)-1]
	bits := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
	for name, cur := range map[string]string{
		"{} (e30)":         "e30",
		"null (bnVsbA)":    "bnVsbA",
		"not base64":       "abc!",
		"padded":           good + "==",
		"standard base64":  base64.StdEncoding.EncodeToString([]byte(raw)),
		"spare bits set":   good[:len(good)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[bits|1]),
		"spaces":           encode(strings.ReplaceAll(raw, ",", ", ")),
		"keys reordered":   encode(strings.Replace(raw, `{"v":1,"l":"/claims",`, `{"l":"/claims","v":1,`, 1)),
		"a key repeated":   encode(strings.Replace(raw, `{"v":1,`, `{"v":1,"v":1,`, 1)),
		"a key miscased":   encode(strings.Replace(raw, `"v":1`, `"V":1`, 1)),
		"no version":       encode(strings.Replace(raw, `"v":1,`, ``, 1)),
		"another version":  encode(strings.Replace(raw, `"v":1`, `"v":2`, 1)),
		"an unknown field": encode(strings.Replace(raw, `{"v":1,`, `{"v":1,"x":0,`, 1)),
		"an escaped path":  encode(strings.Replace(raw, `"/claims"`, `"\/claims"`, 1)),
		"a negative key":   encode(`{"v":1,"l":"/claims","k":[-5]}`),
		"a longer key":     encode(`{"v":1,"l":"/claims","k":[5,6]}`),
		"no key":           encode(`{"v":1,"l":"/claims","k":null}`),
	} {
		t.Run(name, func(t *testing.T) {
			if cur == good {
				t.Fatal("the mutation did nothing")
			}
			w := e.as(viewer, "GET", "/api/v1/claims?limit=2&cursor="+url.QueryEscape(cur), nil)
			wantProblem(t, w, http.StatusUnprocessableEntity, "cursor")
		})
	}
	w := e.as(viewer, "GET", "/api/v1/claims?limit=2&cursor="+good, nil)
	wantStatus(t, w, http.StatusOK)

	// Bound to its list: not another list, not the same list with other filters, not another
	// article's or claim's sub-list.
	for _, path := range []string{
		"/api/v1/articles/" + article + "/claims?cursor=" + good,
		"/api/v1/sources?cursor=" + good,
		"/api/v1/claims?kind=casualty_count&cursor=" + good,
	} {
		w := e.as(viewer, "GET", path, nil)
		p := wantProblem(t, w, http.StatusUnprocessableEntity, "cursor")
		if !strings.Contains(fmt.Sprint(p.Errors), "first page") && !strings.Contains(fmt.Sprint(p.Errors), "filters") {
			t.Errorf("%s: %v does not say what to do", path, p.Errors)
		}
	}
	filtered := firstCursor(t, e, "/api/v1/claims?kind=casualty_count&limit=1")
	w = e.as(viewer, "GET", "/api/v1/claims?limit=1&kind=casualty_count&cursor="+filtered, nil) // same filters, any order
	wantStatus(t, w, http.StatusOK)
	for _, path := range []string{"/api/v1/claims?limit=1&cursor=", "/api/v1/claims?limit=1&kind=event&cursor=", "/api/v1/claims?limit=1&kind=casualty_count&stage=open&cursor="} {
		wantProblem(t, e.as(viewer, "GET", path+filtered, nil), http.StatusUnprocessableEntity, "cursor")
	}
	claims := walk(t, e, viewer, "/api/v1/claims?", 50, "id")
	a, b := claims[0]["id"].(string), claims[1]["id"].(string)
	for _, id := range []string{a, b} {
		for i := range 2 {
			w := e.as(reviewer, "POST", "/api/v1/claims/"+id+"/evidence", map[string]any{"url": fmt.Sprintf("https://example.org/%d", i), "stance": "context"})
			wantStatus(t, w, http.StatusCreated)
		}
	}
	sub := firstCursor(t, e, "/api/v1/claims/"+a+"/evidence?limit=1")
	wantProblem(t, e.as(viewer, "GET", "/api/v1/claims/"+b+"/evidence?limit=1&cursor="+sub, nil), http.StatusUnprocessableEntity, "cursor")
	wantStatus(t, e.as(viewer, "GET", "/api/v1/claims/"+a+"/evidence?limit=1&cursor="+sub, nil), http.StatusOK)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestArticleClaimsPagesShowOneMoment: the README promises no skips or repeats. In text
// order a claim added between pages earlier in the text would be skipped and one added
// later shown, so a listing shows exactly the claims of its first page's moment; after a
// new revision, whose claims may have moved, the next page is 409 and says to start again.
func TestArticleClaimsPagesShowOneMoment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	article := fmt.Sprint(e.seed.ArticleID)
	body := e.articleBody()
	all := walk(t, e, viewer, "/api/v1/articles/"+article+"/claims?", 200, "id")
	first := map[string]bool{}
	for _, c := range all {
		first[c["id"].(string)] = true
	}

	path := "/api/v1/articles/" + article + "/claims?limit=10"
	seen := map[string]bool{}
	prev := -1.0
	added := 0
	for next := path; next != ""; {
		w := e.as(viewer, "GET", next, nil)
		wantStatus(t, w, http.StatusOK)
		p := decode[listPage](t, w)
		for _, c := range p.Data {
			id := c["id"].(string)
			start := c["anchor"].(map[string]any)["start"].(float64)
			if seen[id] || !first[id] || start < prev {
				t.Fatalf("claim %s at %v (after %v): repeated %v, of the first page's moment %v", id, start, prev, seen[id], first[id])
			}
			seen[id], prev = true, start
		}
		next = ""
		if p.Next != nil {
			next = path + "&cursor=" + *p.Next
			// Between pages another editor adds a claim at the start of the text, before
			// the page reached, and one at its end, after it.
			for _, nc := range []map[string]any{
				{"article_id": article, "quote": "Isis-K", "start": 0},
				{"article_id": article, "quote": "Leave a Reply"},
			} {
				wantStatus(t, e.as(editor, "POST", "/api/v1/claims", nc), http.StatusCreated)
				added++
			}
		}
	}
	if added == 0 || len(seen) != len(first) {
		t.Fatalf("saw %d claims of the %d at the first page (%d added while paging)", len(seen), len(first), added)
	}

	cur := firstCursor(t, e, path)
	w := e.as(editor, "PUT", "/api/v1/articles/"+article, map[string]any{"title": "Isis-K", "body": "Editor's note: updated.\n\n" + body})
	wantStatus(t, w, http.StatusOK)
	w = e.as(viewer, "GET", path+"&cursor="+cur, nil)
	p := wantProblem(t, w, http.StatusConflict, "")
	if !strings.Contains(p.Detail, "first page") {
		t.Errorf("409 detail %q does not say to start again", p.Detail)
	}
	again := walk(t, e, viewer, "/api/v1/articles/"+article+"/claims?", 10, "id")
	if len(again) != len(first)+added {
		t.Errorf("a fresh listing shows %d claims, want %d", len(again), len(first)+added)
	}
	if c := cursorOf(t, cur); c["l"] != "/articles/"+article+"/claims" || len(c["k"].([]any)) != 4 {
		t.Errorf("text-order cursor = %v", c)
	}
}
