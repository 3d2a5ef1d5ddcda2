package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
	"verity/claims/identity"
)

const (
	editor   = identity.RoleEditor
	viewer   = identity.RoleViewer
	reviewer = identity.RoleReviewer
	auditor  = identity.RoleAuditor
	admin    = identity.RoleAdmin
)

func TestHealthNeedsNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.do(req{method: "GET", path: "/healthz"})
	wantStatus(t, w, http.StatusOK)
}

func TestArticlesCreateReadReplace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := "Officials said at least 12 people died. A second blast followed."
	w := e.as(editor, "POST", "/api/v1/articles", map[string]any{
		"title": "Blasts", "outlet": "Example Times", "url": "https://example.org/a", "published_at": "2021-08-27", "body": body,
	})
	wantStatus(t, w, http.StatusCreated)
	a := decode[map[string]any](t, w)
	id := a["id"].(string)
	if a["revision"].(float64) != 1 || a["body"] != body || a["published_at"] != "2021-08-27T00:00:00Z" {
		t.Fatalf("created = %v", a)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/articles/"+id {
		t.Errorf("Location = %q", loc)
	}

	w = e.as(editor, "POST", "/api/v1/claims", map[string]any{"article_id": id, "quote": "at least 12 people died", "kind": "casualty_count"})
	wantStatus(t, w, http.StatusCreated)
	claim := decode[map[string]any](t, w)

	w = e.as(editor, "PUT", "/api/v1/articles/"+id, map[string]any{
		"title": "Blasts (updated)", "body": "Update: toll revised. " + body,
	}, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	a2 := decode[map[string]any](t, w)
	if a2["revision"].(float64) != 2 || w.Header().Get("ETag") != `"2"` {
		t.Fatalf("replaced = %v etag %s", a2, w.Header().Get("ETag"))
	}
	w = e.as(viewer, "GET", "/api/v1/articles/"+id+"/revisions", nil)
	wantStatus(t, w, http.StatusOK)
	revs := data(t, w)
	if len(revs) != 2 || revs[0]["body"] != nil || revs[0]["body_length"] != float64(len(body)) || revs[1]["revision"] != 2.0 {
		t.Errorf("revisions = %v", revs)
	}
	w = e.as(viewer, "GET", "/api/v1/articles/"+id+"/revisions/1", nil)
	wantStatus(t, w, http.StatusOK)
	if rev := decode[map[string]any](t, w); rev["body"] != body || rev["revision"] != 1.0 || rev["body_sha256"] != revs[0]["body_sha256"] {
		t.Errorf("revision 1 = %v", rev)
	}
	w = e.as(viewer, "GET", "/api/v1/claims/"+claim["id"].(string), nil)
	moved := decode[map[string]any](t, w)
	if moved["anchor"].(map[string]any)["start"].(float64) != claim["anchor"].(map[string]any)["start"].(float64)+22 {
		t.Errorf("claim not re-anchored: %v", moved["anchor"])
	}
	// A stale If-Match changes nothing.
	before := e.auditCount()
	w = e.as(editor, "PUT", "/api/v1/articles/"+id, map[string]any{"title": "x", "body": "y"}, "If-Match", `"1"`)
	wantProblem(t, w, http.StatusPreconditionFailed, "")
	if e.auditCount() != before {
		t.Error("a refused PUT wrote to the audit trail")
	}
	w = e.as(viewer, "GET", "/api/v1/articles?limit=1", nil)
	wantStatus(t, w, http.StatusOK)
	list := decode[struct {
		Data []map[string]any `json:"data"`
		Next *string          `json:"next_cursor"`
	}](t, w)
	if len(list.Data) != 1 || list.Next == nil || list.Data[0]["body"] != nil {
		t.Errorf("list = %+v", list)
	}
}

