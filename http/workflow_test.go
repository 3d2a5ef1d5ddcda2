package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// TestRoleMatrix walks every route × every role: 401 without a token, 403 for a role the
// route does not allow, and never a 5xx.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	w := e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/evidence", map[string]any{"url": "https://example.org/un", "stance": "supports"})
	wantStatus(t, w, http.StatusCreated)
	evidence := decode[map[string]any](t, w)["id"].(string)
	sum := uploadEvidence(t, e, claim, []byte("matrix attachment"))
	spare, _, err := identity.NewStore(e.db).CreateToken(ctx, identity.System(), e.users[viewer].ID, "spare")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{
		"/articles/:id": fmt.Sprint(e.seed.ArticleID), "/claims/:id": claim, "/sources/:id": "1",
		"/evidence/:id": evidence, "/users/:id": fmt.Sprint(e.users[viewer].ID), ":token_id": fmt.Sprint(spare.ID),
		":sha256": sum, ":revision": "1",
	}
	allowed := map[string][]identity.Role{
		"read":   {viewer, reviewer, editor, auditor, admin},
		"review": {reviewer, editor, admin},
		"edit":   {editor, admin},
		"audit":  {auditor, admin},
		"export": {editor, auditor, admin},
		"admin":  {admin},
	}
	matrix := map[string]string{
		"GET /api/v1/articles":                         "read",
		"POST /api/v1/articles":                        "edit",
		"GET /api/v1/articles/:id":                     "read",
		"PUT /api/v1/articles/:id":                     "edit",
		"GET /api/v1/articles/:id/revisions":           "read",
		"GET /api/v1/articles/:id/revisions/:revision": "read",
		"GET /api/v1/articles/:id/claims":              "read",
		"GET /api/v1/articles/:id/claimreview":         "read",
		"GET /api/v1/claims":                           "read",
		"POST /api/v1/claims":                          "edit",
		"GET /api/v1/claims/:id":                       "read",
		"PATCH /api/v1/claims/:id":                     "edit",
		"POST /api/v1/claims/:id/transitions":          "review",
		"GET /api/v1/claims/:id/transitions":           "read",
		"GET /api/v1/claims/:id/evidence":              "read",
		"POST /api/v1/claims/:id/evidence":             "review",
		"GET /api/v1/claims/:id/citations":             "read",
		"POST /api/v1/claims/:id/citations":            "edit",
		"GET /api/v1/claims/:id/provenance":            "read",
		"GET /api/v1/claims/:id/claimreview":           "read",
		"GET /api/v1/evidence/:id":                     "read",
		"POST /api/v1/evidence/:id/withdraw":           "review",
		"GET /api/v1/attachments/:sha256":              "read",
		"GET /api/v1/sources":                          "read",
		"POST /api/v1/sources":                         "edit",
		"GET /api/v1/sources/:id":                      "read",
		"PATCH /api/v1/sources/:id":                    "edit",
		"POST /api/v1/sources/:id/derivations":         "edit",
		"GET /api/v1/audit":                            "audit",
		"GET /api/v1/audit/verify":                     "audit",
		"GET /exports/audit.csv":                       "export",
		"GET /exports/claims.csv":                      "read",
		"GET /api/v1/users":                            "admin",
		"POST /api/v1/users":                           "admin",
		"GET /api/v1/users/:id":                        "admin",
		"PATCH /api/v1/users/:id":                      "admin",
		"GET /api/v1/users/:id/tokens":                 "admin",
		"POST /api/v1/users/:id/tokens":                "admin",
		"DELETE /api/v1/users/:id/tokens/:token_id":    "admin",
		"GET /healthz":                                 "public",
		"GET /readyz":                                  "public",
		"GET /metrics":                                 "audit",
		"GET /api/openapi.json":                        "public",
	}
	routes := apiRoutes(e)
	listed := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		// HEAD answers as GET does, so it needs what the GET needs.
		class, ok := matrix[strings.Replace(key, "HEAD ", "GET ", 1)]
		if !ok {
			t.Errorf("route %s is not in the role matrix test", key)
			continue
		}
		listed[key] = true
		path := rt.Path
		for pattern, value := range params {
			if strings.HasPrefix(pattern, ":") {
				path = strings.ReplaceAll(path, pattern, value)
			} else if strings.Contains(path, pattern) {
				path = strings.Replace(path, pattern, strings.ReplaceAll(pattern, ":id", value), 1)
			}
		}
		var body any
		if rt.Method != "GET" && rt.Method != "HEAD" && rt.Method != "DELETE" {
			body = "{}"
		}
		header := map[string]string{"If-Match": `"1"`}
		t.Run(key, func(t *testing.T) {
			w := e.do(req{method: rt.Method, path: path, body: body, header: header})
			if class == "public" {
				if w.Code != http.StatusOK {
					t.Errorf("public route: %d", w.Code)
				}
				return
			}
			if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("no token: %d %s", w.Code, w.Body.String())
			}
			w = e.do(req{method: rt.Method, path: path, body: body, header: header, token: "vrt_not-a-token"})
			if w.Code != http.StatusUnauthorized {
				t.Errorf("bad token: %d", w.Code)
			}
			for _, role := range identity.Roles() {
				w := e.do(req{method: rt.Method, path: path, body: body, header: header, token: e.tokens[role]})
				may := false
				for _, r := range allowed[class] {
					may = may || r == role
				}
				switch {
				case w.Code >= 500:
					t.Errorf("%s: %d %s", role, w.Code, w.Body.String())
				case !may && w.Code != http.StatusForbidden:
					t.Errorf("%s may not, got %d", role, w.Code)
				case may && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
					t.Errorf("%s may, got %d %s", role, w.Code, w.Body.String())
				case rt.Method == "HEAD" && w.Body.Len() > 0:
					t.Errorf("%s: HEAD answered a body", role)
				case may && (rt.Method == "GET" || rt.Method == "HEAD") && w.Code != http.StatusOK && !(strings.HasSuffix(rt.Path, "/claimreview") && w.Code == http.StatusConflict):
					// A read the role may make must succeed, not just avoid 401 and 403.
					t.Errorf("%s may read, got %d %s", role, w.Code, w.Body.String())
				}
			}
		})
	}
	for key := range matrix {
		if !listed[key] {
			t.Errorf("the matrix names %s, which is not a route", key)
		}
	}
}

