package audit

import (
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/compressed"
)

// How an event is stored, apart from what it is. The chain's values (hex hashes, canonical
// JSON snapshots) are what every reader sees and what the hash covers; on disk a hash is its
// 32 bytes, prev_hash is not kept (it is the hash of the event before), and a snapshot is a
// zstd frame made with snapshotDictionary. Events stored before the compact format keep
// their JSON text, which a reader tells from a frame by its first bytes (package compressed).

// snapshotDictionary primes the compression of every snapshot: the before and after of the
// events the seed article's loader writes (articles, sources, claims, citations,
// derivations), so that the keys and values every snapshot repeats cost a few bits instead
// of their text. It is frozen like an applied migration: every frame stored names
// snapshotDictionaryID and needs these exact bytes to be read back (TestSnapshotDictionaryIsFrozen).
// A better dictionary would be added beside it under a new id, never in its place.
//
//go:embed snapshots.dict
var snapshotDictionary []byte

const snapshotDictionaryID = 1

// snapshotCodec compresses with snapshotDictionary. It is immutable once built, and
// building it costs more than a snapshot does, so it is made once, on first use, like a
// compiled constant.
var snapshotCodec = sync.OnceValues(func() (*compressed.Codec, error) {
	return compressed.New(snapshotDictionaryID, snapshotDictionary)
})

// storeSnapshot returns what the before or after column holds for a snapshot: nil (NULL)
// for none, else a zstd frame, or the JSON itself when the frame would not be smaller.
func storeSnapshot(snapshot string) ([]byte, error) {
	c, err := snapshotCodec()
	if err != nil {
		return nil, err
	}
	return c.Encode(snapshot), nil
}

// readSnapshot returns the canonical JSON a before or after column holds.
func readSnapshot(stored []byte) (string, error) {
	if !compressed.IsFrame(stored) {
		return string(stored), nil
	}
	c, err := snapshotCodec()
	if err != nil {
		return "", err
	}
	return c.Decode(stored)
}

// storeHash returns the 32 bytes a hash column holds for a hash as Hash writes it; anything
// else (never written by Append) is kept as its text.
func storeHash(h string) []byte {
	if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
		return b
	}
	return []byte(h)
}

// readHash returns the hash a hash column holds as Verity shows it: lowercase hex. A column
// that is not 32 bytes (an event stored before the compact format with a hash that was not
// a SHA-256, which only an edit by hand makes) is shown as it is, so that it fails to verify.
func readHash(stored []byte) string {
	if len(stored) == 32 {
		return hex.EncodeToString(stored)
	}
	return string(stored)
}

// AfterScanRow turns the stored columns of an event read through bun into the chain's
// values. bun scans a BLOB into a string as its bytes on SQLite, and a BYTEA as its text
// form on PostgreSQL: \x and two hex digits a byte. Stored JSON and zstd frames never start
// with a backslash, and a stored hash is 32 bytes, never the 66 characters of that form.
func (e *Event) AfterScanRow(context.Context) error {
	pgBytes := func(s string, ok bool) ([]byte, error) {
		if hexDigits, pg := strings.CutPrefix(s, `\x`); pg && ok {
			return hex.DecodeString(hexDigits)
		}
		return []byte(s), nil
	}
	for _, f := range []*string{&e.Before, &e.After} {
		b, err := pgBytes(*f, true)
		if err == nil {
			*f, err = readSnapshot(b)
		}
		if err != nil {
			return fmt.Errorf("audit event %d: %w", e.Seq, err)
		}
	}
	e.Actor = readActor(e.Actor)
	for _, f := range []*string{&e.Hash, &e.PrevHash} {
		b, err := pgBytes(*f, len(*f) == 2+2*32)
		if err != nil {
			return fmt.Errorf("audit event %d: %w", e.Seq, err)
		}
		*f = readHash(b)
	}
	return nil
}

// prevHashColumn reads an event's prev_hash from the event before it, for the listings; the
// seq is the primary key, so it is one lookup per row.
const prevHashColumn = "(SELECT p.hash FROM audit_events AS p WHERE p.seq = event.seq - 1) AS prev_hash"