func TestClaimDetailHasCitationsWithSourcesAndETag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	cits := c["citations"].([]any)
	if len(cits) == 0 {
		t.Fatal("the UN estimate cites no source")
	}
	src := cits[0].(map[string]any)["source"].(map[string]any)
	if !strings.Contains(src["name"].(string), "UN") {
		t.Errorf("cited source = %v", src)
	}
	if _, ok := c["evidence"].([]any); !ok {
		t.Errorf("detail has no evidence list: %v", c)
	}
	w := e.as(viewer, "GET", "/api/v1/claims/"+c["id"].(string), nil)
	if w.Header().Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", w.Header().Get("ETag"))
	}
	for _, field := range []string{"id", "article_id", "quote", "text", "anchor", "kind", "quantities", "stage", "status", "assignee_id", "version", "created_at", "updated_at"} {
		if _, ok := c[field]; !ok {
			t.Errorf("claim lacks %s", field)
		}
	}
}

// TestClaimWithInlineCitations: POST /api/v1/claims creates the claim and the citations it
// names in one request and one transaction, each with its audit event.
func TestClaimWithInlineCitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.auditCount()
	w := e.as(editor, "POST", "/api/v1/claims", map[string]any{
		"article_id": fmt.Sprint(e.seed.ArticleID), "quote": "13 American soldiers", "kind": "casualty_count",
		"citations": []map[string]any{
			{"source_id": "1", "attribution": "officials said", "locator": "paragraph 2"},
			{"source_id": "2", "relation": "quoted_from"},
		},
	})
	wantStatus(t, w, http.StatusCreated)
	made := decode[map[string]any](t, w)
	cits, _ := made["citations"].([]any)
	if len(cits) != 2 || made["stage"] != "open" || w.Header().Get("ETag") != `"1"` {
		t.Fatalf("created = %v (ETag %q)", made, w.Header().Get("ETag"))
	}
	first := cits[0].(map[string]any)
	if first["claim_id"] != made["id"] || first["attribution"] != "officials said" || first["relation"] != "attributed_to" ||
		first["source"].(map[string]any)["id"] != "1" || cits[1].(map[string]any)["relation"] != "quoted_from" {
		t.Errorf("citations = %v", cits)
	}
	if ev, ok := made["evidence"].([]any); !ok || len(ev) != 0 {
		t.Errorf("evidence = %v", made["evidence"])
	}
	if after := e.auditCount(); after != before+3 {
		t.Errorf("audit events %d → %d, want a claim and two citations", before, after)
	}
	detail := e.as(viewer, "GET", "/api/v1/claims/"+made["id"].(string), nil)
	if got := decode[map[string]any](t, detail)["citations"].([]any); len(got) != 2 {
		t.Errorf("detail citations = %v", got)
	}
	// Without citations the answer has the same shape, with none.
	w = e.as(editor, "POST", "/api/v1/claims", map[string]any{"article_id": fmt.Sprint(e.seed.ArticleID), "quote": "13 American soldiers"})
	wantStatus(t, w, http.StatusCreated)
	if got, ok := decode[map[string]any](t, w)["citations"].([]any); !ok || len(got) != 0 {
		t.Errorf("citations without any = %v", got)
	}
}

func TestArticleClaimsAreInTextOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := fmt.Sprintf("/api/v1/articles/%d/claims?limit=7", e.seed.ArticleID)
	last, seen := -1.0, 0
	for path != "" {
		w := e.as(viewer, "GET", path, nil)
		wantStatus(t, w, http.StatusOK)
		p := decode[struct {
			Data []map[string]any `json:"data"`
			Next *string          `json:"next_cursor"`
		}](t, w)
		for _, c := range p.Data {
			start := c["anchor"].(map[string]any)["start"].(float64)
			if start < last {
				t.Fatalf("claim at %v after %v", start, last)
			}
			last = start
			seen++
		}
		path = ""
		if p.Next != nil {
			path = fmt.Sprintf("/api/v1/articles/%d/claims?limit=7&cursor=%s", e.seed.ArticleID, *p.Next)
		}
	}
	if seen != e.seed.Claims {
		t.Errorf("saw %d claims, seeded %d", seen, e.seed.Claims)
	}
}

