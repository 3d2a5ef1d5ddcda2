package provenance_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/provtest"
)

func TestClaimGraph(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	c := mustClaim(t, db, "Jane Doe said 2,000 fighters remain, the report found.", "2,000 fighters remain")
	f := provtest.NewGraph(t, st, c)

	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Claim.ID != c.ID || g.Article == nil || g.Article.ID != c.ArticleID {
		t.Fatalf("graph claim/article = %+v / %+v", g.Claim, g.Article)
	}
	if len(g.Citations) != 2 || g.Citations[0].Source == nil || g.Citations[0].Source.Name != "person" {
		t.Errorf("citations = %+v", g.Citations)
	}
	name := map[int64]string{}
	for k, s := range f.Sources {
		name[s.ID] = k
	}
	var edges []string
	for _, d := range g.Upstream {
		edges = append(edges, name[d.SourceID]+"<-"+name[d.DerivedFromID])
	}
	if got, want := strings.Join(edges, " "), "report<-government report<-dataset government<-agency dataset<-document"; got != want {
		t.Errorf("upstream = %q, want %q", got, want)
	}
	var sources []string
	for id, s := range g.Sources {
		if s.ID != id {
			t.Errorf("Sources[%d] holds source %d", id, s.ID)
		}
		sources = append(sources, name[id])
	}
	slices.Sort(sources)
	if got := strings.Join(sources, " "); got != "agency dataset document government person report" {
		t.Errorf("sources = %s", got)
	}
	if g.Reviews == nil || len(g.Reviews) != 0 || len(g.Reviewers) != 0 {
		t.Errorf("a claim never reviewed has reviews %+v by %v", g.Reviews, g.Reviewers)
	}

	t.Run("claim without citations", func(t *testing.T) {
		bare := mustClaim(t, db, "Nothing cited here.", "Nothing cited")
		g, err := st.ClaimGraph(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Citations == nil || len(g.Citations) != 0 || len(g.Upstream) != 0 || g.Sources == nil || len(g.Sources) != 0 {
			t.Errorf("graph = %+v", g)
		}
	})

	t.Run("missing claim", func(t *testing.T) {
		_, err := st.ClaimGraph(ctx, 999)
		dbtest.WantKind(t, err, fault.NotFound, "")
	})
}

// TestGraphCarriesTheReviewHistory checks that the graph holds every transition, in order,
// past a page of the listing, and the name of each user who made one.
func TestGraphCarriesTheReviewHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenDB(t)
	st := provenance.NewStore(db)
	cs := claims.NewStore(db)
	c := mustClaim(t, db, "The report counted 2,200 fighters.", "2,200 fighters")
	ids := identity.NewStore(db)
	var actors []identity.Actor
	for _, n := range []struct{ email, name string }{{"rev@example.org", "Rita Reviewer"}, {"ed@example.org", "Ed Editor"}} {
		u, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{Email: n.email, Name: n.name, Role: identity.RoleEditor, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		actors = append(actors, u.Actor())
	}
	if _, err := cs.AddEvidence(ctx, actors[0], claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/r", Stance: claims.StanceSupports}); err != nil {
		t.Fatal(err)
	}
	version := c.Version
	move := func(a identity.Actor, tr claims.Transition) {
		t.Helper()
		cl, _, err := cs.Transition(ctx, a, c.ID, version, tr)
		if err != nil {
			t.Fatal(err)
		}
		version = cl.Version
	}
	// 110 rounds of reject make more transitions than one page of the listing holds.
	move(actors[0], claims.Transition{Action: claims.ActionStart})
	const rounds = 110
	for range rounds {
		move(actors[0], claims.Transition{Action: claims.ActionPropose, Status: claims.StatusVerified, Rationale: "counted"})
		move(actors[1], claims.Transition{Action: claims.ActionReject, Rationale: "count again"})
	}
	g, err := st.ClaimGraph(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Reviews) != 1+2*rounds {
		t.Fatalf("%d reviews, want %d", len(g.Reviews), 1+2*rounds)
	}
	for i := 1; i < len(g.Reviews); i++ {
		if g.Reviews[i].ID <= g.Reviews[i-1].ID {
			t.Fatalf("reviews out of order at %d: %d after %d", i, g.Reviews[i].ID, g.Reviews[i-1].ID)
		}
	}
	if last := g.Reviews[len(g.Reviews)-1]; last.Action != claims.ActionReject || last.ClaimVersion != version {
		t.Errorf("last review = %+v, want the reject at version %d", last, version)
	}
	want := map[int64]string{actors[0].UserID: "Rita Reviewer", actors[1].UserID: "Ed Editor"}
	if len(g.Reviewers) != 2 || g.Reviewers[actors[0].UserID] != want[actors[0].UserID] || g.Reviewers[actors[1].UserID] != want[actors[1].UserID] {
		t.Errorf("reviewers = %v, want %v", g.Reviewers, want)
	}
}
