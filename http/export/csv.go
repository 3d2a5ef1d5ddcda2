package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"verity/claims/text"
)

// The CSV exports are RFC 4180 as encoding/csv writes it: UTF-8, CRLF between records, a field
// quoted when it holds a comma, a quote or a line break. Two rules of Verity's own sit on top,
// both applied by CSVWriter to every cell and undone by CSVReader:
//
//   - Line breaks inside a cell are LF, the form Verity stores text in (claims/text): a CR LF
//     or a lone CR becomes LF. encoding/csv's reader would turn a CR LF inside a field into
//     LF anyway, and its writer drops a lone CR under CRLF line endings; writing LF alone
//     makes what is read back exactly what was written.
//   - Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell that begins with
//     = + - or @ as a formula, and some treat a leading tab or CR the same way. Such a cell is
//     written with a single quote in front ('=1+1), which spreadsheets show as text, without
//     the quote. A cell that already begins with a quote gets one more, and so does one that
//     begins with LF (where a CR would have been), so the rule reverses without guessing:
//     a reader removes exactly one leading quote from any cell that has one.

// FormulaPrefix is the character put before a cell that a spreadsheet could run as a formula.
const FormulaPrefix = '\''

// BOM is the byte order mark that makes Excel read a CSV file as UTF-8.
const BOM = "\uFEFF"

// Neutralize returns s as a cell must be written: line breaks as LF, and a single quote in
// front when s begins with = + - @ tab, CR, LF or a single quote. Restore undoes it.
func Neutralize(s string) string {
	s = text.LineFeeds(s)
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		return string(FormulaPrefix) + s
	}
	return s
}

// formulaStarts are the first characters of a cell that Neutralize puts FormulaPrefix before.
const formulaStarts = "=+-@\t\n'"

// Restore returns the value a cell written by Neutralize holds: without its leading single
// quote, if it has one.
func Restore(cell string) string {
	return strings.TrimPrefix(cell, string(FormulaPrefix))
}

// CSVWriter writes CSV records, neutralising every cell; see Neutralize. It buffers: call
// Flush at the end and whenever the reader should see the rows so far.
//
// It writes exactly what encoding/csv's Writer (with UseCRLF) writes of the neutralised
// cells, which the tests check on any input, in one pass over each cell instead of three
// (finding a CR, a leading formula character, a character that needs quotes), straight into
// its buffer: the csv package and Neutralize were a fifth of a claims export's time.
type CSVWriter struct {
	w   *bufio.Writer
	rec Record // Write's
}

// NewCSVWriter returns a writer to w, which first writes the UTF-8 byte order mark if bom.
func NewCSVWriter(w io.Writer, bom bool) (*CSVWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if bom {
		if _, err := bw.WriteString(BOM); err != nil {
			return nil, err
		}
	}
	return &CSVWriter{w: bw}, nil
}

// Write writes one record. An error is the underlying writer's, and sticks: every later
// Write and Flush returns it.
func (w *CSVWriter) Write(record []string) error {
	for _, v := range record {
		w.rec.Text(v)
	}
	return w.WriteRecord(&w.rec)
}

// WriteRecord writes the record r holds, and empties r for the next.
func (w *CSVWriter) WriteRecord(r *Record) error {
	start := 0
	for i, end := range r.ends {
		if i > 0 {
			w.w.WriteByte(',')
		}
		w.cell(r.buf[start:end])
		start = end
	}
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	_, err := w.w.WriteString("\r\n")
	return err
}

// cell writes one cell: Neutralize's rules, then encoding/csv's. A field is quoted when it
// holds a comma, a quote or a line break, is the end-of-data marker \. or begins with a
// space (unicode.IsSpace); inside quotes a quote is doubled and LF written CR LF.
func (w *CSVWriter) cell(s []byte) {
	quote := false
	for i, c := range s {
		if quoted[c] {
			quote = true
			if bytes.IndexByte(s[i:], '\r') >= 0 {
				s = []byte(text.LineFeeds(string(s)))
			}
			break
		}
	}
	prefix := len(s) > 0 && strings.IndexByte(formulaStarts, s[0]) >= 0
	if !quote && !prefix && len(s) > 0 {
		r, _ := utf8.DecodeRune(s)
		quote = string(s) == `\.` || unicode.IsSpace(r)
	}
	if quote {
		w.w.WriteByte('"')
	}
	if prefix {
		w.w.WriteByte(FormulaPrefix)
	}
	if !quote {
		w.w.Write(s)
		return
	}
	for len(s) > 0 {
		i := bytes.IndexAny(s, "\"\n")
		if i < 0 {
			w.w.Write(s)
			break
		}
		w.w.Write(s[:i])
		if s[i] == '"' {
			w.w.WriteString(`""`)
		} else {
			w.w.WriteString("\r\n")
		}
		s = s[i+1:]
	}
	w.w.WriteByte('"')
}

