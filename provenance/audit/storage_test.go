package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// TestSnapshotDictionaryIsFrozen: every compressed snapshot names the dictionary and needs
// its exact bytes to be read back, so the file may never change (add another beside it).
func TestSnapshotDictionaryIsFrozen(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("snapshots.dict")
	if err != nil {
		t.Fatal(err)
	}
	const frozen = "d5fab48415ba4dae54f97e702bebaf46d0a7d72a88dd98ecb78e36b3ce687432"
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != frozen {
		t.Fatalf("snapshots.dict has SHA-256 %x, want %s: the snapshots stored with it could no longer be read", sum, frozen)
	}
}

// TestEventsAreStoredCompact: a hash is stored as its 32 bytes and a snapshot compressed,
// while every reader gets the hex hash and the canonical JSON back, the same as Append
// returned.
func TestEventsAreStoredCompact(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	claim := map[string]any{
		"id": 7, "quote": "at least 79 Afghans were killed", "text": "At least 79 Afghans were killed <in Kabul> & more",
		"kind": "casualty_count", "stage": "open", "status": "unverified", "quantities": []any{}, "version": 1,
		"anchor_prefix": "", "anchor_suffix": " in the blast", "assignee_id": nil, "proposed_status": nil,
	}
	var appended []audit.Event
	for _, r := range []audit.Record{
		{Actor: audit.Who{Name: "user:1", People: []int64{1}}, Action: "claim.create", EntityType: "claim", EntityID: "7", After: claim},
		{Actor: audit.Who{Name: "user:1", People: []int64{1}}, Action: "claim.delete", EntityType: "claim", EntityID: "7", Before: claim},
		{Actor: audit.Who{Name: "user:1", People: []int64{1}}, Action: "tiny", EntityType: "claim", EntityID: "7", After: 1},
	} {
		err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			e, err := audit.Append(ctx, tx, r)
			appended = append(appended, e)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		Seq    int64
		Hash   []byte
		Before []byte
		After  []byte
	}
	if err := db.Bun().NewRaw("SELECT seq, hash, before, after FROM audit_events ORDER BY seq").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	zstd := []byte{0x28, 0xb5, 0x2f, 0xfd}
	for i, row := range rows {
		want := appended[i]
		if hex.EncodeToString(row.Hash) != want.Hash {
			t.Errorf("event %d stores hash %x, want the 32 bytes of %s", row.Seq, row.Hash, want.Hash)
		}
		for _, c := range []struct {
			name           string
			stored         []byte
			snapshot       string
			wantCompressed bool
		}{{"before", row.Before, want.Before, i == 1}, {"after", row.After, want.After, i == 0}} {
			compressed := len(c.stored) >= 4 && string(c.stored[:4]) == string(zstd)
			if compressed != c.wantCompressed || (compressed && len(c.stored) >= len(c.snapshot)) {
				t.Errorf("event %d stores %s in %d bytes (compressed %v) for %d bytes of JSON", row.Seq, c.name, len(c.stored), compressed, len(c.snapshot))
			}
			if !compressed && string(c.stored) != c.snapshot {
				t.Errorf("event %d stores %s as %q, want %q", row.Seq, c.name, c.stored, c.snapshot)
			}
		}
	}
	found, _, err := audit.Find(ctx, db.Reader(), audit.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range found {
		e.At = appended[i].At
		if e != appended[i] {
			t.Errorf("event %d reads back as\n%+v, want\n%+v", e.Seq, e, appended[i])
		}
	}
	if !strings.Contains(found[0].After, `"text":"At least 79 Afghans were killed <in Kabul> & more"`) {
		t.Errorf("after = %s", found[0].After)
	}
	// Written through bun as a model, an event would store its hash and snapshots as text.
	e := appended[0]
	e.Seq = 99
	if _, err := db.Bun().NewInsert().Model(&e).Exec(ctx); err == nil {
		t.Error("inserting an Event through bun succeeded")
	}
}

// TestActorColumn: a user acting through a token is stored in a few bytes and read back as
// the same text; every other actor is stored as its text.
func TestActorColumn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ actor, stored string }{
		{"user:9 via token from user:1 via cli token from root@desk-1", "user:9;1;root@desk-1"},
		{"user:9 via token from user:1", "user:9;1"},
		{"user:9 via cli token from root@desk-1", "user:9;;root@desk-1"},
		{"user:9 via cli token from a;b via token from user:2", "user:9;;a;b via token from user:2"},
		{"user:12", "user:12"},
		{"system", "system"},
		{"cli:root@desk-1", "cli:root@desk-1"},
		{"someone", "someone"},
		{"user:9 via token from user:x", "user:9 via token from user:x"},
		{"user:9 via token from user:1 and more", "user:9 via token from user:1 and more"},
		{"user: via token from user:1", "user: via token from user:1"},
	} {
		t.Run(tt.actor, func(t *testing.T) {
			if got := audit.StoreActor(tt.actor); got != tt.stored {
				t.Errorf("stored as %q, want %q", got, tt.stored)
			}
			if got := audit.ReadActor(tt.stored); got != tt.actor {
				t.Errorf("read back as %q", got)
			}
		})
	}
	// A text that reads as another actor's stored form cannot be stored as it is spelled.
	db := dbtest.Open(t)
	err := db.Write(context.Background(), func(ctx context.Context, tx *database.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Record{Actor: audit.Who{Name: "user:9;1", People: []int64{9}}, Action: "test.act", EntityType: "test"})
		return err
	})
	dbtest.WantKind(t, err, fault.Internal, "")
}
