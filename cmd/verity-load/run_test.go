package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	verityhttp "verity/http"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/seeds"
)

// server is a real Verity server in this process, seeded like a first `verity serve`.
type server struct {
	addr    string // host:port
	admin   string // an admin's token, made as `verity token create` makes it
	signoff string // an editor's token made the same way
	dbPath  string // the SQLite file, empty on PostgreSQL
}

// newServer starts a server over a fresh database; wrap, if not nil, sits in front of its
// handler.
func newServer(t *testing.T, wrap func(http.Handler) http.Handler) server {
	t.Helper()
	var s server
	var db *database.DB
	if os.Getenv(dbtest.PostgresEnv) == "" {
		s.dbPath = filepath.Join(t.TempDir(), "verity.db")
		db = dbtest.OpenAt(t, s.dbPath)
	} else {
		db = dbtest.Open(t)
	}
	ctx := context.Background()
	if _, err := seeds.Load(ctx, db, identity.System()); err != nil {
		t.Fatal(err)
	}
	ids := identity.NewStore(db)
	token := func(email string, role identity.Role) string {
		u, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{Email: email, Name: email, Role: role, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := ids.CreateToken(ctx, identity.System(), u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	s.admin = token("admin@verity.local", identity.RoleAdmin)
	s.signoff = token("signer@verity.local", identity.RoleEditor)
	var h http.Handler = verityhttp.NewServer(verityhttp.Deps{
		DB: db, Claims: claims.NewStore(db), Provenance: provenance.NewStore(db), Identity: ids,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	s.addr = strings.TrimPrefix(hs.URL, "http://")
	return s
}

func noEnv(string) string { return "" }

// runLoad runs the command and returns stdout, stderr and its error.
func runLoad(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, noEnv, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestLoadDrivesEveryWorkload(t *testing.T) {
	s := newServer(t, nil)
	args := []string{"--addr", s.addr, "--token", s.admin, "--signoff-token", s.signoff,
		"--articles", "2", "--sources", "12", "--clients", "2", "--requests", "120", "--json"}
	if s.dbPath != "" {
		args = append(args, "--db", s.dbPath)
	}
	stdout, stderr, err := runLoad(t, args...)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json wrote no report: %v\n%s", err, stdout)
	}
	if strings.Contains(rep.Invocation, s.admin) || strings.Contains(stderr, s.admin) || strings.Contains(rep.Invocation, s.signoff) {
		t.Errorf("the report shows a token: %s", rep.Invocation)
	}
	if !strings.HasPrefix(stderr, rep.Invocation+"\n") {
		t.Errorf("the report does not start with the invocation:\n%s", stderr)
	}
	if c := rep.Corpus; c == nil || c.Articles != 2 || c.Claims != 2*ClaimsPerArticle || c.Sources != 12 || c.Citations < int64(c.Claims) {
		t.Errorf("corpus = %+v", rep.Corpus)
	}
	names := workloadNames()
	if len(rep.Workloads) != len(names) {
		t.Fatalf("%d workloads in the report, want %d: %+v", len(rep.Workloads), len(names), rep.Workloads)
	}
	for i, r := range rep.Workloads {
		if r.Name != names[i] {
			t.Errorf("workload %d is %q, want %q", i, r.Name, names[i])
		}
		if r.Skipped != "" {
			// Every workload runs, the exports too, now that the server has them.
			t.Errorf("%s skipped: %s", r.Name, r.Skipped)
			continue
		}
		if r.Operations != 120 || r.FailedOperations != 0 || r.Unexpected != 0 || r.ConnectionErrors != 0 {
			t.Errorf("%s: %d operations, %d failed, %d unexpected, %d without answer; first failures %v",
				r.Name, r.Operations, r.FailedOperations, r.Unexpected, r.ConnectionErrors, r.FirstFailures)
		}
		for status := range r.Statuses {
			if strings.HasPrefix(status, "5") {
				t.Errorf("%s: %d answers %s", r.Name, r.Statuses[status], status)
			}
		}
		if r.OpsPerSecond <= 0 || r.LatencyMS.P50 <= 0 || r.LatencyMS.P50 > r.LatencyMS.P99 {
			t.Errorf("%s: figures %+v", r.Name, r)
		}
	}
	// 120 review steps over 50 claims on 2 clients take some claims past start and propose to
	// sign-off, through the token made outside the run.
	if review := rep.Workloads[1]; review.Actions["start"] == 0 || review.Actions["sign_off"] == 0 || review.Actions["evidence"] == 0 {
		t.Errorf("review actions = %v", review.Actions)
	}
	if rep.Server.PID != os.Getpid() || rep.Server.PeakRSSBytes <= 0 {
		t.Errorf("server memory = %+v; the server is this process", rep.Server)
	}
	if s.dbPath != "" && (rep.Database == nil || rep.Database.Bytes <= 0 || rep.Database.Files["verity.db"] <= 0) {
		t.Errorf("database = %+v", rep.Database)
	}

	t.Run("a second run refuses the filled database", func(t *testing.T) {
		_, _, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1")
		if err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("err = %v, want a refusal that names --force", err)
		}
	})
	t.Run("a duration bounds a workload", func(t *testing.T) {
		stdout, stderr, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--force", "--articles", "1", "--sources", "3",
			"--clients", "2", "--workloads", "get-claim", "--duration", "200ms", "--json")
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr)
		}
		var rep report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Workloads) != 1 || rep.Workloads[0].Operations < 2 || rep.Workloads[0].FailedOperations != 0 {
			t.Errorf("workloads = %+v", rep.Workloads)
		}
	})
	t.Run("a sign-off token behind the proposals is refused before the clock starts", func(t *testing.T) {
		_, _, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--signoff-token", s.admin, "--force",
			"--articles", "1", "--sources", "3", "--workloads", "review", "--requests", "5")
		if err == nil || !strings.Contains(err.Error(), "--signoff-token") || !strings.Contains(err.Error(), "403") {
			t.Fatalf("err = %v, want the server's refusal", err)
		}
	})
	t.Run("a bad token is named", func(t *testing.T) {
		_, _, err := runLoad(t, "--addr", s.addr, "--token", "vrt_nothing")
		if err == nil || !strings.Contains(err.Error(), "refused the token (401)") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestServerFailuresFailTheRun(t *testing.T) {
	claimDetail := regexp.MustCompile(`^/api/v1/claims/\d+$`)
	s := newServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" && claimDetail.MatchString(r.URL.Path) {
				http.Error(w, "the database is on fire", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	stdout, _, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1", "--sources", "3",
		"--clients", "2", "--workloads", "get-claim,search", "--requests", "10")
	if err == nil || !strings.Contains(err.Error(), "10 of 20 requests failed unexpectedly") {
		t.Fatalf("err = %v, want half the requests failed", err)
	}
	if !strings.Contains(stdout, "500×10") || !strings.Contains(stdout, "the database is on fire") {
		t.Errorf("the report shows neither the statuses nor the first failures:\n%s", stdout)
	}
}

func TestBadCommandLines(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"another host", []string{"--addr", "192.0.2.1:8080", "--token", "t"}, "loopback"},
		{"a name", []string{"--addr", "localhost:8080", "--token", "t"}, "loopback"},
		{"https", []string{"--addr", "https://127.0.0.1:8080", "--token", "t"}, "host:port"},
		{"no port", []string{"--addr", "127.0.0.1", "--token", "t"}, "host:port"},
		{"no token", []string{"--addr", "127.0.0.1:8080"}, "--token"},
		{"unknown workload", []string{"--token", "t", "--workloads", "list,dance"}, `unknown workload "dance"`},
		{"unknown export", []string{"--token", "t", "--exports", "claims,people"}, `unknown export "people"`},
		{"no export", []string{"--token", "t", "--exports", ","}, "--exports names no export"},
		{"too many clients", []string{"--token", "t", "--clients", "1000"}, "--clients"},
		{"no articles", []string{"--token", "t", "--articles", "0"}, "--articles"},
		{"unknown flag", []string{"--token", "t", "--colour"}, "colour"},
		{"a stray argument", []string{"--token", "t", "now"}, `unexpected argument "now"`},
		{"nothing listens", []string{"--addr", closed, "--token", "t"}, "cannot reach Verity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runLoad(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestInvocationHidesTokens(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--token", "vrt_x", "--articles", "4"}, "verity-load --token … --articles 4"},
		{[]string{"--token=vrt_x", "-signoff-token", "vrt_y"}, "verity-load --token=… -signoff-token …"},
		{[]string{"--db", "/tmp/a b/verity.db"}, `verity-load --db "/tmp/a b/verity.db"`},
	}
	for _, tt := range tests {
		if got := invocation(tt.args); got != tt.want {
			t.Errorf("invocation(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080", "http://127.0.0.1:1/", "[::1]:80", "10.0.0.1:80", "localhost:1", "127.1:2", "[::ffff:127.0.0.1]:9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		base, ip, port, err := parseAddr(s)
		if err != nil {
			return
		}
		// Whatever it accepts is a loopback address, and the base URL says the same.
		if !ip.IsLoopback() || port < 1 || port > 65535 {
			t.Fatalf("parseAddr(%q) accepted %v port %d", s, ip, port)
		}
		host, _, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
		if err != nil || !net.ParseIP(host).Equal(ip) {
			t.Fatalf("parseAddr(%q) made base %q for %v", s, base, ip)
		}
	})
}

