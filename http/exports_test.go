package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"verity/claims"
	verityhttp "verity/http"
	"verity/http/export"
	"verity/provenance/audit"
	"verity/provenance/provtest"
)

// Cells a spreadsheet would run, and text with every character CSV quotes.
const (
	formulaRationale = "=HYPERLINK(\"http://evil.example\",\"click\")"
	awkwardRationale = "'Quoted', \"said\" the UN;\nsecond line"
)

// reviewForExport takes the claim on 2,200 fighters through a review whose texts need
// quoting and neutralising, and returns its id.
func reviewForExport(t *testing.T, e *env) int64 {
	t.Helper()
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	id, _ := strconv.ParseInt(e.claimByQuote("just 2,200 fighters")["id"].(string), 10, 64)
	rev, ed := e.users[reviewer].Actor(), e.users[editor].Actor()
	c, _, err := cs.Transition(ctx, rev, id, 1, claims.Transition{Action: claims.ActionStart})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: id, URL: "https://undocs.org/S/2020/415", Stance: claims.StanceSupports}); err != nil {
		t.Fatal(err)
	}
	c, _, err = cs.Transition(ctx, rev, id, c.Version, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusMisleading, Rationale: formulaRationale})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err = cs.Transition(ctx, ed, id, c.Version, claims.Transition{Action: claims.ActionReject, Rationale: awkwardRationale})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = cs.Transition(ctx, rev, id, c.Version, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "-1 is wrong; 2,200 is right"}); err != nil {
		t.Fatal(err)
	}
	return id
}

// readCSV parses an export with encoding/csv alone, as any client would.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, export.BOM))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rows
}