// quoted marks the characters that put a cell in quotes: the separator, the quote and the
// line breaks.
var quoted = [256]bool{',': true, '"': true, '\n': true, '\r': true}

// Record is one CSV record being made, its cells written one after another into a buffer
// that the next record reuses: a row of the claims export is some thirty cells, and a
// string of its own for each was most of what an export allocated. Add and its kin write
// into the cell being made; End, or Text and its kin, end it.
type Record struct {
	buf  []byte
	ends []int // where each cell ends in buf
}

// Add writes s into the cell being made.
func (r *Record) Add(s string) { r.buf = append(r.buf, s...) }

// AddInt writes n in decimal into the cell being made.
func (r *Record) AddInt(n int64) { r.buf = strconv.AppendInt(r.buf, n, 10) }

// End ends the cell being made.
func (r *Record) End() { r.ends = append(r.ends, len(r.buf)) }

// Text writes a cell holding s.
func (r *Record) Text(s string) { r.Add(s); r.End() }

// Int writes a cell holding n in decimal.
func (r *Record) Int(n int64) { r.AddInt(n); r.End() }

// Strings returns a record function that writes the cells cells returns, for StreamCSV.
func Strings[T any](cells func(T) []string) func(*Record, T) {
	return func(r *Record, row T) {
		for _, c := range cells(row) {
			r.Text(c)
		}
	}
}

// Flush writes out what is buffered and reports any error of an earlier Write.
func (w *CSVWriter) Flush() error {
	return w.w.Flush()
}

// CSVReader reads what CSVWriter wrote: it skips a byte order mark, requires every record
// to have the header's number of fields, and restores each cell.
type CSVReader struct {
	r      *csv.Reader
	header []string
}

// NewCSVReader reads the header of the CSV in r.
func NewCSVReader(r io.Reader) (*CSVReader, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(BOM)); err == nil && string(b) == BOM {
		_, _ = br.Discard(len(BOM))
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: a CSV export starts with a header line")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the header: %w", err)
	}
	out := &CSVReader{r: cr, header: restoreAll(nil, header)}
	return out, nil
}

// Header returns the names of the columns.
func (r *CSVReader) Header() []string { return r.header }

// Read returns the next record, restored, or io.EOF after the last. line is where the
// record starts in the file, for messages.
func (r *CSVReader) Read() (record []string, line int, err error) {
	rec, err := r.r.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ = r.r.FieldPos(0)
	return restoreAll(nil, rec), line, nil
}

func restoreAll(dst, cells []string) []string {
	for _, c := range cells {
		dst = append(dst, Restore(c))
	}
	return dst
}

// StreamCSV writes rows as CSV, the header first, to the writer open returns, and returns
// how many rows it wrote. It reads the first row before calling open, so that an error there
// (a filter the domain refuses) comes back before anything is written or any file made. A
// nil writer from open ends the export after that first read, for an answer that is only
// headers (HEAD). each, when not nil, runs after every row written with the count so far.
func StreamCSV[T any](rows iter.Seq2[T, error], header []string, record func(*Record, T), bom bool,
	open func() (io.Writer, error), each func(n int64)) (n int64, err error) {
	next, stop := iter.Pull2(rows)
	defer stop()
	row, err, ok := next()
	if ok && err != nil {
		return 0, err
	}
	out, err := open()
	if err != nil || out == nil {
		return 0, err
	}
	w, err := NewCSVWriter(out, bom)
	if err == nil {
		err = w.Write(header)
	}
	var rec Record
	for ; ok && err == nil; row, err, ok = next() {
		record(&rec, row)
		if err = w.WriteRecord(&rec); err != nil {
			break
		}
		n++
		if each != nil {
			each(n)
		}
	}
	if err == nil {
		err = w.Flush()
	}
	return n, err
}
