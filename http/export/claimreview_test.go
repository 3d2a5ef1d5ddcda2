package export_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"verity/claims"
	"verity/claims/fault"
	"verity/http/export"
	"verity/provenance"
)

// TestRatingsScale checks the published scale: every verdict a sign-off can leave has its
// own value on it, truer verdicts higher, and names readers see.
func TestRatingsScale(t *testing.T) {
	seen := map[int]claims.Status{}
	for _, st := range claims.Statuses() {
		r, ok := export.Ratings[st]
		if st == claims.StatusUnverified {
			if ok {
				t.Errorf("unverified is on the scale, but it is never a signed-off verdict")
			}
			continue
		}
		if !ok {
			t.Errorf("%s has no rating", st)
			continue
		}
		if r.Value < export.WorstRating || r.Value > export.BestRating || r.Name == "" {
			t.Errorf("%s = %+v, outside %d–%d or unnamed", st, r, export.WorstRating, export.BestRating)
		}
		if other, dup := seen[r.Value]; dup {
			t.Errorf("%s and %s share the value %d", st, other, r.Value)
		}
		seen[r.Value] = st
	}
	if export.Ratings[claims.StatusFalse].Value != export.WorstRating || export.Ratings[claims.StatusVerified].Value != export.BestRating {
		t.Errorf("the ends of the scale are not false and true: %v", export.Ratings)
	}
	if f, m := export.Ratings[claims.StatusFalse].Value, export.Ratings[claims.StatusMisleading].Value; m <= f {
		t.Errorf("misleading (%d) is not above false (%d)", m, f)
	}
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Short enough.", "Short enough."},
		{strings.Repeat("a", 74), strings.Repeat("a", 74)},
		{"A UN report released in June 2020 estimated that Isis-K had about 2,200 fighters in Afghanistan.",
			"A UN report released in June 2020 estimated that Isis-K had about 2,200…"},
		// No space late enough: cut between characters, never inside one.
		{strings.Repeat("x", 80), strings.Repeat("x", 73) + "…"},
		{"Flags " + strings.Repeat("🇦🇫", 40), "Flags " + strings.Repeat("🇦🇫", 33) + "…"},
		{"Ends at a comma, then goes on well past the limit of seventy-four characters here.",
			"Ends at a comma, then goes on well past the limit of seventy-four…"},
	} {
		got := export.Shorten(tc.in, export.MaxClaimReviewed)
		if got != tc.want {
			t.Errorf("Shorten(%q) =\n\t%q, want\n\t%q", tc.in, got, tc.want)
		}
	}
}

func FuzzShorten(f *testing.F) {
	for _, s := range []string{"", "a b c", strings.Repeat("word ", 30), "e\u0301" + strings.Repeat("é", 80), strings.Repeat("👩‍👩‍👧", 30)} {
		f.Add(s, 74)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if !utf8.ValidString(s) || max < 2 || max > 500 {
			return
		}
		got := export.Shorten(s, max)
		if n := utf8.RuneCountInString(got); n > max {
			t.Fatalf("Shorten(%q, %d) = %q: %d characters", s, max, got, n)
		}
		if got == s {
			return
		}
		kept, ok := strings.CutSuffix(got, "…")
		if !ok || !strings.HasPrefix(s, kept) {
			t.Fatalf("Shorten(%q, %d) = %q: not a prefix and an ellipsis", s, max, got)
		}
		// The cut falls between user-perceived characters.
		if kept != "" && uniseg.GraphemeClusterCount(kept)+uniseg.GraphemeClusterCount(s[len(kept):]) != uniseg.GraphemeClusterCount(s) {
			t.Fatalf("Shorten(%q, %d) = %q: cut inside a character", s, max, got)
		}
	})
}

func TestNewPublisher(t *testing.T) {
	for _, tc := range []struct {
		name, home, public string
		want               export.Publisher
		err                string
	}{
		{"Desk", "https://desk.example.org/", "https://fc.example.org/", export.Publisher{Name: "Desk", URL: "https://desk.example.org", PublicURL: "https://fc.example.org"}, ""},
		{" Desk ", "", "https://fc.example.org/base", export.Publisher{Name: "Desk", URL: "https://fc.example.org/base", PublicURL: "https://fc.example.org/base"}, ""},
		{"", "", "", export.Publisher{}, ""},
		{"Desk", "", "fc.example.org", export.Publisher{}, "--public-url"},
		{"Desk", "", "ftp://fc.example.org", export.Publisher{}, "--public-url"},
		{"Desk", "", "https://fc.example.org/?x=1", export.Publisher{}, "without ? or #"},
		{"Desk", "/desk", "https://fc.example.org", export.Publisher{}, "--publisher-url"},
		{strings.Repeat("n", 201), "", "", export.Publisher{}, "--publisher-name"},
	} {
		got, err := export.NewPublisher(tc.name, tc.home, tc.public)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("NewPublisher(%q, %q, %q): error %v, want one naming %s", tc.name, tc.home, tc.public, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("NewPublisher(%q, %q, %q) = %+v, %v; want %+v", tc.name, tc.home, tc.public, got, err, tc.want)
		}
	}
	if m := (export.Publisher{}).Missing(); len(m) != 2 || !strings.Contains(m[0], "--public-url") || !strings.Contains(m[1], "--publisher-name") {
		t.Errorf("Missing() of nothing = %v", m)
	}
	if m := (export.Publisher{Name: "Desk", PublicURL: "https://fc.example.org"}).Missing(); m != nil {
		t.Errorf("Missing() of a whole configuration = %v", m)
	}
}

func TestNewClaimReviewRefusesWhatIsNotAVerdict(t *testing.T) {
	signed := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := export.Publisher{Name: "Desk", URL: "https://desk.example.org", PublicURL: "https://fc.example.org"}
	a := &claims.Article{Title: "T"}
	for name, c := range map[string]*claims.Claim{
		"in review":        {ID: 1, Stage: claims.StageInReview, AnchorState: claims.Anchored, Status: claims.StatusUnverified},
		"awaiting signoff": {ID: 2, Stage: claims.StageAwaitingSignoff, AnchorState: claims.Anchored, Status: claims.StatusUnverified},
		"orphaned":         {ID: 3, Stage: claims.StageClosed, AnchorState: claims.Orphaned, Status: claims.StatusFalse, SignedOffAt: &signed},
		"never signed":     {ID: 4, Stage: claims.StageClosed, AnchorState: claims.Anchored, Status: claims.StatusUnverified},
	} {
		_, err := export.NewClaimReview(c, a, nil, p)
		if !fault.Is(err, fault.Conflict) {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
	}
	c := &claims.Claim{ID: 5, Text: "X", Stage: claims.StageClosed, AnchorState: claims.Anchored, Status: claims.StatusVerified, SignedOffAt: &signed}
	person := &provenance.Source{Name: "Jane Doe", Kind: provenance.KindNamedPerson}
	r, err := export.NewClaimReview(c, a, []*provenance.Citation{{Relation: provenance.QuotedFrom, Source: &provenance.Source{Name: "R", Kind: provenance.KindReport}}, {Relation: provenance.AttributedTo, Source: person}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.URL != "https://fc.example.org/claims/5" || r.ItemReviewed.Author == nil || *r.ItemReviewed.Author != (export.Organization{Type: "Person", Name: "Jane Doe"}) {
		t.Errorf("review = %+v", r)
	}
	if r.ItemReviewed.DatePublished != "" || r.ReviewRating.RatingValue != export.BestRating {
		t.Errorf("an undated article gave %q; rating %+v", r.ItemReviewed.DatePublished, r.ReviewRating)
	}
}
