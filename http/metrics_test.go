package http_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"verity/claims/identity"
	verityhttp "verity/http"
	"verity/migrations"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// newMetricsEnv is an env whose server has metrics wired as main wires them: the observer
// given to the database, the metrics to the server.
func newMetricsEnv(t *testing.T) (*env, *verityhttp.Server) {
	t.Helper()
	m := verityhttp.NewMetrics(prometheus.NewRegistry())
	e := newEnvWith(t, database.WithBatchObserver(m.ObserveBatch))
	srv := e.server(func(d *verityhttp.Deps) { d.Metrics = m })
	e.handler, e.srv = srv.Handler(), srv
	return e, srv
}

// scrape parses a /metrics answer in the Prometheus text format.
func scrape(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v\n%s", err, body)
	}
	return families
}

// labelled returns the metric of family name whose labels are exactly labels, or nil.
func labelled(families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e, _ := newMetricsEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string) // one GET of it
	for range 3 {
		wantStatus(t, e.as(viewer, "GET", "/api/v1/claims/"+claim, nil), http.StatusOK)
	}
	wantStatus(t, e.as(viewer, "GET", "/api/v1/claims/999999", nil), http.StatusNotFound)
	wantStatus(t, e.as(editor, "POST", "/api/v1/sources", map[string]any{"kind": "news_agency", "name": "Reuters", "reliability": "B"}), http.StatusCreated)
	for i := range 5 {
		// Paths no route has: counted under one label, however many a client makes up.
		e.as(viewer, "GET", fmt.Sprintf("/no/such/path/%d", i), nil)
	}
	e.as(viewer, "BREW", "/api/v1/claims", nil)

	// Behind the audit right: an auditor or an admin, nobody else.
	wantProblem(t, e.do(req{method: "GET", path: "/metrics"}), http.StatusUnauthorized, "")
	for _, r := range []identity.Role{viewer, reviewer, editor} {
		wantProblem(t, e.as(r, "GET", "/metrics", nil), http.StatusForbidden, "")
	}
	wantStatus(t, e.as(admin, "GET", "/metrics", nil), http.StatusOK)
	w := e.as(auditor, "GET", "/metrics", nil)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	families := scrape(t, w.Body.String())

	count := func(method, route, code string) float64 {
		m := labelled(families, "verity_http_requests_total", map[string]string{"method": method, "route": route, "code": code})
		if m == nil {
			return 0
		}
		return m.GetCounter().GetValue()
	}
	for _, tc := range []struct {
		method, route, code string
		want                float64
	}{
		{"GET", "/api/v1/claims/:id", "200", 4},
		{"GET", "/api/v1/claims/:id", "404", 1},
		{"POST", "/api/v1/sources", "201", 1},
		{"GET", "unmatched", "404", 5},
		{"other", "unmatched", "405", 1},
		{"GET", "/metrics", "401", 1},
		{"GET", "/metrics", "403", 3},
	} {
		if got := count(tc.method, tc.route, tc.code); got != tc.want {
			t.Errorf("requests %s %s %s = %v, want %v", tc.method, tc.route, tc.code, got, tc.want)
		}
	}
	for _, f := range families["verity_http_requests_total"].GetMetric() {
		for _, l := range f.GetLabel() {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "999999") {
				t.Errorf("a raw path became a label: %v", f.GetLabel())
			}
		}
	}
	latency := labelled(families, "verity_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/api/v1/claims/:id"})
	if latency == nil || latency.GetHistogram().GetSampleCount() != 5 {
		t.Errorf("latency of GET /api/v1/claims/:id: %v, want 5 observations", latency)
	}

	// The source's write went through a group commit, observed.
	batches := families["verity_write_batch_writes"].GetMetric()
	if len(batches) != 1 || batches[0].GetHistogram().GetSampleCount() < 1 || batches[0].GetHistogram().GetSampleSum() < 1 {
		t.Errorf("batch sizes: %v", batches)
	}
	if m := families["verity_write_commit_seconds"].GetMetric(); len(m) != 1 || m[0].GetHistogram().GetSampleCount() < 1 {
		t.Errorf("commit latency: %v", m)
	}
	seq, _, err := audit.Head(context.Background(), e.db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	if m := families["verity_audit_head_seq"].GetMetric(); len(m) != 1 || m[0].GetGauge().GetValue() != float64(seq) || seq == 0 {
		t.Errorf("audit head: %v, want %d", m, seq)
	}
	for _, name := range []string{"verity_writes_waiting", "go_goroutines", "process_resident_memory_bytes"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

// TestMetricsOnTheirOwnAddress serves /metrics, and only that, without a token on a
// listener of its own, as --metrics-addr does.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	_, srv := newMetricsEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeMetrics(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeMetrics: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	if families := scrape(t, body); families["verity_audit_head_seq"] == nil {
		t.Errorf("no audit head in %s", body)
	}
	for _, path := range []string{"/api/v1/claims", "/healthz", "/"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the metrics address: %d, want 404", path, resp.StatusCode)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReady: /readyz is 200 on a migrated database, and 503 with a problem that says why on
// one whose schema is behind or that does not answer; /healthz does not look at the schema.
func TestReady(t *testing.T) {
	t.Parallel()
	server := func(db *database.DB) http.Handler {
		e := &env{t: t, db: db}
		return e.server(func(*verityhttp.Deps) {}).Handler()
	}
	t.Run("migrated", func(t *testing.T) {
		e := newEnv(t)
		w := e.do(req{method: "GET", path: "/readyz"})
		wantStatus(t, w, http.StatusOK)
		if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("not migrated", func(t *testing.T) {
		db := dbtest.OpenBare(t)
		e := &env{t: t, handler: server(db)}
		p := wantProblem(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusServiceUnavailable, "")
		if p.Type != "urn:verity:problem:not_ready" || !strings.Contains(p.Detail, "schema is not current") {
			t.Errorf("problem %+v", p)
		}
	})
	t.Run("one migration behind", func(t *testing.T) {
		db := dbtest.Open(t)
		status, err := migrations.Status(context.Background(), db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		last := status[len(status)-1].Name
		version, _, _ := strings.Cut(last, "_")
		if _, err := db.Bun().ExecContext(context.Background(), "DELETE FROM bun_migrations WHERE name = ?", version); err != nil {
			t.Fatal(err)
		}
		e := &env{t: t, handler: server(db)}
		p := wantProblem(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusServiceUnavailable, "")
		if !strings.Contains(p.Detail, last) {
			t.Errorf("detail %q does not name %s", p.Detail, last)
		}
		wantStatus(t, e.do(req{method: "GET", path: "/healthz"}), http.StatusOK)
	})
	t.Run("closed", func(t *testing.T) {
		db := dbtest.Open(t)
		h := server(db)
		db.Close()
		e := &env{t: t, handler: h}
		p := wantProblem(t, e.do(req{method: "GET", path: "/readyz"}), http.StatusServiceUnavailable, "")
		if p.Detail != "the database does not answer" {
			t.Errorf("problem %+v", p)
		}
	})
}
