package export_test

import (
	"bytes"
	"context"
	"iter"
	"slices"
	"testing"

	"verity/claims"
	"verity/http/export"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/audit"
	"verity/seeds"
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

// claimLines writes each row of a claims export as CSV on its own, by claim id.
func claimLines(t *testing.T, rows iter.Seq2[*provenance.ClaimRow, error]) (map[int64]string, []int64) {
	t.Helper()
	out := map[int64]string{}
	var ids []int64
	var rec export.Record
	for row, err := range rows {
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, err := export.NewCSVWriter(&buf, false)
		if err != nil {
			t.Fatal(err)
		}
		export.ClaimRecord(&rec, row)
		if err := w.WriteRecord(&rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		out[row.Claim.ID] = buf.String()
		ids = append(ids, row.Claim.ID)
	}
	return out, ids
}

// TestClaimsExportReadsAgree: the export of every claim reads its chunks by hand, and its
// lookups by ranges of ids; a filtered one reads its claims through FindClaims, and looks up
// a sparse chunk's by lists of ids. Both write the same row for a claim.
func TestClaimsExportReadsAgree(t *testing.T) {
	ctx := context.Background()
	t.Run("seed", func(t *testing.T) {
		db, _ := reviewedSeed(t)
		a, err := claims.NewStore(db).FindArticleBySlug(ctx, seeds.Slug)
		if err != nil {
			t.Fatal(err)
		}
		st := provenance.NewStore(db)
		every, ids := claimLines(t, st.ExportClaims(ctx, provenance.ClaimFilter{}))
		filtered, fids := claimLines(t, st.ExportClaims(ctx, provenance.ClaimFilter{Filter: claims.Filter{ArticleID: a.ID}}))
		if !slices.Equal(ids, fids) || len(ids) < 2 {
			t.Fatalf("the article's claims %v, every claim %v", fids, ids)
		}
		for _, id := range ids {
			if every[id] != filtered[id] {
				t.Errorf("claim %d: every claim's export writes\n%q\nthe article's\n%q", id, every[id], filtered[id])
			}
		}
	})
	t.Run("chunks", func(t *testing.T) {
		db := dbtest.Open(t)
		benchClaimsFixture(t, db, 2*provenance.ExportChunk+500)
		st := provenance.NewStore(db)
		every, ids := claimLines(t, st.ExportClaims(ctx, provenance.ClaimFilter{}))
		if len(ids) != 2*provenance.ExportChunk+500 {
			t.Fatalf("exported %d claims", len(ids))
		}
		// Every fourth claim is in review: a chunk spanning four times its claims.
		filtered, fids := claimLines(t, st.ExportClaims(ctx, provenance.ClaimFilter{Filter: claims.Filter{Stage: claims.StageInReview}}))
		if len(fids) != len(ids)/4 {
			t.Fatalf("exported %d claims in review, want %d", len(fids), len(ids)/4)
		}
		for _, id := range fids {
			if every[id] != filtered[id] {
				t.Errorf("claim %d: every claim's export writes\n%q\nthe filtered one\n%q", id, every[id], filtered[id])
			}
		}
	})
}
