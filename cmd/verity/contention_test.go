package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"verity/migrations/dbtest"
)

// TestContentionThroughARealServer races a desk of editors and reviewers on the same claims
// through a real `verity serve` process, on SQLite or PostgreSQL as the suite runs: edits of
// one version have exactly one winner and the claim holds the winner's text (no lost
// update), concurrent evidence is all kept, transitions of one version have one winner, no
// racer ever gets a 5xx (no SQLITE_BUSY, no serialization failure reaches a client), and the
// audit chain verifies with exactly one event per change.
func TestContentionThroughARealServer(t *testing.T) {
	t.Parallel()
	const (
		claimsRaced = 4
		racers      = 10
		editRounds  = 3
	)
	dsn := dbtest.DSN(t)
	server := startServer(t, dsn)
	admin := newAPIClient(server.base, adminToken(t, dsn), racers)
	editors := make([]*apiClient, racers)
	reviewers := make([]*apiClient, racers)
	for i := range racers {
		editors[i] = newAPIClient(server.base, userToken(t, dsn, fmt.Sprintf("editor%d@example.org", i), "editor"), 2)
		reviewers[i] = newAPIClient(server.base, userToken(t, dsn, fmt.Sprintf("reviewer%d@example.org", i), "reviewer"), 2)
	}
	verify := func() (count int64) {
		t.Helper()
		_, raw := admin.mustCall(t, 200, "GET", "/api/v1/audit/verify", nil)
		var r struct {
			OK    bool  `json:"ok"`
			Count int64 `json:"count"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || !r.OK {
			t.Fatalf("audit verify: %s (%v)", raw, err)
		}
		return r.Count
	}
	before := verify()

	_, raw := admin.mustCall(t, 200, "GET", fmt.Sprintf("/api/v1/claims?stage=open&limit=%d", claimsRaced), nil)
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &page); err != nil || len(page.Data) != claimsRaced {
		t.Fatalf("open claims: %s (%v)", raw, err)
	}

	type claimView struct {
		Text    string `json:"text"`
		Version int    `json:"version"`
		Stage   string `json:"stage"`
	}
	get := func(id string) (claimView, string) {
		t.Helper()
		etag, raw := admin.mustCall(t, 200, "GET", "/api/v1/claims/"+id, nil)
		var c claimView
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		return c, etag
	}
	// race sends one request per racer at once and returns the statuses, failing on a
	// transport error or a 5xx.
	race := func(send func(i int) (int, []byte, error)) []int {
		t.Helper()
		statuses := make([]int, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				status, raw, err := send(i)
				if err != nil || status >= 500 {
					t.Errorf("racer %d: %d %s %v", i, status, raw, err)
				}
				statuses[i] = status
			})
		}
		close(start)
		wg.Wait()
		return statuses
	}
	winners := func(statuses []int, win int, losers ...int) []int {
		t.Helper()
		var won []int
		for i, s := range statuses {
			switch {
			case s == win:
				won = append(won, i)
			case !slices.Contains(losers, s):
				t.Errorf("racer %d: %d, want %d or one of %v", i, s, win, losers)
			}
		}
		return won
	}

	changes := int64(0)
	for _, c := range page.Data {
		// Edits of one version: one winner, whose text the claim then holds.
		for round := range editRounds {
			was, etag := get(c.ID)
			statuses := race(func(i int) (int, []byte, error) {
				status, _, raw, err := editors[i].call("PATCH", "/api/v1/claims/"+c.ID,
					map[string]any{"text": fmt.Sprintf("Edited by editor %d in round %d.", i, round)}, "If-Match", etag)
				return status, raw, err
			})
			won := winners(statuses, 200, 412)
			if len(won) != 1 {
				t.Fatalf("claim %s round %d: %d edits won of one version: %v", c.ID, round, len(won), statuses)
			}
			now, _ := get(c.ID)
			if want := fmt.Sprintf("Edited by editor %d in round %d.", won[0], round); now.Text != want || now.Version != was.Version+1 {
				t.Fatalf("claim %s after round %d: %+v, want %q at version %d", c.ID, round, now, want, was.Version+1)
			}
			changes++
		}

		// Evidence from every reviewer at once: every item kept.
		statuses := race(func(i int) (int, []byte, error) {
			status, _, raw, err := reviewers[i].call("POST", "/api/v1/claims/"+c.ID+"/evidence", map[string]any{
				"url": fmt.Sprintf("https://example.org/evidence/%s/%d", c.ID, i), "title": "A report",
				"excerpt": "What the report says.", "stance": "supports",
			})
			return status, raw, err
		})
		if won := winners(statuses, 201); len(won) != racers {
			t.Fatalf("claim %s: %d of %d evidence items were created: %v", c.ID, len(won), racers, statuses)
		}
		_, raw := admin.mustCall(t, 200, "GET", "/api/v1/claims/"+c.ID+"/evidence?limit=200", nil)
		var list struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &list); err != nil || len(list.Data) != racers {
			t.Fatalf("claim %s evidence: %d items, want %d (%v)", c.ID, len(list.Data), racers, err)
		}
		changes += racers

		// Every reviewer takes the claim into review at once: one of them has it.
		was, etag := get(c.ID)
		statuses = race(func(i int) (int, []byte, error) {
			status, _, raw, err := reviewers[i].call("POST", "/api/v1/claims/"+c.ID+"/transitions",
				map[string]any{"action": "start"}, "If-Match", etag)
			return status, raw, err
		})
		if won := winners(statuses, 200, 412, 409); len(won) != 1 {
			t.Fatalf("claim %s: %d reviewers took it into review: %v", c.ID, len(won), statuses)
		}
		if now, _ := get(c.ID); now.Stage != "in_review" || now.Version != was.Version+1 {
			t.Fatalf("claim %s after the start race: %+v", c.ID, now)
		}
		changes++
	}
	if after := verify(); after != before+changes {
		t.Errorf("audit events: %d new, want one per change, %d", after-before, changes)
	}
	server.stop()
}
