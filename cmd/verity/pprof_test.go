package main

import (
	"bytes"
	"context"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesPprofBeyondLoopback: --pprof takes a loopback address only; anything
// else is a usage error before the database is touched.
func TestServeRefusesPprofBeyondLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.org:6060", "6060", "[::]:6060"} {
		t.Run(addr, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "verity.db")
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--pprof", addr},
				func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), "--pprof") {
				t.Fatalf("err = %v, want one naming --pprof", err)
			}
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if _, statErr := os.Stat(dbPath); !os.IsNotExist(statErr) {
				t.Errorf("a refused --pprof created the database (%v)", statErr)
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:0", "localhost:6060"} {
		if err := checkPprofAddr(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}

// TestPprofHandlerServesProfiles: the profiler's own mux serves the index and a heap
// profile, and nothing outside /debug/pprof/.
func TestPprofHandlerServesProfiles(t *testing.T) {
	srv := httptest.NewServer(pprofHandler())
	defer srv.Close()
	for path, want := range map[string]int{"/debug/pprof/": 200, "/debug/pprof/heap?debug=1": 200, "/api/v1/claims": 404} {
		resp, err := nethttp.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && len(body) == 0 {
			t.Errorf("GET %s: empty", path)
		}
	}
}
