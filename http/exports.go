package http

import (
	"errors"
	"fmt"
	"io"
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
	return streamCSV(c, "verity-audit.csv", bom, export.AuditColumns, rows, export.Strings(export.AuditRecord))
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

// streamCSV answers with the rows as CSV. The first row is read before answering, so that an
// error there (a bad filter) is an ordinary problem response.
func streamCSV[T any](c *gin.Context, name string, bom bool, header []string, rows iter.Seq2[T, error], record func(*export.Record, T)) error {
	h := c.Writer.Header()
	rc := http.NewResponseController(c.Writer)
	open := func() (io.Writer, error) {
		c.Set(streamedKey, true)
		h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		h.Set("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			c.Writer.WriteHeaderNow()
			return nil, nil
		}
		_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow)) // unsupported only in tests
		return sending{c.Writer}, nil
	}
	renew := func(n int64) {
		if n%provenance.ExportChunk == 0 {
			// A client that keeps reading keeps the export going; one that stalls for a whole
			// window is cut off, and its export stops.
			_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		}
	}
	_, err := export.StreamCSV(rows, header, record, bom, open, renew)
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
