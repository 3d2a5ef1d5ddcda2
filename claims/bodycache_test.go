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

func TestBodyCacheKeepsTheMostRecentlyUsedWithinItsBound(t *testing.T) {
	c := newBodyCache(100)
	key := func(i int) revisionKey { return revisionKey{article: int64(i), revision: 1} }
	for i := range 4 {
		c.put(key(i), strings.Repeat("x", 25))
	}
	if _, ok := c.get(key(0)); !ok { // now the most recently used
		t.Fatal("body 0 was dropped within the bound")
	}
	c.put(key(4), strings.Repeat("y", 25))
	if _, ok := c.get(key(1)); ok {
		t.Error("body 1, the least recently used, was kept past the bound")
	}
	for _, i := range []int{0, 2, 3, 4} {
		if _, ok := c.get(key(i)); !ok {
			t.Errorf("body %d was dropped", i)
		}
	}
	if c.size != 100 {
		t.Errorf("size %d, want 100", c.size)
	}
	c.put(key(5), strings.Repeat("z", 26))
	if _, ok := c.get(key(5)); ok {
		t.Error("a body larger than a quarter of the bound was kept")
	}
}

// storeWithArticle returns a new database and Store holding one article, created (and so
// kept) by that Store.
func storeWithArticle(t *testing.T) (*database.DB, *Store, *Article) {
	t.Helper()
	db := dbtest.Open(t)
	s := NewStore(db)
	a, err := s.CreateArticle(context.Background(), identity.System(), ArticleFields{Title: "t", Body: "The attacks killed at least 79 Afghans."})
	if err != nil {
		t.Fatal(err)
	}
	return db, s, a
}

// A body read once is kept: the next read of that revision does not go to the database
// (here the stored row is overwritten behind the store's back, which nothing in Verity does).
func TestArticleBodyIsKeptAfterItsFirstRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, s, a := storeWithArticle(t)
	if _, err := db.Bun().NewRaw("UPDATE article_revisions SET body = ? WHERE article_id = ?", []byte("changed"), a.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindArticleByID(ctx, a.ID)
	if err != nil || got.Body != "The attacks killed at least 79 Afghans." {
		t.Fatalf("body %q (%v), want the one created, kept", got.Body, err)
	}
	// Another store keeps nothing yet, and reads the row.
	got, err = NewStore(db).FindArticleByID(ctx, a.ID)
	if err != nil || got.Body != "changed" {
		t.Fatalf("a new store read %q (%v)", got.Body, err)
	}
}

// A revision that a transaction wrote and then rolled back is not kept: its number is
// written again with another body, and that body is what is read.
func TestArticleBodyOfARolledBackRevisionIsNotKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, s, a := storeWithArticle(t)
	undo := errors.New("roll back")
	err := db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		in := s.In(tx)
		if _, err := in.ReplaceArticle(ctx, identity.System(), a.ID, nil, ArticleFields{Title: "t", Body: "Rolled back."}); err != nil {
			return err
		}
		if got, err := in.FindArticleByID(ctx, a.ID); err != nil || got.Body != "Rolled back." {
			t.Errorf("inside the transaction: %q (%v)", got.Body, err)
		}
		return undo
	})
	if !errors.Is(err, undo) {
		t.Fatal(err)
	}
	if _, err := s.ReplaceArticle(ctx, identity.System(), a.ID, nil, ArticleFields{Title: "t", Body: "Committed."}); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindArticleByID(ctx, a.ID)
	if err != nil || got.Revision != 2 || got.Body != "Committed." {
		t.Fatalf("revision %d: %q (%v), want revision 2 as committed", got.Revision, got.Body, err)
	}
}

// BenchmarkReadCurrentBody is the article read of every claim created, its body kept, beside
// BenchmarkFindArticleByID/kept (the whole row through bun, which anchoring read before).
func BenchmarkReadCurrentBody(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b)
	s := NewStore(db)
	a, err := s.CreateArticle(ctx, identity.System(), ArticleFields{Title: "t", Body: strings.Repeat("The attacks killed at least 79 Afghans. ", 200)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := s.readCurrentBody(ctx, a.ID); err != nil || got.Revision != 1 {
			b.Fatal(err)
		}
	}
}
