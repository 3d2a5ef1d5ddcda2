package database

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// The hot reads (a page of claims, a claim's detail) scan tens of rows of twenty-odd
// columns per request, and bun scans each column by reflection: it makes every column a
// sql.Scanner of the model, looks the column up by name at every row, and walks the field
// by reflect. That was a third of the server's time on a listing. ScanPrepared scans those
// rows itself instead: the columns of a read are matched to the model's fields once per
// read, each field has a setter chosen once per model type from bun's own table (so the
// columns and their fields stay those of the bun tags, defined once), and a row is read
// into plain values (database/sql's fastest path) that each setter stores into its field.
// What the setters do not know how to store (JSON, scanners, other kinds) goes to the
// field's bun scanner, so every value ends as bun would have stored it.

// setter stores a column's value into its field of the struct at base; strct is that
// struct as a reflect value, for bun's scanners.
type setter func(strct reflect.Value, base unsafe.Pointer, src any) error

// structScanner holds the setter of each column of one model type.
type structScanner struct {
	columns map[string]setter
	// textTimes is Select's column list on SQLite, which reads the time columns as text.
	textTimes string
}

// scanners caches the structScanners by model type (*structScanner, nil for a model bun
// scans itself), in the DB (no package state). Every prepared read looks its model up, and
// a model is added once.
type scanners struct {
	byType sync.Map
}

var timeType = reflect.TypeFor[time.Time]()

var scannerType = reflect.TypeFor[sql.Scanner]()

// scannerOf returns the scanner of a model struct type, or nil when bun must scan it
// itself: a model with scan hooks.
func (db *DB) scannerOf(typ reflect.Type) *structScanner {
	if s, ok := db.scanners.byType.Load(typ); ok {
		return s.(*structScanner)
	}
	table := db.reader.Dialect().Tables().Get(typ)
	var s *structScanner
	if !table.HasBeforeScanRowHook() && !table.HasAfterScanRowHook() {
		s = &structScanner{columns: map[string]setter{}, textTimes: textTimesColumns(table)}
		for _, f := range table.Fields {
			s.columns[f.Name] = fieldSetter(f)
		}
	}
	stored, _ := db.scanners.byType.LoadOrStore(typ, s)
	return stored.(*structScanner)
}

// modelStruct returns the struct type of a model (a pointer to a struct, or to a slice of
// structs or of pointers to them), whether its rows are pointers, and ok false for any
// other model, which bun scans itself.
func modelStruct(model any) (strct reflect.Type, byPtr, ok bool) {
	typ := reflect.TypeOf(model)
	if typ == nil || typ.Kind() != reflect.Pointer {
		return nil, false, false
	}
	strct = typ.Elem()
	if strct.Kind() == reflect.Slice {
		strct = strct.Elem()
		if strct.Kind() == reflect.Pointer {
			strct, byPtr = strct.Elem(), true
		}
	}
	return strct, byPtr, strct.Kind() == reflect.Struct
}

