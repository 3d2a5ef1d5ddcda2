package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that the server goroutine and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestServeSeedsAuthenticatesAndShutsDown(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "verity.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, noEnv, strings.NewReader(""), &out, &errOut)
	}()
	urlRe := regexp.MustCompile(`listening on (http://\S+)`)
	passRe := regexp.MustCompile(`Created admin admin@verity.local with password: (\S+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
	}
	if !passRe.MatchString(out.String()) || !strings.Contains(errOut.String(), "loaded the seed article") {
		t.Errorf("first start should create an admin and seed: %s / %s", out.String(), errOut.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/api/v1/claims")
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("claims without a token: %v %v", resp, err)
	}
	resp.Body.Close()

	// While the server runs, a second process-like run makes a token for the admin.
	token, _, err := runCLI(t, "", "token", "create", "--db", dbPath, "--email", "admin@verity.local")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, "vrt_") || strings.Contains(token, "\n") {
		t.Fatalf("token create printed %q, want the token alone", token)
	}
	r, _ := http.NewRequest("GET", base+"/api/v1/claims?limit=1", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(r)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("claims with a token: %v %v", resp, err)
	}
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if len(page.Data) != 1 {
		t.Errorf("seeded claims not served: %v", page)
	}

	// The token names the operator who made it, and so does what is done through it.
	op := (&app{}).operator().CLI
	api := func(method, path, body string) []byte {
		t.Helper()
		r, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	var tokens struct {
		Data []struct {
			CreatedBy    *string `json:"created_by"`
			CreatedByCLI *string `json:"created_by_cli"`
		} `json:"data"`
	}
	json.Unmarshal(api("GET", "/api/v1/users/1/tokens", ""), &tokens)
	if len(tokens.Data) != 1 || tokens.Data[0].CreatedBy != nil || tokens.Data[0].CreatedByCLI == nil || *tokens.Data[0].CreatedByCLI != op {
		t.Errorf("token list = %+v, want one token made by cli %s", tokens, op)
	}
	api("POST", "/api/v1/sources", `{"kind":"report","name":"Made through a cli token"}`)
	var events struct {
		Data []struct {
			Actor string `json:"actor"`
		} `json:"data"`
	}
	json.Unmarshal(api("GET", "/api/v1/audit?action=source.create&actor=user:1", ""), &events)
	if want := "user:1 via cli token from " + op; len(events.Data) != 1 || events.Data[0].Actor != want {
		t.Errorf("audit of the source = %+v, want one by %q", events, want)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}

	// A second start neither seeds again nor makes another admin.
	out2, err2 := startAndStop(t, dbPath)
	if strings.Contains(out2, "Created admin") || strings.Contains(err2, "loaded the seed article") {
		t.Errorf("second start repeated first-start work: %s %s", out2, err2)
	}
}

func startAndStop(t *testing.T, dbPath string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, noEnv, strings.NewReader(""), &out, &errOut)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "listening") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

func TestStartupErrorsAreClear(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port in use", []string{"serve", "--db", filepath.Join(dir, "a.db"), "--addr", ln.Addr().String()}, "cannot listen on"},
		{"unknown flag", []string{"serve", "--colour", "red"}, "unknown flag: --colour"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing directory", []string{"migrate", "--db", filepath.Join(dir, "no", "such", "dir", "v.db")}, "cannot open database"},
		{"bad role", []string{"user", "add", "--db", filepath.Join(dir, "b.db"), "--email", "x@example.org", "--name", "X", "--role", "boss"}, "--role must be one of"},
		{"verify a missing database", []string{"audit", "verify", "--db", filepath.Join(dir, "d.db")}, "no database at"},
		{"token on a missing database", []string{"token", "create", "--db", filepath.Join(dir, "c.db"), "--email", "nobody@example.org"}, "no database at"},
	}
	if os.Geteuid() != 0 { // root writes anywhere, so the check only means something for others
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unwritable directory", []string{"migrate", "--db", filepath.Join(readOnly, "v.db")}, "cannot"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"seed", "--help"}, {"user", "add", "--help"}, {"token", "create", "--help"}, {"audit", "verify", "--help"}} {
		out, _, err := runCLI(t, "", args...)
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: %v %q", args, err, out)
		}
	}
}

func TestMigrateSeedUserAndAuditCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	out, _, err := runCLI(t, "", "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate again: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "migrate", "--status", "--db", db)
	if err != nil || !strings.HasPrefix(out, "applied ") {
		t.Fatalf("migrate --status: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "seed", "--db", db)
	if err != nil || !strings.Contains(out, "loaded the seed article") {
		t.Fatalf("seed: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "seed", "--db", db)
	if err != nil || !strings.Contains(out, "already loaded") {
		t.Fatalf("seed again: %v %q", err, out)
	}
	out, _, err = runCLI(t, "a long enough password\n", "user", "add", "--db", db, "--email", "Eda@Example.org", "--name", "Eda", "--role", "editor", "--password-stdin")
	if err != nil || !strings.Contains(out, "eda@example.org (editor)") || strings.Contains(out, "password") {
		t.Fatalf("user add: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "user", "add", "--db", db, "--email", "rev@example.org", "--name", "Rev", "--role", "reviewer")
	if err != nil || !strings.Contains(out, "password: ") {
		t.Fatalf("user add with generated password: %v %q", err, out)
	}
	_, _, err = runCLI(t, "short\n", "user", "add", "--db", db, "--email", "s@example.org", "--name", "S", "--role", "viewer", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password: %v", err)
	}
	out, _, err = runCLI(t, "", "audit", "verify", "--db", db)
	if err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("audit verify: %v %q", err, out)
	}
	head := regexp.MustCompile(`head hash ([0-9a-f]{64})`).FindStringSubmatch(out)
	if head == nil {
		t.Fatalf("no head hash in %q", out)
	}
	out, _, err = runCLI(t, "", "audit", "verify", "--db", db, "--head", head[1])
	if err != nil || !strings.Contains(out, "found=true") {
		t.Fatalf("audit verify --head: %v %q", err, out)
	}
	out, _, err = runCLI(t, "", "audit", "verify", "--db", db, "--head", strings.Repeat("0", 64))
	if err == nil || !strings.Contains(out, "found=false") {
		t.Fatalf("audit verify with an unknown head: %v %q", err, out)
	}
}