func uploadEvidence(t testing.TB, e *env, claim string, content []byte) string {
	t.Helper()
	w := e.multipart(reviewer, "/api/v1/claims/"+claim+"/evidence", map[string]string{"stance": "context", "title": "scan"}, "scan.pdf", content)
	wantStatus(t, w, http.StatusCreated)
	return decode[map[string]any](t, w)["attachment"].(map[string]any)["sha256"].(string)
}

func (e *env) multipart(role identity.Role, path string, fields map[string]string, filename string, content []byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("attachment", filename)
		fw.Write(content)
	}
	mw.Close()
	return e.do(req{method: "POST", path: path, body: buf.Bytes(), token: e.tokens[role],
		header: map[string]string{"Content-Type": mw.FormDataContentType()}})
}

func TestEvidenceAttachmentsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	content := []byte("%PDF-1.4 the UN monitoring team report, page 12")
	raw := sha256.Sum256(content)
	want := hex.EncodeToString(raw[:])
	if got := uploadEvidence(t, e, claim, content); got != want {
		t.Fatalf("attachment stored as %s, want %s", got, want)
	}
	// The same bytes again are stored once.
	uploadEvidence(t, e, claim, content)
	n, err := e.db.Reader().NewSelect().Table("attachments").Count(context.Background())
	if err != nil || n != 1 {
		t.Errorf("attachments stored: %d %v", n, err)
	}
	w := e.as(viewer, "GET", "/api/v1/attachments/"+want, nil)
	wantStatus(t, w, http.StatusOK)
	if !bytes.Equal(w.Body.Bytes(), content) || w.Header().Get("Content-Disposition") != "attachment" {
		t.Errorf("attachment served back differs: %q %v", w.Body.String(), w.Header())
	}
	// Bytes altered in the database are refused, not served.
	if _, err := e.db.Bun().ExecContext(context.Background(), "UPDATE attachments SET content = ? WHERE sha256 = ?", []byte("forged"), want); err != nil {
		t.Fatal(err)
	}
	w = e.as(viewer, "GET", "/api/v1/attachments/"+want, nil)
	wantProblem(t, w, http.StatusInternalServerError, "")
	if strings.Contains(w.Body.String(), "forged") {
		t.Error("tampered content leaked")
	}

	before := e.auditCount()
	w = e.multipart(reviewer, "/api/v1/claims/"+claim+"/evidence", map[string]string{"stance": "context"}, "big.bin", bytes.Repeat([]byte("x"), 2<<20))
	wantProblem(t, w, http.StatusRequestEntityTooLarge, "")
	w = e.multipart(reviewer, "/api/v1/claims/"+claim+"/evidence", map[string]string{"stance": "context", "colour": "red"}, "a.txt", []byte("a"))
	wantProblem(t, w, http.StatusUnprocessableEntity, "colour")
	w = e.multipart(reviewer, "/api/v1/claims/"+claim+"/evidence", map[string]string{"stance": "maybe"}, "a.txt", []byte("a"))
	wantProblem(t, w, http.StatusUnprocessableEntity, "stance")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("stance", "supports")
	mw.WriteField("stance", "refutes")
	mw.Close()
	w = e.do(req{method: "POST", path: "/api/v1/claims/" + claim + "/evidence", body: buf.Bytes(), token: e.tokens[reviewer],
		header: map[string]string{"Content-Type": mw.FormDataContentType()}})
	wantProblem(t, w, http.StatusUnprocessableEntity, "stance")
	if e.auditCount() != before {
		t.Error("refused uploads wrote to the audit trail")
	}
}

