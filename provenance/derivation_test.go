package provenance_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

func TestAddDerivation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	// s[i] derives from s[i+1]: a chain 1 <- 2 <- ... <- 6, read "1 derives from 2".
	var s []int64
	for i := range 7 {
		s = append(s, mustSource(t, st, provenance.KindReport, fmt.Sprintf("source %d", i)).ID)
	}
	editor := mustUser(t, db, "ed@example.org")
	for i := range 5 {
		seq := headSeq(t, db)
		d, err := st.AddDerivation(ctx, editor, s[i], s[i+1], fmt.Sprintf(" draws on %d ", i+1))
		if err != nil {
			t.Fatal(err)
		}
		if d.SourceID != s[i] || d.DerivedFromID != s[i+1] || d.Note != fmt.Sprintf("draws on %d", i+1) ||
			d.CreatedBy == nil || *d.CreatedBy != editor.UserID || d.CreatedAt.IsZero() {
			t.Errorf("derivation = %+v", d)
		}
		e := expectOneEvent(t, db, seq, "source.derive", "source_derivation", fmt.Sprintf("%d<-%d", s[i], s[i+1]))
		if e.Actor != editor.AuditName() || !strings.Contains(e.After, fmt.Sprintf(`"derived_from_id":%d`, s[i+1])) {
			t.Errorf("audit event = %+v", e)
		}
	}

	for _, tc := range []struct {
		name          string
		source, from  int64
		note          string
		kind          fault.Kind
		field         string
		messageEquals string
	}{
		{name: "self", source: s[2], from: s[2], kind: fault.Invalid, field: "derived_from_id"},
		{name: "no upstream", source: s[2], from: 0, kind: fault.Invalid, field: "derived_from_id"},
		{name: "missing source", source: 999, from: s[2], kind: fault.NotFound, messageEquals: "source 999 not found"},
		{name: "missing upstream", source: s[2], from: 999, kind: fault.Invalid, field: "derived_from_id"},
		{name: "bad note", source: s[0], from: s[6], note: "\xff", kind: fault.Invalid, field: "note"},
		{name: "duplicate", source: s[0], from: s[1], kind: fault.Conflict,
			messageEquals: fmt.Sprintf("source %d already derives from source %d", s[0], s[1])},
		{name: "direct cycle", source: s[1], from: s[0], kind: fault.Conflict,
			messageEquals: fmt.Sprintf("source %d already derives from source %d via %d → %d; deriving %d from %d would make a cycle",
				s[0], s[1], s[1], s[0], s[1], s[0])},
		{name: "long cycle", source: s[5], from: s[0], kind: fault.Conflict,
			messageEquals: fmt.Sprintf("source %d already derives from source %d via %d → %d → %d → %d → %d → %d; deriving %d from %d would make a cycle",
				s[0], s[5], s[5], s[4], s[3], s[2], s[1], s[0], s[5], s[0])},
		{name: "short cycle inside", source: s[4], from: s[2], kind: fault.Conflict,
			messageEquals: fmt.Sprintf("source %d already derives from source %d via %d → %d → %d; deriving %d from %d would make a cycle",
				s[2], s[4], s[4], s[3], s[2], s[4], s[2])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, seq := countRows(t, db, "source_derivations"), headSeq(t, db)
			_, err := st.AddDerivation(ctx, identity.System(), tc.source, tc.from, tc.note)
			dbtest.WantKind(t, err, tc.kind, "")
			if tc.field != "" {
				wantFields(t, err, tc.field)
			}
			if tc.messageEquals != "" && fault.As(err).Message != tc.messageEquals {
				t.Errorf("message = %q\n     want %q", fault.As(err).Message, tc.messageEquals)
			}
			if countRows(t, db, "source_derivations") != rows || headSeq(t, db) != seq {
				t.Error("a refused derivation was written")
			}
		})
	}

	t.Run("a shortcut along the chain is no cycle", func(t *testing.T) {
		if _, err := st.AddDerivation(ctx, identity.System(), s[0], s[3], ""); err != nil {
			t.Fatal(err)
		}
	})
	verifyAudit(t, db)
}

func TestFindUpstreamAndDownstream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	src := map[string]int64{}
	for _, n := range []string{"article", "agency", "official", "report", "briefing", "dataset", "unrelated"} {
		src[n] = mustSource(t, st, provenance.KindDocument, n).ID
	}
	edge := func(a, b string) {
		t.Helper()
		if _, err := st.AddDerivation(ctx, identity.System(), src[a], src[b], ""); err != nil {
			t.Fatalf("%s <- %s: %v", a, b, err)
		}
	}
	// A diamond: agency and report both draw on the briefing, which must come back once.
	edge("article", "agency")
	edge("article", "report")
	edge("agency", "official")
	edge("agency", "briefing")
	edge("report", "briefing")
	edge("briefing", "dataset")
	edge("unrelated", "dataset")

	name := map[int64]string{}
	for n, id := range src {
		name[id] = n
	}
	show := func(ds []provenance.Derivation) string {
		var parts []string
		for _, d := range ds {
			parts = append(parts, name[d.SourceID]+"<-"+name[d.DerivedFromID])
		}
		return strings.Join(parts, " ")
	}

	for _, tc := range []struct {
		from string
		want string
	}{
		// Breadth-first: the article's own edges, then the agency's and the report's, then the
		// briefing's, once.
		{"article", "article<-agency article<-report agency<-official agency<-briefing report<-briefing briefing<-dataset"},
		{"report", "report<-briefing briefing<-dataset"},
		{"dataset", ""},
	} {
		t.Run("upstream of "+tc.from, func(t *testing.T) {
			got, err := st.FindUpstream(ctx, src[tc.from])
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Error("nil list")
			}
			if show(got) != tc.want {
				t.Errorf("upstream = %q\n      want %q", show(got), tc.want)
			}
		})
	}

	t.Run("downstream of dataset", func(t *testing.T) {
		got, err := st.FindDownstream(ctx, src["dataset"])
		if err != nil {
			t.Fatal(err)
		}
		if show(got) != "briefing<-dataset unrelated<-dataset" {
			t.Errorf("downstream = %q", show(got))
		}
	})

	t.Run("missing source", func(t *testing.T) {
		_, err := st.FindUpstream(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
		_, err = st.FindDownstream(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
	})
}

// TestConcurrentDerivationsCannotFormACycle races pairs of opposite edges; whatever the
// interleaving, exactly one of each pair may win. On PostgreSQL this exercises the table lock.
func TestConcurrentDerivationsCannotFormACycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	const pairs = 8
	var wg sync.WaitGroup
	errs := make([][2]error, pairs)
	for i := range pairs {
		a := mustSource(t, st, provenance.KindReport, fmt.Sprintf("a%d", i)).ID
		b := mustSource(t, st, provenance.KindReport, fmt.Sprintf("b%d", i)).ID
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[i][0] = st.AddDerivation(ctx, identity.System(), a, b, "")
		}()
		go func() {
			defer wg.Done()
			_, errs[i][1] = st.AddDerivation(ctx, identity.System(), b, a, "")
		}()
	}
	wg.Wait()
	for i, e := range errs {
		ok := 0
		for _, err := range e {
			switch {
			case err == nil:
				ok++
			case !fault.Is(err, fault.Conflict):
				t.Errorf("pair %d: unexpected error %v", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("pair %d: %d of 2 opposite edges were added: %v", i, ok, e)
		}
	}
	if n := countRows(t, db, "source_derivations"); n != pairs {
		t.Errorf("%d derivations, want %d", n, pairs)
	}
	verifyAudit(t, db)
}
