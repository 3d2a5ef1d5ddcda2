package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"verity/claims/identity"
	verityhttp "verity/http"
)

func TestPageSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("the form", func(t *testing.T) {
		p := e.visitor().get("/login")
		wantPage(t, p, http.StatusOK)
		if p.labelled("Email").AttrOr("type", "") != "email" || p.labelled("Password").AttrOr("type", "") != "password" {
			t.Errorf("the sign-in form lacks labelled Email and Password fields")
		}
		if got := p.buttons(); len(got) != 1 || got[0] != "Sign in" {
			t.Errorf("buttons = %v, want Sign in", got)
		}
	})

	t.Run("a wrong password or an unknown email get the same answer", func(t *testing.T) {
		var answers []string
		for _, email := range []string{"reviewer@example.org", "nobody@example.org"} {
			p := e.visitor().post("/login", url.Values{"email": {email}, "password": {"not the password"}})
			wantPage(t, p, http.StatusUnauthorized)
			answers = append(answers, p.text(".form-alert"))
			if got := p.labelled("Email").AttrOr("value", ""); got != email {
				t.Errorf("the email typed is not kept: %q", got)
			}
			if got := p.labelled("Password").AttrOr("value", ""); got != "" {
				t.Errorf("the password is sent back: %q", got)
			}
		}
		if answers[0] != "Wrong email or password." || answers[0] != answers[1] {
			t.Errorf("answers %q, want the same message for both", answers)
		}
	})

	t.Run("empty fields are named", func(t *testing.T) {
		p := e.visitor().post("/login", url.Values{"email": {""}, "password": {""}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if p.errorOf("Email") == "" || p.errorOf("Password") == "" {
			t.Errorf("no error beside the empty fields")
		}
	})

	t.Run("a session cookie that scripts cannot read", func(t *testing.T) {
		v := e.visitor()
		w := v.post("/login", url.Values{"email": {"Reviewer@Example.org "}, "password": {"correct horse battery"}, "next": {"/claims/5"}})
		wantRedirect(t, w, "/claims/5")
		c := v.cookie
		// The test server's public URL is https, so the cookie is Secure even though the
		// request itself came over plain HTTP (the proxy in front speaks TLS).
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || !c.Secure || c.Path != "/" {
			t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Lax, Secure behind an https public URL", c)
		}
		plain := *e
		plain.handler = e.server(func(d *verityhttp.Deps) { d.PublicURL = "" }).Handler()
		pv := plain.visitor()
		pv.post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {"correct horse battery"}})
		if pc := pv.cookie; pc == nil || pc.Secure || !pc.HttpOnly {
			t.Errorf("session cookie %+v over plain HTTP without a public URL, want HttpOnly, not Secure", pc)
		}
		if !strings.HasPrefix(c.Value, "vrs_") || strings.Contains(w.Header().Get("Location"), c.Value) {
			t.Errorf("session secret %q", c.Value)
		}
		p := v.get("/claims")
		wantPage(t, p, http.StatusOK)
		if got := p.text(".who-name"); !strings.Contains(got, "The reviewer") {
			t.Errorf("signed in as %q", got)
		}
	})

	t.Run("only local destinations after sign-in", func(t *testing.T) {
		for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "/login", "claims"} {
			v := e.visitor()
			w := v.post("/login", url.Values{"email": {"viewer@example.org"}, "password": {"correct horse battery"}, "next": {next}})
			if loc := wantRedirect(t, w, "/"); loc != "/claims" {
				t.Errorf("next=%q led to %q, want /claims", next, loc)
			}
		}
	})

	t.Run("not signed in, pages send to sign-in and back", func(t *testing.T) {
		v := e.visitor()
		wantRedirect(t, v.get("/"), "/claims")
		if loc := wantRedirect(t, v.get("/claims?stage=open"), "/login"); loc != "/login?next=%2Fclaims%3Fstage%3Dopen" {
			t.Errorf("redirect to %q", loc)
		}
		p := v.get("/login?next=%2Fclaims%3Fstage%3Dopen")
		if got := p.doc.Find(`input[name="next"]`).AttrOr("value", ""); got != "/claims?stage=open" {
			t.Errorf("the form carries next=%q", got)
		}
		wantRedirect(t, v.post("/claims/1/transitions", url.Values{"action": {"start"}}), "/login")
	})
}

func TestPageSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.visitor()
	for i := range 5 {
		p := v.post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {"guess"}})
		wantPage(t, p, http.StatusUnauthorized)
		if i == 0 && p.text(".form-alert") != "Wrong email or password." {
			t.Errorf("first failure: %q", p.text(".form-alert"))
		}
	}
	// Past the account's limit even the right password is refused, before it is checked,
	// with a clear message and no word on whether the password was right.
	p := v.post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {"correct horse battery"}})
	wantPage(t, p, http.StatusTooManyRequests)
	if msg := p.text(".form-alert"); !strings.Contains(msg, "Too many failed sign-ins") || p.Header().Get("Retry-After") == "" {
		t.Errorf("refusal %q, Retry-After %q", msg, p.Header().Get("Retry-After"))
	}
	if v.cookie != nil {
		t.Error("a refused sign-in set a session")
	}
	// Another account is not locked by it…
	other := e.visitor()
	other.addr = "198.51.100.7:5000"
	wantRedirect(t, other.post("/login", url.Values{"email": {"editor@example.org"}, "password": {"correct horse battery"}}), "/claims")
	// …but one address guessing across accounts is.
	guesser := e.visitor()
	guesser.addr = "203.0.113.9:6000"
	for i := range 20 {
		email := []string{"viewer", "auditor", "admin", "nobody"}[i%4] + "@example.org"
		wantPage(t, guesser.post("/login", url.Values{"email": {email}, "password": {"guess"}}), http.StatusUnauthorized)
	}
	wantPage(t, guesser.post("/login", url.Values{"email": {"editor@example.org"}, "password": {"correct horse battery"}}), http.StatusTooManyRequests)
}

func TestPageSessionsFollowTheUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ids := identity.NewStore(e.db)
	claim := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(claim)

	t.Run("signing out ends the session on the server", func(t *testing.T) {
		v := e.signIn(reviewer)
		old := v.cookie
		v.get("/claims")
		wantRedirect(t, v.post("/logout", url.Values{}), "/login")
		if v.cookie != nil {
			t.Error("the cookie is not cleared")
		}
		p := v.get("/login?signed_out=1")
		if !strings.Contains(p.text(".notice"), "signed out") {
			t.Errorf("notice %q", p.text(".notice"))
		}
		v.cookie = old // a copy of the cookie kept elsewhere
		wantRedirect(t, v.get("/claims"), "/login")
	})

	t.Run("a role change shows on the next request", func(t *testing.T) {
		u, _ := e.addUser(identity.RoleReviewer, "rosa@example.org")
		v := e.visitor()
		wantRedirect(t, v.post("/login", url.Values{"email": {"rosa@example.org"}, "password": {"correct horse battery"}}), "/claims")
		if p := v.get(path); !contains(p.buttons(), "Take into review") {
			t.Fatalf("a reviewer is not offered Take into review: %v", p.buttons())
		}
		role := identity.RoleViewer
		if _, err := ids.UpdateUser(ctx, identity.System(), u.ID, identity.UserUpdate{Role: &role}); err != nil {
			t.Fatal(err)
		}
		p := v.get(path)
		wantPage(t, p, http.StatusOK)
		if contains(p.buttons(), "Take into review") {
			t.Errorf("a viewer is offered Take into review")
		}
		p = v.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(claim)}})
		wantPage(t, p, http.StatusForbidden)
	})

	t.Run("a disabled user is signed out", func(t *testing.T) {
		u, _ := e.addUser(identity.RoleEditor, "gone@example.org")
		v := e.visitor()
		wantRedirect(t, v.post("/login", url.Values{"email": {"gone@example.org"}, "password": {"correct horse battery"}}), "/claims")
		yes := true
		if _, err := ids.UpdateUser(ctx, identity.System(), u.ID, identity.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, v.get("/claims"), "/login")
		// Disabling ends the user's sessions; one that survived would be refused as disabled.
		if msg := v.get("/login").text(".form-alert"); !strings.Contains(msg, "ended") && !strings.Contains(msg, "disabled") {
			t.Errorf("the sign-in page says %q", msg)
		}
		wantPage(t, v.post("/login", url.Values{"email": {"gone@example.org"}, "password": {"correct horse battery"}}), http.StatusUnauthorized)
	})

	t.Run("a session never authorizes the API", func(t *testing.T) {
		v := e.signIn(editor)
		before := e.auditCount()
		r := newJSONRequest(t, http.MethodPost, "/api/v1/claims", `{"article_id":"1","quote":"13 American soldiers"}`)
		w := v.send(r)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("POST /api/v1/claims with a session cookie: %d %s", w.Code, w.Body.String())
		}
		if w := v.send(newJSONRequest(t, http.MethodGet, "/api/v1/claims", "")); w.Code != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/claims with a session cookie: %d", w.Code)
		}
		if e.auditCount() != before {
			t.Error("the API accepted a write on a session")
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newJSONRequest(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}