func TestEvidenceWithdrawal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	w := e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/evidence", map[string]any{
		"url": "https://www.un.org/securitycouncil/", "title": "S/2020/415", "excerpt": "2,200 fighters", "stance": "supports", "source_id": "1",
	})
	wantStatus(t, w, http.StatusCreated)
	id := decode[map[string]any](t, w)["id"].(string)
	w = e.as(reviewer, "POST", "/api/v1/evidence/"+id+"/withdraw", map[string]any{})
	wantProblem(t, w, http.StatusUnprocessableEntity, "reason")
	_, other := e.addUser(reviewer, "other@example.org")
	w = e.do(req{method: "POST", path: "/api/v1/evidence/" + id + "/withdraw", token: other, body: map[string]any{"reason": "mine now"}})
	wantProblem(t, w, http.StatusForbidden, "")
	w = e.as(reviewer, "POST", "/api/v1/evidence/"+id+"/withdraw", map[string]any{"reason": "wrong report"})
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["withdrawn"] != true || got["withdrawal_reason"] != "wrong report" {
		t.Errorf("withdrawn = %v", got)
	}
	w = e.as(editor, "POST", "/api/v1/evidence/"+id+"/withdraw", map[string]any{"reason": "again"})
	wantProblem(t, w, http.StatusConflict, "")
	w = e.as(viewer, "GET", "/api/v1/claims/"+claim+"/evidence", nil)
	if list := data(t, w); len(list) != 1 || list[0]["withdrawn"] != true {
		t.Errorf("withdrawn evidence must stay listed: %v", list)
	}
}

// transition posts one workflow action with the given ETag.
func (e *env) transition(token, claim, etag string, body map[string]any) *httptest.ResponseRecorder {
	return e.do(req{method: "POST", path: "/api/v1/claims/" + claim + "/transitions", token: token, body: body,
		header: map[string]string{"If-Match": etag}})
}

func TestWorkflowFromOpenToClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	id := c["id"].(string)
	rev, ed := e.tokens[reviewer], e.tokens[editor]
	_, ed2 := e.addUser(identity.RoleEditor, "second-editor@example.org")

	w := e.transition(rev, id, `"1"`, map[string]any{"action": "propose", "status": "verified", "rationale": "x"})
	wantProblem(t, w, http.StatusConflict, "")
	w = e.transition(rev, id, `"1"`, map[string]any{"action": "start"})
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["stage"] != "in_review" || got["assignee_id"] != fmt.Sprint(e.users[reviewer].ID) {
		t.Fatalf("started = %v", got)
	}
	etag := w.Header().Get("ETag")
	w = e.transition(rev, id, `"1"`, map[string]any{"action": "propose", "status": "verified", "rationale": "x"})
	wantProblem(t, w, http.StatusPreconditionFailed, "")
	w = e.transition(rev, id, etag, map[string]any{"action": "propose", "status": "verified", "rationale": "UN report S/2020/415 says so"})
	wantProblem(t, w, http.StatusUnprocessableEntity, "status")
	w = e.do(req{method: "POST", path: "/api/v1/claims/" + id + "/transitions", token: rev, body: map[string]any{"action": "propose"}})
	wantProblem(t, w, http.StatusPreconditionRequired, "")
	w = e.transition(rev, id, etag, map[string]any{"action": "promote"})
	wantProblem(t, w, http.StatusUnprocessableEntity, "action")

	w = e.as(reviewer, "POST", "/api/v1/claims/"+id+"/evidence", map[string]any{"url": "https://undocs.org/S/2020/415", "excerpt": "2,200", "stance": "supports"})
	wantStatus(t, w, http.StatusCreated)
	w = e.transition(rev, id, etag, map[string]any{"action": "propose", "status": "verified", "rationale": "UN report S/2020/415, para. 67"})
	wantStatus(t, w, http.StatusOK)
	etag = w.Header().Get("ETag")

	w = e.transition(rev, id, etag, map[string]any{"action": "sign_off"})
	wantProblem(t, w, http.StatusForbidden, "")
	// Even without an ETag, a reviewer asking to sign off hears 403, not 428.
	w = e.do(req{method: "POST", path: "/api/v1/claims/" + id + "/transitions", token: rev, body: map[string]any{"action": "sign_off"}})
	wantProblem(t, w, http.StatusForbidden, "")
	w = e.transition(ed, id, etag, map[string]any{"action": "reject"})
	wantProblem(t, w, http.StatusUnprocessableEntity, "rationale")
	w = e.transition(ed, id, etag, map[string]any{"action": "reject", "rationale": "cite the paragraph of the annex too"})
	wantStatus(t, w, http.StatusOK)
	etag = w.Header().Get("ETag")
	// An editor proposes this time, and so may not sign off: four eyes.
	w = e.transition(ed, id, etag, map[string]any{"action": "propose", "status": "verified", "rationale": "annex para. 3 too"})
	wantStatus(t, w, http.StatusOK)
	etag = w.Header().Get("ETag")
	w = e.transition(ed, id, etag, map[string]any{"action": "sign_off"})
	wantProblem(t, w, http.StatusForbidden, "")
	w = e.transition(e.tokens[admin], id, etag, map[string]any{"action": "sign_off"})
	wantStatus(t, w, http.StatusOK)
	closed := decode[map[string]any](t, w)
	if closed["stage"] != "closed" || closed["status"] != "verified" {
		t.Fatalf("signed off = %v", closed)
	}
	etag = w.Header().Get("ETag")
	w = e.transition(ed2, id, etag, map[string]any{"action": "reopen", "rationale": "new Pentagon figures"})
	wantStatus(t, w, http.StatusOK)

	w = e.as(viewer, "GET", "/api/v1/claims/"+id+"/transitions", nil)
	events := data(t, w)
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev["action"].(string))
	}
	if got := strings.Join(actions, ","); got != "start,propose,reject,propose,sign_off,reopen" {
		t.Errorf("review events = %s", got)
	}
	w = e.as(viewer, "GET", "/api/v1/claims?stage=in_review&assignee_id="+fmt.Sprint(e.users[reviewer].ID), nil)
	if list := data(t, w); len(list) != 1 || list[0]["id"] != id {
		t.Errorf("queue filter = %v", list)
	}
}

