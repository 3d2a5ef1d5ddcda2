package http

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims/text"
	"verity/provenance/audit"
)

// AuditEventResponse is one event of the audit chain.
type AuditEventResponse struct {
	Seq        int64           `json:"seq"`
	At         Time            `json:"at"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func rawOrNull(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func (s *Server) listAudit(c *gin.Context) error {
	q := newQuery(c)
	f := auditFilter(q)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	f.AfterSeq, f.Limit = p.afterID(), p.limit
	events, more, err := audit.Find(c.Request.Context(), s.db.Reader(), f)
	if err != nil {
		return err
	}
	out := make([]AuditEventResponse, len(events))
	for i, e := range events {
		out[i] = AuditEventResponse{
			Seq: e.Seq, At: Time{e.At}, Actor: e.Actor, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
			Before: rawOrNull(e.Before), After: rawOrNull(e.After), PrevHash: e.PrevHash, Hash: e.Hash,
		}
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(e AuditEventResponse) []int64 { return []int64{e.Seq} }))
	return nil
}

// auditFilter reads the filters of the audit listing and its export.
func auditFilter(q *query) audit.Filter {
	f := audit.Filter{
		EntityType: q.str("entity_type"),
		EntityID:   q.str("entity_id"),
		Actor:      q.str("actor"),
		Action:     q.str("action"),
		From:       q.time("from"),
		To:         q.time("to"),
	}
	return f
}

// verifyAudit recomputes the chain. With ?head=HASH it also proves that a head noted
// earlier is still part of it. A broken chain is a finding, not a server error: the answer
// is 200 with ok false.
func (s *Server) verifyAudit(c *gin.Context) error {
	q := newQuery(c)
	head := q.str("head")
	if head != "" && !text.IsSHA256(head) {
		q.fields.Add("head", "must be a head hash as verify reports it: 64 lowercase hex digits")
	}
	if err := q.err(); err != nil {
		return err
	}
	r, err := audit.Verify(c.Request.Context(), s.db.Reader(), head)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, r)
	return nil
}
