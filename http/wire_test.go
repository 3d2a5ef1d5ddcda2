package http_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/provenance"

	verityhttp "verity/http"
)

// TestRequestsGoRefusesBeforeVerity pins what the README's status table says of the answers
// that are not problem+json: net/http writes them itself, as plain text, for a request it
// cannot read, before any handler (so no middleware of ours) runs. Everything it hands on,
// however odd, gets a problem.
func TestRequestsGoRefusesBeforeVerity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := verityhttp.NewServer(verityhttp.Deps{
		DB: e.db, Claims: claims.NewStore(e.db), Provenance: provenance.NewStore(e.db), Identity: identity.NewStore(e.db),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	send := func(raw string) *http.Response {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%.40q: %v", raw, err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		name, raw   string
		status      int
		contentType string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "text/plain; charset=utf-8"},
		{"no Host header", "GET /healthz HTTP/1.1\r\n\r\n", 400, "text/plain; charset=utf-8"},
		{"headers over the limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431, "text/plain; charset=utf-8"},
		{"unknown transfer coding", "POST /api/v1/claims HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "text/plain; charset=utf-8"},
		{"unknown expectation", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: miracles\r\n\r\n", 417, ""},
		{"an odd request Go hands on", "GET /api/v1/claims/%2B1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 401, "application/problem+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := send(tc.raw)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.contentType)
			}
		})
	}
}
