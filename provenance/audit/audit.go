// Package audit owns Verity's tamper-evident audit trail: an append-only chain of events in
// which each event's hash covers the previous event's hash and a canonical encoding of the
// event. Every writer appends its event inside its own write transaction, so a change and
// its audit record commit together or not at all.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
)

// System is the actor of changes made by Verity itself (seeding, start-up) rather than a user.
const System = "system"

// Event is one link of the chain. Nothing ever updates or deletes an event.
type Event struct {
	bun.BaseModel `bun:"table:audit_events"`

	Seq        int64     `bun:"seq,pk"`
	At         time.Time `bun:"at"`
	Actor      string    `bun:"actor"`
	Action     string    `bun:"action"`
	EntityType string    `bun:"entity_type"`
	EntityID   string    `bun:"entity_id"`
	// Before and After are canonical JSON, or empty when the entity did not exist before (or
	// no longer exists after) the change.
	// Both are stored compressed (see storage.go); these are the JSON texts.
	Before string `bun:"before,nullzero"`
	After  string `bun:"after,nullzero"`
	// PrevHash is the previous event's hash ("" for the first), which the row does not
	// store: the listings read it from that event, and Verify from the event it checked last.
	PrevHash string `bun:"prev_hash,scanonly"`
	// Hash is lowercase hex, stored as its 32 bytes.
	Hash string `bun:"hash"`
}

// Record is what a writer says about its change.
type Record struct {
	Actor      Who
	Action     string
	EntityType string
	EntityID   string
	// Before and After are encoded as JSON; nil means absent.
	Before any
	After  any
}

// Who is the actor of an event as the trail records it (identity.Actor.Audit makes one).
type Who struct {
	// Name is how the event names its actor: "user:5", "user:5 via token from user:1",
	// "cli:root@desk-1", "system".
	Name string
	// People are the ids of the users behind Name: the user who acted and the admin who made
	// the token they acted through. The audit listing finds a user's events through them; an
	// actor who is a user must name at least that user.
	People []int64
}

// eventUser is one row of the index of the users behind each event.
type eventUser struct {
	bun.BaseModel `bun:"table:audit_event_users"`

	UserID int64 `bun:"user_id,pk"`
	Seq    int64 `bun:"seq,pk"`
}

type head struct {
	bun.BaseModel `bun:"table:audit_head"`

	ID   int64  `bun:"id,pk"`
	Seq  int64  `bun:"seq"`
	Hash string `bun:"hash"`
}

// Append adds an event for r to the chain inside tx. Its seq and hash are fixed at once; its
// rows are written when tx's batch of writes commits (pending.go).
// database.Write serialises write transactions (SQLite's one writer; on PostgreSQL it locks
// the head row first), so concurrent writers, even several servers on one PostgreSQL
// database, extend one chain without gaps or forks.
func Append(ctx context.Context, tx *database.Tx, r Record) (Event, error) {
	if r.Actor.Name == "" || r.Action == "" || r.EntityType == "" {
		return Event{}, fault.New(fault.Internal, "audit record needs an actor, an action and an entity type")
	}
	if strings.HasPrefix(r.Actor.Name, "user:") && len(r.Actor.People) == 0 {
		// Without its people the event would be missing from its user's audit listing.
		return Event{}, fault.New(fault.Internal, "audit record by %s names none of the users behind it", r.Actor.Name)
	}
	if readActor(storeActor(r.Actor.Name)) != r.Actor.Name {
		return Event{}, fault.New(fault.Internal, "audit actor %q cannot be stored as it is spelled", r.Actor.Name)
	}
	if id := UserOf(r.Actor.Name); id != 0 && !slices.Contains(r.Actor.People, id) {
		// The listing finds a user's actor texts through the user who acted.
		return Event{}, fault.New(fault.Internal, "audit record by %s does not name user %d among the users behind it", r.Actor.Name, id)
	}
	before, err := canonicalValue(r.Before)
	if err != nil {
		return Event{}, fmt.Errorf("audit before: %w", err)
	}
	after, err := canonicalValue(r.After)
	if err != nil {
		return Event{}, fmt.Errorf("audit after: %w", err)
	}

	pending, err := pendingIn(tx)
	if err != nil {
		return Event{}, err
	}
	h, err := pending.head(ctx, tx)
	if err != nil {
		return Event{}, err
	}
	e := Event{
		Seq:        h.Seq + 1,
		At:         tx.Now,
		Actor:      r.Actor.Name,
		Action:     r.Action,
		EntityType: r.EntityType,
		EntityID:   r.EntityID,
		Before:     before,
		After:      after,
		PrevHash:   h.Hash,
	}
	sum := hashSum(e)
	e.Hash = hex.EncodeToString(sum[:])
	pending.events = append(pending.events, newPending(e, r.Actor.People))
	database.CountBytes(ctx, eventSize(e))
	return e, nil
}

func peopleRows(seq int64, people []int64) []eventUser {
	rows := make([]eventUser, 0, len(people))
	for _, id := range people {
		if id != 0 && !slices.ContainsFunc(rows, func(r eventUser) bool { return r.UserID == id }) {
			rows = append(rows, eventUser{UserID: id, Seq: seq})
		}
	}
	return rows
}

// timeLayout fixes the text of a time in the canonical encoding: UTC, microseconds, as stored.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Canonical returns the encoding of e that its hash covers: a JSON object with a fixed key
// order, the time in UTC to the microsecond, and before/after as canonical JSON (or null).
func Canonical(e Event) []byte {
	var b bytes.Buffer
	b.WriteString(`{"seq":`)
	fmt.Fprint(&b, e.Seq)
	for _, kv := range [...]struct{ k, v string }{
		{"at", e.At.UTC().Format(timeLayout)},
		{"actor", e.Actor},
		{"action", e.Action},
		{"entity_type", e.EntityType},
		{"entity_id", e.EntityID},
	} {
		b.WriteString(`,"` + kv.k + `":`)
		s, _ := json.Marshal(kv.v) // a string always encodes
		b.Write(s)
	}
	for _, kv := range [...]struct{ k, v string }{{"before", e.Before}, {"after", e.After}} {
		b.WriteString(`,"` + kv.k + `":`)
		if kv.v == "" {
			b.WriteString("null")
		} else {
			b.WriteString(kv.v)
		}
	}
	b.WriteString("}")
	return b.Bytes()
}

// Hash returns hex(SHA-256(prev_hash ‖ canonical event)).
func Hash(e Event) string {
	sum := hashSum(e)
	return hex.EncodeToString(sum[:])
}

// hashSum returns SHA-256(prev_hash ‖ canonical event), prev_hash as its hex text.
func hashSum(e Event) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(Canonical(e))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// canonicalValue encodes v as JSON with sorted object keys and numbers kept as written, so
// that the same value always yields the same bytes. nil yields "".
func canonicalValue(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	raw := bytes.TrimRight(buf.Bytes(), "\n")
	if string(raw) == "null" {
		return "", nil
	}
	if out, ok := sortedKeys(raw); ok {
		return out, nil
	}
	return canonicalJSON(raw)
}

// canonicalJSON re-encodes JSON text: decoding into generic values with UseNumber and encoding
// again sorts map keys and keeps every number's digits.
func canonicalJSON(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return "", err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(out.Bytes(), "\n")), nil
}
