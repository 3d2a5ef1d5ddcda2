package http

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"verity/http/export"
	"verity/provenance"
)

// The CSV exports stream: rows go out as the domain reads them, a chunk at a time, so an
// export of millions of rows holds one chunk in memory. The filters are checked, and the
// first chunk read, before anything is sent, so a bad filter is a 422 problem and nothing
// else. An error after the first bytes cannot be a problem document any more: writeError
// cuts the connection, and the client sees a broken transfer rather than a short file that
// looks whole. A client that goes away cancels the request's context, which stops the query.

// streamedKey marks a request whose answer streams: its HEAD has no Content-Length (the
// length is known only once the whole body is made, which a HEAD does not make) and it has
// no overall deadline (see bound), only the write deadline each chunk renews.
const streamedKey = "verity.streamed"

// exportWriteWindow is how long the client may take to accept each chunk of an export.
const exportWriteWindow = 2 * time.Minute

func (s *Server) exportAudit(c *gin.Context) error {
	q := newQuery(c)
	f := provenance.AuditFilter{Filter: auditFilter(q), ArticleID: q.id("article_id")}
	bom := q.flag("bom")
	if err := q.err(); err != nil {
		return err
	}
	rows := s.provenance.ExportAudit(c.Request.Context(), f)
	return streamCSV(c, "verity-audit.csv", bom, export.AuditColumns, rows, export.AuditRecord)
}

func (s *Server) exportClaims(c *gin.Context) error {
	q := newQuery(c)
	f := claimFilter(q)
	bom := q.flag("bom")
	if err := q.err(); err != nil {
		return err
	}
	rows := s.provenance.ExportClaims(c.Request.Context(), f)
	return streamCSV(c, "verity-claims.csv", bom, export.ClaimColumns, rows, export.ClaimRecord)
}

// flag reads a yes-or-no parameter: 1 or true, 0 or false; absent is no.
func (q *query) flag(name string) bool {
	switch raw := q.str(name); raw {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	q.fields.Add(name, "must be 1 or 0 (true or false)")
	return false
}

// streamCSV answers with the rows as CSV, the header line first. It reads the first row
// before answering, so that an error there (a bad filter) is an ordinary problem response.
func streamCSV[T any](c *gin.Context, name string, bom bool, header []string, rows iter.Seq2[T, error], record func(T) []string) error {
	next, stop := iter.Pull2(rows)
	defer stop()
	row, err, ok := next()
	if ok && err != nil {
		return err
	}
	c.Set(streamedKey, true)
	h := c.Writer.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return nil
	}
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)) // unsupported only in tests
	w, err := export.NewCSVWriter(sending{c.Writer}, bom)
	if err == nil {
		err = w.Write(header)
	}
	for n := 1; ok && err == nil; n++ {
		if err = w.Write(record(row)); err != nil {
			break
		}
		if n%provenance.ExportChunk == 0 {
			// A client that keeps reading keeps the export going; one that stalls for a whole
			// window is cut off, and its export stops.
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		}
		row, err, ok = next()
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil && !c.Writer.Written() {
		// Nothing went out yet: the error is answered as a problem, not as a CSV download.
		h.Del("Content-Disposition")
	}
	return err
}

// errAnswerLost is a client that stopped reading an answer halfway: it hung up, or stalled
// for a whole write window.
var errAnswerLost = errors.New("the client stopped reading the answer")

// sending marks the errors of sending the answer as the client's going away, apart from
// errors reading the rows: nothing failed on the server's side.
type sending struct{ w gin.ResponseWriter }

func (s sending) Write(b []byte) (int, error) {
	n, err := s.w.Write(b)
	if err != nil {
		err = fmt.Errorf("%w: %w", errAnswerLost, err)
	}
	return n, err
}
