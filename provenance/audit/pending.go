package audit

import (
	"context"
	"fmt"
	"strings"

	"verity/claims/fault"
	"verity/migrations/database"
)

// The events of one batch of writes are written at its end, in its transaction, just before
// its COMMIT (database.Deferred): the head row is read once when the batch's first event is
// appended and advanced once, and the events and their users go in as multi-row inserts.
// Appending one at a time ran four statements per event (read the head, insert the event,
// index its users, advance the head) while every other writer waited; a claim with two
// citations is three events. The chain is the same: each event's seq and hash are fixed when
// it is appended, in the order of the batch's writes, and a write rolled back to its
// savepoint takes its events with it, so the next write's events take their seqs.

// chainKey is the key of the audit chain's deferred work in a batch.
type chainKey struct{}

// pendingEvents are the events a batch has appended and not yet written.
type pendingEvents struct {
	loaded bool
	base   head // the head row as the batch found it
	events []*pendingEvent
}

type pendingEvent struct {
	row    storedEvent
	hash   string // row.Hash as hex, the next event's prev_hash
	people []eventUser
	// stored is closed once row holds the compressed snapshots, or storeErr why not.
	stored   chan struct{}
	storeErr error
}

// newPending makes the pending event of e, compressing its snapshots on a goroutine of its
// own: the zstd frames are made while the writer goes on with the batch's next writes, and
// Flush waits for them. Compressing was a tenth of the writer's time, spent while every
// other writer waited. A panic there fails the batch, as one in a write function fails
// its write, rather than the server.
func newPending(e Event, people []int64) *pendingEvent {
	p := &pendingEvent{row: storedFields(e), hash: e.Hash, people: peopleRows(e.Seq, people), stored: make(chan struct{})}
	go func() {
		defer close(p.stored)
		defer func() {
			if v := recover(); v != nil {
				p.storeErr = fault.New(fault.Internal, "compressing audit event %d panicked: %v", e.Seq, v)
			}
		}()
		p.storeErr = p.row.compressSnapshots(e)
	}()
	return p
}

// pendingIn returns the events pending in tx's batch. Every write runs in a batch; only the
// batch's own flush has none, and nothing appends there.
func pendingIn(tx *database.Tx) (*pendingEvents, error) {
	d := tx.Defer(chainKey{}, func() database.Deferred { return &pendingEvents{} })
	if d == nil {
		return nil, fault.New(fault.Internal, "audit events are appended by a write function, inside database.Write")
	}
	return d.(*pendingEvents), nil
}

// head returns the chain's head as the batch's next event follows it.
func (p *pendingEvents) head(ctx context.Context, tx *database.Tx) (head, error) {
	if !p.loaded {
		if err := tx.QueryRowPrepared(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&p.base.Seq, &p.base.Hash); err != nil {
			return head{}, fmt.Errorf("read audit head: %w", err)
		}
		p.loaded = true
	}
	if n := len(p.events); n > 0 {
		last := p.events[n-1]
		return head{ID: 1, Seq: last.row.Seq, Hash: last.hash}, nil
	}
	return p.base, nil
}

func (p *pendingEvents) Mark() int { return len(p.events) }

func (p *pendingEvents) Rollback(mark int) { p.events = p.events[:mark] }

// Flush writes the pending events, indexes their users and advances the head row, which
// must still be where the batch found it: anything else that moved it meanwhile (only a
// fixture writing the table by hand could) fails the batch rather than fork the chain.
func (p *pendingEvents) Flush(ctx context.Context, tx *database.Tx) error {
	if len(p.events) == 0 {
		return nil
	}
	for _, e := range p.events {
		<-e.stored
		if e.storeErr != nil {
			return e.storeErr
		}
	}
	err := insertChunked(ctx, tx, eventInserts, 9, len(p.events),
		func(i int, args []any) []any {
			r := p.events[i].row
			return append(args, r.Seq, r.At, r.Actor, r.Action, r.EntityType, r.EntityID, r.Before, r.After, r.Hash)
		})
	if err != nil {
		return fmt.Errorf("insert audit events: %w", err)
	}
	var people []eventUser
	for _, e := range p.events {
		people = append(people, e.people...)
	}
	err = insertChunked(ctx, tx, peopleInserts, 2, len(people),
		func(i int, args []any) []any { return append(args, people[i].UserID, people[i].Seq) })
	if err != nil {
		return fmt.Errorf("index the users behind audit events: %w", err)
	}
	last := p.events[len(p.events)-1]
	res, err := tx.ExecPrepared(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3", last.row.Seq, last.hash, p.base.Seq)
	if err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fault.New(fault.Internal, "the audit head moved from seq %d while a batch appended to it", p.base.Seq)
	}
	p.base, p.events = head{ID: 1, Seq: last.row.Seq, Hash: last.hash}, p.events[:0]
	return nil
}

// insertChunks are the row counts of the multi-row inserts: a statement's text depends on
// its row count alone, so that these few are prepared once and every batch reuses them.
var insertChunks = [...]int{32, 8, 1}

// The multi-row inserts of events and of their users, one per count of insertChunks: fixed
// texts, spelled once.
var (
	eventInserts  = valuesStatements("INSERT INTO audit_events (seq, at, actor, action, entity_type, entity_id, before, after, hash) VALUES ", 9)
	peopleInserts = valuesStatements("INSERT INTO audit_event_users (user_id, seq) VALUES ", 2)
)

// insertChunked inserts n rows of width columns with statements (valuesStatements),
// appending the i-th row's values with row.
func insertChunked(ctx context.Context, tx *database.Tx, statements [len(insertChunks)]string, width, n int, row func(i int, args []any) []any) error {
	args := make([]any, 0, insertChunks[0]*width)
	for i := 0; i < n; {
		k := len(insertChunks) - 1
		for c, size := range insertChunks {
			if n-i >= size {
				k = c
				break
			}
		}
		args = args[:0]
		for j := range insertChunks[k] {
			args = row(i+j, args)
		}
		if _, err := tx.ExecPrepared(ctx, statements[k], args...); err != nil {
			return err
		}
		i += insertChunks[k]
	}
	return nil
}

// valuesStatements spells insert followed by as many tuples of width parameters as each
// count of insertChunks.
func valuesStatements(insert string, width int) (out [len(insertChunks)]string) {
	for k, rows := range insertChunks {
		var b strings.Builder
		b.WriteString(insert)
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range width {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", r*width+c+1)
			}
			b.WriteByte(')')
		}
		out[k] = b.String()
	}
	return out
}

// eventSize is what an event adds to its write's share of the batch's byte limit: its
// texts (its snapshots before compression), and about as much again for its numbers, time,
// hash and the statement.
func eventSize(e Event) int {
	return len(e.Actor) + len(e.Action) + len(e.EntityType) + len(e.EntityID) + len(e.Before) + len(e.After) + 96
}
