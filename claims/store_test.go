package claims_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
)

const body = "The attacks killed at least 79 Afghans and 13 American soldiers. " +
	"A UN report estimated that Isis-K had just 2,200 fighters. Isis-K denied it."

func newArticle(t testing.TB, s *claims.Store) *claims.Article {
	t.Helper()
	a, err := s.CreateArticle(context.Background(), identity.System(), claims.ArticleFields{Title: "Isis-K", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateClaimAnchorsQuote(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	a := newArticle(t, s)
	v := 79.0
	c, err := s.CreateClaim(context.Background(), identity.System(), claims.NewClaim{
		ArticleID: a.ID, Quote: "at least 79 Afghans", Kind: claims.KindCasualtyCount,
		Quantities: []claims.Quantity{{Value: &v, Lower: &v, Qualifier: "at least", Unit: "Afghans killed", AsOf: "2021-08-26"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.AnchorStart != 19 || c.AnchorEnd != 38 || c.Stage != claims.StageOpen || c.Status != claims.StatusUnverified || c.Version != 1 {
		t.Errorf("claim = %+v", c)
	}
	if c.Text != "at least 79 Afghans" {
		t.Errorf("text defaults to the quote, got %q", c.Text)
	}
	got, err := s.FindClaimByID(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Quantities) != 1 || *got.Quantities[0].Value != 79 || got.Quantities[0].Unit != "Afghans killed" {
		t.Errorf("quantities did not round-trip: %+v", got.Quantities)
	}
	if n := dbtest.AuditCount(t, db); n != 2 {
		t.Errorf("audit events = %d, want 2 (article, claim)", n)
	}
}

func TestCreateClaimRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	a := newArticle(t, s)
	one, two := 1.0, 2.0
	tests := []struct {
		name  string
		claim claims.NewClaim
		field string
	}{
		{"absent quote", claims.NewClaim{ArticleID: a.ID, Quote: "Taliban"}, "quote"},
		{"ambiguous quote", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K"}, "quote"},
		{"missing article", claims.NewClaim{ArticleID: a.ID + 100, Quote: "Isis-K"}, "article_id"},
		{"unknown kind", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K denied", Kind: "rumour"}, "kind"},
		{"invalid utf-8", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K \xff"}, "quote"},
		{"bounds reversed", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K denied", Quantities: []claims.Quantity{{Lower: &two, Upper: &one, Unit: "x"}}}, "quantities[0].lower"},
		{"unit missing", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K denied", Quantities: []claims.Quantity{{Value: &one}}}, "quantities[0].unit"},
		{"bad date", claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K denied", Quantities: []claims.Quantity{{Value: &one, Unit: "x", AsOf: "26/08/2021"}}}, "quantities[0].as_of"},
	}
	before := dbtest.AuditCount(t, db)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateClaim(context.Background(), identity.System(), tt.claim)
			e := fault.As(err)
			if e.Kind != fault.Invalid || e.Fields[tt.field] == "" {
				t.Errorf("err = %v, want invalid field %s", err, tt.field)
			}
		})
	}
	list, _, err := s.FindClaims(context.Background(), claims.Filter{Limit: 10})
	if err != nil || len(list) != 0 {
		t.Errorf("refused claims left rows: %d %v", len(list), err)
	}
	if after := dbtest.AuditCount(t, db); after != before {
		t.Errorf("refused claims added %d audit events", after-before)
	}
}

func TestUpdateClaimChecksVersion(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	a := newArticle(t, s)
	ctx := context.Background()
	c, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "just 2,200 fighters"})
	if err != nil {
		t.Fatal(err)
	}
	text := "A June 2020 UN report estimated Isis-K had about 2,200 fighters."
	kind := claims.KindEstimate
	c2, err := s.UpdateClaim(ctx, identity.System(), c.ID, c.Version, claims.ClaimUpdate{Text: &text, Kind: &kind})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Version != 2 || c2.Text != text || c2.Kind != kind {
		t.Errorf("updated = %+v", c2)
	}
	_, err = s.UpdateClaim(ctx, identity.System(), c.ID, c.Version, claims.ClaimUpdate{Text: &text})
	if !fault.Is(err, fault.PreconditionFailed) {
		t.Errorf("stale version: err = %v", err)
	}
	_, err = s.UpdateClaim(ctx, identity.System(), c.ID+99, 1, claims.ClaimUpdate{Text: &text})
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("missing claim: err = %v", err)
	}
	_, err = s.UpdateClaim(ctx, identity.System(), c.ID, c2.Version, claims.ClaimUpdate{})
	if !fault.Is(err, fault.Invalid) {
		t.Errorf("empty update: err = %v", err)
	}
}

func TestReplaceArticleKeepsRevisionsAndReanchors(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	ctx := context.Background()
	a := newArticle(t, s)
	kept, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "just 2,200 fighters"})
	if err != nil {
		t.Fatal(err)
	}
	lost, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "Isis-K denied it"})
	if err != nil {
		t.Fatal(err)
	}
	newBody := "Update: corrected. " + body[:len(body)-len(" Isis-K denied it.")]
	stale := a.Version + 5
	if _, err := s.ReplaceArticle(ctx, identity.System(), a.ID, &stale, claims.ArticleFields{Title: "Isis-K", Body: newBody}); !fault.Is(err, fault.PreconditionFailed) {
		t.Fatalf("stale If-Match: err = %v", err)
	}
	a2, err := s.ReplaceArticle(ctx, identity.System(), a.ID, &a.Version, claims.ArticleFields{Title: "Isis-K (corrected)", Body: newBody})
	if err != nil {
		t.Fatal(err)
	}
	if a2.Revision != 2 || a2.Body != newBody {
		t.Errorf("article = rev %d", a2.Revision)
	}
	revs, more, err := s.FindRevisions(ctx, a.ID, 0, 10)
	if err != nil || more || len(revs) != 2 || revs[0].Body != "" || revs[0].BodyLength != utf8.RuneCountInString(body) ||
		revs[1].BodyLength != utf8.RuneCountInString(newBody) || revs[1].BodySHA256 != a2.BodySHA256 {
		t.Fatalf("revisions = %+v, %v", revs, err)
	}
	if r, err := s.FindRevision(ctx, a.ID, 1); err != nil || r.Body != body || r.BodyLength != utf8.RuneCountInString(body) {
		t.Fatalf("revision 1 = %+v, %v", r, err)
	}
	k, _ := s.FindClaimByID(ctx, kept.ID)
	if k.AnchorStart != kept.AnchorStart+19 || k.AnchorState != claims.Anchored || k.ArticleRevision != 2 || k.Version != 2 {
		t.Errorf("kept claim = %+v", k)
	}
	l, _ := s.FindClaimByID(ctx, lost.ID)
	if l.AnchorState != claims.Orphaned || l.Quote != "Isis-K denied it" {
		t.Errorf("lost claim = %+v", l)
	}
	// A title-only change keeps the revision.
	a3, err := s.ReplaceArticle(ctx, identity.System(), a.ID, nil, claims.ArticleFields{Title: "Isis-K again", Body: newBody})
	if err != nil || a3.Revision != 2 {
		t.Errorf("title change: rev %d, %v", a3.Revision, err)
	}
	dbtest.AuditCount(t, db)
}

func TestFindClaimsPagesWithoutSkipsOrRepeats(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	ctx := context.Background()
	long := ""
	for i := range 40 {
		long += fmt.Sprintf("Claim number %03d stands here. ", i)
	}
	a, err := s.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "t", Body: long})
	if err != nil {
		t.Fatal(err)
	}
	// Create in reverse text order so that id order and text order differ.
	for i := 39; i >= 10; i-- {
		if _, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: fmt.Sprintf("number %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	inserted := 9
	for _, order := range []claims.Order{claims.ByID, claims.ByPosition} {
		seen := map[int64]bool{}
		var after *claims.Key
		prevStart := -1
		for {
			list, more, err := s.FindClaims(ctx, claims.Filter{ArticleID: a.ID, Order: order, After: after, Limit: 7})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				if seen[c.ID] {
					t.Fatalf("order %d: claim %d repeated", order, c.ID)
				}
				seen[c.ID] = true
				if order == claims.ByPosition && c.AnchorStart < prevStart {
					t.Fatalf("not in text order")
				}
				prevStart = c.AnchorStart
			}
			if !more {
				break
			}
			k := claims.KeyOf(list[len(list)-1], order)
			after = &k
			// A claim created between pages, earlier in the text.
			if order == claims.ByID && inserted >= 0 {
				if _, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: fmt.Sprintf("number %03d", inserted)}); err != nil {
					t.Fatal(err)
				}
				inserted--
			}
		}
		if order == claims.ByID && len(seen) != 30+(9-inserted) {
			t.Errorf("id order saw %d claims, want every existing one and every one inserted after the cursor (%d)", len(seen), 30+(9-inserted))
		}
		if order == claims.ByPosition && len(seen) != 30+(9-inserted) {
			t.Errorf("text order saw %d claims, want %d", len(seen), 30+(9-inserted))
		}
	}
}

