package claims

import (
	"context"
	"errors"
	"strings"
	"testing"

	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

// The outside probe: a 2 MiB body of "ab" with claims quoting "ab" at different starts, then
// a body whose first two characters changed. Every claim must stay on its own occurrence,
// shifted by nothing, without the search that once held the writer for half a minute.
func TestReplaceArticleReanchorsARepetitiveBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(dbtest.Open(t))
	body := strings.Repeat("ab ", 690_000) // "ab" alone is a word now, so spaces part the quotes
	a, err := s.CreateArticle(ctx, identity.System(), ArticleFields{Title: "ab", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	var news []NewClaim
	for i := range 20 {
		start := 3 * (1000 + i*20000)
		news = append(news, NewClaim{ArticleID: a.ID, Quote: "ab", Start: &start})
	}
	made, err := s.CreateClaims(ctx, identity.System(), news)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceArticle(ctx, identity.System(), a.ID, nil, ArticleFields{Title: "ab", Body: "xy " + body[3:]}); err != nil {
		t.Fatal(err)
	}
	for _, c := range made {
		got, err := s.FindClaimByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AnchorStart != c.AnchorStart || got.AnchorState != Anchored || got.ArticleRevision != 2 {
			t.Errorf("claim %d moved from %d to %d (%s, revision %d)", c.ID, c.AnchorStart, got.AnchorStart, got.AnchorState, got.ArticleRevision)
		}
	}
}

// A plan made before the writer was taken is used only for the article version it was made
// from: the transaction re-anchors the claims created since, and says a plan is stale when the
// article itself changed, so that a new one is made outside the writer.
func TestReplaceArticleCompletesOrRefusesAPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Open(t)
	s := NewStore(db)
	a, err := s.CreateArticle(ctx, identity.System(), ArticleFields{Title: "t", Body: "The attacks killed at least 79 Afghans."})
	if err != nil {
		t.Fatal(err)
	}
	f := ArticleFields{Title: "t", Body: "Officials said the attacks killed at least 79 Afghans."}
	if err := f.normalize(); err != nil {
		t.Fatal(err)
	}
	sum := bodyHash(f.Body)
	plan, err := s.planReanchor(ctx, a.ID, f.Body, sum)
	if err != nil {
		t.Fatal(err)
	}
	// A claim created after the plan was made.
	c, err := s.CreateClaim(ctx, identity.System(), NewClaim{ArticleID: a.ID, Quote: "at least 79 Afghans"})
	if err != nil {
		t.Fatal(err)
	}
	replace := func(p *reanchorPlan) (*Article, error) {
		return database.WriteValue(ctx, db, func(ctx context.Context, tx *database.Tx) (*Article, error) {
			return s.In(tx).replaceArticle(ctx, tx, identity.System(), a.ID, nil, f, sum, p)
		})
	}
	stale := *plan
	stale.version--
	if _, err := replace(&stale); !errors.Is(err, errStalePlan) {
		t.Fatalf("a plan of another version: err = %v, want errStalePlan", err)
	}
	if got, _ := s.FindArticleByID(ctx, a.ID); got.Revision != 1 {
		t.Fatalf("a refused plan changed the article: revision %d", got.Revision)
	}
	if _, err := replace(plan); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindClaimByID(ctx, c.ID)
	if err != nil || got.AnchorStart != c.AnchorStart+15 || got.ArticleRevision != 2 {
		t.Errorf("the claim created after the plan: %+v, %v", got, err)
	}
}

// A request whose deadline passed changes nothing: the write is not committed for a client
// that has been told it failed.
func TestReplaceArticleWithAnExpiredContextChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Open(t)
	s := NewStore(db)
	a, err := s.CreateArticle(ctx, identity.System(), ArticleFields{Title: "t", Body: "The attacks killed at least 79 Afghans."})
	if err != nil {
		t.Fatal(err)
	}
	n := dbtest.AuditCount(t, db)
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ReplaceArticle(done, identity.System(), a.ID, nil, ArticleFields{Title: "t", Body: "Another body."}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got, _ := s.FindArticleByID(ctx, a.ID); got.Revision != 1 || dbtest.AuditCount(t, db) != n {
		t.Errorf("a cancelled replace changed something: revision %d", got.Revision)
	}
}

// Claims anchored before the writer was taken are inserted only if their article still has
// the revision they were anchored in.
func TestInsertClaimsRefusesAnchorsOfAnOlderRevision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Open(t)
	s := NewStore(db)
	a, err := s.CreateArticle(ctx, identity.System(), ArticleFields{Title: "t", Body: "The attacks killed at least 79 Afghans."})
	if err != nil {
		t.Fatal(err)
	}
	list := []NewClaim{{ArticleID: a.ID, Quote: "at least 79 Afghans"}}
	if err := list[0].normalize(); err != nil {
		t.Fatal(err)
	}
	p, err := s.anchorAll(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceArticle(ctx, identity.System(), a.ID, nil, ArticleFields{Title: "t", Body: "Officials said the attacks killed at least 79 Afghans."}); err != nil {
		t.Fatal(err)
	}
	_, err = database.WriteValue(ctx, db, func(ctx context.Context, tx *database.Tx) ([]*Claim, error) {
		return s.In(tx).insertClaims(ctx, tx, identity.System(), list, p)
	})
	if !errors.Is(err, errStaleAnchors) {
		t.Fatalf("err = %v, want errStaleAnchors", err)
	}
	c, err := s.CreateClaim(ctx, identity.System(), list[0])
	if err != nil || c.AnchorStart != 34 || c.ArticleRevision != 2 {
		t.Errorf("anchored again: %+v, %v", c, err)
	}
}