// storedEvent is an audit_events row as it is stored.
type storedEvent struct {
	bun.BaseModel `bun:"table:audit_events"`

	Seq        int64     `bun:"seq,pk"`
	At         time.Time `bun:"at"`
	Actor      string    `bun:"actor"`
	Action     string    `bun:"action"`
	EntityType string    `bun:"entity_type"`
	EntityID   string    `bun:"entity_id"`
	Before     []byte    `bun:"before"`
	After      []byte    `bun:"after"`
	Hash       []byte    `bun:"hash"`
}

// stored returns e's row as it is stored.
func stored(e Event) (storedEvent, error) {
	r := storedFields(e)
	err := r.compressSnapshots(e)
	return r, err
}

// storedFields is e's row without its snapshots, which compressSnapshots adds.
func storedFields(e Event) storedEvent {
	return storedEvent{
		Seq: e.Seq, At: e.At, Actor: storeActor(e.Actor), Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		Hash: storeHash(e.Hash),
	}
}

// compressSnapshots sets the row's before and after from e's snapshots.
func (r *storedEvent) compressSnapshots(e Event) (err error) {
	if r.Before, err = storeSnapshot(e.Before); err != nil {
		return err
	}
	r.After, err = storeSnapshot(e.After)
	return err
}

// InsertEvents writes events that are already hashed and linked, as they are, in one
// multi-row statement: for fixtures that build long chains faster than Append would, and
// for copying a chain. It neither checks the chain nor moves the head row; Append is how
// the chain grows.
func InsertEvents(ctx context.Context, db bun.IDB, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]storedEvent, len(events))
	for i, e := range events {
		var err error
		if rows[i], err = stored(e); err != nil {
			return err
		}
	}
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("insert %d audit events: %w", len(events), err)
	}
	return nil
}

// BeforeAppendModel refuses to write an Event through bun, which would store its hash and
// snapshots as text; Append and InsertEvents store them as the chain's columns expect.
func (e *Event) BeforeAppendModel(_ context.Context, query bun.Query) error {
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		return fmt.Errorf("audit events are written by audit.Append or audit.InsertEvents, not as a bun model")
	}
	return nil
}

// The two phrases a user's actor text may add to "user:N" (identity.Actor.AuditName).
const (
	viaToken    = " via token from user:"
	viaCLIToken = " via cli token from "
)

// storeActor returns what the actor column holds for an actor. A user acting through a
// token someone made ("user:9 via token from user:1 via cli token from root@desk-1", the
// actor of most events of a desk that works through the API) is stored as
// "user:9;1;root@desk-1": the user, the token's maker and the operator who made it at the
// command line, either of the last two empty when absent. No actor text Verity writes has
// a ';' right after "user:N", so readActor tells the two apart; every other actor is
// stored as its text. Append refuses an actor whose text would not come back the same.
func storeActor(actor string) string {
	rest, ok := strings.CutPrefix(actor, "user:")
	user, rest := leadingDigits(rest)
	if !ok || user == "" {
		return actor
	}
	var maker, operator string
	if after, ok := strings.CutPrefix(rest, viaToken); ok {
		if maker, rest = leadingDigits(after); maker == "" {
			return actor
		}
	}
	cli := false
	if after, ok := strings.CutPrefix(rest, viaCLIToken); ok {
		cli, operator, rest = true, after, ""
	}
	if rest != "" || (maker == "" && !cli) {
		return actor
	}
	stored := "user:" + user + ";" + maker
	if cli {
		stored += ";" + operator
	}
	if readActor(stored) != actor {
		return actor
	}
	return stored
}

// readActor returns the actor text an actor column holds (see storeActor).
func readActor(stored string) string {
	rest, ok := strings.CutPrefix(stored, "user:")
	user, rest := leadingDigits(rest)
	rest, compact := strings.CutPrefix(rest, ";")
	if !ok || user == "" || !compact {
		return stored
	}
	maker, operator, cli := strings.Cut(rest, ";")
	actor := "user:" + user
	if maker != "" {
		actor += viaToken + maker
	}
	if cli {
		actor += viaCLIToken + operator
	}
	return actor
}

func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}