func TestCPUProfileOfTheLoadCommand(t *testing.T) {
	s := newServer(t, nil)
	path := filepath.Join(t.TempDir(), "load.pprof")
	_, stderr, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1", "--sources", "3",
		"--clients", "2", "--requests", "20", "--workloads", "get-claim", "--cpuprofile", path)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A CPU profile is a gzipped protocol buffer; pprof reads nothing else.
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("--cpuprofile wrote no gzipped profile: %v", err)
	}
	if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
		t.Fatalf("--cpuprofile: %d bytes, %v", len(b), err)
	}
}

// TestCPUProfileThatCannotBeWrittenFailsTheRun: before the corpus is seeded, so nothing is
// written to the server.
func TestCPUProfileThatCannotBeWrittenFailsTheRun(t *testing.T) {
	var writes atomic.Int64
	s := newServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet {
				writes.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	})
	_, _, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1", "--requests", "1",
		"--workloads", "get-claim", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "folder", "p"))
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") {
		t.Fatalf("err = %v, want one naming --cpuprofile", err)
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("the run sent %d writes before it failed", n)
	}
}

// TestCPUProfileOfAFailedRunKeepsTheEarlierOne: a run that fails while seeding writes no
// profile, leaves no partial file, and keeps the profile an earlier run put at the path.
func TestCPUProfileOfAFailedRunKeepsTheEarlierOne(t *testing.T) {
	s := newServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				http.Error(w, "refused", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	dir := t.TempDir()
	path := filepath.Join(dir, "load.pprof")
	if err := os.WriteFile(path, []byte("an earlier profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1", "--requests", "1",
		"--workloads", "get-claim", "--cpuprofile", path); err == nil {
		t.Fatal("the run succeeded with every write refused")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "an earlier profile" {
		t.Errorf("the earlier profile is now %q (%v)", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want the earlier profile alone", len(entries))
	}
}

func TestExportsChoosesTheExportsStreamed(t *testing.T) {
	s := newServer(t, nil)
	stdout, stderr, err := runLoad(t, "--addr", s.addr, "--token", s.admin, "--articles", "1", "--sources", "3",
		"--clients", "2", "--requests", "4", "--workloads", "export", "--exports", "claims", "--json")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Workloads) != 1 {
		t.Fatalf("workloads: %+v", rep.Workloads)
	}
	r := rep.Workloads[0]
	if want := map[string]int64{"/exports/claims.csv": 4}; !maps.Equal(r.Actions, want) || r.Rows%4 != 0 || r.Rows < 4*int64(rep.Corpus.Claims) {
		t.Fatalf("actions %v, %d rows; want %v and every claim (the seed's too) four times", r.Actions, r.Rows, want)
	}
}