func TestClaimListPagesWithoutSkipsOrRepeatsWhileInserting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := map[string]bool{}
	path := "/api/v1/claims?limit=10"
	created := 0
	for path != "" {
		w := e.as(viewer, "GET", path, nil)
		wantStatus(t, w, http.StatusOK)
		p := decode[struct {
			Data []map[string]any `json:"data"`
			Next *string          `json:"next_cursor"`
		}](t, w)
		for _, c := range p.Data {
			id := c["id"].(string)
			if seen[id] {
				t.Fatalf("claim %s repeated", id)
			}
			seen[id] = true
		}
		path = ""
		if p.Next != nil {
			path = "/api/v1/claims?limit=10&cursor=" + *p.Next
			// Another editor adds a claim between pages.
			w := e.as(editor, "POST", "/api/v1/claims", map[string]any{"article_id": e.seed.ArticleID, "quote": "Isis-K", "start": 2000 + created})
			if w.Code == http.StatusCreated {
				created++
			}
		}
	}
	if len(seen) != e.seed.Claims+created {
		t.Errorf("saw %d claims; %d seeded and %d created during paging", len(seen), e.seed.Claims, created)
	}
}

func TestClaimFiltersAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	count := func(query string) int {
		t.Helper()
		w := e.as(viewer, "GET", "/api/v1/claims?limit=200&"+query, nil)
		wantStatus(t, w, http.StatusOK)
		return len(decode[struct {
			Data []map[string]any `json:"data"`
		}](t, w).Data)
	}
	if n := count("kind=casualty_count"); n < 2 {
		t.Errorf("kind filter found %d", n)
	}
	if n := count("q=2%2C200+fighters"); n < 1 {
		t.Errorf("search found %d", n)
	}
	if n := count("stage=closed"); n != 0 {
		t.Errorf("closed claims: %d", n)
	}
	src := e.claimByQuote("just 2,200 fighters")["citations"].([]any)[0].(map[string]any)["source_id"].(string)
	if n := count("source_id=" + src); n < 3 {
		t.Errorf("claims citing the UN report: %d", n)
	}
	if n := count(fmt.Sprintf("article_id=%d&status=unverified", e.seed.ArticleID)); n != e.seed.Claims {
		t.Errorf("article + status filter: %d", n)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")
	claimPath := "/api/v1/claims/" + claim["id"].(string)
	article := fmt.Sprint(e.seed.ArticleID)
	bodyLen := utf8.RuneCountInString(e.articleBody())
	tests := []struct {
		name   string
		r      req
		status int
		field  string
	}{
		{"unknown field", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","colour":"red"}`}, 422, "colour"},
		{"wrong type", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":42}`}, 422, "quote"},
		{"wrong type for start", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","start":"ten"}`}, 422, "start"},
		{"malformed JSON", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":`}, 400, ""},
		{"not an object", req{method: "POST", path: "/api/v1/claims", body: `["Isis-K"]`}, 400, ""},
		{"two objects", req{method: "POST", path: "/api/v1/claims", body: `{"quote":"a"}{"quote":"b"}`}, 400, ""},
		{"bad UTF-8", req{method: "POST", path: "/api/v1/claims", body: []byte("{\"article_id\":\"" + article + "\",\"quote\":\"Isis\xff\"}")}, 400, ""},
		{"oversized body", req{method: "POST", path: "/api/v1/articles", body: `{"title":"t","body":"` + strings.Repeat("a", 9<<20) + `"}`}, 413, ""},
		{"wrong content type", req{method: "POST", path: "/api/v1/claims", body: `quote=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, ""},
		{"missing required", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `"}`}, 422, "quote"},
		{"enum not in list", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","start":0,"kind":"rumour"}`}, 422, "kind"},
		{"offset out of range", req{method: "POST", path: "/api/v1/claims", body: fmt.Sprintf(`{"article_id":"%s","quote":"Isis-K","start":%d}`, article, bodyLen+5)}, 422, "start"},
		{"negative offset", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","start":-1}`}, 422, "start"},
		{"quote absent", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Boko Haram"}`}, 422, "quote"},
		{"quote ambiguous", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K"}`}, 422, "quote"},
		{"unknown article", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"999999","quote":"Isis-K"}`}, 422, "article_id"},
		{"bad id", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"abc","quote":"Isis-K"}`}, 422, "article_id"},
		{"bad quantity", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","start":0,"quantities":[{"value":5,"lower":9,"unit":"x"}]}`}, 422, "quantities[0].value"},
		{"bad quantity date", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"Isis-K","start":0,"quantities":[{"value":5,"unit":"x","as_of":"Aug 26"}]}`}, 422, "quantities[0].as_of"},
		{"unknown cited source", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"13 American soldiers","citations":[{"source_id":"1"},{"source_id":"999999"}]}`}, 422, "citations[1].source_id"},
		{"cited source missing", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"13 American soldiers","citations":[{"attribution":"x"}]}`}, 422, "citations[0].source_id"},
		{"bad citation relation", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"13 American soldiers","citations":[{"source_id":"1","relation":"rumoured"}]}`}, 422, "citations[0].relation"},
		{"unknown citation field", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"13 American soldiers","citations":[{"source_id":"1","page":3}]}`}, 422, "citations[0].page"},
		{"the same citation twice", req{method: "POST", path: "/api/v1/claims", body: `{"article_id":"` + article + `","quote":"13 American soldiers","citations":[{"source_id":"1"},{"source_id":"1"}]}`}, 409, ""},
		{"bad time", req{method: "POST", path: "/api/v1/articles", body: `{"title":"t","body":"b","published_at":"yesterday"}`}, 422, "published_at"},
		{"year after 9999 in UTC", req{method: "POST", path: "/api/v1/articles", body: `{"title":"t","body":"b","published_at":"9999-12-31T23:00:00-02:00"}`}, 422, "published_at"},
		{"year 0", req{method: "POST", path: "/api/v1/sources", body: `{"kind":"report","name":"n","published_at":"0000-01-01"}`}, 422, "published_at"},
		{"bad url", req{method: "POST", path: "/api/v1/sources", body: `{"kind":"report","name":"n","url":"not a url"}`}, 422, "url"},
		{"bad source kind", req{method: "POST", path: "/api/v1/sources", body: `{"kind":"rumour","name":"n"}`}, 422, "kind"},
		{"bad reliability", req{method: "POST", path: "/api/v1/sources", body: `{"kind":"report","name":"n","reliability":"Z"}`}, 422, "reliability"},
		{"patch without If-Match", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`}, 428, ""},
		{"patch with stale If-Match", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `"7"`}}, 412, ""},
		{"patch with garbage If-Match", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `<1>`}}, 412, ""},
		{"patch with a weak If-Match", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `W/"1"`}}, 412, ""},
		{"patch with two stale ETags", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `"7", W/"1"`}}, 412, ""},
		{"patch with a padded ETag", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `"01"`}}, 412, ""},
		{"patch with an unquoted ETag", req{method: "PATCH", path: claimPath, body: `{"text":"x"}`, header: map[string]string{"If-Match": `1`}}, 412, ""},
		{"empty patch", req{method: "PATCH", path: claimPath, body: `{}`, header: map[string]string{"If-Match": `"1"`}}, 422, ""},
		{"patch with a bad kind", req{method: "PATCH", path: claimPath, body: `{"kind":"rumour"}`, header: map[string]string{"If-Match": `"1"`}}, 422, "kind"},
		{"patch stage", req{method: "PATCH", path: claimPath, body: `{"stage":"closed"}`, header: map[string]string{"If-Match": `"1"`}}, 422, "stage"},
		{"limit too large", req{method: "GET", path: "/api/v1/claims?limit=500"}, 422, "limit"},
		{"limit not a number", req{method: "GET", path: "/api/v1/claims?limit=ten"}, 422, "limit"},
		{"unknown filter", req{method: "GET", path: "/api/v1/claims?colour=red"}, 422, "colour"},
		{"unknown parameter on a sub-list", req{method: "GET", path: claimPath + "/evidence?stance=refutes"}, 422, "stance"},
		{"limit on a sub-list", req{method: "GET", path: claimPath + "/evidence?limit=0"}, 422, "limit"},
		{"bad stage filter", req{method: "GET", path: "/api/v1/claims?stage=done"}, 422, "stage"},
		{"bad cursor", req{method: "GET", path: "/api/v1/claims?cursor=abc"}, 422, "cursor"},
		{"audit window backwards", req{method: "GET", path: "/api/v1/audit?from=2026-02-01&to=2026-01-01", token: e.tokens[auditor]}, 422, "to"},
		{"audit head not a hash", req{method: "GET", path: "/api/v1/audit/verify?head=zzz", token: e.tokens[auditor]}, 422, "head"},
		{"unknown claim", req{method: "GET", path: "/api/v1/claims/999999"}, 404, ""},
		{"claims of an unknown article", req{method: "GET", path: "/api/v1/articles/999999/claims"}, 404, ""},
		{"revisions of an unknown article", req{method: "GET", path: "/api/v1/articles/999999/revisions"}, 404, ""},
		{"citations of an unknown claim", req{method: "GET", path: "/api/v1/claims/999999/citations"}, 404, ""},
		{"evidence of an unknown claim", req{method: "GET", path: "/api/v1/claims/999999/evidence"}, 404, ""},
		{"non-numeric id", req{method: "GET", path: "/api/v1/claims/abc"}, 404, ""},
		{"unknown route", req{method: "GET", path: "/api/v1/nothing"}, 404, ""},
		{"wrong method", req{method: "DELETE", path: claimPath}, 405, ""},
		{"derivation cycle", req{method: "POST", path: "/api/v1/sources/1/derivations", body: `{"derived_from_id":"1"}`}, 422, "derived_from_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.auditCount()
			if tt.r.token == "" {
				tt.r.token = e.tokens[editor]
			}
			w := e.do(tt.r)
			wantProblem(t, w, tt.status, tt.field)
			if after := e.auditCount(); after != before {
				t.Errorf("refused request changed the audit trail (%d → %d)", before, after)
			}
		})
	}
	again := e.claimByQuote("just 2,200 fighters")
	if again["version"] != claim["version"] || again["text"] != claim["text"] {
		t.Errorf("refused requests changed the claim: %v", again)
	}
}