// TestRacingReviewersOneWins races many reviewers on one claim version through a real HTTP
// server over a real SQLite file: exactly one transition per version wins, the rest get 412,
// and the audit chain has neither gaps nor forks.
func TestRacingReviewersOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	const racers = 12
	tokens := make([]string, racers)
	for i := range tokens {
		_, tokens[i] = e.addUser(reviewer, fmt.Sprintf("racer%d@example.org", i))
	}
	list := data(t, e.as(viewer, "GET", "/api/v1/claims?limit=5", nil))
	before := e.auditCount()
	wins := 0
	for _, c := range list {
		id := c["id"].(string)
		codes := make([]int, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				hr, _ := http.NewRequest("POST", srv.URL+"/api/v1/claims/"+id+"/transitions", strings.NewReader(`{"action":"start"}`))
				hr.Header.Set("Authorization", "Bearer "+tokens[i])
				hr.Header.Set("Content-Type", "application/json")
				hr.Header.Set("If-Match", `"1"`)
				resp, err := http.DefaultClient.Do(hr)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			})
		}
		close(start)
		wg.Wait()
		ok, stale := 0, 0
		for _, code := range codes {
			switch code {
			case http.StatusOK:
				ok++
			case http.StatusPreconditionFailed:
				stale++
			default:
				t.Errorf("claim %s: unexpected status %d", id, code)
			}
		}
		if ok != 1 || stale != racers-1 {
			t.Errorf("claim %s: %d won, %d stale", id, ok, stale)
		}
		wins += ok
		got := decode[map[string]any](t, e.as(viewer, "GET", "/api/v1/claims/"+id, nil))
		if got["version"].(float64) != 2 || got["stage"] != "in_review" {
			t.Errorf("claim %s after the race: %v", id, got)
		}
	}
	if after := e.auditCount(); after != before+int64(wins) {
		t.Errorf("audit events: %d new, want %d", after-before, wins)
	}
}

func TestAuditAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	id := c["id"].(string)
	w := e.as(editor, "PATCH", "/api/v1/claims/"+id, map[string]any{"kind": "report_finding"}, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)

	w = e.as(auditor, "GET", "/api/v1/audit?entity_type=claim&entity_id="+id, nil)
	wantStatus(t, w, http.StatusOK)
	events := data(t, w)
	if len(events) != 2 || events[1]["action"] != "claim.update" || events[1]["actor"] != fmt.Sprintf("user:%d", e.users[editor].ID) {
		t.Fatalf("claim events = %v", events)
	}
	if events[1]["before"].(map[string]any)["kind"] != "estimate" || events[1]["after"].(map[string]any)["kind"] != "report_finding" {
		t.Errorf("before/after = %v / %v", events[1]["before"], events[1]["after"])
	}

	// Page through everything: seq strictly increasing, each prev_hash the last hash.
	path, prev, n := "/api/v1/audit?limit=100", "", 0
	for path != "" {
		p := decode[struct {
			Data []map[string]any `json:"data"`
			Next *string          `json:"next_cursor"`
		}](t, e.as(auditor, "GET", path, nil))
		for _, ev := range p.Data {
			if ev["prev_hash"] != prev {
				t.Fatalf("seq %v does not link to the previous event", ev["seq"])
			}
			prev = ev["hash"].(string)
			n++
		}
		path = ""
		if p.Next != nil {
			path = "/api/v1/audit?limit=100&cursor=" + *p.Next
		}
	}
	if int64(n) != e.auditCount() {
		t.Errorf("listed %d events of %d", n, e.auditCount())
	}

	w = e.as(auditor, "GET", "/api/v1/audit/verify?head="+prev, nil)
	r := decode[map[string]any](t, w)
	if r["ok"] != true || r["known_head_found"] != true || r["head_hash"] != prev {
		t.Fatalf("verify = %v", r)
	}
	// Tamper with one row directly in the database: verify points at exactly that seq.
	target := events[1]["seq"].(float64)
	dbtest.DropAuditGuards(t, e.db)
	if _, err := e.db.Bun().ExecContext(context.Background(), `UPDATE audit_events SET after = '{"kind":"verified"}' WHERE seq = ?`, int64(target)); err != nil {
		t.Fatal(err)
	}
	w = e.as(auditor, "GET", "/api/v1/audit/verify", nil)
	wantStatus(t, w, http.StatusOK)
	r = decode[map[string]any](t, w)
	if r["ok"] != false || r["broken_seq"] != target {
		t.Errorf("verify after tampering = %v, want broken at %v", r, target)
	}
}

