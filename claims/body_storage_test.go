package claims_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// TestArticleBodyIsStoredOnceCompressed: a body is kept once, as its revision, compressed;
// the article, the revision and the revision listing read it back as it was given.
func TestArticleBodyIsStoredOnceCompressed(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	ctx := context.Background()
	long := strings.Repeat("Officials in Kabul said the «ceasefire» held — for now. ", 200)
	a, err := s.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "Long", Body: long})
	if err != nil {
		t.Fatal(err)
	}
	a, err = s.ReplaceArticle(ctx, identity.System(), a.ID, nil, claims.ArticleFields{Title: "Long", Body: long + "Correction."})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.FindArticleByID(ctx, a.ID)
	if err != nil || got.Body != long+"Correction." || got.Revision != 2 {
		t.Fatalf("article: revision %d, %d bytes of body (%v)", got.Revision, len(got.Body), err)
	}
	first, err := s.FindRevision(ctx, a.ID, 1)
	if err != nil || first.Body != long || first.BodyLength != utf8.RuneCountInString(long) {
		t.Fatalf("revision 1: %d bytes, length %d (%v)", len(first.Body), first.BodyLength, err)
	}
	revs, _, err := s.FindRevisions(ctx, a.ID, 0, 10)
	if err != nil || len(revs) != 2 || revs[1].BodyLength != utf8.RuneCountInString(long+"Correction.") || revs[1].Body != "" {
		t.Fatalf("revisions: %+v (%v)", revs, err)
	}
	var stored []struct {
		Revision int
		Size     int
	}
	if err := db.Bun().NewRaw("SELECT revision, length(body) AS size FROM article_revisions WHERE article_id = ? ORDER BY revision", a.ID).Scan(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	for _, r := range stored {
		if r.Size*4 > len(long) {
			t.Errorf("revision %d stores %d bytes for a body of %d", r.Revision, r.Size, len(long))
		}
	}
}