// fieldSetter chooses how a field is stored. Each setter takes the values the drivers
// give for its kind and hands any other to bun's scanner of the field, which knows them all
// (or fails as bun would).
func fieldSetter(f *schema.Field) setter {
	bunScan := func(strct reflect.Value, _ unsafe.Pointer, src any) error { return f.ScanValue(strct, src) }
	typ := f.StructField.Type
	if len(f.Index) != 1 || f.Tag.HasOption("msgpack") || f.Tag.HasOption("json_use_number") ||
		typ.Implements(scannerType) {
		return bunScan
	}
	off := f.StructField.Offset
	if reflect.PointerTo(typ).Implements(scannerType) {
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			return reflect.NewAt(typ, unsafe.Add(base, off)).Interface().(sql.Scanner).Scan(src)
		}
	}
	switch {
	case typ == timeType:
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			if t, ok := timeValue(src); ok {
				*(*time.Time)(unsafe.Add(base, off)) = t
				return nil
			}
			return bunScan(strct, base, src)
		}
	case typ.Kind() == reflect.String:
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			if s, ok := stringValue(src); ok {
				*(*string)(unsafe.Add(base, off)) = s
				return nil
			}
			return bunScan(strct, base, src)
		}
	case isInt64(typ):
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			if n, ok := int64Value(src); ok {
				*(*int64)(unsafe.Add(base, off)) = n
				return nil
			}
			return bunScan(strct, base, src)
		}
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8:
		// A JSON column; an empty list, as most are, is the empty slice json.Unmarshal makes
		// of "[]", without running the decoder.
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			p := unsafe.Add(base, off)
			if s, ok := src.(string); ok && s == "[]" && reflect.NewAt(typ, p).Elem().IsNil() {
				reflect.NewAt(typ, p).Elem().Set(reflect.MakeSlice(typ, 0, 0))
				return nil
			}
			return bunScan(strct, base, src)
		}
	case typ.Kind() == reflect.Pointer && !typ.Elem().Implements(scannerType) && !reflect.PointerTo(typ.Elem()).Implements(scannerType):
		elem := typ.Elem()
		var store func(p unsafe.Pointer, src any) bool
		switch {
		case elem == timeType:
			store = func(p unsafe.Pointer, src any) bool {
				t, ok := timeValue(src)
				if ok {
					*(*time.Time)(p) = t
				}
				return ok
			}
		case elem.Kind() == reflect.String:
			store = func(p unsafe.Pointer, src any) bool {
				s, ok := stringValue(src)
				if ok {
					*(*string)(p) = s
				}
				return ok
			}
		case isInt64(elem):
			store = func(p unsafe.Pointer, src any) bool {
				n, ok := int64Value(src)
				if ok {
					*(*int64)(p) = n
				}
				return ok
			}
		default:
			return bunScan
		}
		return func(strct reflect.Value, base unsafe.Pointer, src any) error {
			field := (*unsafe.Pointer)(unsafe.Add(base, off))
			if src == nil {
				// As bun's pointer scanner does: a nil pointer stays nil, a set one is
				// pointed at a new zero value.
				if *field != nil {
					*field = reflect.New(elem).UnsafePointer()
				}
				return nil
			}
			v := *field
			if v == nil {
				v = reflect.New(elem).UnsafePointer()
			}
			if !store(v, src) {
				return bunScan(strct, base, src)
			}
			*field = v
			return nil
		}
	}
	return bunScan
}

func isInt64(typ reflect.Type) bool {
	k := typ.Kind()
	return (k == reflect.Int64 || k == reflect.Int) && typ.Size() == 8
}

func stringValue(src any) (string, bool) {
	switch v := src.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case nil:
		return "", true
	}
	return "", false
}

func int64Value(src any) (int64, bool) {
	switch v := src.(type) {
	case int64:
		return v, true
	case nil:
		return 0, true
	}
	return 0, false
}

func timeValue(src any) (time.Time, bool) {
	switch v := src.(type) {
	case time.Time:
		return v, true
	case string:
		return parseStoredTime(v)
	case nil:
		return time.Time{}, true
	}
	return time.Time{}, false
}

// parseStoredTime reads a time in the one format Verity stores on SQLite (storedTime, in
// UTC: "2006-01-02 15:04:05.999999+00:00"), as time.Parse with that layout would, which is
// how bun and the driver read it: in Local when Local is at offset zero then. Anything else
// is not ok, and goes to bun's parser. It is a fifth of the cost of time.Parse, which the
// driver calls twice per time column (its first layout is another).
func parseStoredTime(s string) (time.Time, bool) {
	n := len(s)
	if n < len("2006-01-02 15:04:05+00:00") || s[n-6:] != "+00:00" ||
		s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		v := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : n-6]; frac != "" {
		digits := len(frac) - 1
		if frac[0] != '.' || digits < 1 || digits > 9 {
			return time.Time{}, false
		}
		v, ok := num(20, n-6)
		if !ok {
			return time.Time{}, false
		}
		for range 9 - digits {
			v *= 10
		}
		nsec = v
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 ||
		day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).In(time.Local)
	if _, offset := t.Zone(); offset != 0 {
		return time.Time{}, false // time.Parse gives a fixed zone then; let it
	}
	return t, true
}

