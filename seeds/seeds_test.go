package seeds_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/audit"
	"verity/seeds"
)

func TestArticleIsVerbatim(t *testing.T) {
	shared, err := os.ReadFile("../../shared/seed-article.txt")
	if err != nil {
		t.Skipf("shared/ is not beside this checkout: %v", err)
	}
	d, err := seeds.Read()
	if err != nil {
		t.Fatal(err)
	}
	if d.Body != string(shared) {
		t.Error("seeds/article.txt differs from shared/seed-article.txt")
	}
	if !norm.NFC.IsNormalString(d.Body) || !utf8.ValidString(d.Body) {
		t.Error("the article is not valid NFC UTF-8")
	}
}

func TestLoadAnchorsEveryClaimAndCitesEverySource(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	d, err := seeds.Read()
	if err != nil {
		t.Fatal(err)
	}
	r, err := seeds.Load(ctx, db, identity.System())
	if err != nil {
		t.Fatal(err)
	}
	if r.Claims != len(d.Claims) || r.Sources != len(d.Sources) || r.Claims < 40 {
		t.Fatalf("loaded %+v from %d claims and %d sources", r, len(d.Claims), len(d.Sources))
	}

	cs := claims.NewStore(db)
	a, err := cs.FindArticleByID(ctx, r.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	body := []rune(a.Body)
	list, _, err := cs.FindClaims(ctx, claims.Filter{ArticleID: a.ID, Order: claims.ByPosition, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(d.Claims) {
		t.Fatalf("%d claims stored, %d in claims.json", len(list), len(d.Claims))
	}
	for _, c := range list {
		if got := string(body[c.AnchorStart:c.AnchorEnd]); got != c.Quote {
			t.Errorf("claim %d: body[%d:%d] = %q, quote %q", c.ID, c.AnchorStart, c.AnchorEnd, got, c.Quote)
		}
		if got := string(body[max(0, c.AnchorStart-claims.ContextLength):c.AnchorStart]); got != c.AnchorPrefix {
			t.Errorf("claim %d: prefix %q, want %q", c.ID, c.AnchorPrefix, got)
		}
	}

	ps := provenance.NewStore(db)
	sources, _, err := ps.FindSources(ctx, provenance.SourceFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		cits, _, err := ps.FindCitationsBySource(ctx, s.ID, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(cits) == 0 {
			t.Errorf("source %q is cited by no claim", s.Name)
		}
	}
	rep, err := audit.Verify(ctx, db.Reader(), "")
	if err != nil || !rep.OK {
		t.Fatalf("audit after seeding: %+v %v", rep, err)
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	ctx := context.Background()
	first, err := seeds.Load(ctx, db, identity.System())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := audit.Verify(ctx, db.Reader(), "")
	again, err := seeds.Load(ctx, db, identity.System())
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyLoaded || again.ArticleID != first.ArticleID {
		t.Errorf("second load = %+v", again)
	}
	after, _ := audit.Verify(ctx, db.Reader(), "")
	if after.Count != before.Count {
		t.Errorf("second load wrote %d audit events", after.Count-before.Count)
	}
}

func TestSeedDataNamesTheKeyFacts(t *testing.T) {
	d, err := seeds.Read()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"79": false, "13": false, "2200": false, "80": false}
	for _, c := range d.Claims {
		for _, q := range c.Quantities {
			if q.Value != nil {
				for k := range want {
					if k == strconv.FormatFloat(*q.Value, 'f', -1, 64) {
						want[k] = true
					}
				}
			}
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no seeded claim states the quantity %s", k)
		}
	}
}
