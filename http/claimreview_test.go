package http_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"verity/claims"
	"verity/claims/identity"
)

func TestClaimReviewOnlyForSignedOffVerdicts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.claimByQuote("just 2,200 fighters")
	id := c["id"].(string)
	path := "/api/v1/claims/" + id + "/claimreview"
	wantProblem(t, e.as(viewer, "GET", path, nil), http.StatusConflict, "")

	cs := claims.NewStore(e.db)
	n, _ := strconv.ParseInt(id, 10, 64)
	rev, ed := e.users[reviewer].Actor(), e.users[editor].Actor()
	steps := []struct {
		actor identity.Actor
		t     claims.Transition
	}{
		{rev, claims.Transition{Action: claims.ActionStart}},
		{rev, claims.Transition{Action: claims.ActionPropose, Status: claims.StatusMisleading, Rationale: "The estimate was of 2020, not 2021."}},
		{ed, claims.Transition{Action: claims.ActionSignOff}},
	}
	version := int64(1)
	for i, st := range steps {
		if i == 1 {
			if _, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: n, URL: "https://undocs.org/S/2020/415", Stance: claims.StanceContext}); err != nil {
				t.Fatal(err)
			}
		}
		cl, _, err := cs.Transition(ctx, st.actor, n, version, st.t)
		if err != nil {
			t.Fatal(err)
		}
		version = cl.Version
	}

	w := e.as(viewer, "GET", path, nil)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "application/ld+json" {
		t.Errorf("content type %q", ct)
	}
	r := decode[map[string]any](t, w)
	rating := r["reviewRating"].(map[string]any)
	item := r["itemReviewed"].(map[string]any)
	if r["@type"] != "ClaimReview" || r["claimReviewed"] != c["text"] || rating["alternateName"] != "Misleading" || rating["ratingValue"] != 2.0 {
		t.Errorf("ClaimReview = %v", r)
	}
	if item["appearance"].(map[string]any)["headline"] == "" || item["author"].(map[string]any)["name"] == nil {
		t.Errorf("itemReviewed = %v", item)
	}
	if r["datePublished"] == nil || r["reviewBody"] != "The estimate was of 2020, not 2021." {
		t.Errorf("date/body = %v / %v", r["datePublished"], r["reviewBody"])
	}
}
