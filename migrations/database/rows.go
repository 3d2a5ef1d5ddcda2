package database

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun/schema"

	"verity/claims/fault"
)

// InsertPrepared inserts model, a pointer to a bun model struct, as tx.NewInsert().Model(model)
// would, through a statement prepared on the writer: the columns come from the model's bun
// table, the values are parameters. A zero autoincrement key is left to the database and
// read back into the model. It is for the rows the hot writes insert (a claim, a citation,
// evidence, a review event), whose inserts bun would spell with their values inlined, so
// that SQLite parsed each one anew while every other writer waited.
func (tx *Tx) InsertPrepared(ctx context.Context, model any) error {
	strct, table, err := tx.modelTable(model)
	if err != nil {
		return err
	}
	var cols, marks strings.Builder
	var args []any
	var returning []*schema.Field
	for _, f := range table.Fields {
		fv := strct.FieldByIndex(f.Index)
		if f.NotNull && ((f.IsPtr && fv.IsNil()) || (f.NullZero && f.IsZero(fv))) {
			// As bun does: a NOT NULL column given no value gets the database's default
			// (the next id, for an autoincrement key), read back below.
			returning = append(returning, f)
			continue
		}
		arg, err := fieldArg(f, fv)
		if err != nil {
			return err
		}
		args = append(args, arg)
		if len(args) > 1 {
			cols.WriteString(", ")
			marks.WriteString(", ")
		}
		cols.WriteString(string(f.SQLName))
		fmt.Fprintf(&marks, "$%d", len(args))
	}
	query := "INSERT INTO " + string(table.SQLName) + " (" + cols.String() + ") VALUES (" + marks.String() + ")"
	if len(returning) == 0 {
		_, err := tx.ExecPrepared(ctx, query, args...)
		return err
	}
	dest := make([]any, len(returning))
	for i, f := range returning {
		if i == 0 {
			query += " RETURNING "
		} else {
			query += ", "
		}
		query += string(f.SQLName)
		dest[i] = &returned{f: f, strct: strct}
	}
	return tx.QueryRowPrepared(ctx, query, args...).Scan(dest...)
}

// UpdatePrepared updates every column of model, a pointer to a bun model struct, by its
// primary key, as tx.NewUpdate().Model(model).WherePK() would, through a statement prepared
// on the writer. It returns NotFound when no row has the key.
func (tx *Tx) UpdatePrepared(ctx context.Context, model any) error {
	return tx.update(ctx, nil, model)
}

// UpdateChangedPrepared updates model, a pointer to a bun model struct read as old (of the
// same type), by its primary key: only the columns whose values differ from old's are set.
// The row ends as UpdatePrepared would leave it, but SQLite maintains only the indexes and
// triggers of the columns set: a transition that names every column in its SET rewrote all
// eight indexes of a claim and its full-text entry (the trigger fires on UPDATE OF quote,
// text), for a change of stage and version. With nothing changed it does nothing.
func (tx *Tx) UpdateChangedPrepared(ctx context.Context, old, model any) error {
	if reflect.TypeOf(old) != reflect.TypeOf(model) {
		return fmt.Errorf("a changed-column update compares two models of one type, not %T and %T", old, model)
	}
	return tx.update(ctx, old, model)
}

func (tx *Tx) update(ctx context.Context, old, model any) error {
	strct, table, err := tx.modelTable(model)
	if err != nil {
		return err
	}
	if len(table.PKs) == 0 {
		return fmt.Errorf("update %s: the model has no primary key", table.Name)
	}
	var before reflect.Value
	if old != nil {
		if before, _, err = tx.modelTable(old); err != nil {
			return err
		}
	}
	var b strings.Builder
	b.WriteString("UPDATE " + string(table.SQLName) + " SET ")
	args := make([]any, 0, len(table.Fields))
	for _, f := range table.DataFields {
		arg, err := fieldArg(f, strct.FieldByIndex(f.Index))
		if err != nil {
			return err
		}
		if old != nil {
			was, err := fieldArg(f, before.FieldByIndex(f.Index))
			if err != nil {
				return err
			}
			if sameArg(was, arg) {
				continue
			}
		}
		args = append(args, arg)
		if len(args) > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = $%d", f.SQLName, len(args))
	}
	if len(args) == 0 {
		return nil // nothing changed
	}
	for i, f := range table.PKs {
		arg, err := fieldArg(f, strct.FieldByIndex(f.Index))
		if err != nil {
			return err
		}
		args = append(args, arg)
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		fmt.Fprintf(&b, "%s = $%d", f.SQLName, len(args))
	}
	res, err := tx.ExecPrepared(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fault.New(fault.NotFound, "no %s row has the key", table.Name)
	}
	return nil
}

func (tx *Tx) modelTable(model any) (reflect.Value, *schema.Table, error) {
	v := reflect.ValueOf(model)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, fmt.Errorf("a prepared insert or update takes a pointer to a model struct, not %T", model)
	}
	strct := v.Elem()
	return strct, tx.Dialect().Tables().Get(strct.Type()), nil
}

// fieldArg is the parameter that stores a field's value as bun's appenders would write it:
// NULL for a nil pointer or a zero nullzero field, JSON text for a JSON column (and for
// slices, maps and structs, which bun stores as JSON), the value itself otherwise (times
// are written as bun writes them by the statement's conversion, convertArgs).
func fieldArg(f *schema.Field, fv reflect.Value) (any, error) {
	if (f.IsPtr && fv.IsNil()) || (f.NullZero && f.IsZero(fv)) {
		return nil, nil
	}
	if fv.Kind() == reflect.Pointer {
		fv = fv.Elem()
	}
	if v, ok := fv.Interface().(driver.Valuer); ok {
		return v.Value()
	}
	if t, ok := fv.Interface().(time.Time); ok {
		return t, nil
	}
	asJSON := strings.EqualFold(f.UserSQLType, "json") || strings.EqualFold(f.UserSQLType, "jsonb")
	switch fv.Kind() {
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Uint8 && !asJSON {
			return fv.Bytes(), nil
		}
		asJSON = true
	case reflect.Map, reflect.Struct, reflect.Array:
		asJSON = true
	}
	if asJSON {
		raw, err := json.Marshal(fv.Interface())
		if err != nil {
			return nil, fmt.Errorf("encode %s as JSON: %w", f.Name, err)
		}
		return string(raw), nil
	}
	switch fv.Kind() {
	case reflect.String:
		return fv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(fv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return fv.Float(), nil
	case reflect.Bool:
		return fv.Bool(), nil
	}
	return nil, fmt.Errorf("a prepared statement cannot store %s (%s)", f.Name, fv.Type())
}

// sameArg reports whether two parameters store the same value.
func sameArg(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// returned scans a column of RETURNING into its field, as bun scans it.
type returned struct {
	f     *schema.Field
	strct reflect.Value
}

func (r *returned) Scan(src any) error { return r.f.ScanValue(r.strct, src) }
