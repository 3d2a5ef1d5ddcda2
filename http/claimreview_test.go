package http_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"verity/claims"
	"verity/claims/identity"
	verityhttp "verity/http"
	"verity/http/export"
)

// closeClaim takes a claim through start, evidence, propose and sign-off, as the reviewer and
// the editor, and returns its version.
func (e *env) closeClaim(id string, status claims.Status, rationale string) int64 {
	e.t.Helper()
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	n, _ := strconv.ParseInt(id, 10, 64)
	cl, err := cs.FindClaimByID(ctx, n)
	if err != nil {
		e.t.Fatal(err)
	}
	rev, ed := e.users[reviewer].Actor(), e.users[editor].Actor()
	version := cl.Version
	for i, st := range []struct {
		actor identity.Actor
		t     claims.Transition
	}{
		{rev, claims.Transition{Action: claims.ActionStart}},
		{rev, claims.Transition{Action: claims.ActionPropose, Status: status, Rationale: rationale}},
		{ed, claims.Transition{Action: claims.ActionSignOff}},
	} {
		if i == 1 {
			if _, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: n, URL: "https://undocs.org/S/2020/415", Stance: claims.StanceContext}); err != nil {
				e.t.Fatal(err)
			}
		}
		cl, _, err := cs.Transition(ctx, st.actor, n, version, st.t)
		if err != nil {
			e.t.Fatal(err)
		}
		version = cl.Version
	}
	return version
}

func TestClaimReviewOnlyForSignedOffVerdicts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.claimByQuote("just 2,200 fighters")
	id := c["id"].(string)
	path := "/api/v1/claims/" + id + "/claimreview"
	wantProblem(t, e.as(viewer, "GET", path, nil), http.StatusConflict, "")

	e.closeClaim(id, claims.StatusMisleading, "The estimate was of 2020, not 2021.")
	// The url comes from the configuration, whatever Host the client sends.
	w := e.as(viewer, "GET", path, nil, "Host", "evil.example", "X-Forwarded-Host", "evil.example")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "application/ld+json" {
		t.Errorf("content type %q", ct)
	}
	r := decode[export.ClaimReview](t, w)
	if r.URL != testPublicURL+"/claims/"+id || strings.Contains(w.Body.String(), "evil.example") {
		t.Errorf("url = %q, want the public page under %s", r.URL, testPublicURL)
	}
	if r.Type != "ClaimReview" || r.Author.Name != testPublisher || r.Author.URL != testPublicURL {
		t.Errorf("review = %+v", r)
	}
	if r.ItemReviewed.Text != c["text"] || utf8.RuneCountInString(r.ClaimReviewed) > export.MaxClaimReviewed || !strings.HasPrefix(c["text"].(string), strings.TrimSuffix(r.ClaimReviewed, "…")) {
		t.Errorf("claimReviewed %q, itemReviewed.text %q; claim text %q", r.ClaimReviewed, r.ItemReviewed.Text, c["text"])
	}
	rating := r.ReviewRating
	if rating.AlternateName != "Misleading" || rating.Name != "Misleading" || rating.RatingValue != 2 || rating.BestRating != 6 || rating.WorstRating != 1 {
		t.Errorf("rating = %+v", rating)
	}
	detail := decode[map[string]any](t, e.as(viewer, "GET", "/api/v1/claims/"+id, nil))
	if signed := detail["signed_off_at"].(string); r.DatePublished != signed[:10] || r.ReviewBody != "The estimate was of 2020, not 2021." {
		t.Errorf("datePublished %q (signed off at %s), reviewBody %q", r.DatePublished, signed, r.ReviewBody)
	}
	if r.ItemReviewed.Appearance.Headline == "" || r.ItemReviewed.Author == nil || !reflect.DeepEqual(r.ItemReviewed.FirstAppearance, r.ItemReviewed.Appearance) {
		t.Errorf("itemReviewed = %+v", r.ItemReviewed)
	}
}

// TestClaimReviewNeedsPublishingSettings shows that nothing is published until the operator
// says where and by whom, and that the answer says what to set.
func TestClaimReviewNeedsPublishingSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimByQuote("just 2,200 fighters")["id"].(string)
	e.closeClaim(id, claims.StatusVerified, "The UN report says so.")
	for _, tc := range []struct {
		name      string
		configure func(*verityhttp.Deps)
		want      []string
	}{
		{"no public url", func(d *verityhttp.Deps) { d.PublicURL = "" }, []string{"--public-url", "VERITY_PUBLIC_URL"}},
		{"no publisher", func(d *verityhttp.Deps) { d.Publisher = export.Publisher{} }, []string{"--publisher-name", "VERITY_PUBLISHER_NAME"}},
		{"neither", func(d *verityhttp.Deps) { d.PublicURL, d.Publisher = "", export.Publisher{} }, []string{"--public-url", "--publisher-name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.server(tc.configure).Handler()
			for _, path := range []string{"/api/v1/claims/" + id + "/claimreview", fmt.Sprintf("/api/v1/articles/%d/claimreview", e.seed.ArticleID)} {
				other := &env{t: t, db: e.db, handler: h, tokens: e.tokens}
				p := wantProblem(t, other.as(viewer, "GET", path, nil, "Host", "factcheck.example.org"), http.StatusServiceUnavailable, "")
				for _, w := range tc.want {
					if !strings.Contains(p.Detail, w) {
						t.Errorf("%s: %q does not say to set %s", path, p.Detail, w)
					}
				}
				if p.Type != "urn:verity:problem:not_configured" {
					t.Errorf("%s: type %q", path, p.Type)
				}
			}
		})
	}
}

func TestArticleClaimReviewFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := fmt.Sprintf("/api/v1/articles/%d/claimreview", e.seed.ArticleID)
	w := e.as(viewer, "GET", path, nil)
	wantStatus(t, w, http.StatusOK)
	if ct, body := w.Header().Get("Content-Type"), strings.TrimSpace(w.Body.String()); ct != "application/ld+json" || body != "[]" {
		t.Errorf("an article without verdicts: %s %s", ct, body)
	}

	kept := e.claimByQuote("just 2,200 fighters")["id"].(string)
	reopened := e.claimByQuote("13 American soldiers")["id"].(string)
	e.closeClaim(kept, claims.StatusVerified, "The UN report says so.")
	version := e.closeClaim(reopened, claims.StatusVerified, "Pentagon figures.")
	wantStatus(t, e.as(editor, "POST", "/api/v1/claims/"+reopened+"/transitions", map[string]any{"action": "reopen", "rationale": "A later count."},
		"If-Match", fmt.Sprintf(`"%d"`, version)), http.StatusOK)

	reviews := decode[[]export.ClaimReview](t, e.as(viewer, "GET", path, nil))
	if len(reviews) != 1 || reviews[0].URL != testPublicURL+"/claims/"+kept || reviews[0].Context != "https://schema.org" {
		t.Errorf("feed = %+v, want the one claim still closed", reviews)
	}
	single := decode[export.ClaimReview](t, e.as(viewer, "GET", "/api/v1/claims/"+kept+"/claimreview", nil))
	if !reflect.DeepEqual(single, reviews[0]) {
		t.Errorf("the feed's review differs from the claim's own:\n%+v\n%+v", reviews[0], single)
	}
	wantProblem(t, e.as(viewer, "GET", "/api/v1/articles/999/claimreview", nil), http.StatusNotFound, "")
	wantProblem(t, e.as(viewer, "GET", path+"?limit=5", nil), http.StatusUnprocessableEntity, "limit")
}
