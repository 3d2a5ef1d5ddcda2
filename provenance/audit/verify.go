package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/text"
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
//
// A knownHead that is not a hash as Verify reports it (64 lowercase hex digits) is Invalid,
// with a message on the field "head": a typo is not evidence of tampering.
func Verify(ctx context.Context, db bun.IDB, knownHead string) (Report, error) {
	if knownHead != "" && !text.IsSHA256(knownHead) {
		return Report{}, fault.Field("head", "must be a head hash as verify reports it: 64 lowercase hex digits")
	}
	// The head row advances in the same transaction as every append, so the chain must reach
	// exactly the head read here: a chain that ends before it has lost its newest events.
	var h head
	var err error
	if h.Seq, h.Hash, err = Head(ctx, db); err != nil {
		return Report{}, err
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
			// The link is the hash itself: each event's hash covers the hash of the event
			// before it, as verified just now, so a changed or reordered event breaks the
			// hash of the event it changed or of the one after.
			e.PrevHash = prevHash
			switch {
			case e.Seq != nextSeq:
				broken(nextSeq, fmt.Sprintf("event %d is missing", nextSeq))
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
	// Actor "user:N" selects every event user N is behind: their own and those taken through
	// tokens they made for others. Any other actor (system, cli:user@host, or a full actor
	// text) is matched exactly.
	Actor    string
	Action   string
	From, To time.Time
	// Entities keeps the events about any of these entities (one entity type, and a query of
	// its ids as text); none means every entity. Areas above the chain narrow it this way
	// without the chain reading their tables: provenance passes an article's claims.
	Entities []Entities
	// AfterSeq continues a listing after the last event already seen; ThroughSeq, when
	// positive, ends it at that event (an export stops at the head it started from).
	AfterSeq   int64
	ThroughSeq int64
	Limit      int
}

// validate refuses a filter that could only ever match nothing by mistake.
func (f Filter) validate() error {
	errs := fault.Fields{}
	// "user:007" or "user:x" names no actor Verity ever wrote: say so rather than list nothing.
	if name, _, _ := strings.Cut(f.Actor, " "); strings.HasPrefix(name, "user:") {
		if _, ok := userActor(name); !ok {
			errs.Add("actor", "must be user:N with N a user's id as Verity writes it (digits, no leading zeros), or a whole actor as the trail records it")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs.Add("to", "must be after from")
	}
	return errs.Err()
}

// Entities names entities of one type by a query of their ids, for Filter.Entities.
type Entities struct {
	Type string
	IDs  *bun.SelectQuery
}

// Find lists the events matching f in seq order, after f.AfterSeq and at most f.Limit of
// them; more reports whether another page follows. It returns Invalid for a limit that is
// not positive.
func Find(ctx context.Context, db bun.IDB, f Filter) (events []Event, more bool, err error) {
	if f.Limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	if err := f.validate(); err != nil {
		return nil, false, err
	}
	if err := findQuery(db, f).Limit(int64(f.Limit+1)).Scan(ctx, &events); err != nil {
		return nil, false, database.Translate(err)
	}
	events, more = database.Trim(events, f.Limit)
	return events, more, nil
}

func findQuery(db bun.IDB, f Filter) *bun.SelectQuery {
	q := db.NewSelect().Model((*Event)(nil)).ColumnExpr("event.*").ColumnExpr(prevHashColumn)
	// seq orders the listing; for a user it is read from their index rows, so that a page
	// walks that index in order and stops at the limit.
	seq := "event.seq"
	if f.Actor != "" {
		if id, ok := userActor(f.Actor); ok {
			// The index of the users behind each event (written by Append): the user's own
			// events, those through tokens others made for them, and those through tokens
			// they made for others, without reading the rest of the chain.
			seq = "person.seq"
			q = q.Join("JOIN audit_event_users AS person ON person.seq = event.seq").Where("person.user_id = ?", id)
		} else if id := UserOf(f.Actor); id != 0 {
			// A user's whole actor text ("user:5 via token from user:1") is among the
			// events of its first user (Append makes sure), found the same way.
			seq = "person.seq"
			// Events stored before the compact actor column hold the whole text.
			q = q.Join("JOIN audit_event_users AS person ON person.seq = event.seq").Where("person.user_id = ?", id).
				Where("event.actor IN (?, ?)", f.Actor, storeActor(f.Actor))
		} else {
			// The index of actor texts holds only actors that are not users; the condition
			// of that partial index, written out, lets both planners use it.
			q = q.Where("event.actor = ?", f.Actor).Where(nonUserActor)
		}
	}
	if f.EntityType != "" {
		q = q.Where("event.entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("event.entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		q = q.Where("event.action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("event.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("event.at < ?", f.To.UTC())
	}
	if len(f.Entities) > 0 {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			for _, e := range f.Entities {
				q = q.WhereOr("event.entity_type = ? AND event.entity_id IN (?)", e.Type, e.IDs)
			}
			return q
		})
	}
	if f.AfterSeq > 0 {
		q = q.Where("? > ?", bun.Safe(seq), f.AfterSeq)
	}
	if f.ThroughSeq > 0 {
		q = q.Where("? <= ?", bun.Safe(seq), f.ThroughSeq)
	}
	return q.OrderExpr("? ASC", bun.Safe(seq))
}

// nonUserActor is the condition of the partial index audit_events_actor (migration
// 20261201000020), as a query must spell it for the index to serve it.
const nonUserActor = "substr(event.actor, 1, 5) <> 'user:'"

// userActor reads the user id of an actor "user:N".
func userActor(a string) (int64, bool) {
	digits, ok := strings.CutPrefix(a, "user:")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	// Only the form Verity writes ("user:7", not "user:007") names a user.
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == digits
}
