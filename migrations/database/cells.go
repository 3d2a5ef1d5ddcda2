package database

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"verity/claims/fault"
)

// The scanners below read a column straight into a typed destination, for the hand-written
// scans of the reads that return many rows (an export's chunks): bun finds each field by
// reflection, and database/sql itself converts an integer into an *int64 by formatting it
// as text and parsing it back. A sql.Scanner is asked first and does neither.

// Int scans an integer column into p.
func Int[T ~int | ~int64](p *T) sql.Scanner { return intCell[T]{p} }

// NullInt scans a nullable integer column into p: nil for NULL, or a new value.
func NullInt[T ~int | ~int64](p **T) sql.Scanner { return nullIntCell[T]{p} }

// NullText scans a nullable text column into p: nil for NULL, or a new value.
func NullText[T ~string](p **T) sql.Scanner { return nullTextCell[T]{p} }

// NullTime scans a nullable time column into p: nil for NULL, or a new value.
func NullTime(p **time.Time) sql.Scanner { return nullTimeCell{p} }

type intCell[T ~int | ~int64] struct{ p *T }

func (c intCell[T]) Scan(src any) error {
	v, err := intOf(src)
	*c.p = T(v)
	return err
}

type nullIntCell[T ~int | ~int64] struct{ p **T }

func (c nullIntCell[T]) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	v, err := intOf(src)
	t := T(v)
	*c.p = &t
	return err
}

func intOf(src any) (int64, error) {
	switch v := src.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case string:
		return strconv.ParseInt(v, 10, 64)
	case []byte:
		return strconv.ParseInt(string(v), 10, 64)
	}
	return 0, fmt.Errorf("cannot read %T as an integer", src)
}

type nullTextCell[T ~string] struct{ p **T }

func (c nullTextCell[T]) Scan(src any) error {
	var t T
	switch v := src.(type) {
	case nil:
		*c.p = nil
		return nil
	case string:
		t = T(v)
	case []byte:
		t = T(v)
	default:
		return fmt.Errorf("cannot read %T as text", src)
	}
	*c.p = &t
	return nil
}

type nullTimeCell struct{ p **time.Time }

func (c nullTimeCell) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var t time.Time
	if err := Time(&t).Scan(src); err != nil {
		return err
	}
	*c.p = &t
	return nil
}

// Time scans a time column into p: a time the driver read as one, or the text bun writes
// on SQLite (storedTime), which a column named with Dialect.TimeColumn hands over.
func Time(p *time.Time) sql.Scanner { return timeCell{p} }

type timeCell struct{ p *time.Time }

func (c timeCell) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.p = v
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("cannot read %T as a time", src)
}

// parse reads the stored text s: in one pass when it is as Verity stores it, through
// time.Parse (and its error) otherwise.
func (c timeCell) parse(s string) error {
	if t, ok := parseStoredTime(s); ok {
		*c.p = t
		return nil
	}
	t, err := time.Parse(storedTime, s)
	*c.p = t
	return err
}

// TimeColumn returns how a read scanned with Time or NullTime names the time column col. On
// SQLite it is the expression +col, which is col's text unchanged but has no declared type,
// so that the driver hands the text over as it is: the driver would parse a TIMESTAMP
// column itself, trying first a layout that never matches what bun stores and only then
// the right one, a tenth of a claims export's time; parseStoredTime reads it in one pass.
// Select reads a model's time columns so too.
func (d Dialect) TimeColumn(col string) string {
	if d == SQLite {
		return "+" + col
	}
	return col
}

// QueryAmong runs query, a read whose text holds one %s where the condition on column col
// belongs, for the rows whose col is among ids (distinct, in any order): the lookups of an
// export's chunk, which name a thousand claims at once. When the ids are dense, spanning
// at most twice their number (as a chunk of claims in id order does unless a filter thins
// it out), the condition is the range col >= $1 AND col <= $2: one statement, prepared
// once per connection, that walks the index between the two ids, where a list of a
// thousand ids was parsed anew for every chunk and looked up one by one. The range may
// also return rows of ids between the two that are not among ids: the caller ignores them.
// Sparse ids are written out as col IN (…), parsed each time.
func (s Scope) QueryAmong(ctx context.Context, query, col string, ids []int64) (*sql.Rows, error) {
	if len(ids) == 0 {
		return nil, fault.New(fault.Internal, "QueryAmong needs at least one id")
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	if hi-lo < 2*int64(len(ids)) {
		d := s.db.dialect
		return s.QueryPrepared(ctx, fmt.Sprintf(query, col+" >= "+d.Param(1)+" AND "+col+" <= "+d.Param(2)), lo, hi)
	}
	var list strings.Builder
	list.WriteString(col + " IN (")
	for i, id := range ids {
		if i > 0 {
			list.WriteByte(',')
		}
		list.WriteString(strconv.FormatInt(id, 10))
	}
	list.WriteByte(')')
	return s.Read().QueryContext(ctx, fmt.Sprintf(query, list.String()))
}
