package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"verity/claims/identity"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	oaerrors "github.com/pb33f/libopenapi-validator/errors"
)

// specOf fetches the OpenAPI document the server serves, as a client would.
func specOf(t testing.TB, e *env) []byte {
	t.Helper()
	w := e.do(req{method: "GET", path: "/api/openapi.json"})
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %s: the embedded openapi.json is not JSON, or not OpenAPI 3.1", w.Code, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	return w.Body.Bytes()
}

// specValidator builds a validator over the served document. Formats (date-time, date,
// email, uri) are asserted, and multipart bodies are decoded so that evidence uploads are
// checked too.
func specValidator(t testing.TB, spec []byte) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithStandardBodyDecoders())
	if len(errs) > 0 {
		t.Fatalf("openapi.json does not build: %v", errs)
	}
	return v
}

func explain(errs []*oaerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n\t\t%s at %s (schema %s)", f.Reason, f.FieldPath, f.KeywordLocation)
		}
	}
	return b.String()
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := specOf(t, e)
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	if info := doc.GetSpecInfo(); !strings.HasPrefix(info.Version, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", info.Version)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("openapi.json does not build a model: %v", err)
	}
	if ok, errs := specValidator(t, spec).ValidateDocument(); !ok {
		t.Fatalf("openapi.json is not a valid OpenAPI 3.1 document:%s", explain(errs))
	}
}

