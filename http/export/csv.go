package export

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"verity/claims/text"
)

// The CSV exports are RFC 4180 through encoding/csv: UTF-8, CRLF between records, a field
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
	if s != "" && strings.ContainsRune("=+-@\t\n'", rune(s[0])) {
		return string(FormulaPrefix) + s
	}
	return s
}

// Restore returns the value a cell written by Neutralize holds: without its leading single
// quote, if it has one.
func Restore(cell string) string {
	return strings.TrimPrefix(cell, string(FormulaPrefix))
}

// CSVWriter writes CSV records, neutralising every cell; see Neutralize. It buffers: call
// Flush at the end and whenever the reader should see the rows so far.
type CSVWriter struct {
	w    *csv.Writer
	cell []string
}

// NewCSVWriter returns a writer to w, which first writes the UTF-8 byte order mark if bom.
func NewCSVWriter(w io.Writer, bom bool) (*CSVWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if bom {
		if _, err := bw.WriteString(BOM); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	return &CSVWriter{w: cw}, nil
}

// Write writes one record.
func (w *CSVWriter) Write(record []string) error {
	w.cell = w.cell[:0]
	for _, v := range record {
		w.cell = append(w.cell, Neutralize(v))
	}
	return w.w.Write(w.cell)
}

// Flush writes out what is buffered and reports any error of an earlier Write.
func (w *CSVWriter) Flush() error {
	w.w.Flush()
	return w.w.Error()
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
func StreamCSV[T any](rows iter.Seq2[T, error], header []string, record func(T) []string, bom bool,
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
	for ; ok && err == nil; row, err, ok = next() {
		if err = w.Write(record(row)); err != nil {
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
