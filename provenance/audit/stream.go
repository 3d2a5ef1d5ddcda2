package audit

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/uptrace/bun"

	"verity/migrations/database"
)

// Head returns the seq and hash of the newest event, as the head row records them (0 and ""
// for an empty chain).
func Head(ctx context.Context, db bun.IDB) (seq int64, hash string, err error) {
	var h head
	if err := db.NewSelect().Model(&h).Where("id = 1").Scan(ctx); err != nil {
		return 0, "", database.Translate(err)
	}
	return h.Seq, h.Hash, nil
}

// Chunks reads the events matching f, oldest first, size at a time: an export holds one
// chunk in memory however long the chain is. It stops at f.ThroughSeq, or at the head when
// it starts if that is 0, so that events appended meanwhile neither join the export nor
// keep it from ending. Each chunk is its own short query, keyed on the last seq read: no
// transaction or connection stays open between chunks, and nothing waits on the writer.
// f.AfterSeq is where it starts and f.Limit is ignored. A bad filter (see Find) is the
// first error yielded.
func Chunks(ctx context.Context, db bun.IDB, f Filter, size int) iter.Seq2[[]Event, error] {
	return func(yield func([]Event, error) bool) {
		if err := f.validate(); err != nil {
			yield(nil, err)
			return
		}
		if f.ThroughSeq <= 0 {
			seq, _, err := Head(ctx, db)
			if err != nil {
				yield(nil, err)
				return
			}
			if seq == 0 {
				return
			}
			f.ThroughSeq = seq
		}
		f.Limit = size
		for {
			events, more, err := Find(ctx, db, f)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(events) > 0 && !yield(events, nil) {
				return
			}
			if !more || len(events) == 0 {
				return
			}
			f.AfterSeq = events[len(events)-1].Seq
		}
	}
}

// RunReport is the outcome of checking a run of events read back from an export, where
// the chain is not at hand: every event's hash, and every link between two events whose seqs
// follow each other.
type RunReport struct {
	OK    bool  `json:"ok"`
	Count int64 `json:"count"`
	// FirstSeq and LastSeq are the first and last events of the run.
	FirstSeq int64 `json:"first_seq"`
	LastSeq  int64 `json:"last_seq"`
	// Contiguous says the run holds every event from FirstSeq to LastSeq, so that every link
	// in it was checked; a filtered export is gapped: Missing events in Gaps stretches are
	// not in it, and the link into the event after each gap cannot be checked from the file.
	Contiguous bool  `json:"contiguous"`
	Gaps       int64 `json:"gaps"`
	Missing    int64 `json:"missing"`
	// LinksChecked counts the events whose prev_hash was compared with the event before.
	LinksChecked int64 `json:"links_checked"`
	// FromGenesis says the run starts at the first event of the chain (seq 1, no prev_hash).
	FromGenesis bool   `json:"from_genesis"`
	HeadHash    string `json:"head_hash"`
	// BrokenSeq is the first event whose hash or link does not hold, when OK is false.
	BrokenSeq *int64 `json:"broken_seq"`
	Reason    string `json:"reason,omitempty"`
	// KnownHead and KnownHeadFound, when a head was given, say whether an event of the run
	// has that hash.
	KnownHead      string `json:"known_head,omitempty"`
	KnownHeadFound *bool  `json:"known_head_found,omitempty"`
}

// CheckRun recomputes the hash of each event of a run (in seq order, as an export lists
// them) and the link of each to the event before it when their seqs follow each other.
// The first event the chain does not hold up at ends the check; an error from events ends
// it too and is returned. A knownHead that is not empty must be the hash of an event of
// the run, or the report is not OK.
func CheckRun(events iter.Seq2[Event, error], knownHead string) (RunReport, error) {
	r := RunReport{Contiguous: true}
	var prev Event
	found := false
	broken := func(seq int64, reason string) {
		r.BrokenSeq, r.Reason = &seq, reason
	}
	for e, err := range events {
		if err != nil {
			return r, err
		}
		switch {
		case r.Count > 0 && e.Seq <= prev.Seq:
			broken(e.Seq, fmt.Sprintf("event %d comes after event %d: the run is out of order or repeats an event", e.Seq, prev.Seq))
		case e.Seq < 1:
			broken(e.Seq, "an event's seq is a positive number")
		case Hash(e) != e.Hash:
			broken(e.Seq, "hash does not match the event's content")
		case e.Seq == 1 && e.PrevHash != "":
			broken(e.Seq, "the first event of the chain has a prev_hash")
		case r.Count > 0 && e.Seq == prev.Seq+1 && e.PrevHash != prev.Hash:
			broken(e.Seq, fmt.Sprintf("prev_hash does not match the hash of event %d", prev.Seq))
		}
		if r.BrokenSeq != nil {
			return r, nil
		}
		if r.Count == 0 {
			r.FirstSeq, r.FromGenesis = e.Seq, e.Seq == 1
		} else if e.Seq == prev.Seq+1 {
			r.LinksChecked++
		} else {
			r.Contiguous = false
			r.Gaps++
			r.Missing += e.Seq - prev.Seq - 1
		}
		if e.Seq == 1 {
			r.LinksChecked++ // the genesis link: no event before it
		}
		if knownHead != "" && e.Hash == knownHead {
			found = true
		}
		r.Count++
		r.LastSeq, r.HeadHash = e.Seq, e.Hash
		prev = e
	}
	r.OK = true
	if knownHead != "" {
		r.KnownHead, r.KnownHeadFound = knownHead, &found
		if !found {
			r.OK = false
			r.Reason = "no event of the run has the known head's hash"
		}
	}
	return r, nil
}

// UserOf returns the user an actor names first, the one who acted ("user:5 via token from
// user:1" is user 5), or 0 for an actor that is not a user (system, cli:root@desk-1).
func UserOf(actor string) int64 {
	name, _, _ := strings.Cut(actor, " ")
	id, _ := userActor(name)
	return id
}
