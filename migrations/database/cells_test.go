package database_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// TestScannersReadWhatBunReads reads rows bun wrote, NULLs and all, through the hand-written
// scanners and through bun, which must agree.
func TestScannersReadWhatBunReads(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	createStoredRows(t, db)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 15, 4, 5, 123456000, time.UTC)
	ref, label := int64(7), rowStage("pending")
	written := []storedRow{
		{Name: "zero", At: at, Items: []rowItem{}},
		{Name: "full", Stage: "open", Count: -3, Ref: &ref, Label: &label, At: at, Done: &at, Items: []rowItem{}},
	}
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.NewInsert().Model(&written).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var viaBun []storedRow
	if err := db.Reader().NewSelect().Model(&viaBun).Column("id", "name", "stage", "count", "ref", "label", "at", "done").Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// The times twice: as the driver reads the columns, and as their text (TimeColumn).
	d := db.Dialect()
	rows, err := db.Reader().QueryContext(ctx, "SELECT id, name, stage, count, ref, label, at, done, "+d.TimeColumn("at")+", "+d.TimeColumn("done")+" FROM stored_rows ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var r, text storedRow
	dest := []any{database.Int(&r.ID), &r.Name, (*string)(&r.Stage), database.Int(&r.Count), database.NullInt(&r.Ref),
		database.NullText(&r.Label), database.Time(&r.At), database.NullTime(&r.Done), database.Time(&text.At), database.NullTime(&text.Done)}
	var viaScanners []storedRow
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		viaScanners = append(viaScanners, r)
		if !text.At.Equal(r.At) || (text.Done == nil) != (r.Done == nil) || (r.Done != nil && !text.Done.Equal(*r.Done)) {
			t.Errorf("row %d: the times' text reads %v, %v; the driver's times %v, %v", r.ID, text.At, text.Done, r.At, r.Done)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(viaScanners) != len(viaBun) {
		t.Fatalf("read %d rows, bun %d", len(viaScanners), len(viaBun))
	}
	for i, b := range viaBun {
		s := viaScanners[i]
		same := s.ID == b.ID && s.Name == b.Name && s.Stage == b.Stage && s.Count == b.Count &&
			(s.Ref == nil) == (b.Ref == nil) && (s.Ref == nil || *s.Ref == *b.Ref) &&
			(s.Label == nil) == (b.Label == nil) && (s.Label == nil || *s.Label == *b.Label) &&
			s.At.Equal(b.At) && (s.Done == nil) == (b.Done == nil) && (s.Done == nil || s.Done.Equal(*b.Done))
		if !same {
			t.Errorf("row %d: scanned %+v, bun read %+v", i, s, b)
		}
	}
	if viaScanners[0].Ref != nil || viaScanners[1].Ref == &ref || viaScanners[1].Ref == viaScanners[0].Ref {
		t.Error("a NULL is not nil, or rows share a value")
	}
}

// TestQueryAmong reads dense ids by a range (the ids between them too, which callers
// ignore) and sparse ones by a list (those alone).
func TestQueryAmong(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	createStoredRows(t, db)
	ctx := context.Background()
	var written []storedRow
	for range 20 {
		written = append(written, storedRow{At: time.Now(), Items: []rowItem{}})
	}
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.NewInsert().Model(&written).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ids ...int64) []int64 {
		t.Helper()
		rows, err := db.Scope().QueryAmong(ctx, "SELECT id FROM stored_rows WHERE %s ORDER BY id", "id", ids)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id sql.NullInt64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id.Int64)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := read(5, 3, 6); !slices.Equal(got, []int64{3, 4, 5, 6}) {
		t.Errorf("dense 5, 3, 6: read %v", got)
	}
	if got := read(2, 19, 11); !slices.Equal(got, []int64{2, 11, 19}) {
		t.Errorf("sparse 2, 19, 11: read %v", got)
	}
	if _, err := db.Scope().QueryAmong(ctx, "SELECT id FROM stored_rows WHERE %s", "id", nil); err == nil {
		t.Error("no ids: no error")
	}
}
