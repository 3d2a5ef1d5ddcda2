package export_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"strings"
	"testing"

	"verity/http/export"
)

// writeRead writes the records through CSVWriter and reads them back through CSVReader.
func writeRead(t testing.TB, bom bool, records ...[]string) (string, [][]string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := export.NewCSVWriter(&buf, bom)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	r, err := export.NewCSVReader(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("read back %q: %v", raw, err)
	}
	got := [][]string{append([]string(nil), r.Header()...)}
	for {
		rec, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read back %q: %v", raw, err)
		}
		got = append(got, rec)
	}
	return raw, got
}

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, cell string }{
		{"plain", "plain"},
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+44 20", "'+44 20"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\nx"},
		{"\nx", "'\nx"},
		{"'quoted", "''quoted"},
		{"''", "'''"},
		{"a=b", "a=b"},
		{"line\r\nbreak\rhere", "line\nbreak\nhere"},
		{" =leading space", " =leading space"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := export.Neutralize(tt.in); got != tt.cell {
				t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.cell)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(tt.in, "\r\n", "\n"), "\r", "\n")
			if got := export.Restore(tt.cell); got != want {
				t.Errorf("Restore(%q) = %q, want %q", tt.cell, got, want)
			}
		})
	}
}

// TestCSVRoundTrip: commas, quotes, line breaks and formulas inside cells come back as they
// went in, and a plain CSV reader sees them neutralised.
func TestCSVRoundTrip(t *testing.T) {
	records := [][]string{
		{"a", "b", "c"},
		{`say "hi", then leave`, "two\nlines", "=HYPERLINK(\"http://evil\")"},
		{"'already quoted", "-1", "Kabul, 26 August — «at least» 79"},
	}
	for _, bom := range []bool{false, true} {
		raw, got := writeRead(t, bom, records...)
		if strings.HasPrefix(raw, export.BOM) != bom {
			t.Errorf("bom %v: file starts %q", bom, raw[:min(len(raw), 8)])
		}
		if !strings.HasSuffix(raw, "\r\n") {
			t.Errorf("records do not end in CRLF: %q", raw)
		}
		for i := range records {
			for j := range records[i] {
				if got[i][j] != records[i][j] {
					t.Errorf("bom %v: cell %d,%d = %q, want %q", bom, i, j, got[i][j], records[i][j])
				}
			}
		}
		// A spreadsheet (or any CSV reader) sees the neutralised cell, never a formula.
		plain, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, export.BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if plain[1][2] != `'=HYPERLINK("http://evil")` || plain[2][0] != "''already quoted" || plain[2][1] != "'-1" {
			t.Errorf("bom %v: cells as a plain reader sees them: %q", bom, plain)
		}
	}
}

func TestCSVReaderRefusesRaggedRows(t *testing.T) {
	r, err := export.NewCSVReader(strings.NewReader("a,b\r\n1,2\r\n3\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Read(); err == nil {
		t.Error("a record with too few fields was read")
	}
	if _, err := export.NewCSVReader(strings.NewReader("")); err == nil {
		t.Error("an empty file has a header")
	}
}

// FuzzCSVCell proves that the cell writer round-trips: any string written as a cell (between
// others, with and without a BOM; invalid UTF-8 too) reads back as itself, line breaks as
// LF, and is never read by a plain CSV reader as a cell that starts a formula. Run it with
// go test -run '^$' -fuzz FuzzCSVCell -fuzztime 5m ./http/export/ (corpus in testdata).
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "'=1", "''", "-", "@", "\t", "\r", "\r\n", "a\r\nb", "\"", "\",\"", "x\n", "\n=", " \"q\" ", "é,\"\n\"", "\uFEFF=x"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, bom bool) {
		raw, got := writeRead(t, bom, []string{"h1", "h2", "h3"}, []string{"before", s, "after"}, []string{s, s, s})
		want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		if len(got) != 3 {
			t.Fatalf("%q: read %d records from %q", s, len(got), raw)
		}
		if g := got[1]; g[0] != "before" || g[1] != want || g[2] != "after" {
			t.Fatalf("cell %q between others read back as %q (file %q)", s, g, raw)
		}
		for _, cell := range got[2] {
			if cell != want {
				t.Fatalf("cell %q read back as %q (file %q)", s, cell, raw)
			}
		}
		plain, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, export.BOM))).ReadAll()
		if err != nil {
			t.Fatalf("plain reader: %v on %q", err, raw)
		}
		for _, rec := range plain[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r\n", rune(cell[0])) {
					t.Fatalf("cell %q is written as %q, which a spreadsheet may run", s, cell)
				}
			}
		}
	})
}

// FuzzCSVWriterMatchesEncodingCSV: CSVWriter writes byte for byte what encoding/csv's
// Writer (CRLF line endings) writes of the neutralised cells, which the exports' files were
// written with before, so that files stay the same. Run it with go test -run '^$' -fuzz
// FuzzCSVWriterMatchesEncodingCSV -fuzztime 5m ./http/export/.
func FuzzCSVWriterMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "'=1", "-", "\t", "\r", "\r\n", "a\r\nb", "a\rb", "\"", "\",\"", "x\n", " lead", "\v", "\u00a0x", "\u0085", `\.`, `\.x`, "é,\"\n\"", "\xff\xfe", "a,b"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		records := [][]string{{a, b, a}, {""}, {b}, {a + b, b + a}}
		var got bytes.Buffer
		w, err := export.NewCSVWriter(&got, false)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.UseCRLF = true
		for _, rec := range records {
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			cells := make([]string, len(rec))
			for i, c := range rec {
				cells[i] = export.Neutralize(c)
			}
			if err := cw.Write(cells); err != nil {
				t.Fatal(err)
			}
		}
		cw.Flush()
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("cells %q, %q: wrote %q, encoding/csv writes %q", a, b, got.Bytes(), want.Bytes())
		}
	})
}

// StreamCSV reads the first row before it opens anything, so that a refused filter leaves no
// output, and a nil writer (a HEAD) stops it there.
func TestStreamCSVOpensOnlyAfterTheFirstRow(t *testing.T) {
	rows := func(err error, n int) iter.Seq2[string, error] {
		return func(yield func(string, error) bool) {
			if err != nil {
				yield("", err)
				return
			}
			for i := range n {
				if !yield(strings.Repeat("x", i+1), nil) {
					return
				}
			}
		}
	}
	record := func(r *export.Record, s string) { r.Text(s) }
	refused := errors.New("refused")
	opened := false
	open := func() (io.Writer, error) { opened = true; return io.Discard, nil }
	if _, err := export.StreamCSV(rows(refused, 0), []string{"h"}, record, false, open, nil); err != refused || opened {
		t.Errorf("first row refused: err %v, opened %v", err, opened)
	}
	if n, err := export.StreamCSV(rows(nil, 3), []string{"h"}, record, false, func() (io.Writer, error) { return nil, nil }, nil); n != 0 || err != nil {
		t.Errorf("nil writer: %d rows, %v", n, err)
	}
	var buf bytes.Buffer
	var seen []int64
	n, err := export.StreamCSV(rows(nil, 3), []string{"h"}, record, false, func() (io.Writer, error) { return &buf, nil }, func(n int64) { seen = append(seen, n) })
	if n != 3 || err != nil || buf.String() != "h\r\nx\r\nxx\r\nxxx\r\n" || len(seen) != 3 || seen[2] != 3 {
		t.Errorf("streamed %d rows, %v: %q, each %v", n, err, buf.String(), seen)
	}
}
