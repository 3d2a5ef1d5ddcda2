package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin/render"

	"verity/claims"
)

// A page of claims is the hottest answer the API gives, and encoding/json spent a fifth of
// the server's time on it: reflection over every field, and for each id and time a
// MarshalJSON whose output it then scans again to compact it. The claim's JSON is written
// here instead, straight from ClaimResponse, which stays the one definition of its shape:
// TestClaimJSONAsEncodingJSON checks, field by field and byte for byte, that appendJSON
// writes what json.Marshal writes of it, strings and numbers included.

// appendJSON appends the claim as json.Marshal writes it.
func (r *ClaimResponse) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, r.ID)
	b = append(b, `,"article_id":`...)
	b = appendID(b, r.ArticleID)
	b = append(b, `,"article_revision":`...)
	b = strconv.AppendInt(b, int64(r.ArticleRevision), 10)
	b = append(b, `,"quote":`...)
	b = claims.AppendJSONString(b, r.Quote)
	b = append(b, `,"text":`...)
	b = claims.AppendJSONString(b, r.Text)
	b = append(b, `,"anchor":{"start":`...)
	b = strconv.AppendInt(b, int64(r.Anchor.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(r.Anchor.End), 10)
	b = append(b, `,"exact":`...)
	b = claims.AppendJSONString(b, r.Anchor.Exact)
	b = append(b, `,"prefix":`...)
	b = claims.AppendJSONString(b, r.Anchor.Prefix)
	b = append(b, `,"suffix":`...)
	b = claims.AppendJSONString(b, r.Anchor.Suffix)
	b = append(b, `},"anchor_state":`...)
	b = claims.AppendJSONString(b, r.AnchorState)
	b = append(b, `,"kind":`...)
	b = claims.AppendJSONString(b, r.Kind)
	b = append(b, `,"quantities":`...)
	if r.Quantities == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Quantities {
			if i > 0 {
				b = append(b, ',')
			}
			b = claims.AppendQuantityJSON(b, claims.Quantity(r.Quantities[i]))
		}
		b = append(b, ']')
	}
	b = append(b, `,"stage":`...)
	b = claims.AppendJSONString(b, r.Stage)
	b = append(b, `,"status":`...)
	b = claims.AppendJSONString(b, r.Status)
	b = append(b, `,"rationale":`...)
	b = claims.AppendJSONString(b, r.Rationale)
	b = append(b, `,"assignee_id":`...)
	b = appendIDPtr(b, r.AssigneeID)
	b = append(b, `,"proposal":`...)
	if p := r.Proposal; p == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"status":`...)
		b = claims.AppendJSONString(b, p.Status)
		b = append(b, `,"rationale":`...)
		b = claims.AppendJSONString(b, p.Rationale)
		b = append(b, `,"proposed_by":`...)
		b = appendIDPtr(b, p.ProposedBy)
		b = append(b, `,"proposed_at":`...)
		b = appendTime(b, p.ProposedAt)
		b = append(b, '}')
	}
	b = append(b, `,"signed_off_by":`...)
	b = appendIDPtr(b, r.SignedOffBy)
	b = append(b, `,"signed_off_at":`...)
	if r.SignedOffAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *r.SignedOffAt)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, r.Version, 10)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, r.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.UpdatedAt)
	return append(b, '}')
}

// appendID writes an id as clients see it (ID.MarshalJSON): its digits as a string.
func appendID(b []byte, id ID) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, int64(id), 10)
	return append(b, '"')
}

func appendIDPtr(b []byte, id *ID) []byte {
	if id == nil {
		return append(b, "null"...)
	}
	return appendID(b, *id)
}

// appendTime writes a time as clients see it (Time.MarshalJSON): RFC 3339 in UTC.
func appendTime(b []byte, t Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// claimPageJSON renders a page of claims as c.JSON renders the Page[ClaimResponse], from a
// buffer of the server's, straight to the response.
type claimPageJSON struct {
	page    Page[ClaimResponse]
	buffers *sync.Pool
}

// maxPooledBuffer bounds the buffers kept for the next page: a page of 200 long claims
// should not pin megabytes.
const maxPooledBuffer = 1 << 20

func (p claimPageJSON) Render(w http.ResponseWriter) error {
	p.WriteContentType(w)
	return writePooled(w, p.buffers, func(b []byte) []byte {
		b = append(b, `{"data":`...)
		if p.page.Data == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i := range p.page.Data {
				if i > 0 {
					b = append(b, ',')
				}
				b = p.page.Data[i].appendJSON(b)
			}
			b = append(b, ']')
		}
		b = append(b, `,"next_cursor":`...)
		if p.page.NextCursor == nil {
			return append(b, "null}"...)
		}
		b = claims.AppendJSONString(b, *p.page.NextCursor)
		return append(b, '}')
	})
}

// writePooled writes what fill appends to a buffer from pool, in one write, and keeps the
// buffer for the next answer unless it grew past maxPooledBuffer.
func writePooled(w http.ResponseWriter, pool *sync.Pool, fill func([]byte) []byte) error {
	buf, _ := pool.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	b := fill((*buf)[:0])
	_, err := w.Write(b)
	if cap(b) <= maxPooledBuffer {
		*buf = b
		pool.Put(buf)
	}
	return err
}

func (claimPageJSON) WriteContentType(w http.ResponseWriter) { render.JSON{}.WriteContentType(w) }

// claimPageJSON renders a page of claims with the server's buffers.
func (s *Server) claimPageJSON(page Page[ClaimResponse]) claimPageJSON {
	return claimPageJSON{page: page, buffers: &s.buffers}
}

// claimDetailJSON renders a claim's detail as c.JSON renders its ClaimDetail: the claim
// written by hand, its citations and evidence by encoding/json.
type claimDetailJSON struct {
	detail  *ClaimDetail
	buffers *sync.Pool
}

func (d claimDetailJSON) Render(w http.ResponseWriter) error {
	d.WriteContentType(w)
	citations, err := json.Marshal(d.detail.Citations)
	if err != nil {
		return err
	}
	evidence, err := json.Marshal(d.detail.Evidence)
	if err != nil {
		return err
	}
	return writePooled(w, d.buffers, func(b []byte) []byte {
		b = d.detail.ClaimResponse.appendJSON(b)
		b = append(b[:len(b)-1], `,"citations":`...) // the claim's closing brace goes after the lists
		b = append(b, citations...)
		b = append(b, `,"evidence":`...)
		b = append(b, evidence...)
		return append(b, '}')
	})
}

func (claimDetailJSON) WriteContentType(w http.ResponseWriter) { render.JSON{}.WriteContentType(w) }
