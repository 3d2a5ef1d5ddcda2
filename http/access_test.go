package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"verity/claims/identity"
	"verity/migrations/database"
)

// mintToken makes a token for userID through the API with the admin token adminToken and
// returns the answer.
func (e *env) mintToken(adminToken string, userID int64) map[string]any {
	e.t.Helper()
	w := e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/tokens", userID), token: adminToken, body: map[string]any{"name": "minted"}})
	wantStatus(e.t, w, http.StatusCreated)
	return decode[map[string]any](e.t, w)
}

// works reports whether token is accepted on a read every role may make.
func (e *env) works(token string) bool {
	e.t.Helper()
	w := e.do(req{method: "GET", path: "/api/v1/articles?limit=1", token: token})
	switch w.Code {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	e.t.Fatalf("GET /api/v1/articles: %d %s", w.Code, w.Body.String())
	return false
}

func (e *env) patchUser(id int64, body map[string]any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.as(admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", id), body)
}

// auditOf lists the audit events matching query (a query string without limit).
func (e *env) auditOf(query string) []map[string]any {
	e.t.Helper()
	return data(e.t, e.as(auditor, "GET", "/api/v1/audit?limit=200&"+query, nil))
}

// TestTokensAnotherAdminMadeStopWithTheirMaker (probe finding 9): an admin saw the secrets
// of the tokens they made for others, so those tokens stop when the admin is disabled or
// demoted, and the token list says who made each token.
func TestTokensAnotherAdminMadeStopWithTheirMaker(t *testing.T) {
	for _, tt := range []struct {
		name string
		cut  map[string]any
		undo map[string]any
	}{
		{"disabled", map[string]any{"disabled": true}, map[string]any{"disabled": false}},
		{"demoted", map[string]any{"role": "editor"}, map[string]any{"role": "admin"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ada, adaToken := e.addUser(identity.RoleAdmin, "ada@example.org")
			ed := e.users[editor]
			minted := e.mintToken(adaToken, ed.ID)
			if minted["created_by"] != fmt.Sprint(ada.ID) || minted["created_by_cli"] != nil {
				t.Errorf("POST answer = %v, want created_by %d", minted, ada.ID)
			}
			list := data(t, e.as(admin, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", ed.ID), nil))
			if len(list) != 2 || list[0]["created_by"] != nil || list[1]["created_by"] != fmt.Sprint(ada.ID) {
				t.Errorf("token list = %v, want the test token (made by Verity) and ada's", list)
			}
			secret := minted["token"].(string)
			if !e.works(secret) {
				t.Fatal("the minted token does not work to begin with")
			}

			wantStatus(t, e.patchUser(ada.ID, tt.cut), http.StatusOK)
			if e.works(secret) {
				t.Errorf("the token ada made still works after she was %s", tt.name)
			}
			if !e.works(e.tokens[editor]) {
				t.Error("the editor's own token stopped working")
			}
			revoked := e.auditOf(fmt.Sprintf("action=token.revoke&entity_id=%s", minted["id"]))
			if len(revoked) != 1 || revoked[0]["actor"] != fmt.Sprintf("user:%d", e.users[admin].ID) ||
				!strings.Contains(fmt.Sprint(revoked[0]["after"].(map[string]any)["reason"]), fmt.Sprint(ada.ID)) {
				t.Errorf("revocation events = %v", revoked)
			}
			// Her own token answers to her role: dead when disabled, an editor's when demoted.
			w := e.do(req{method: "GET", path: "/api/v1/users", token: adaToken})
			if want := map[string]int{"disabled": 401, "demoted": 403}[tt.name]; w.Code != want {
				t.Errorf("ada's own token on an admin route: %d, want %d", w.Code, want)
			}

			wantStatus(t, e.patchUser(ada.ID, tt.undo), http.StatusOK)
			if e.works(secret) {
				t.Errorf("undoing %s revived the token", tt.name)
			}
		})
	}
}

// TestDisablingRevokesAndEnablingRevivesNothing (probe finding 10).
func TestDisablingRevokesAndEnablingRevivesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rev := e.users[reviewer]
	other := e.mintToken(e.tokens[admin], rev.ID)["token"].(string)
	before := e.auditCount()
	wantStatus(t, e.patchUser(rev.ID, map[string]any{"disabled": true}), http.StatusOK)
	if e.works(e.tokens[reviewer]) || e.works(other) {
		t.Error("a disabled user's token works")
	}
	if got := e.auditCount() - before; got != 3 {
		t.Errorf("disabling appended %d audit events, want the user.update and two token.revoke", got)
	}
	wantStatus(t, e.patchUser(rev.ID, map[string]any{"disabled": false}), http.StatusOK)
	if e.works(e.tokens[reviewer]) || e.works(other) {
		t.Error("enabling the user revived an old token")
	}
	for _, tok := range data(t, e.as(admin, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", rev.ID), nil)) {
		if tok["revoked_at"] == nil {
			t.Errorf("token %v is not shown revoked", tok["id"])
		}
	}
	if !e.works(e.mintToken(e.tokens[admin], rev.ID)["token"].(string)) {
		t.Error("a new token for the re-enabled user does not work")
	}
}

// TestTheLastAdminCannotLeave (probe finding 11): demoting or disabling the last active admin
// is refused with 409 and changes nothing.
func TestTheLastAdminCannotLeave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &conformance{t: t, e: e, v: specValidator(t, specOf(t, e))}
	me := fmt.Sprintf("/api/v1/users/%d", e.users[admin].ID)
	before := e.auditCount()
	for _, body := range []map[string]any{{"role": "editor"}, {"disabled": true}, {"role": "viewer", "disabled": true}} {
		w := c.do(call{role: admin, method: "PATCH", path: me, body: body, status: http.StatusConflict})
		if !strings.Contains(w.Body.String(), "last active admin") {
			t.Errorf("PATCH %v: %s", body, w.Body.String())
		}
	}
	if e.auditCount() != before || !e.works(e.tokens[admin]) {
		t.Fatal("a refused change changed something")
	}
	// With a second admin, the first may step down; then the second is the last.
	bea, beaToken := e.addUser(identity.RoleAdmin, "bea@example.org")
	c.do(call{role: admin, method: "PATCH", path: me, body: map[string]any{"role": "editor"}, status: http.StatusOK})
	c.do(call{token: beaToken, method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", bea.ID), body: map[string]any{"disabled": true}, status: http.StatusConflict})
}

// TestCLITokensAreAttributed (probe finding 12): a token made at the command line names its
// operator in the token list and in the audit of every action through it, and so does a
// token an admin makes through such a token.
func TestCLITokensAreAttributed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ids := identity.NewStore(e.db)
	op := identity.Operator("root@desk-1")
	ad, ed := e.users[admin], e.users[editor]
	_, adminCLI, err := ids.CreateToken(ctx, op, ad.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	_, editorCLI, err := ids.CreateToken(ctx, op, ed.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	list := data(t, e.as(admin, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", ed.ID), nil))
	if len(list) != 2 || list[1]["created_by_cli"] != "root@desk-1" || list[1]["created_by"] != nil {
		t.Errorf("token list = %v", list)
	}
	createSource := func(token, name string) string {
		w := e.do(req{method: "POST", path: "/api/v1/sources", token: token, body: map[string]any{"kind": "report", "name": name}})
		wantStatus(t, w, http.StatusCreated)
		events := e.auditOf("action=source.create&entity_id=" + decode[map[string]any](t, w)["id"].(string))
		if len(events) != 1 {
			t.Fatalf("source events = %v", events)
		}
		return events[0]["actor"].(string)
	}
	if got, want := createSource(editorCLI, "a"), fmt.Sprintf("user:%d via cli token from root@desk-1", ed.ID); got != want {
		t.Errorf("actor = %q, want %q", got, want)
	}
	minted := e.mintToken(adminCLI, ed.ID)
	if minted["created_by"] != fmt.Sprint(ad.ID) || minted["created_by_cli"] != "root@desk-1" {
		t.Errorf("a token made through a cli token = %v", minted)
	}
	if got, want := createSource(minted["token"].(string), "b"), fmt.Sprintf("user:%d via token from user:%d via cli token from root@desk-1", ed.ID, ad.ID); got != want {
		t.Errorf("actor = %q, want %q", got, want)
	}
	// A token made through a token another admin made is refused: it could name only one.
	bea, _ := e.addUser(identity.RoleAdmin, "bea@example.org")
	borrowed := e.mintToken(e.tokens[admin], bea.ID)["token"].(string)
	w := e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/tokens", ed.ID), token: borrowed, body: map[string]any{}})
	wantProblem(t, w, http.StatusForbidden, "")
}

// TestAuditActorFindsTokensTheUserMade (probe finding 13): ?actor=user:A finds what others
// did through tokens A made, as well as what A did.
func TestAuditActorFindsTokensTheUserMade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ad, ed := e.users[admin], e.users[editor]
	minted := e.mintToken(e.tokens[admin], ed.ID)["token"].(string)
	w := e.do(req{method: "POST", path: "/api/v1/sources", token: minted, body: map[string]any{"kind": "report", "name": "through a minted token"}})
	wantStatus(t, w, http.StatusCreated)
	id := decode[map[string]any](t, w)["id"].(string)
	through := fmt.Sprintf("user:%d via token from user:%d", ed.ID, ad.ID)
	for _, who := range []int64{ad.ID, ed.ID} {
		events := e.auditOf(fmt.Sprintf("actor=user:%d&entity_type=source&entity_id=%s", who, id))
		if len(events) != 1 || events[0]["actor"] != through {
			t.Errorf("actor=user:%d: %v, want the source.create by %q", who, events, through)
		}
	}
	mine := e.auditOf(fmt.Sprintf("actor=user:%d", ad.ID))
	actions := map[string]int{}
	for _, ev := range mine {
		actions[fmt.Sprint(ev["action"])]++
	}
	if actions["token.create"] != 1 || actions["source.create"] != 1 || len(mine) != 2 {
		t.Errorf("actor=user:%d: %v, want the token it made and the source made through it", ad.ID, actions)
	}
	// Other actors match exactly: the seed's events are Verity's own.
	if sys := e.auditOf("actor=system&action=source.create"); len(sys) != e.seed.Sources {
		t.Errorf("actor=system finds %d source.create events, want %d", len(sys), e.seed.Sources)
	}
	if none := e.auditOf("actor=" + strings.ReplaceAll(through, " ", "+") + "+x"); len(none) != 0 {
		t.Errorf("an actor text that matches nothing found %v", none)
	}
}

// TestReadsDoNotWaitForTheWriter: recording a token's last use is bookkeeping, so a read
// through a token whose use is due answers while the single writer is busy, and the use is
// recorded once the writer is free.
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	writing := make(chan error, 1)
	go func() {
		writing <- e.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	answered := make(chan int, 1)
	go func() { answered <- e.as(viewer, "GET", "/api/v1/articles", nil).Code }()
	select {
	case code := <-answered:
		if code != http.StatusOK {
			t.Errorf("read while the writer was busy: %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a read waited for the writer")
	}
	close(release)
	if err := <-writing; err != nil {
		t.Fatal(err)
	}
	for range 200 {
		list, _, err := identity.NewStore(e.db).FindTokens(ctx, e.users[viewer].ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 && list[0].LastUsedAt != nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Error("the token's use was never recorded")
}
