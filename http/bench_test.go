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

// BenchmarkAPIReads100k serves the read workloads of verity-load through the engine at
// 100,000 claims, with a bearer token, after the statistics are taken as `verity serve`
// takes them at start (Optimize): the claim detail with its citations and sources, a page
// of one article's claims with one status, and a search for a word in about a quarter of
// the claims.
func BenchmarkAPIReads100k(b *testing.B) {
	e := newEnv(b)
	a, sample := pageCorpus(b, e, 100_000)
	if err := e.db.Optimize(context.Background(), true); err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + e.tokens[identity.RoleViewer]
	for _, c := range []struct{ name, path string }{
		{"get claim", fmt.Sprintf("/api/v1/claims/%d", sample)},
		{"status+article", fmt.Sprintf("/api/v1/claims?status=unverified&article_id=%d&limit=50", a.ID)},
		{"search", "/api/v1/claims?q=hospital"},
	} {
		b.Run(c.name, func(b *testing.B) {
			get := func() *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, c.path, nil)
				r.Header.Set("Authorization", auth)
				w := httptest.NewRecorder()
				e.handler.ServeHTTP(w, r)
				return w
			}
			wantStatus(b, get(), http.StatusOK)
			n := 0
			for b.Loop() {
				if w := get(); w.Code != http.StatusOK {
					b.Fatalf("GET %s: status %d: %s", c.path, w.Code, w.Body.String())
				}
				n++
			}
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(float64(n)/s, "requests/s")
			}
		})
	}
}

// BenchmarkAuthenticate measures what every API request pays before its handler does any
// work: the middleware chain, the bearer token's check and the gate. Each case ends in a
// small answer that reads nothing else: without a token the gate refuses (401); with a
// viewer's token on an admin route the gate refuses after the token is checked (403); with
// a token through the gate to a claim id that cannot exist, the handler refuses it before
// any read (404), after the gate noted the token's use. The difference between the first
// and the other two is authenticate's cost.
func BenchmarkAuthenticate(b *testing.B) {
	e := newEnv(b)
	viewer := "Bearer " + e.tokens[identity.RoleViewer]
	for _, c := range []struct {
		name, path, auth string
		status           int
	}{
		{"no token", "/api/v1/users", "", http.StatusUnauthorized},
		{"token refused by the gate", "/api/v1/users", viewer, http.StatusForbidden},
		{"token through the gate", "/api/v1/claims/0", viewer, http.StatusNotFound},
	} {
		b.Run(c.name, func(b *testing.B) {
			get := func() *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, c.path, nil)
				if c.auth != "" {
					r.Header.Set("Authorization", c.auth)
				}
				w := httptest.NewRecorder()
				e.handler.ServeHTTP(w, r)
				return w
			}
			wantStatus(b, get(), c.status)
			for b.Loop() {
				if w := get(); w.Code != c.status {
					b.Fatalf("GET %s: status %d: %s", c.path, w.Code, w.Body.String())
				}
			}
		})
	}
}
