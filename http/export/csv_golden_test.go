package export_test

import (
	"bytes"
	"context"
	"iter"
	"testing"

	"verity/http/export"
	"verity/provenance"
	"verity/provenance/audit"
)

// goldenCSV writes rows as the exports do and compares the file with testdata/name (see
// compareGolden).
func goldenCSV[T any](t *testing.T, name string, header []string, rows iter.Seq2[T, error], record func(*export.Record, T)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := export.NewCSVWriter(&buf, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(header); err != nil {
		t.Fatal(err)
	}
	var rec export.Record
	for row, err := range rows {
		if err != nil {
			t.Fatal(err)
		}
		record(&rec, row)
		if err := w.WriteRecord(&rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return compareGolden(t, name, buf.Bytes())
}

// TestGoldenCSVExports pins both exports of the seeded article after a review, on a
// stepping clock, so that times and hashes are the same on every run and on both
// databases: the audit trail of the review (the events after the seed) and every claim of
// the seed, the reviewed one among them.
func TestGoldenCSVExports(t *testing.T) {
	db, _ := reviewedSeed(t)
	ctx := context.Background()
	st := provenance.NewStore(db)
	var afterSeed int64
	for e, err := range st.ExportAudit(ctx, provenance.AuditFilter{Filter: audit.Filter{Action: "citation.create"}}) {
		if err != nil {
			t.Fatal(err)
		}
		afterSeed = e.Seq // the seed's citations are its last events
	}
	file := goldenCSV(t, "audit-review.csv", export.AuditColumns,
		st.ExportAudit(ctx, provenance.AuditFilter{Filter: audit.Filter{AfterSeq: afterSeed}}), export.Strings(export.AuditRecord))
	events, err := export.ReadAuditCSV(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := audit.CheckRun(events, ""); err != nil || !r.OK || !r.Contiguous || r.FromGenesis {
		t.Errorf("the golden audit file: %+v, %v", r, err)
	}
	goldenCSV(t, "claims.csv", export.ClaimColumns, st.ExportClaims(ctx, provenance.ClaimFilter{}), export.ClaimRecord)
}