func (e *env) articleBody() string {
	e.t.Helper()
	w := e.as(viewer, "GET", fmt.Sprintf("/api/v1/articles/%d", e.seed.ArticleID), nil)
	return decode[map[string]any](e.t, w)["body"].(string)
}

func TestPatchClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	path := "/api/v1/claims/" + c["id"].(string)
	w := e.as(editor, "PATCH", path, map[string]any{"text": "About 2,200 Isis-K fighters were in Afghanistan in mid-2020.", "quantities": []map[string]any{{"value": 2200, "qualifier": "about", "unit": "fighters"}}}, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	got := decode[map[string]any](t, w)
	if got["version"].(float64) != 2 || w.Header().Get("ETag") != `"2"` || got["quantities"].([]any)[0].(map[string]any)["qualifier"] != "about" {
		t.Errorf("patched = %v", got)
	}
	// The old ETag is now stale.
	w = e.as(editor, "PATCH", path, map[string]any{"kind": "estimate"}, "If-Match", `"1"`)
	wantProblem(t, w, http.StatusPreconditionFailed, "")
}

func TestSourcesDerivationsAndCitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mk := func(name string) string {
		w := e.as(editor, "POST", "/api/v1/sources", map[string]any{"kind": "report", "name": name, "reliability": "B"})
		wantStatus(t, w, http.StatusCreated)
		return decode[map[string]any](t, w)["id"].(string)
	}
	report, briefing, raw := mk("Report"), mk("Briefing"), mk("Raw intelligence")
	w := e.as(editor, "POST", "/api/v1/sources/"+report+"/derivations", map[string]any{"derived_from_id": briefing})
	wantStatus(t, w, http.StatusCreated)
	w = e.as(editor, "POST", "/api/v1/sources/"+briefing+"/derivations", map[string]any{"derived_from_id": raw})
	wantStatus(t, w, http.StatusCreated)
	before := e.auditCount()
	w = e.as(editor, "POST", "/api/v1/sources/"+raw+"/derivations", map[string]any{"derived_from_id": report})
	wantProblem(t, w, http.StatusConflict, "")
	if e.auditCount() != before {
		t.Error("a refused cycle wrote to the audit trail")
	}
	w = e.as(viewer, "GET", "/api/v1/sources/"+report, nil)
	wantStatus(t, w, http.StatusOK)
	detail := decode[map[string]any](t, w)
	if len(detail["derived_from"].([]any)) != 2 {
		t.Errorf("upstream of report = %v", detail["derived_from"])
	}

	w = e.as(editor, "PATCH", "/api/v1/sources/"+report, map[string]any{"reliability": "C"})
	wantProblem(t, w, http.StatusPreconditionRequired, "")
	w = e.as(editor, "PATCH", "/api/v1/sources/"+report, map[string]any{"reliability": "C", "published_at": "2020-06-01"}, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["reliability"] != "C" || got["published_at"] != "2020-06-01T00:00:00Z" {
		t.Errorf("patched source = %v", got)
	}
	w = e.as(editor, "PATCH", "/api/v1/sources/"+report, map[string]any{"published_at": nil}, "If-Match", w.Header().Get("ETag"))
	if got := decode[map[string]any](t, w); got["published_at"] != nil {
		t.Errorf("published_at not cleared: %v", got)
	}

	c := e.claimByQuote("just 2,200 fighters")
	path := "/api/v1/claims/" + c["id"].(string) + "/citations"
	w = e.as(editor, "POST", path, map[string]any{"source_id": report, "attribution": "a report said", "locator": "p. 12", "relation": "quoted_from"})
	wantStatus(t, w, http.StatusCreated)
	w = e.as(editor, "POST", path, map[string]any{"source_id": "999999"})
	wantProblem(t, w, http.StatusUnprocessableEntity, "source_id")
	w = e.as(viewer, "GET", path, nil)
	cits := data(t, w)
	if last := cits[len(cits)-1]; last["locator"] != "p. 12" || last["source"].(map[string]any)["name"] != "Report" {
		t.Errorf("citations = %v", cits)
	}

	w = e.as(viewer, "GET", "/api/v1/claims/"+c["id"].(string)+"/provenance", nil)
	wantStatus(t, w, http.StatusOK)
	g := decode[map[string]any](t, w)
	if len(g["derivations"].([]any)) < 2 || g["article"].(map[string]any)["id"] == nil {
		t.Errorf("graph = %v", g)
	}
	w = e.as(viewer, "GET", "/api/v1/claims/"+c["id"].(string)+"/provenance?format=prov-json", nil)
	wantStatus(t, w, http.StatusOK)
	if prov := decode[map[string]any](t, w); prov["entity"] == nil || prov["prefix"] == nil {
		t.Errorf("PROV-JSON = %v", prov)
	}
	w = e.as(viewer, "GET", "/api/v1/sources?kind=report&q=raw", nil)
	if list := data(t, w); len(list) != 1 || list[0]["name"] != "Raw intelligence" {
		t.Errorf("source search = %v", list)
	}
}

func TestSubListsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimByQuote("just 2,200 fighters")["id"].(string)
	for i := range 5 {
		w := e.as(reviewer, "POST", "/api/v1/claims/"+id+"/evidence", map[string]any{"url": fmt.Sprintf("https://example.org/%d", i), "stance": "context"})
		wantStatus(t, w, http.StatusCreated)
	}
	var seen []string
	path := "/api/v1/claims/" + id + "/evidence?limit=2"
	for path != "" {
		w := e.as(viewer, "GET", path, nil)
		wantStatus(t, w, http.StatusOK)
		p := decode[listPage](t, w)
		if len(p.Data) > 2 {
			t.Fatalf("page of %d", len(p.Data))
		}
		for _, ev := range p.Data {
			seen = append(seen, ev["url"].(string))
		}
		path = ""
		if p.Next != nil {
			path = "/api/v1/claims/" + id + "/evidence?limit=2&cursor=" + *p.Next
		}
	}
	if len(seen) != 5 || seen[0] != "https://example.org/0" || seen[4] != "https://example.org/4" {
		t.Errorf("paged evidence = %v", seen)
	}
}
