package http_test

import (
	"fmt"
	"net/http"
	"testing"
	"verity/claims/identity"
)

// TestAPatchThatChangesNothingWritesNothing: one rule for every PATCH — the same values
// answer 200 with the resource as it is, at the same version, and no audit event.
func TestAPatchThatChangesNothingWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	claimPath := "/api/v1/claims/" + c["id"].(string)
	w := e.as(viewer, "GET", "/api/v1/sources/1", nil)
	wantStatus(t, w, http.StatusOK)
	source := decode[map[string]any](t, w)
	sourceTag := w.Header().Get("ETag")
	userPath := fmt.Sprintf("/api/v1/users/%d", e.users[reviewer].ID)
	for _, tt := range []struct {
		name, path, etag string
		role             identity.Role
		body             map[string]any
	}{
		{"claim", claimPath, `"1"`, editor, map[string]any{"kind": c["kind"], "text": c["text"]}},
		{"source", "/api/v1/sources/1", sourceTag, editor, map[string]any{"name": source["name"], "reliability": source["reliability"]}},
		{"user", userPath, "", admin, map[string]any{"name": "The reviewer", "role": "reviewer", "disabled": false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := e.auditCount()
			var header []string
			if tt.etag != "" {
				header = []string{"If-Match", tt.etag}
			}
			w := e.as(tt.role, "PATCH", tt.path, tt.body, header...)
			wantStatus(t, w, http.StatusOK)
			if got := decode[map[string]any](t, w); tt.etag != "" && fmt.Sprintf("%q", fmt.Sprint(got["version"])) != tt.etag {
				t.Errorf("version after a PATCH of the same values = %v, want %s", got["version"], tt.etag)
			}
			if e.auditCount() != n {
				t.Error("a PATCH that changed nothing was audited")
			}
		})
	}
}
