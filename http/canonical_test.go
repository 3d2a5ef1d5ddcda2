package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestOnlyCanonicalSpellingsName: an empty cursor, an upper-case attachment hash and a user
// actor with leading zeros name nothing the server gave out, and are refused as such.
func TestOnlyCanonicalSpellingsName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantProblem(t, e.as(viewer, "GET", "/api/v1/claims?cursor=", nil), http.StatusUnprocessableEntity, "cursor")
	wantProblem(t, e.as(admin, "GET", "/api/v1/audit?actor=user:01", nil), http.StatusUnprocessableEntity, "actor")
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	sum := uploadEvidence(t, e, claim, []byte("page 12"))
	wantStatus(t, e.as(viewer, "GET", "/api/v1/attachments/"+sum, nil), http.StatusOK)
	wantProblem(t, e.as(viewer, "GET", "/api/v1/attachments/"+strings.ToUpper(sum), nil), http.StatusNotFound, "")
}