// ginParam matches the parameters of a Gin route, to write it as an OpenAPI path template:
// /claims/:id → /claims/{id}.
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// TestOpenAPICoversEveryRoute checks that the document and the engine name the same
// operations, and that only the public ones go without the bearer token.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := specOf(t, e)
	var raw struct {
		Security []map[string][]string                 `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(spec, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Security) != 1 || raw.Security[0]["bearerAuth"] == nil {
		t.Errorf("document security = %v, want bearerAuth for every operation not marked public", raw.Security)
	}
	documented := map[string]bool{}
	for path, item := range raw.Paths {
		for method, body := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			var op struct {
				Security *[]map[string][]string `json:"security"`
			}
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatal(err)
			}
			// The probes and this document need no token; the API, the exports and the metrics do.
			public := !strings.HasPrefix(path, "/api/v1/") && !strings.HasPrefix(path, "/exports/") && path != "/metrics"
			switch {
			case public && (op.Security == nil || len(*op.Security) != 0):
				t.Errorf("%s needs no token, but the document does not say security: []", key)
			case !public && op.Security != nil:
				t.Errorf("%s overrides the bearer requirement", key)
			}
		}
	}
	gets, heads := map[string]bool{}, map[string]bool{}
	for _, rt := range apiRoutes(e) {
		key := rt.Method + " " + ginParam.ReplaceAllString(rt.Path, "{$1}")
		// HEAD is GET without the body (RFC 9110): the GET operation describes both, and
		// every GET route must answer it.
		switch rt.Method {
		case "GET":
			gets[rt.Path] = true
		case "HEAD":
			heads[rt.Path] = true
			continue
		}
		if !documented[key] {
			t.Errorf("route %s has no operation in openapi.json", key)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which is not a route", key)
	}
	for path := range gets {
		if !heads[path] {
			t.Errorf("GET %s has no HEAD", path)
		}
		delete(heads, path)
	}
	for path := range heads {
		t.Errorf("HEAD %s has no GET", path)
	}
}

// TestOpenAPISchemasAreClosed makes every object schema with named properties say what
// else it takes: nothing (additionalProperties: false, or unevaluatedProperties: false for
// one that extends a Base schema with allOf), or values of a schema it names. The server
// refuses unknown request fields, and a response field added to a DTO without being
// documented must fail the conformance test. The Base schemas are open only so that closed
// schemas can extend them.
func TestOpenAPISchemasAreClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc map[string]any
	if err := json.Unmarshal(specOf(t, e), &doc); err != nil {
		t.Fatal(err)
	}
	open := func(path string) bool {
		name, ok := strings.CutPrefix(path, "/components/schemas/")
		return ok && strings.HasSuffix(name, "Base")
	}
	var walk func(path string, node any)
	walk = func(path string, node any) {
		switch n := node.(type) {
		case map[string]any:
			_, named := n["properties"]
			extra, saysExtra := n["additionalProperties"].(map[string]any)
			if named && n["additionalProperties"] != false && n["unevaluatedProperties"] != false && !(saysExtra && len(extra) > 0) && !open(path) {
				t.Errorf("%s names properties but accepts others: add additionalProperties: false", path)
			}
			for k, v := range n {
				walk(path+"/"+k, v)
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s/%d", path, i), v)
			}
		}
	}
	walk("", doc)
}

// call is one request of the conformance test and what it must get.
type call struct {
	role   identity.Role // whose token to send; "" sends none
	token  string        // a token to send instead of role's
	method string
	path   string
	body   any // nil, a string or []byte sent as is, or anything else as JSON
	// contentType defaults to application/json when there is a body.
	contentType string
	header      []string // name, value pairs
	status      int
	// nonconforming marks a request that breaks the document on purpose; the document must
	// refuse it as the server does.
	nonconforming bool
}

// conformance sends calls through the real engine and validates each request and response
// against the served document.
type conformance struct {
	t *testing.T
	e *env
	v validator.Validator
}

func (c *conformance) request(k call, body []byte) *http.Request {
	r := httptest.NewRequest(k.method, k.path, bytes.NewReader(body))
	if body != nil {
		ct := k.contentType
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	token := k.token
	if token == "" && k.role != "" {
		token = c.e.tokens[k.role]
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(k.header); i += 2 {
		r.Header.Set(k.header[i], k.header[i+1])
	}
	return r
}

func (c *conformance) do(k call) *httptest.ResponseRecorder {
	c.t.Helper()
	var body []byte
	switch b := k.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	name := k.method + " " + k.path
	if len(name) > 120 {
		name = name[:120] + "…"
	}
	w := httptest.NewRecorder()
	c.e.handler.ServeHTTP(w, c.request(k, body))
	if w.Code != k.status {
		c.t.Errorf("%s: status %d, want %d: %s", name, w.Code, k.status, w.Body.String())
	}
	ok, errs := c.v.ValidateHttpRequestSync(c.request(k, body))
	switch {
	case k.nonconforming && ok:
		c.t.Errorf("%s: the server answers %d, but the document accepts the request", name, w.Code)
	case !k.nonconforming && !ok:
		c.t.Errorf("%s: the request does not conform to openapi.json:%s", name, explain(errs))
	case k.nonconforming:
		c.t.Logf("%s: the document refuses the request too:%s", name, explain(errs))
	}
	if ok, errs := c.v.ValidateHttpResponse(c.request(k, body), w.Result()); !ok {
		c.t.Errorf("%s: the %d response does not conform to openapi.json:%s\n\tbody: %.2000s", name, w.Code, explain(errs), w.Body.String())
	}
	return w
}

// object sends k and decodes the answer as a JSON object.
func (c *conformance) object(k call) map[string]any {
	c.t.Helper()
	w := c.do(k)
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		c.t.Fatalf("%s %s: %d %s: %v", k.method, k.path, w.Code, w.Body.String(), err)
	}
	return v
}

func multipartBody(t testing.TB, fields map[string]string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := mw.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("attachment", "scan.txt")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// TestOpenAPIConformance drives a representative set of real requests, successes and
// failures, through the engine and validates every request and response against the
// document the server serves.
func TestOpenAPIConformance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &conformance{t: t, e: e, v: specValidator(t, specOf(t, e))}
	const v1 = "/api/v1"

	// Public routes.
	c.do(call{method: "GET", path: "/healthz", status: 200})
	c.do(call{method: "GET", path: "/api/openapi.json", status: 200})
	c.do(call{method: "GET", path: "/readyz", status: 200})
	c.do(call{role: auditor, method: "GET", path: "/metrics", status: 200})
	c.do(call{role: viewer, method: "GET", path: "/metrics", status: 403})
	c.do(call{method: "GET", path: "/metrics", status: 401, nonconforming: true})

	// Articles.
	body := "Officials said at least 12 people died on 26 August. A second blast followed."
	article := c.object(call{role: editor, method: "POST", path: v1 + "/articles", status: 201, body: map[string]any{
		"slug": "kabul-blasts", "title": "Blasts", "outlet": "Example Times", "url": "https://example.org/a",
		"author": "A. Reporter", "published_at": "2021-08-27", "body": body,
	}})
	articleID, _ := article["id"].(string)
	page := c.object(call{role: viewer, method: "GET", path: v1 + "/articles?limit=1", status: 200})
	if next, ok := page["next_cursor"].(string); ok {
		c.do(call{role: viewer, method: "GET", path: v1 + "/articles?limit=1&cursor=" + next, status: 200})
	} else {
		t.Errorf("two articles, limit 1: no next_cursor in %v", page)
	}
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles?outlet=Example+Times", status: 200})
	art := c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID, status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID, header: []string{"If-None-Match", art.Header().Get("ETag")}, status: 304})
	doc := c.do(call{method: "GET", path: "/api/openapi.json", status: 200})
	c.do(call{method: "GET", path: "/api/openapi.json", header: []string{"If-None-Match", doc.Header().Get("ETag")}, status: 304})
	c.do(call{role: editor, method: "PUT", path: v1 + "/articles/" + articleID, header: []string{"If-Match", `"1"`}, status: 200,
		body: map[string]any{"title": "Blasts (updated)", "published_at": nil, "body": "Update: toll revised. " + body}})
	revisions := c.object(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/revisions?limit=1", status: 200})
	if next, ok := revisions["next_cursor"].(string); ok {
		c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/revisions?limit=1&cursor=" + next, status: 200})
	} else {
		t.Errorf("two revisions, limit 1: no next_cursor in %v", revisions)
	}
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/revisions/2", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/revisions/3", status: 404})
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/revisions/02", status: 404, nonconforming: true})

	// Claims.
	claim := c.object(call{role: editor, method: "POST", path: v1 + "/claims", status: 201, body: map[string]any{
		"article_id": articleID, "quote": "at least 12 people died", "kind": "casualty_count",
		"quantities": []map[string]any{{"value": 12, "lower": 12, "upper": nil, "qualifier": "at least", "unit": "people killed", "as_of": "2021-08-26"}},
	}})
	claimID, _ := claim["id"].(string)
	cited := c.object(call{role: editor, method: "POST", path: v1 + "/claims", status: 201, body: map[string]any{
		"article_id": articleID, "quote": "A second blast followed",
		"citations": []map[string]any{{"source_id": "1", "attribution": "police said", "locator": "", "relation": "attributed_to"}, {"source_id": "2"}},
	}})
	if cits, _ := cited["citations"].([]any); len(cits) != 2 {
		t.Errorf("a claim created with two citations: %v", cited)
	}
	c.do(call{role: editor, method: "POST", path: v1 + "/claims", status: 422, body: map[string]any{
		"article_id": articleID, "quote": "A second blast followed", "citations": []map[string]any{{"source_id": "999999"}},
	}})
	c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/claims?stage=open&limit=10", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims?kind=casualty_count&status=unverified&limit=2", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims?q=fighters", status: 200})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/claims/" + claimID, header: []string{"If-Match", `"1"`}, status: 200,
		body: map[string]any{"text": "At least 12 people died in the first blast."}})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/claims/" + claimID, header: []string{"If-Match", `"9", "2"`}, status: 200,
		body: map[string]any{"kind": "casualty_count"}})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/claims/" + claimID, header: []string{"If-Match", "*"}, status: 200,
		body: map[string]any{"text": "At least 12 people died in the first of two blasts."}})
	seeded, _ := e.claimByQuote("just 2,200 fighters")["id"].(string)
	detail := c.object(call{role: viewer, method: "GET", path: v1 + "/claims/" + seeded, status: 200})
	if cits, _ := detail["citations"].([]any); len(cits) == 0 {
		t.Errorf("the seeded claim has no citations, so their schema went untested: %v", detail)
	}

	// Sources and derivations.
	source := c.object(call{role: editor, method: "POST", path: v1 + "/sources", status: 201, body: map[string]any{
		"kind": "report", "name": "Ministry casualty bulletin", "url": "https://example.org/bulletin",
		"published_at": "2021-08-26T10:00:00Z", "reliability": "B",
	}})
	sourceID, _ := source["id"].(string)
	c.do(call{role: viewer, method: "GET", path: v1 + "/sources?kind=report&q=bulletin&limit=1", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/sources/1", status: 200})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/sources/" + sourceID, header: []string{"If-Match", `"1"`}, status: 200,
		body: map[string]any{"published_at": nil, "notes": "Date unknown.", "reliability": "C"}})
	c.do(call{role: editor, method: "POST", path: v1 + "/sources/" + sourceID + "/derivations", status: 201,
		body: map[string]any{"derived_from_id": "1", "note": "Quotes the UN report."}})
	c.do(call{role: viewer, method: "GET", path: v1 + "/sources/" + sourceID, status: 200})

	// Citations.
	c.do(call{role: editor, method: "POST", path: v1 + "/claims/" + claimID + "/citations", status: 201, body: map[string]any{
		"source_id": sourceID, "attribution": "Officials said", "locator": "paragraph 1", "relation": "quoted_from",
	}})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/citations", status: 200})

	// Evidence, as JSON and as a multipart upload.
	evidence := c.object(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/evidence", status: 201, body: map[string]any{
		"url": "https://example.org/morgue", "title": "Morgue list", "excerpt": "12 names", "stance": "supports", "source_id": sourceID,
	}})
	evidenceID, _ := evidence["id"].(string)
	form, formType := multipartBody(t, map[string]string{"stance": "context", "title": "scan", "source_id": sourceID}, []byte("scanned list"))
	upload := c.object(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/evidence", body: form, contentType: formType, status: 201})
	attachment, _ := upload["attachment"].(map[string]any)
	sum, _ := attachment["sha256"].(string)
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/evidence", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/evidence/" + evidenceID, status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/attachments/" + sum, status: 200})

	// The workflow.
	w := c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID, status: 200})
	started := c.do(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/transitions",
		header: []string{"If-Match", w.Header().Get("ETag")}, body: map[string]any{"action": "start"}, status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/transitions", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/claimreview", status: 409})
	proposed := c.do(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/transitions",
		header: []string{"If-Match", started.Header().Get("ETag")}, status: 200,
		body: map[string]any{"action": "propose", "status": "verified", "rationale": "The morgue list has 12 names."}})
	signed := c.do(call{role: editor, method: "POST", path: v1 + "/claims/" + claimID + "/transitions",
		header: []string{"If-Match", proposed.Header().Get("ETag")}, body: map[string]any{"action": "sign_off"}, status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/claimreview", status: 200})
	started = c.do(call{role: editor, method: "POST", path: v1 + "/claims/" + claimID + "/transitions",
		header: []string{"If-Match", signed.Header().Get("ETag")}, body: map[string]any{"action": "reopen", "rationale": "A second list surfaced."}, status: 200})
	c.do(call{role: reviewer, method: "POST", path: v1 + "/evidence/" + evidenceID + "/withdraw", body: map[string]any{"reason": "Wrong morgue."}, status: 200})

	// Provenance, both forms.
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + claimID + "/provenance", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + seeded + "/provenance", status: 200})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/" + seeded + "/provenance?format=prov-json", status: 200})

	// The audit trail.
	events := c.object(call{role: auditor, method: "GET", path: v1 + "/audit?limit=2", status: 200})
	if next, ok := events["next_cursor"].(string); ok {
		c.do(call{role: auditor, method: "GET", path: v1 + "/audit?limit=2&cursor=" + next, status: 200})
	} else {
		t.Errorf("audit page of 2: no next_cursor in %v", events)
	}
	c.do(call{role: auditor, method: "GET", path: v1 + "/audit?entity_type=claim&entity_id=" + claimID + "&from=2020-01-01&to=2100-01-01T00:00:00Z", status: 200})
	report := c.object(call{role: auditor, method: "GET", path: v1 + "/audit/verify", status: 200})
	head, _ := report["head_hash"].(string)
	c.do(call{role: admin, method: "GET", path: v1 + "/audit/verify?head=" + head, status: 200})

	// The CSV exports, and a refused filter of each.
	c.do(call{role: auditor, method: "GET", path: "/exports/audit.csv?article_id=" + articleID + "&bom=1", status: 200})
	c.do(call{role: editor, method: "GET", path: "/exports/audit.csv?actor=system&from=2020-01-01", status: 200})
	c.do(call{role: viewer, method: "GET", path: "/exports/claims.csv?stage=open&q=people", status: 200})
	c.do(call{role: viewer, method: "GET", path: "/exports/claims.csv?kind=rumour", status: 422, nonconforming: true})
	c.do(call{role: auditor, method: "GET", path: "/exports/audit.csv?article_id=007", status: 422, nonconforming: true})

	// Users and tokens.
	c.do(call{role: admin, method: "GET", path: v1 + "/users?role=viewer&limit=5", status: 200})
	user := c.object(call{role: admin, method: "POST", path: v1 + "/users", status: 201, body: map[string]any{
		"email": "checker@example.org", "name": "A Checker", "role": "reviewer", "password": "correct horse battery",
	}})
	userID, _ := user["id"].(string)
	c.do(call{role: admin, method: "GET", path: v1 + "/users/" + userID, status: 200})
	c.do(call{role: admin, method: "PATCH", path: v1 + "/users/" + userID, body: map[string]any{"name": "B Checker", "disabled": false}, status: 200})
	token := c.object(call{role: admin, method: "POST", path: v1 + "/users/" + userID + "/tokens", body: map[string]any{"name": "ci"}, status: 201})
	tokenID, _ := token["id"].(string)
	c.do(call{role: admin, method: "GET", path: v1 + "/users/" + userID + "/tokens", status: 200})
	c.do(call{role: admin, method: "DELETE", path: v1 + "/users/" + userID + "/tokens/" + tokenID, status: 200})

	// Whole listings, so that every seeded row and every audit event written above is checked.
	for _, list := range []string{"/articles", "/claims", "/sources", "/audit", "/users"} {
		c.do(call{role: admin, method: "GET", path: v1 + list + "?limit=200", status: 200})
	}

	// Failures: each answer must be a documented problem, and requests that break the
	// document's rules must be ones the document refuses too.
	c.do(call{role: editor, method: "POST", path: v1 + "/claims", body: map[string]any{"article_id": articleID}, status: 422, nonconforming: true})
	c.do(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/evidence", body: map[string]any{"url": "https://example.org", "stance": "maybe"}, status: 422, nonconforming: true})
	c.do(call{role: editor, method: "POST", path: v1 + "/sources", body: map[string]any{"kind": "report", "name": "X", "colour": "red"}, status: 422, nonconforming: true})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims?limit=500", status: 422, nonconforming: true})
	c.do(call{role: editor, method: "POST", path: v1 + "/claims", body: map[string]any{"article_id": articleID, "quote": "not in the text"}, status: 422})
	c.do(call{role: editor, method: "POST", path: v1 + "/articles", body: `{"title": `, status: 400, nonconforming: true})
	c.do(call{role: editor, method: "POST", path: v1 + "/claims", body: map[string]any{"article_id": "abc", "quote": "x"}, status: 422, nonconforming: true})
	c.do(call{role: editor, method: "POST", path: v1 + "/articles", body: "title=x", contentType: "text/plain", status: 415, nonconforming: true})
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims/999999", status: 404})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/claims/" + claimID, header: []string{"If-Match", `"99"`}, body: map[string]any{"kind": "event"}, status: 412})
	c.do(call{role: editor, method: "PATCH", path: v1 + "/claims/" + claimID, body: map[string]any{"kind": "event"}, status: 428, nonconforming: true})
	c.do(call{method: "GET", path: v1 + "/claims", status: 401, nonconforming: true})
	c.do(call{token: "vrt_not-a-token", method: "GET", path: v1 + "/claims", status: 401})
	c.do(call{role: viewer, method: "POST", path: v1 + "/articles", body: map[string]any{"title": "T", "body": "B"}, status: 403})
	c.do(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/transitions",
		header: []string{"If-Match", started.Header().Get("ETag")}, body: map[string]any{"action": "start"}, status: 409})
	c.do(call{role: admin, method: "DELETE", path: v1 + "/users/" + userID + "/tokens/" + tokenID, status: 409})
	big, bigType := multipartBody(t, map[string]string{"stance": "context"}, bytes.Repeat([]byte("x"), 1<<20+1))
	c.do(call{role: reviewer, method: "POST", path: v1 + "/claims/" + claimID + "/evidence", body: big, contentType: bigType, status: 413})

	// Text order: a cursor continues its own listing only, and not past a new revision.
	c.do(call{role: editor, method: "POST", path: v1 + "/claims", status: 201, body: map[string]any{"article_id": articleID, "quote": "A second blast followed"}})
	inText := c.object(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/claims?limit=1", status: 200})
	if next, ok := inText["next_cursor"].(string); ok {
		c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/claims?limit=1&cursor=" + next, status: 200})
		c.do(call{role: viewer, method: "GET", path: v1 + "/claims?limit=1&cursor=" + next, status: 422})
		c.do(call{role: editor, method: "PUT", path: v1 + "/articles/" + articleID, status: 200,
			body: map[string]any{"title": "Blasts (revised again)", "body": "Second update. " + body}})
		c.do(call{role: viewer, method: "GET", path: v1 + "/articles/" + articleID + "/claims?limit=1&cursor=" + next, status: 409})
	} else {
		t.Errorf("two claims, limit 1: no next_cursor in %v", inText)
	}
	c.do(call{role: viewer, method: "GET", path: v1 + "/claims?limit=1&cursor=e30", status: 422})
}

// TestOpenAPICatchesUndocumentedFields shows that the conformance test fails when a
// response carries a field the document does not name, at any depth.
func TestOpenAPICatchesUndocumentedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := specValidator(t, specOf(t, e))
	claim, _ := e.claimByQuote("just 2,200 fighters")["id"].(string)
	for _, tc := range []struct {
		path   string
		role   identity.Role
		status int
		add    func(body map[string]any)
	}{
		{"/api/v1/claims/" + claim, viewer, 200, func(b map[string]any) { b["reviewer_notes"] = "" }},
		{"/api/v1/claims/" + claim, viewer, 200, func(b map[string]any) { b["anchor"].(map[string]any)["line"] = 1 }},
		{"/api/v1/claims/" + claim, viewer, 200, func(b map[string]any) {
			b["citations"].([]any)[0].(map[string]any)["source"].(map[string]any)["owner"] = "x"
		}},
		{"/api/v1/claims?limit=1", viewer, 200, func(b map[string]any) { b["data"].([]any)[0].(map[string]any)["score"] = 1 }},
		{"/api/v1/claims?limit=1", viewer, 200, func(b map[string]any) { b["total"] = 1 }},
		{"/api/v1/claims/999999", viewer, 404, func(b map[string]any) { b["trace"] = "x" }},
		{"/api/v1/audit/verify", auditor, 200, func(b map[string]any) { b["duration_ms"] = 3 }},
	} {
		w := e.as(tc.role, "GET", tc.path, nil)
		wantStatus(t, w, tc.status)
		resp := w.Result()
		r := httptest.NewRequest("GET", tc.path, nil)
		r.Header.Set("Authorization", "Bearer "+e.tokens[tc.role])
		if ok, errs := v.ValidateHttpResponse(r, resp); !ok {
			t.Fatalf("%s: the unchanged response fails:%s", tc.path, explain(errs))
		}
		body := decode[map[string]any](t, w)
		tc.add(body)
		changed, _ := json.Marshal(body)
		resp = w.Result()
		resp.Body = io.NopCloser(bytes.NewReader(changed))
		if ok, _ := v.ValidateHttpResponse(r, resp); ok {
			t.Errorf("%s: a response with an undocumented field passes: %s", tc.path, changed)
		}
	}
}
