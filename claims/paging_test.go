package claims_test

import (
	"fmt"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// pageAll walks a listing through find, page after page of size limit, and returns the ids
// in the order listed; find returns a page's ids and whether another follows.
func pageAll(t *testing.T, limit int, find func(after int64, limit int) ([]int64, bool, error)) []int64 {
	t.Helper()
	var all []int64
	after := int64(0)
	for range 100 {
		ids, more, err := find(after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > limit || more && len(ids) != limit {
			t.Fatalf("page of %d with limit %d, more %v", len(ids), limit, more)
		}
		all = append(all, ids...)
		if !more {
			return all
		}
		after = ids[len(ids)-1]
	}
	t.Fatal("the listing never ends")
	return nil
}

func TestSubListsPageInSQL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita := f.as(t, "rita")
	c := f.claim(t)
	var want []int64
	for range 5 {
		want = append(want, f.evidence(t, c, rita).ID)
	}
	got := pageAll(t, 2, func(after int64, limit int) ([]int64, bool, error) {
		list, more, err := f.s.FindEvidence(f.ctx, c.ID, after, limit)
		ids := make([]int64, len(list))
		for i, e := range list {
			ids[i] = e.ID
		}
		return ids, more, err
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("paged evidence = %v, want %v", got, want)
	}

	c = f.move(t, rita, c, start)
	c = f.move(t, rita, c, propose)
	f.move(t, f.as(t, "eve"), c, reject)
	events := pageAll(t, 1, func(after int64, limit int) ([]int64, bool, error) {
		list, more, err := f.s.FindReviewEvents(f.ctx, c.ID, after, limit)
		ids := make([]int64, len(list))
		for i, e := range list {
			ids[i] = e.ID
		}
		return ids, more, err
	})
	if len(events) != 3 || events[0] >= events[1] || events[1] >= events[2] {
		t.Errorf("paged transitions = %v, want 3 in id order", events)
	}

	revisions := pageAll(t, 1, func(after int64, limit int) ([]int64, bool, error) {
		list, more, err := f.s.FindRevisions(f.ctx, f.art.ID, int(after), limit)
		ids := make([]int64, len(list))
		for i, r := range list {
			ids[i] = int64(r.Revision)
		}
		return ids, more, err
	})
	if fmt.Sprint(revisions) != "[1]" {
		t.Errorf("paged revisions = %v", revisions)
	}

	bare := f.claim(t)
	if list, more, err := f.s.FindEvidence(f.ctx, bare.ID, 0, 10); err != nil || more || list == nil || len(list) != 0 {
		t.Errorf("evidence of a claim without any = %v, %v, %v; want an empty page", list, more, err)
	}
	for name, find := range map[string]func(id int64, limit int) error{
		"evidence": func(id int64, limit int) error {
			_, _, err := f.s.FindEvidence(f.ctx, id, 0, limit)
			return err
		},
		"transitions": func(id int64, limit int) error {
			_, _, err := f.s.FindReviewEvents(f.ctx, id, 0, limit)
			return err
		},
		"revisions": func(id int64, limit int) error {
			_, _, err := f.s.FindRevisions(f.ctx, id, 0, limit)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			dbtest.WantKind(t, find(999999, 10), fault.NotFound, "")
			dbtest.WantKind(t, find(c.ID, 0), fault.Invalid, "limit")
		})
	}
	_, err := f.s.FindRevision(f.ctx, f.art.ID, 2)
	dbtest.WantKind(t, err, fault.NotFound, "")
}

// TestTextOrderListingKeepsItsSnapshot pages an article's claims in text order while claims
// are added before the cursor and after it: each page shows exactly the claims of the first
// page's moment, each once, in text order. A new revision refuses the next page.
func TestTextOrderListingKeepsItsSnapshot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Claims at every other statement, created in reverse text order so that id order and
	// text order differ.
	var existing []*claims.Claim
	for i := 40; i >= 0; i -= 2 {
		c, err := f.s.CreateClaim(f.ctx, identity.System(), claims.NewClaim{ArticleID: f.art.ID, Quote: fmt.Sprintf("Statement %03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		existing = append(existing, c)
	}
	snap, err := f.s.SnapshotClaims(f.ctx, f.art.ID)
	if err != nil || snap.Revision != 1 {
		t.Fatalf("snapshot = %+v, %v", snap, err)
	}
	filter := claims.Filter{ArticleID: f.art.ID, Order: claims.ByPosition, Snapshot: &snap, Limit: 4}
	seen := map[int64]bool{}
	prev := -1
	added := 0
	for {
		list, more, err := f.s.FindClaims(f.ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if seen[c.ID] {
				t.Fatalf("claim %d repeated", c.ID)
			}
			if c.AnchorStart < prev {
				t.Fatalf("claim %d at %d after %d: not in text order", c.ID, c.AnchorStart, prev)
			}
			seen[c.ID], prev = true, c.AnchorStart
		}
		if !more {
			break
		}
		k := claims.KeyOf(list[len(list)-1], claims.ByPosition)
		filter.After = &k
		// Between pages, claims appear both before and after the position reached.
		for _, n := range []int{1 + 2*added, 41 - 2*added} {
			if _, err := f.s.CreateClaim(f.ctx, identity.System(), claims.NewClaim{ArticleID: f.art.ID, Quote: fmt.Sprintf("Statement %03d", n)}); err != nil {
				t.Fatal(err)
			}
		}
		added++
	}
	if added == 0 {
		t.Fatal("one page held everything; the test proves nothing")
	}
	for _, c := range existing {
		if !seen[c.ID] {
			t.Errorf("claim %d (at %d) existed at the first page but was skipped", c.ID, c.AnchorStart)
		}
	}
	if len(seen) != len(existing) {
		t.Errorf("saw %d claims, want the %d of the snapshot", len(seen), len(existing))
	}

	// A new revision moves the claims: a cursor of the old one is refused, a new snapshot
	// pages again.
	filter.After = &claims.Key{Start: existing[len(existing)-1].AnchorStart, ID: existing[len(existing)-1].ID}
	if _, err := f.s.ReplaceArticle(f.ctx, identity.System(), f.art.ID, nil, claims.ArticleFields{Title: "Workflow", Body: "Preface. " + f.art.Body}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.s.FindClaims(f.ctx, filter)
	dbtest.WantKind(t, err, fault.Conflict, "")
	fresh, err := f.s.SnapshotClaims(f.ctx, f.art.ID)
	if err != nil || fresh.Revision != 2 {
		t.Fatalf("snapshot after the edit = %+v, %v", fresh, err)
	}
	filter.Snapshot, filter.After = &fresh, nil
	if list, _, err := f.s.FindClaims(f.ctx, filter); err != nil || len(list) != 4 {
		t.Errorf("first page after the edit = %d claims, %v", len(list), err)
	}
	_, err = f.s.SnapshotClaims(f.ctx, 999999)
	dbtest.WantKind(t, err, fault.NotFound, "")
}
