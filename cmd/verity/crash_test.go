package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// TestCrashKeepsEveryAcknowledgedWrite runs writers against a real `verity serve` process
// with group commit and --sync full (the defaults), kills the process with SIGKILL while
// they write, several times, and after each kill proves that every write the server had
// acknowledged is there, that SQLite's integrity check passes and that the audit chain
// verifies. Writes in flight at the kill may or may not have landed; none may be half there.
func TestCrashKeepsEveryAcknowledgedWrite(t *testing.T) {
	if os.Getenv(dbtest.PostgresEnv) != "" {
		t.Skip("a crash test of the SQLite file; on PostgreSQL the server's own durability decides")
	}
	t.Parallel()
	const (
		rounds  = 4
		writers = 8
		// Each round kills the server once the writers have had killAfter writes
		// acknowledged, while they keep writing; perWriter bounds a round that never gets
		// there.
		killAfter = 60
		perWriter = 400
	)
	dsn := filepath.Join(t.TempDir(), "verity.db")
	server := startServer(t, dsn, "--metrics-addr", "127.0.0.1:0")
	token := adminToken(t, dsn)

	type source struct{ id, name string }
	var acked []source
	for round := range rounds {
		client := newAPIClient(server.base, token, writers)
		var mu sync.Mutex
		inRound := 0
		reached := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range perWriter {
					name := fmt.Sprintf("crash round %d writer %d write %d", round, w, i)
					status, _, raw, err := client.call("POST", "/api/v1/sources", map[string]any{
						"kind": "organisation", "name": name, "reliability": "C",
					})
					if err != nil {
						return // the server is gone; what was in flight is unknown
					}
					if status != 201 {
						t.Errorf("POST /api/v1/sources: %d %s", status, raw)
						return
					}
					var got struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(raw, &got); err != nil || got.ID == "" {
						t.Errorf("created source: %s (%v)", raw, err)
						return
					}
					mu.Lock()
					acked = append(acked, source{got.ID, name})
					inRound++
					if inRound == killAfter {
						close(reached)
					}
					mu.Unlock()
				}
			})
		}
		allDone := make(chan struct{})
		go func() { wg.Wait(); close(allDone) }()
		select {
		case <-reached:
		case <-allDone:
			t.Fatalf("round %d: the writers stopped before %d writes were acknowledged: %s", round, killAfter, server.stderr.String())
		}
		if round == 0 {
			logBatches(t, server)
		}
		server.kill()
		<-allDone

		checkDatabase(t, dsn)
		server = startServer(t, dsn)
		client = newAPIClient(server.base, token, 1)
		mu.Lock()
		for _, s := range acked {
			_, raw := client.mustCall(t, 200, "GET", "/api/v1/sources/"+s.id, nil)
			var got struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(raw, &got); err != nil || got.Name != s.name {
				t.Fatalf("after the crash of round %d, source %s is %s, want the name %q", round, s.id, raw, s.name)
			}
		}
		t.Logf("round %d: %d acknowledged writes in all, every one there after SIGKILL", round, len(acked))
		mu.Unlock()
		// The next round kills this server too, and so the last check covers it.
		if round < rounds-1 {
			server.kill()
			server = startServer(t, dsn, "--metrics-addr", "127.0.0.1:0")
		}
	}
	server.stop()
	checkDatabase(t, dsn)
}

// checkDatabase opens the SQLite file the killed server left, runs PRAGMA integrity_check,
// and verifies the audit chain as an auditor would, with `verity audit verify`.
func checkDatabase(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dsn, database.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	if err := db.Reader().NewRaw("PRAGMA integrity_check").Scan(ctx, &results); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(results) != 1 || results[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check: %v", results)
	}
	out, errOut, err := runCLI(t, "", "audit", "verify", "--db", dsn)
	if err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("verity audit verify: %v\n%s%s", err, out, errOut)
	}
}

// logBatches logs the mean group commit size the server reports, to show the writes were
// batched; how many land in one batch depends on the machine, so it is not asserted.
func logBatches(t *testing.T, server *serverProcess) {
	t.Helper()
	client := newAPIClient(server.metrics, "", 1)
	status, _, raw, err := client.call("GET", "/metrics", nil)
	if err != nil || status != 200 {
		t.Logf("metrics: %d %v", status, err)
		return
	}
	var sum, count string
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "verity_write_batch_writes_sum "); ok {
			sum = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "verity_write_batch_writes_count "); ok {
			count = strings.TrimSpace(v)
		}
	}
	t.Logf("group commit so far: %s writes in %s batches", sum, count)
}
