package database_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// TestScanPreparedScansAsBun reads rows with a field of every sort through ScanPrepared,
// built with Select, into each kind of destination, and checks that every field holds what
// bun's own scan of the same rows leaves there, times to their location; and that a read
// with a relation's columns, which bun scans, does too.
func TestScanPreparedScansAsBun(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	createStoredRows(t, db)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 15, 4, 5, 123456000, time.UTC)
	whole := time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC)
	ref, label, ratio := int64(1), rowStage("pending"), 2.5
	rows := []storedRow{
		{At: at, Items: []rowItem{}},
		{
			Name: `quote "and" <tag> & 'apostrophe' ü`, Stage: "open", Count: -3, Ratio: ratio, Ref: &ref, Label: &label,
			At: whole, Done: &at, Items: []rowItem{{Value: &ratio, Unit: "people <killed>"}, {Unit: "x"}},
			Note: "a note", Content: []byte{0, 1, 2, 255}, Flag: true,
		},
		{Name: "nil items", At: at},
	}
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		for i := range rows {
			if err := tx.InsertPrepared(ctx, &rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	scope := db.Scope()

	t.Run("slice of structs", func(t *testing.T) {
		var want, got []storedRow
		if err := db.Reader().NewSelect().Model(&want).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if err := scope.ScanPrepared(ctx, scope.Select(&got).Order("id"), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) || !reflect.DeepEqual(got, want) {
			t.Fatalf("ScanPrepared read\n%#v\nbun read\n%#v", got, want)
		}
	})
	t.Run("slice of pointers", func(t *testing.T) {
		var want, got []*storedRow
		if err := db.Reader().NewSelect().Model(&want).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		got = []*storedRow{{Name: "left over"}}
		if err := scope.ScanPrepared(ctx, scope.Select(&got).Order("id"), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) || !reflect.DeepEqual(got, want) {
			t.Fatalf("ScanPrepared read\n%#v\nbun read\n%#v", got, want)
		}
	})
	t.Run("one struct", func(t *testing.T) {
		for _, r := range rows {
			var want, got storedRow
			if err := db.Reader().NewSelect().Model(&want).Where("id = ?", r.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if err := scope.ScanPrepared(ctx, scope.Select(&got).Where("id = ?", scope.Param(1)), &got, r.ID); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ScanPrepared read\n%#v\nbun read\n%#v", got, want)
			}
			if !got.At.Equal(r.At) {
				t.Fatalf("read at %v, stored %v", got.At, r.At)
			}
		}
		var none storedRow
		err := scope.ScanPrepared(ctx, scope.Select(&none).Where("id = ?", scope.Param(1)), &none, int64(999))
		if err == nil {
			t.Fatal("a missing row scanned without error")
		}
	})
	t.Run("with a relation", func(t *testing.T) {
		var want, got []storedRow
		if err := db.Reader().NewSelect().Model(&want).Relation("Relation").Order("stored_row.id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		q := scope.Read().NewSelect().Model(&got).Relation("Relation").Order("stored_row.id")
		if err := scope.ScanPrepared(ctx, q, &got); err != nil {
			t.Fatal(err)
		}
		if want[1].Relation == nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ScanPrepared read\n%#v\nbun read\n%#v", got, want)
		}
	})
	t.Run("into another variable than the query's model", func(t *testing.T) {
		var model, other []storedRow
		err := scope.ScanPrepared(ctx, scope.Select(&model).Order("id"), &other)
		if !fault.Is(err, fault.Internal) || len(model)+len(other) != 0 {
			t.Fatalf("err = %v with %d and %d rows read; want internal, nothing read", err, len(model), len(other))
		}
	})
	t.Run("a model that is no struct", func(t *testing.T) {
		var ids []int64
		q := scope.Select(&ids).Table("stored_rows").Column("id").Order("id")
		if err := scope.ScanPrepared(ctx, q, &ids); err != nil || len(ids) != len(rows) {
			t.Fatalf("ids = %v, %v; want %d", ids, err, len(rows))
		}
	})
}
