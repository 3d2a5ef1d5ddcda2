package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServePublishingFlags checks that bad publishing settings are usage errors, and that
// the settings, from flags or the environment, reach the ClaimReview routes.
func TestServePublishingFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--public-url", "factcheck.example.org"}, "--public-url"},
		{[]string{"--public-url", "https://factcheck.example.org/?page=1"}, "without ? or #"},
		{[]string{"--publisher-url", "mailto:desk@example.org"}, "--publisher-url"},
	} {
		args := append([]string{"serve", "--db", filepath.Join(dir, "bad.db"), "--addr", "127.0.0.1:0"}, tc.args...)
		_, _, err := runCLI(t, "", args...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want a usage error naming %s", tc.args, err, exitCode(err), tc.want)
		}
	}

	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		status int
		want   string
	}{
		{"unset", nil, nil, http.StatusServiceUnavailable, "--public-url (VERITY_PUBLIC_URL)"},
		{"flags", []string{"--public-url", "https://fc.example.org/", "--publisher-name", "Desk"}, nil, http.StatusOK, "[]"},
		{"environment", nil, map[string]string{"VERITY_PUBLIC_URL": "https://fc.example.org", "VERITY_PUBLISHER_NAME": "Desk"}, http.StatusOK, "[]"},
		{"no name", []string{"--public-url", "https://fc.example.org"}, nil, http.StatusServiceUnavailable, "--publisher-name (VERITY_PUBLISHER_NAME)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "verity.db")
			getenv := func(k string) string { return tc.env[k] }
			status, body := feedOnce(t, db, getenv, tc.args)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("feed: %d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}

// feedOnce serves db, reads the seed article's ClaimReview feed as its admin, and stops.
func feedOnce(t *testing.T, db string, getenv env, extra []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, extra...)
	go func() { done <- run(ctx, args, getenv, strings.NewReader(""), &out, &errOut) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	urlRe := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
	}
	token, _, err := runCLI(t, "", "token", "create", "--db", db, "--email", "admin@verity.local")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", base+"/api/v1/articles/1/claimreview", nil)
	r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var p struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		return resp.StatusCode, p.Detail
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}