// scanRows scans rows into dest, a pointer to a model struct or to a slice of them (or of
// pointers to them), as q's model would, and returns how many rows there were. A read with
// a column that is not a field of the model (a relation's) is scanned by bun.
func (s Scope) scanRows(ctx context.Context, q *bun.SelectQuery, rows *sql.Rows, dest any) (int, error) {
	strctType, byPtr, ok := modelStruct(dest)
	if !ok || reflect.ValueOf(dest).IsNil() {
		return q.GetModel().ScanRows(ctx, rows)
	}
	target := reflect.ValueOf(dest).Elem()
	sc := s.db.scannerOf(strctType)
	if sc == nil {
		return q.GetModel().ScanRows(ctx, rows)
	}
	columns, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	setters := make([]setter, len(columns))
	for i, c := range columns {
		if setters[i] = sc.columns[c]; setters[i] == nil {
			return q.GetModel().ScanRows(ctx, rows)
		}
	}
	values := make([]any, len(columns))
	into := make([]any, len(columns))
	for i := range values {
		into[i] = &values[i]
	}
	fill := func(strct reflect.Value) error {
		if err := rows.Scan(into...); err != nil {
			return err
		}
		base := strct.Addr().UnsafePointer()
		for i, set := range setters {
			if err := set(strct, base, values[i]); err != nil {
				return err
			}
		}
		return nil
	}
	n := 0
	if target.Kind() == reflect.Struct {
		// As bun does for one struct: the first row, and the others counted.
		for rows.Next() {
			if n == 0 {
				if err := fill(target); err != nil {
					return 0, err
				}
			}
			n++
		}
		return n, rows.Err()
	}
	target.SetLen(0)
	for rows.Next() {
		var strct reflect.Value
		if byPtr {
			p := reflect.New(strctType)
			strct = p.Elem()
			if err := fill(strct); err != nil {
				return 0, err
			}
			target.Set(reflect.Append(target, p))
		} else {
			target.Set(reflect.Append(target, reflect.Zero(strctType)))
			if err := fill(target.Index(target.Len() - 1)); err != nil {
				return 0, err
			}
		}
		n++
	}
	return n, rows.Err()
}

// Select starts a read of model's table (a pointer to a model struct or to a slice) for
// ScanPrepared: bun's select of the model, with its columns, except that on SQLite a time
// column is read as an expression (+column), which the driver hands over as text instead
// of parsing it by its declared type; the scanner parses the stored format itself
// (parseStoredTime), for a fifth of the cost. The columns are those of the bun tags.
func (s Scope) Select(model any) *bun.SelectQuery {
	q := s.Read().NewSelect().Model(model)
	if s.db.dialect != SQLite {
		return q
	}
	typ, _, ok := modelStruct(model)
	if !ok {
		return q
	}
	sc := s.db.scannerOf(typ)
	if sc == nil || sc.textTimes == "" {
		return q
	}
	// Handed over as a safe value: bun would otherwise scan the whole list for placeholders
	// at every read.
	return q.ColumnExpr("?", bun.Safe(sc.textTimes))
}

// textTimesColumns is Select's column list for SQLite: every column of the table under
// its alias, the time columns as +column; "" when the table has no time column.
func textTimesColumns(table *schema.Table) string {
	times := false
	cols := make([]string, len(table.Fields))
	for i, f := range table.Fields {
		cols[i] = string(table.SQLAlias) + "." + string(f.SQLName)
		if f.IndirectType == timeType {
			cols[i], times = SQLite.TimeColumn(cols[i])+" AS "+string(f.SQLName), true
		}
	}
	if !times {
		return ""
	}
	return strings.Join(cols, ", ")
}
