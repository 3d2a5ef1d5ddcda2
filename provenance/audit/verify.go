package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
)

// Report is the outcome of recomputing the chain.
type Report struct {
	OK       bool   `json:"ok"`
	Count    int64  `json:"count"`
	HeadSeq  int64  `json:"head_seq"`
	HeadHash string `json:"head_hash"`
	// BrokenSeq is the first event whose link or hash does not hold, when OK is false.
	BrokenSeq *int64 `json:"broken_seq"`
	Reason    string `json:"reason,omitempty"`
	// KnownHead and KnownHeadFound answer "is the head an auditor noted earlier still in the
	// chain?"; a chain truncated below that head cannot contain it.
	KnownHead      string `json:"known_head,omitempty"`
	KnownHeadFound *bool  `json:"known_head_found,omitempty"`
}

const verifyBatch = 2000

// Verify recomputes every event's hash and link in seq order and reports the first break.
// It checks the chain up to the head recorded when it starts, so appends that commit while
// it runs are neither checked nor mistaken for tampering. When knownHead is not empty it
// also reports whether an event with that hash is in the verified chain; a missing known
// head makes the report not OK, since it means events were removed from the end. Verify
// reads only, so any role allowed to audit may call it.
func Verify(ctx context.Context, db bun.IDB, knownHead string) (Report, error) {
	// The head row advances in the same transaction as every append, so the chain must reach
	// exactly the head read here: a chain that ends before it has lost its newest events.
	var h head
	if err := db.NewSelect().Model(&h).Where("id = 1").Scan(ctx); err != nil {
		return Report{}, database.Translate(err)
	}
	var r Report
	var prevHash string
	var nextSeq int64 = 1
	found := false
	broken := func(seq int64, reason string) {
		r.OK = false
		r.BrokenSeq = &seq
		r.Reason = reason
	}
	for nextSeq <= h.Seq {
		var batch []Event
		err := db.NewSelect().Model(&batch).
			Where("seq >= ? AND seq <= ?", nextSeq, h.Seq).
			Order("seq ASC").
			Limit(verifyBatch).
			Scan(ctx)
		if err != nil {
			return Report{}, database.Translate(err)
		}
		if len(batch) == 0 {
			broken(nextSeq, fmt.Sprintf("the chain ends at event %d but the recorded head is event %d", nextSeq-1, h.Seq))
			return finish(r, knownHead, found), nil
		}
		for _, e := range batch {
			switch {
			case e.Seq != nextSeq:
				broken(nextSeq, fmt.Sprintf("event %d is missing", nextSeq))
			case e.PrevHash != prevHash:
				broken(e.Seq, "prev_hash does not match the previous event's hash")
			case Hash(e) != e.Hash:
				broken(e.Seq, "hash does not match the event's content")
			}
			if r.BrokenSeq != nil {
				return finish(r, knownHead, found), nil
			}
			if knownHead != "" && e.Hash == knownHead {
				found = true
			}
			r.Count++
			r.HeadSeq = e.Seq
			r.HeadHash = e.Hash
			prevHash = e.Hash
			nextSeq = e.Seq + 1
		}
	}
	if r.HeadHash != h.Hash {
		broken(h.Seq, "the recorded head hash does not match the chain's last event")
		return finish(r, knownHead, found), nil
	}
	r.OK = true
	return finish(r, knownHead, found), nil
}

func finish(r Report, knownHead string, found bool) Report {
	if knownHead == "" {
		return r
	}
	r.KnownHead = knownHead
	r.KnownHeadFound = &found
	if !found && r.OK {
		r.OK = false
		r.Reason = "the known head is not in the chain: events after it were removed or the head is wrong"
	}
	return r
}

// Filter selects audit events; zero fields match everything.
type Filter struct {
	EntityType string
	EntityID   string
	Actor      string
	Action     string
	From, To   time.Time
	// AfterSeq continues a listing after the last event already seen.
	AfterSeq int64
	Limit    int
}

// Find lists the events matching f in seq order, after f.AfterSeq and at most f.Limit of
// them; more reports whether another page follows. It returns Invalid for a limit that is
// not positive.
func Find(ctx context.Context, db bun.IDB, f Filter) (events []Event, more bool, err error) {
	if f.Limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	q := db.NewSelect().Model((*Event)(nil)).Order("seq ASC")
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.Actor != "" {
		// A user acting through a token someone else made is recorded as "user:N via token
		// from user:M"; filtering by "user:N" finds those events too.
		if isUserActor(f.Actor) {
			q = q.Where("(actor = ? OR actor LIKE ?)", f.Actor, f.Actor+" via token from %")
		} else {
			q = q.Where("actor = ?", f.Actor)
		}
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.AfterSeq > 0 {
		q = q.Where("seq > ?", f.AfterSeq)
	}
	q = q.Limit(int64(f.Limit + 1))
	if err := q.Scan(ctx, &events); err != nil {
		return nil, false, database.Translate(err)
	}
	events, more = database.Trim(events, f.Limit)
	return events, more, nil
}

// isUserActor reports whether a is "user:N", whose digits cannot act as LIKE wildcards.
func isUserActor(a string) bool {
	id, ok := strings.CutPrefix(a, "user:")
	return ok && id != "" && strings.Trim(id, "0123456789") == ""
}