// TestAdminCannotSignOffThroughAMintedToken: an admin who proposes a verdict, then makes a
// token for another editor, cannot sign off with it: four eyes hold through delegation.
func TestAdminCannotSignOffThroughAMintedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimByQuote("just 2,200 fighters")["id"].(string)
	ad := e.tokens[admin]
	w := e.transition(ad, id, `"1"`, map[string]any{"action": "start", "assignee_id": fmt.Sprint(e.users[admin].ID)})
	wantStatus(t, w, http.StatusOK)
	w = e.transition(ad, id, w.Header().Get("ETag"), map[string]any{"action": "propose", "status": "unverifiable", "rationale": "no record exists"})
	wantStatus(t, w, http.StatusOK)
	etag := w.Header().Get("ETag")
	w = e.as(admin, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", e.users[editor].ID), map[string]any{"name": "borrowed"})
	wantStatus(t, w, http.StatusCreated)
	borrowed := decode[map[string]any](t, w)["token"].(string)
	w = e.transition(borrowed, id, etag, map[string]any{"action": "sign_off"})
	wantProblem(t, w, http.StatusForbidden, "")
	// The editor's own token signs off.
	w = e.transition(e.tokens[editor], id, etag, map[string]any{"action": "sign_off"})
	wantStatus(t, w, http.StatusOK)
	// Whatever the borrowed token does is recorded with who made it.
	w = e.do(req{method: "POST", path: "/api/v1/sources", token: borrowed, body: map[string]any{"kind": "report", "name": "r"}})
	wantStatus(t, w, http.StatusCreated)
	events := data(t, e.as(auditor, "GET", "/api/v1/audit?action=source.create&entity_id="+decode[map[string]any](t, w)["id"].(string), nil))
	want := fmt.Sprintf("user:%d via token from user:%d", e.users[editor].ID, e.users[admin].ID)
	if len(events) != 1 || events[0]["actor"] != want {
		t.Errorf("audit actor = %v, want %q", events, want)
	}
	mine := data(t, e.as(auditor, "GET", fmt.Sprintf("/api/v1/audit?action=source.create&actor=user:%d", e.users[editor].ID), nil))
	if len(mine) != 1 {
		t.Errorf("filtering by the token's user finds %d events, want 1", len(mine))
	}
}

// TestFourEyesHoldWhicheverSideTheTokenIsOn: an admin who makes tokens for editors cannot
// propose through one and sign off as themselves, nor sign off through a second one.
func TestFourEyesHoldWhicheverSideTheTokenIsOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mint := func(userID int64) string {
		w := e.as(admin, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", userID), map[string]any{})
		wantStatus(t, w, http.StatusCreated)
		return decode[map[string]any](t, w)["token"].(string)
	}
	second, _ := e.addUser(identity.RoleEditor, "second-editor@example.org")
	viaEditor, viaSecond := mint(e.users[editor].ID), mint(second.ID)
	for name, signer := range map[string]string{"the admin themself": e.tokens[admin], "another minted token": viaSecond} {
		t.Run(name, func(t *testing.T) {
			c := e.claimByQuote(map[string]string{"the admin themself": "just 2,200 fighters", "another minted token": "at least 79 Afghans"}[name])
			id := c["id"].(string)
			w := e.transition(viaEditor, id, `"1"`, map[string]any{"action": "start"})
			wantStatus(t, w, http.StatusOK)
			w = e.transition(viaEditor, id, w.Header().Get("ETag"), map[string]any{"action": "propose", "status": "unverifiable", "rationale": "no record"})
			wantStatus(t, w, http.StatusOK)
			w = e.transition(signer, id, w.Header().Get("ETag"), map[string]any{"action": "sign_off"})
			wantProblem(t, w, http.StatusForbidden, "")
		})
	}
}
