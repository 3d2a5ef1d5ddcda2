package provenance_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

func TestCreateCitation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	official := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official")

	t.Run("defaults and loads the source", func(t *testing.T) {
		seq := headSeq(t, db)
		ci, err := st.CreateCitation(ctx, identity.System(), provenance.NewCitation{
			ClaimID: c.ID, SourceID: official.ID, Attribution: " said an Indian official ", Locator: "para 3",
		})
		if err != nil {
			t.Fatal(err)
		}
		if ci.ID == 0 || ci.ClaimID != c.ID || ci.Relation != provenance.AttributedTo || ci.Attribution != "said an Indian official" ||
			ci.Locator != "para 3" || ci.CreatedBy != nil || ci.CreatedAt.IsZero() {
			t.Errorf("citation = %+v", ci)
		}
		if ci.Source == nil || ci.Source.ID != official.ID || ci.Source.Name != "Indian official" {
			t.Errorf("source = %+v", ci.Source)
		}
		e := expectOneEvent(t, db, seq, "citation.create", "citation", fmt.Sprint(ci.ID))
		if !strings.Contains(e.After, `"relation":"attributed_to"`) {
			t.Errorf("audit after = %s", e.After)
		}
	})

	for _, tc := range []struct {
		name  string
		n     provenance.NewCitation
		kind  fault.Kind
		field string
		msg   string
	}{
		{"missing claim", provenance.NewCitation{ClaimID: 999, SourceID: official.ID}, fault.NotFound, "", "claim 999 not found"},
		{"missing source", provenance.NewCitation{ClaimID: c.ID, SourceID: 999}, fault.Invalid, "source_id", ""},
		{"no source", provenance.NewCitation{ClaimID: c.ID}, fault.Invalid, "source_id", ""},
		{"bad relation", provenance.NewCitation{ClaimID: c.ID, SourceID: official.ID, Relation: "inspired_by"}, fault.Invalid, "relation", ""},
		{"long attribution", provenance.NewCitation{ClaimID: c.ID, SourceID: official.ID, Attribution: strings.Repeat("a", 1001)}, fault.Invalid, "attribution", ""},
		{"bad locator", provenance.NewCitation{ClaimID: c.ID, SourceID: official.ID, Locator: "p\x00"}, fault.Invalid, "locator", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, seq := countRows(t, db, "citations"), headSeq(t, db)
			_, err := st.CreateCitation(ctx, identity.System(), tc.n)
			dbtest.WantKind(t, err, tc.kind, "")
			if tc.field != "" {
				wantFields(t, err, tc.field)
			}
			if tc.msg != "" && fault.As(err).Message != tc.msg {
				t.Errorf("message = %q, want %q", fault.As(err).Message, tc.msg)
			}
			if countRows(t, db, "citations") != rows || headSeq(t, db) != seq {
				t.Error("a refused citation was written")
			}
		})
	}
	verifyAudit(t, db)
}

func TestFindCitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	body := "The UN said 4,000 fighters; an official said 2,000."
	c1 := mustClaim(t, db, body, "4,000 fighters")
	c2 := mustClaim(t, db, body, "2,000")
	bare := mustClaim(t, db, body, "The UN")
	un := mustSource(t, st, provenance.KindReport, "UN report")
	official := mustSource(t, st, provenance.KindAnonymousOfficial, "an official")

	cite := func(claimID, sourceID int64, rel provenance.Relation) int64 {
		t.Helper()
		ci, err := st.CreateCitation(ctx, identity.System(), provenance.NewCitation{ClaimID: claimID, SourceID: sourceID, Relation: rel})
		if err != nil {
			t.Fatal(err)
		}
		return ci.ID
	}
	a := cite(c1.ID, un.ID, provenance.DerivedFrom)
	b := cite(c1.ID, official.ID, provenance.QuotedFrom)
	cite(c2.ID, official.ID, "")
	d := cite(c2.ID, un.ID, "")
	e := cite(c2.ID, un.ID, provenance.QuotedFrom)

	t.Run("by claim", func(t *testing.T) {
		list, err := st.ClaimCitations(ctx, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != a || list[1].ID != b {
			t.Fatalf("citations = %+v", list)
		}
		if list[0].Source == nil || list[0].Source.Name != "UN report" || list[1].Source == nil || list[1].Source.Name != "an official" {
			t.Errorf("sources not loaded: %+v, %+v", list[0].Source, list[1].Source)
		}
		if list[1].Relation != provenance.QuotedFrom {
			t.Errorf("relation = %q", list[1].Relation)
		}
	})

	t.Run("claim without citations", func(t *testing.T) {
		list, err := st.ClaimCitations(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if list == nil || len(list) != 0 {
			t.Errorf("citations = %#v, want an empty slice", list)
		}
	})

	t.Run("missing claim", func(t *testing.T) {
		_, err := st.ClaimCitations(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
	})

	t.Run("by source, paged", func(t *testing.T) {
		var got []int64
		var after int64
		for {
			list, more, err := st.FindCitationsBySource(ctx, un.ID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, ci := range list {
				if ci.SourceID != un.ID || ci.Source == nil || ci.Source.ID != un.ID {
					t.Errorf("citation %+v", ci)
				}
				got = append(got, ci.ID)
			}
			if !more {
				break
			}
			after = list[len(list)-1].ID
		}
		if fmt.Sprint(got) != fmt.Sprint([]int64{a, d, e}) {
			t.Errorf("citations of the UN report = %v, want %v", got, []int64{a, d, e})
		}
	})

	t.Run("by claim, paged", func(t *testing.T) {
		var got []int64
		var after int64
		for {
			list, more, err := st.FindCitationsByClaim(ctx, c2.ID, after, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, ci := range list {
				if ci.ClaimID != c2.ID || ci.Source == nil || ci.Source.ID != ci.SourceID {
					t.Errorf("citation %+v", ci)
				}
				got = append(got, ci.ID)
			}
			if !more {
				break
			}
			after = list[len(list)-1].ID
		}
		if len(got) != 3 || got[1] != d || got[2] != e {
			t.Errorf("citations of claim 2 = %v, want three ending %d, %d", got, d, e)
		}
		list, more, err := st.FindCitationsByClaim(ctx, bare.ID, 0, 5)
		if err != nil || more || list == nil || len(list) != 0 {
			t.Errorf("citations of a bare claim = %v, %v, %v", list, more, err)
		}
		_, _, err = st.FindCitationsByClaim(ctx, 999, 0, 5)
		dbtest.WantKind(t, err, fault.NotFound, "")
		_, _, err = st.FindCitationsByClaim(ctx, c2.ID, 0, 0)
		wantFields(t, err, "limit")
	})

	t.Run("by source, errors", func(t *testing.T) {
		_, _, err := st.FindCitationsBySource(ctx, 999, 0, 10)
		dbtest.WantKind(t, err, fault.NotFound, "")
		_, _, err = st.FindCitationsBySource(ctx, un.ID, 0, 0)
		wantFields(t, err, "limit")
	})
}

// TestCreateClaimsBoundsCitations refuses a claim that would cite more sources than one claim
// may before anything is written, naming the list, for every caller of the domain.
func TestCreateClaimsBoundsCitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official.", "At least 79 Afghans were killed")
	var cites []provenance.NewCitation
	for i := range provenance.MaxCitationsPerClaim + 1 {
		cites = append(cites, provenance.NewCitation{SourceID: mustSource(t, st, provenance.KindAnonymousOfficial, fmt.Sprintf("Official %d", i)).ID})
	}
	rows, seq := countRows(t, db, "claims"), headSeq(t, db)
	_, err := st.CreateClaims(ctx, identity.System(), []provenance.CitedClaim{{NewClaim: claims.NewClaim{ArticleID: c.ArticleID, Quote: "said an Indian official"}, Citations: cites}})
	dbtest.WantKind(t, err, fault.Invalid, "citations")
	if countRows(t, db, "claims") != rows || headSeq(t, db) != seq {
		t.Error("a refused claim changed the database")
	}
}

// TestCreateClaimsReadsEveryCitedSource: the sources a claim cites are read together before
// the writer is taken; each citation gets its own, a source cited twice is read once, and a
// source that does not exist is reported on its citation, with nothing written.
func TestCreateClaimsReadsEveryCitedSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "At least 79 Afghans were killed, said an Indian official. The UN counted 80.", "At least 79 Afghans were killed")
	a := mustSource(t, st, provenance.KindAnonymousOfficial, "Indian official")
	b := mustSource(t, st, provenance.KindReport, "UN count")
	made, err := st.CreateClaims(ctx, identity.System(), []provenance.CitedClaim{{
		NewClaim: claims.NewClaim{ArticleID: c.ArticleID, Quote: "The UN counted 80."},
		Citations: []provenance.NewCitation{
			{SourceID: b.ID, Locator: "table 1"}, {SourceID: a.ID}, {SourceID: b.ID, Locator: "table 2"},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range made[0].Citations {
		got = append(got, ct.Source.Name+" "+ct.Locator)
	}
	if want := []string{"UN count table 1", "Indian official ", "UN count table 2"}; !slices.Equal(got, want) {
		t.Errorf("citations cite %q, want %q", got, want)
	}
	rows, seq := countRows(t, db, "claims"), headSeq(t, db)
	_, err = st.CreateClaims(ctx, identity.System(), []provenance.CitedClaim{{
		NewClaim:  claims.NewClaim{ArticleID: c.ArticleID, Quote: "said an Indian official"},
		Citations: []provenance.NewCitation{{SourceID: a.ID}, {SourceID: 999}, {SourceID: b.ID}},
	}})
	wantFields(t, err, "citations[1].source_id")
	if countRows(t, db, "claims") != rows || headSeq(t, db) != seq {
		t.Error("a refused claim changed the database")
	}
}
