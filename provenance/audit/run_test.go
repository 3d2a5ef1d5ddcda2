package audit_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"verity/provenance/audit"
)

// chain returns n linked events from seq 1, as an export of a whole chain lists them.
func chain(n int) []audit.Event {
	var out []audit.Event
	prev := ""
	for i := 1; i <= n; i++ {
		e := audit.Event{Seq: int64(i), At: time.Date(2026, 12, 1, 9, 0, i, 0, time.UTC), Actor: "system", Action: "claim.create",
			EntityType: "claim", EntityID: fmt.Sprint(i), After: fmt.Sprintf(`{"id":%d}`, i), PrevHash: prev}
		e.Hash = audit.Hash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func run(events []audit.Event, err error) func(yield func(audit.Event, error) bool) {
	return func(yield func(audit.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
		if err != nil {
			yield(audit.Event{}, err)
		}
	}
}

func TestCheckRun(t *testing.T) {
	whole := chain(6)
	pick := func(seqs ...int) []audit.Event {
		var out []audit.Event
		for _, s := range seqs {
			out = append(out, whole[s-1])
		}
		return out
	}
	edited := slices.Clone(whole)
	edited[3].After = `{"id":40}`
	relinked := slices.Clone(whole)
	relinked[2].PrevHash = whole[0].Hash
	relinked[2].Hash = audit.Hash(relinked[2]) // a consistent hash over a wrong link
	tests := []struct {
		name       string
		events     []audit.Event
		head       string
		ok         bool
		broken     int64
		contiguous bool
		gaps, miss int64
		links      int64
		genesis    bool
	}{
		{"whole chain", whole, "", true, 0, true, 0, 0, 6, true},
		{"a tail of the chain", pick(3, 4, 5), "", true, 0, true, 0, 0, 2, false},
		{"a filtered run", pick(1, 2, 5), "", true, 0, false, 1, 2, 2, true},
		{"empty", nil, "", true, 0, true, 0, 0, 0, false},
		{"a changed cell", edited, "", false, 4, true, 0, 0, 3, true},
		{"a changed link", relinked, "", false, 3, true, 0, 0, 2, true},
		{"out of order", pick(1, 3, 2), "", false, 2, false, 1, 1, 1, true},
		{"repeated", pick(1, 2, 2), "", false, 2, true, 0, 0, 2, true},
		{"known head present", whole, whole[4].Hash, true, 0, true, 0, 0, 6, true},
		{"known head absent", pick(1, 2), whole[4].Hash, false, 0, true, 0, 0, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := audit.CheckRun(run(tt.events, nil), tt.head)
			if err != nil {
				t.Fatal(err)
			}
			broken := int64(0)
			if r.BrokenSeq != nil {
				broken = *r.BrokenSeq
			}
			if r.OK != tt.ok || broken != tt.broken || r.Contiguous != tt.contiguous || r.Gaps != tt.gaps || r.Missing != tt.miss ||
				r.LinksChecked != tt.links || r.FromGenesis != tt.genesis || (!r.OK && r.Reason == "") {
				t.Errorf("report %+v", r)
			}
		})
	}
	t.Run("a genesis event with a prev_hash", func(t *testing.T) {
		e := whole[0]
		e.PrevHash = whole[1].Hash
		e.Hash = audit.Hash(e)
		r, _ := audit.CheckRun(run([]audit.Event{e}, nil), "")
		if r.OK || r.BrokenSeq == nil || *r.BrokenSeq != 1 {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("a file that cannot be read", func(t *testing.T) {
		bad := errors.New("line 4: seq \"x\" is not an event's number")
		r, err := audit.CheckRun(run(whole[:2], bad), "")
		if !errors.Is(err, bad) || r.Count != 2 {
			t.Errorf("err %v, report %+v", err, r)
		}
	})
}