func checkRun(t *testing.T, body string) audit.RunReport {
	t.Helper()
	events, err := export.ReadAuditCSV(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r, err := audit.CheckRun(events, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuditExportRoundTrip parses the export with encoding/csv and compares every row with
// the chain in the database; the file alone then verifies, untouched, filtered, and not
// once a cell is changed.
func TestAuditExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := reviewForExport(t, e)
	w := e.as(auditor, "GET", "/exports/audit.csv", nil)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8; header=present" {
		t.Errorf("content type %q", ct)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="verity-audit.csv"` {
		t.Errorf("content disposition %q", cd)
	}
	body := w.Body.String()
	rows := readCSV(t, body)
	if !slices.Equal(rows[0], export.AuditColumns) {
		t.Fatalf("header %q", rows[0])
	}
	events, _, err := audit.Find(context.Background(), e.db.Reader(), audit.Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(events) {
		t.Fatalf("%d rows, %d events", len(rows)-1, len(events))
	}
	col := func(name string) int { return slices.Index(export.AuditColumns, name) }
	for i, ev := range events {
		row := rows[i+1]
		want := map[string]string{
			"seq": fmt.Sprint(ev.Seq), "at": ev.At.UTC().Format(export.AuditTimeLayout), "actor": ev.Actor, "action": ev.Action,
			"entity_type": ev.EntityType, "entity_id": ev.EntityID, "before": ev.Before, "after": ev.After, "prev_hash": ev.PrevHash, "hash": ev.Hash,
		}
		for name, v := range want {
			if got := export.Restore(row[col(name)]); got != v {
				t.Errorf("event %d: %s = %q, want %q", ev.Seq, name, got, v)
			}
		}
	}
	// The review's rows explain themselves, and a plain reader sees the formula neutralised.
	var rejected, proposed []string
	for _, row := range rows[1:] {
		if row[col("claim_id")] != fmt.Sprint(id) {
			continue
		}
		switch row[col("action")] {
		case "claim.reject":
			rejected = row
		case "claim.propose":
			if proposed == nil {
				proposed = row
			}
		}
	}
	if rejected == nil || proposed == nil {
		t.Fatal("the review's transitions are not in the export")
	}
	if got := rejected[col("rationale")]; got != "'"+awkwardRationale {
		t.Errorf("reject rationale cell %q", got)
	}
	if got := proposed[col("rationale")]; got != "'"+formulaRationale {
		t.Errorf("propose rationale cell %q: a spreadsheet would run it", got)
	}
	if proposed[col("status_after")] != "unverified" || proposed[col("proposal_after")] != "misleading" || proposed[col("stage_after")] != "awaiting_signoff" {
		t.Errorf("a proposal shows as a verdict: %q", proposed)
	}
	if proposed[col("actor_name")] != e.users[reviewer].Name || proposed[col("actor_role")] != "reviewer" || proposed[col("actor_id")] != fmt.Sprint(e.users[reviewer].ID) {
		t.Errorf("actor cells %q", proposed[col("actor_id"):col("actor_role")+1])
	}
	if proposed[col("article_title")] == "" || proposed[col("article_id")] != fmt.Sprint(e.seed.ArticleID) {
		t.Errorf("article cells %q", proposed[col("article_id"):col("article_title")+1])
	}

	r := checkRun(t, body)
	if !r.OK || !r.Contiguous || !r.FromGenesis || r.Count != int64(len(events)) || r.HeadHash != events[len(events)-1].Hash {
		t.Errorf("untouched export: %+v", r)
	}

	t.Run("filtered", func(t *testing.T) {
		w := e.as(editor, "GET", "/exports/audit.csv?action=claim.propose&article_id="+fmt.Sprint(e.seed.ArticleID), nil)
		wantStatus(t, w, http.StatusOK)
		r := checkRun(t, w.Body.String())
		if !r.OK || r.Contiguous || r.Count != 2 || r.Gaps != 1 || r.LinksChecked != 0 {
			t.Errorf("filtered export: %+v", r)
		}
	})
	t.Run("a changed cell", func(t *testing.T) {
		changed := strings.Replace(body, "'"+awkwardRationale, "'"+awkwardRationale, 1) // the rationale is not in the hash
		if r := checkRun(t, changed); !r.OK {
			t.Errorf("a cell outside the chain broke it: %+v", r)
		}
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		cw.UseCRLF = true
		for i, row := range rows {
			if i > 0 && row[col("action")] == "claim.reject" {
				row = slices.Clone(row)
				row[col("after")] = strings.Replace(row[col("after")], `"stage":"in_review"`, `"stage":"closed"`, 1)
			}
			cw.Write(row)
		}
		cw.Flush()
		r := checkRun(t, buf.String())
		if r.OK || r.BrokenSeq == nil || fmt.Sprint(*r.BrokenSeq) != rejected[col("seq")] {
			t.Errorf("a changed after: %+v, want broken at %s", r, rejected[col("seq")])
		}
	})
	t.Run("bom", func(t *testing.T) {
		w := e.as(auditor, "GET", "/exports/audit.csv?bom=1", nil)
		wantStatus(t, w, http.StatusOK)
		if !strings.HasPrefix(w.Body.String(), export.BOM+"seq,") {
			t.Errorf("starts %q", w.Body.String()[:10])
		}
		if r := checkRun(t, w.Body.String()); !r.OK || r.Count != int64(len(events)) {
			t.Errorf("with a BOM: %+v", r)
		}
	})
}

// TestClaimsExportRoundTrip compares the claims export with the claim list.
func TestClaimsExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := reviewForExport(t, e)
	w := e.as(viewer, "GET", "/exports/claims.csv", nil)
	wantStatus(t, w, http.StatusOK)
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="verity-claims.csv"` {
		t.Errorf("content disposition %q", cd)
	}
	rows := readCSV(t, w.Body.String())
	if !slices.Equal(rows[0], export.ClaimColumns) {
		t.Fatalf("header %q", rows[0])
	}
	list, _, err := claims.NewStore(e.db).FindClaims(context.Background(), claims.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != len(list) {
		t.Fatalf("%d rows, %d claims", len(rows)-1, len(list))
	}
	col := func(name string) int { return slices.Index(export.ClaimColumns, name) }
	for i, c := range list {
		row := rows[i+1]
		for name, v := range map[string]string{
			"id": fmt.Sprint(c.ID), "quote": c.Quote, "text": c.Text, "kind": string(c.Kind), "stage": string(c.Stage),
			"status": string(c.Status), "anchor_start": fmt.Sprint(c.AnchorStart), "anchor_end": fmt.Sprint(c.AnchorEnd),
		} {
			if got := export.Restore(row[col(name)]); got != v {
				t.Errorf("claim %d: %s = %q, want %q", c.ID, name, got, v)
			}
		}
		var qs []claims.Quantity
		if err := json.Unmarshal([]byte(row[col("quantities_json")]), &qs); err != nil || len(qs) != len(c.Quantities) {
			t.Errorf("claim %d: quantities_json %q", c.ID, row[col("quantities_json")])
		}
	}
	var reviewed, afghans []string
	for _, row := range rows[1:] {
		if row[col("id")] == fmt.Sprint(id) {
			reviewed = row
		}
		if strings.Contains(row[col("quote")], "79 Afghans") {
			afghans = row
		}
	}
	if reviewed[col("status")] != "unverified" || reviewed[col("proposed_status")] != "verified" || reviewed[col("stage")] != "awaiting_signoff" {
		t.Errorf("a proposal shows as a verdict: status %q, proposed %q", reviewed[col("status")], reviewed[col("proposed_status")])
	}
	if reviewed[col("last_action")] != "propose" || reviewed[col("last_reviewer")] != e.users[reviewer].Name || reviewed[col("last_rationale")] != "'-1 is wrong; 2,200 is right" {
		t.Errorf("last review cells %q", reviewed[col("last_action"):col("last_rationale")+1])
	}
	if reviewed[col("evidence")] != "supports https://undocs.org/S/2020/415" || !strings.Contains(reviewed[col("sources")], "UN") {
		t.Errorf("evidence %q, sources %q", reviewed[col("evidence")], reviewed[col("sources")])
	}
	if reviewed[col("assignee")] != e.users[reviewer].Name {
		t.Errorf("assignee %q", reviewed[col("assignee")])
	}
	if afghans == nil || !strings.HasPrefix(afghans[col("quantities")], "at least 79 Afghans killed (as of 2021-08-26)") {
		t.Errorf("readable quantities %q", afghans[col("quantities")])
	}

	t.Run("filters", func(t *testing.T) {
		w := e.as(viewer, "GET", "/exports/claims.csv?stage=awaiting_signoff&q=fighters", nil)
		rows := readCSV(t, w.Body.String())
		if len(rows) != 2 || rows[1][col("id")] != fmt.Sprint(id) {
			t.Errorf("filtered export %q", rows)
		}
		w = e.as(viewer, "GET", "/exports/claims.csv?kind=nonsense", nil)
		wantProblem(t, w, http.StatusUnprocessableEntity, "kind")
		if w.Header().Get("Content-Disposition") != "" {
			t.Error("a refused export is offered as a download")
		}
		wantProblem(t, e.as(viewer, "GET", "/exports/claims.csv?bom=yes", nil), http.StatusUnprocessableEntity, "bom")
		wantProblem(t, e.as(viewer, "GET", "/exports/claims.csv?limit=5", nil), http.StatusUnprocessableEntity, "limit")
		wantProblem(t, e.as(auditor, "GET", "/exports/audit.csv?from=yesterday", nil), http.StatusUnprocessableEntity, "from")
		wantProblem(t, e.as(auditor, "GET", "/exports/audit.csv?actor=user:007", nil), http.StatusUnprocessableEntity, "actor")
		wantProblem(t, e.as(auditor, "GET", "/exports/audit.csv?from=2026-12-02&to=2026-12-01", nil), http.StatusUnprocessableEntity, "to")
		wantProblem(t, e.as(auditor, "GET", "/api/v1/audit?from=2026-12-02&to=2026-12-02", nil), http.StatusUnprocessableEntity, "to")
	})
	t.Run("head", func(t *testing.T) {
		for _, path := range []string{"/exports/claims.csv", "/exports/audit.csv"} {
			w := e.as(admin, "HEAD", path, nil)
			wantStatus(t, w, http.StatusOK)
			if w.Body.Len() != 0 || w.Header().Get("Content-Length") != "" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") {
				t.Errorf("HEAD %s: %d bytes, headers %v", path, w.Body.Len(), w.Header())
			}
		}
	})
}

// TestExportStopsWhenTheClientLeaves reads the first rows of a large export from a real
// server, hangs up, and waits for the handler to finish: it must stop reading the chain,
// not run on to the end for nobody.
func TestExportStopsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const events = 60000 // more than the socket buffers hold, about 30 MB of CSV
	provtest.BulkAudit(t, e.db, events)
	var logs syncBuffer
	srv := e.server(func(d *verityhttp.Deps) { d.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	hr, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/exports/audit.csv", nil)
	hr.Header.Set("Authorization", "Bearer "+e.tokens[auditor])
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(resp.Body)
	for i := 0; i < 10 && lines.Scan(); i++ {
	}
	cancel()
	resp.Body.Close()
	// The request's log line comes when the handler returns; its byte count shows how far
	// it got.
	deadline := time.After(30 * time.Second)
	for {
		if line, ok := logs.requestLine("/exports/audit.csv"); ok {
			var rec struct {
				Status int   `json:"status"`
				Bytes  int64 `json:"bytes"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Status != 499 && rec.Status != http.StatusOK {
				t.Errorf("status %d", rec.Status)
			}
			full := int64(events) * 400 // each bulk event's row is over 400 bytes
			if rec.Bytes >= full {
				t.Errorf("the export ran to the end (%d bytes) for a client that left", rec.Bytes)
			}
			return
		}
		select {
		case <-deadline:
			t.Fatalf("the export did not stop; log:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// syncBuffer is a log sink that the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// requestLine returns the log line of the request to path, once there is one.
func (b *syncBuffer) requestLine(path string) (string, bool) {
	for line := range strings.Lines(b.String()) {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"path":"`+path+`"`) {
			return line, true
		}
	}
	return "", false
}
