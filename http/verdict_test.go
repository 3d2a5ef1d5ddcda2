package http_test

import (
	"net/http"
	"testing"
)

// statusLists reports whether GET /api/v1/claims?status=… lists the claim.
func (e *env) statusLists(status, id string) bool {
	e.t.Helper()
	w := e.as(viewer, "GET", "/api/v1/claims?limit=200&status="+status, nil)
	wantStatus(e.t, w, http.StatusOK)
	for _, c := range data(e.t, w) {
		if c["id"] == id {
			return true
		}
	}
	return false
}

// TestAProposalIsNotAVerdict: through the API, status shows only a signed-off verdict; a
// pending proposal is in proposal, a rejected one is gone, and a reopened claim publishes
// nothing.
func TestAProposalIsNotAVerdict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	id := c["id"].(string)
	rev, ed := e.tokens[reviewer], e.tokens[editor]
	_, ed2 := e.addUser(editor, "second-editor@example.org")

	w := e.transition(rev, id, `"1"`, map[string]any{"action": "start"})
	wantStatus(t, w, http.StatusOK)
	w = e.as(reviewer, "POST", "/api/v1/claims/"+id+"/evidence", map[string]any{"url": "https://undocs.org/S/2020/415", "stance": "supports"})
	wantStatus(t, w, http.StatusCreated)
	w = e.transition(rev, id, `"2"`, map[string]any{"action": "propose", "status": "verified", "rationale": "UN report, para. 67"})
	wantStatus(t, w, http.StatusOK)
	got := decode[map[string]any](t, w)
	proposal, _ := got["proposal"].(map[string]any)
	if got["status"] != "unverified" || got["rationale"] != "" || proposal["status"] != "verified" || proposal["rationale"] != "UN report, para. 67" ||
		proposal["proposed_by"] == nil || proposal["proposed_at"] == nil || got["signed_off_by"] != nil {
		t.Fatalf("proposed claim = %v", got)
	}
	if e.statusLists("verified", id) || !e.statusLists("unverified", id) {
		t.Error("a proposal is listed as a verdict")
	}
	w = e.as(viewer, "GET", "/api/v1/claims/"+id+"/claimreview", nil)
	wantProblem(t, w, http.StatusConflict, "")

	w = e.transition(ed, id, `"3"`, map[string]any{"action": "reject", "rationale": "cite the annex"})
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["status"] != "unverified" || got["proposal"] != nil {
		t.Fatalf("rejected claim = %v", got)
	}
	if e.statusLists("verified", id) {
		t.Error("a rejected proposal is listed as a verdict")
	}

	w = e.transition(rev, id, `"4"`, map[string]any{"action": "propose", "status": "verified", "rationale": "annex para. 3"})
	wantStatus(t, w, http.StatusOK)
	w = e.transition(ed, id, `"5"`, map[string]any{"action": "sign_off"})
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["status"] != "verified" || got["rationale"] != "annex para. 3" || got["proposal"] != nil ||
		got["signed_off_by"] == nil || got["signed_off_at"] == nil {
		t.Fatalf("signed-off claim = %v", got)
	}
	if !e.statusLists("verified", id) {
		t.Error("the signed verdict is not listed")
	}
	w = e.as(viewer, "GET", "/api/v1/claims/"+id+"/claimreview", nil)
	wantStatus(t, w, http.StatusOK)

	// A closed claim's citations are frozen with its verdict.
	w = e.as(editor, "POST", "/api/v1/claims/"+id+"/citations", map[string]any{"source_id": "1", "attribution": "late addition"})
	wantProblem(t, w, http.StatusConflict, "")

	w = e.transition(ed2, id, `"6"`, map[string]any{"action": "reopen", "rationale": "new figures"})
	wantStatus(t, w, http.StatusOK)
	if got := decode[map[string]any](t, w); got["status"] != "unverified" || got["signed_off_by"] != nil {
		t.Fatalf("reopened claim = %v", got)
	}
	if e.statusLists("verified", id) {
		t.Error("a reopened verdict is still listed")
	}
	w = e.as(viewer, "GET", "/api/v1/claims/"+id+"/claimreview", nil)
	wantProblem(t, w, http.StatusConflict, "")
}

func TestDuplicateCitationIs409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	path := "/api/v1/claims/" + c["id"].(string) + "/citations"
	body := map[string]any{"source_id": "2", "attribution": "said a report", "relation": "attributed_to"}
	wantStatus(t, e.as(editor, "POST", path, body), http.StatusCreated)
	n := e.auditCount()
	wantProblem(t, e.as(editor, "POST", path, body), http.StatusConflict, "")
	if e.auditCount() != n {
		t.Error("a refused duplicate wrote to the audit trail")
	}
}

func TestEmptySourcePatchIs422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.as(viewer, "GET", "/api/v1/sources/1", nil)
	wantStatus(t, w, http.StatusOK)
	n := e.auditCount()
	w = e.as(editor, "PATCH", "/api/v1/sources/1", map[string]any{}, "If-Match", w.Header().Get("ETag"))
	wantProblem(t, w, http.StatusUnprocessableEntity, "")
	if e.auditCount() != n {
		t.Error("an empty patch wrote to the audit trail")
	}
}
