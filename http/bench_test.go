package http_test

// Benchmarks of the HTTP API through the real Gin engine. Run them with
//
//	go test -run '^$' -bench . -benchmem ./http/
//
// They measure; they assert nothing about time.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"verity/claims/identity"
)

// BenchmarkGetClaimDetail serves one GET /api/v1/claims/{id} per op through the server's
// handler with an httptest recorder: bearer token lookup, the claim, its 3 citations with
// their sources, its evidence, and the JSON encoding. The claim is a seeded one with 3
// citations. Authorize stamps a token's last use at most once a minute, so after the first
// request (made before timing) the token check only reads.
func BenchmarkGetClaimDetail(b *testing.B) {
	e := newEnv(b)
	var id int64
	err := e.db.Reader().QueryRowContext(context.Background(),
		"SELECT claim_id FROM citations GROUP BY claim_id HAVING count(*) = 3 ORDER BY claim_id LIMIT 1").Scan(&id)
	if err != nil {
		b.Fatalf("find a seeded claim with 3 citations: %v", err)
	}
	path := fmt.Sprintf("/api/v1/claims/%d", id)
	auth := "Bearer " + e.tokens[identity.RoleViewer]
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, r)
		return w
	}
	wantStatus(b, get(), http.StatusOK)

	n := 0
	for b.Loop() {
		if w := get(); w.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d: %s", path, w.Code, w.Body.String())
		}
		n++
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, "requests/s")
	}
}