func TestFindClaimsFiltersAndSearches(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	ctx := context.Background()
	a := newArticle(t, s)
	mk := func(quote string, kind claims.Kind) *claims.Claim {
		c, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: quote, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	toll := mk("at least 79 Afghans", claims.KindCasualtyCount)
	est := mk("just 2,200 fighters", claims.KindEstimate)
	tests := []struct {
		name string
		f    claims.Filter
		want []int64
	}{
		{"kind", claims.Filter{Kind: claims.KindEstimate}, []int64{est.ID}},
		{"stage", claims.Filter{Stage: claims.StageOpen}, []int64{toll.ID, est.ID}},
		{"status none", claims.Filter{Status: claims.StatusVerified}, nil},
		{"word", claims.Filter{Q: "afghans"}, []int64{toll.ID}},
		{"prefix", claims.Filter{Q: "fight"}, []int64{est.ID}},
		{"number with comma", claims.Filter{Q: "2,200"}, []int64{est.ID}},
		{"fts syntax is text", claims.Filter{Q: `"NEAR( OR *`}, nil},
		{"punctuation only", claims.Filter{Q: `!!!`}, nil},
		{"all words must match", claims.Filter{Q: "79 fighters"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.Limit = 50
			if got := foundIDs(t, s, tt.f); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, _, err := s.FindClaims(ctx, claims.Filter{Stage: "done", Limit: 5}); !fault.Is(err, fault.Invalid) {
		t.Errorf("bad stage: err = %v", err)
	}
}

func TestStoredTime(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	tests := []struct {
		in   *time.Time
		want string
		bad  bool
	}{
		{nil, "", false},
		{at("2021-08-27T10:00:00.1234567+02:00"), "2021-08-27T08:00:00.123456Z", false},
		{at("9999-12-31T23:00:00-02:00"), "", true},
		{at("0001-01-01T00:00:00Z"), "", true},
		{at("0001-01-01T00:00:01Z"), "0001-01-01T00:00:01Z", false},
	}
	for _, tt := range tests {
		errs := fault.Fields{}
		got := claims.StoredTime(errs, "at", tt.in)
		if (len(errs) > 0) != tt.bad {
			t.Errorf("%v: errors %v", tt.in, errs)
		}
		if !tt.bad && tt.in != nil && got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("%v → %v, want %s", tt.in, got, tt.want)
		}
	}
}

// TestSearchMatchesEveryWordAPrefixBegins: a search term matches every word it begins,
// whether it stands for a few whole words (read from the index's vocabulary), for more
// than that (a prefix query), or is not plain ASCII (a prefix query, folded by the index's
// tokenizer): upper case, diacritics and continuations all count, and nothing else does.
func TestSearchMatchesEveryWordAPrefixBegins(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t)
	s := claims.NewStore(db)
	ctx := context.Background()
	a := newArticle(t, s)
	mk := func(text string) int64 {
		c, err := s.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "just 2,200 fighters", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	brk := mk("A break in the talks")
	breaking := mk("Breaking news from Kabul")
	breakings := mk("Two breakings of the ceasefire")
	accented := mk("Une brèak étrange") // folded to "break" by the index
	other := mk("The bread ran out")
	var many []int64
	for i := range 20 { // more words beginning "zq" than a term may stand for
		many = append(many, mk(fmt.Sprintf("code zq%c%c", 'a'+i, 'a'+i)))
	}
	tests := []struct {
		q    string
		want []int64
	}{
		{"break", []int64{brk, breaking, breakings, accented}},
		{"BREAKI", []int64{breaking, breakings}},
		{"breakings", []int64{breakings}},
		{"brèak", []int64{brk, breaking, breakings, accented}},
		{"brea", []int64{brk, breaking, breakings, accented, other}},
		{"break kabul", []int64{breaking}},
		{"breakx", nil},
		{"zq", many},
		{"zq code", many},
		{"zqa", many[:1]},
	}
	pg := db.Dialect() == database.Postgres
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if pg { // PostgreSQL's simple configuration keeps diacritics
				tt.want = slices.DeleteFunc(slices.Clone(tt.want), func(id int64) bool { return id == accented })
				if tt.q == "brèak" {
					tt.want = []int64{accented}
				}
			}
			for _, article := range []int64{0, a.ID} { // the corpus-wide and the article's plans
				got := foundIDs(t, s, claims.Filter{Q: tt.q, ArticleID: article, Limit: 50})
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("article %d: got %v, want %v", article, got, tt.want)
				}
			}
		})
	}
}

// foundIDs returns the ids of the claims f finds, in order.
func foundIDs(t *testing.T, s *claims.Store, f claims.Filter) []int64 {
	t.Helper()
	list, _, err := s.FindClaims(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range list {
		got = append(got, c.ID)
	}
	return got
}
