package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"verity/http/export"
)

// TestExportAndVerifyCSV exports the seeded audit trail and claims from the command line
// and checks the audit file: whole, filtered (a gapped run), with a BOM, and changed.
func TestExportAndVerifyCSV(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "verity.db")
	if _, _, err := runCLI(t, "", "seed", "--db", db); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "audit.csv")
	_, stderr, err := runCLI(t, "", "export", "audit", "--db", db, "--out", file)
	if err != nil {
		t.Fatal(err)
	}
	// Not a terminal: no progress bar, only the summary.
	if !strings.HasPrefix(stderr, "wrote ") || strings.Contains(stderr, "exporting") {
		t.Errorf("stderr %q", stderr)
	}
	out, _, err := runCLI(t, "", "audit", "verify", "--csv", file)
	if err != nil || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "contiguous") || !strings.Contains(out, "starts at the chain's first event") {
		t.Fatalf("verify --csv: %v\n%s", err, out)
	}
	// The database's own verify names the same head.
	whole, _, err := runCLI(t, "", "audit", "verify", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Fields(whole)[len(strings.Fields(whole))-1]
	if !strings.HasSuffix(strings.TrimSpace(out), head) {
		t.Errorf("the file ends at another head than the database:\n%s\n%s", out, whole)
	}
	if _, _, err := runCLI(t, "", "audit", "verify", "--csv", file, "--head", head); err != nil {
		t.Errorf("--head of the file: %v", err)
	}

	gapped := filepath.Join(dir, "ones.csv")
	if _, _, err := runCLI(t, "", "export", "audit", "--db", db, "--out", gapped, "--entity-id", "1", "--bom"); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(gapped)
	if !strings.HasPrefix(string(raw), export.BOM) {
		t.Error("--bom wrote no byte order mark")
	}
	out, _, err = runCLI(t, "", "audit", "verify", "--csv", gapped)
	if err != nil || !strings.Contains(out, "gapped") {
		t.Errorf("a filtered export: %v\n%s", err, out)
	}

	// One changed letter in a cell the hash covers: exit 1, naming the event. Its seq is
	// read from the file, since every migration writes an event of its own before the seed's.
	body, _ := os.ReadFile(file)
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), export.BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seq := ""
	for _, r := range records[1:] {
		if strings.Contains(strings.Join(r, ","), "Financial Times") {
			seq = r[0]
			break
		}
	}
	changed := filepath.Join(dir, "changed.csv")
	os.WriteFile(changed, []byte(strings.Replace(string(body), "Financial Times", "Financial Tomes", 1)), 0o600)
	out, _, err = runCLI(t, "", "audit", "verify", "--csv", changed)
	if err == nil || exitCode(err) != exitFailure || seq == "" || !strings.Contains(out, "first broken seq: "+seq+"\n") {
		t.Errorf("a changed cell: %v (exit %d)\n%s", err, exitCode(err), out)
	}

	claimsFile := filepath.Join(dir, "claims.csv")
	if _, _, err := runCLI(t, "", "export", "claims", "--db", db, "--out", claimsFile, "--kind", "casualty_count"); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(claimsFile); !strings.Contains(string(raw), "at least 79 Afghans killed (as of 2021-08-26)") {
		t.Errorf("claims export:\n%s", raw)
	}

	for _, args := range [][]string{
		{"export", "claims", "--db", db, "--kind", "bogus"},
		{"export", "audit", "--db", db, "--from", "yesterday"},
		{"export", "audit", "--db", db, "--actor", "user:007"},
		{"export", "audit", "--db", db, "--from", "2026-12-02", "--to", "2026-12-01"},
		{"audit", "verify", "--csv", file, "--head", "zz"},
	} {
		if _, _, err := runCLI(t, "", args...); err == nil || exitCode(err) != exitUsage {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, _, err := runCLI(t, "", "audit", "verify", "--csv", filepath.Join(dir, "missing.csv")); err == nil || exitCode(err) != exitFailure {
		t.Errorf("a missing file: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		t.Errorf("files left behind: %v", entries)
	}
}
