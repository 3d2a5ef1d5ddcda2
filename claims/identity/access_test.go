package identity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// mustToken makes a token for user as actor and returns its secret.
func mustToken(t *testing.T, s *identity.Store, actor identity.Actor, userID int64) (*identity.Token, string) {
	t.Helper()
	tok, secret, err := s.CreateToken(context.Background(), actor, userID, "t")
	if err != nil {
		t.Fatalf("token for user %d by %s: %v", userID, actor.AuditName(), err)
	}
	return tok, secret
}

func wantWorks(t *testing.T, s *identity.Store, secret, what string) {
	t.Helper()
	if _, _, err := s.Authorize(context.Background(), secret); err != nil {
		t.Errorf("%s: %v, want it to work", what, err)
	}
}

func wantDead(t *testing.T, s *identity.Store, secret, what string) {
	t.Helper()
	_, _, err := s.Authorize(context.Background(), secret)
	if !fault.Is(err, fault.Unauthorized) {
		t.Errorf("%s: %v, want Unauthorized", what, err)
	}
}

// TestTokensDieWithTheirMakersAccess: a token another admin made stops working when that
// admin is disabled or loses the administer right, and comes back neither when they are
// enabled or promoted again; their own token answers to their own role.
func TestTokensDieWithTheirMakersAccess(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice@example.org", identity.RoleEditor)
	mustUser(t, s, "keeper@example.org", identity.RoleAdmin) // so that neither maker is the last admin
	for _, tt := range []struct {
		name   string
		cut    identity.UserUpdate
		undo   identity.UserUpdate
		reason string
	}{
		{"disabled", identity.UserUpdate{Disabled: new(true)}, identity.UserUpdate{Disabled: new(false)}, "was disabled"},
		{"demoted", identity.UserUpdate{Role: new(identity.RoleEditor)}, identity.UserUpdate{Role: new(identity.RoleAdmin)}, "lost the administer right"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			maker := mustUser(t, s, tt.name+"@example.org", identity.RoleAdmin)
			fromMaker, fromMakerSecret := mustToken(t, s, maker.Actor(), alice.ID)
			_, ownSecret := mustToken(t, s, maker.Actor(), maker.ID)
			_, aliceOwn := mustToken(t, s, identity.System(), alice.ID)
			wantWorks(t, s, fromMakerSecret, "the maker's token for alice, before")

			n := dbtest.AuditCount(t, db)
			if _, err := s.UpdateUser(ctx, identity.System(), maker.ID, tt.cut); err != nil {
				t.Fatal(err)
			}
			wantDead(t, s, fromMakerSecret, "the maker's token for alice")
			wantWorks(t, s, aliceOwn, "alice's token from someone else")
			want := []string{"user.update", "token.revoke"}
			if tt.name == "disabled" {
				wantDead(t, s, ownSecret, "the disabled maker's own token")
				want = append(want, "token.revoke")
			} else {
				u, _, err := s.Authorize(ctx, ownSecret)
				if err != nil || u.Role != identity.RoleEditor {
					t.Errorf("the demoted maker's own token: %+v %v, want it to work as an editor", u, err)
				}
			}
			events := wantActions(t, db, n, want...)
			if len(events) > 1 && (events[1].EntityID != fmt.Sprint(fromMaker.ID) || !strings.Contains(events[1].After, tt.reason)) {
				t.Errorf("revocation event = %+v, want token %d with the reason", events[1], fromMaker.ID)
			}

			// Undoing the change revives nothing.
			if _, err := s.UpdateUser(ctx, identity.System(), maker.ID, tt.undo); err != nil {
				t.Fatal(err)
			}
			wantDead(t, s, fromMakerSecret, "the maker's token for alice after undoing")
			if tt.name == "disabled" {
				wantDead(t, s, ownSecret, "the re-enabled maker's own token")
			}
		})
	}
}

// TestAuthorizeChecksTheMaker: the check holds in Authorize itself, for rows no revocation
// reached (a database from before the rule, or a change made beside Verity).
func TestAuthorizeChecksTheMaker(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice@example.org", identity.RoleEditor)
	ada := mustUser(t, s, "ada@example.org", identity.RoleAdmin)
	_, secret := mustToken(t, s, ada.Actor(), alice.ID)
	for _, tt := range []struct {
		name     string
		role     identity.Role
		disabled *time.Time
	}{
		{"maker disabled", identity.RoleAdmin, &start},
		{"maker without the administer right", identity.RoleAuditor, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Bun().ExecContext(ctx, "UPDATE users SET role = ?, disabled_at = ? WHERE id = ?", tt.role, tt.disabled, ada.ID); err != nil {
				t.Fatal(err)
			}
			wantDead(t, s, secret, "a token whose maker lost access")
			if _, err := db.Bun().ExecContext(ctx, "UPDATE users SET role = 'admin', disabled_at = NULL WHERE id = ?", ada.ID); err != nil {
				t.Fatal(err)
			}
			wantWorks(t, s, secret, "the same token once the maker is an active admin again")
		})
	}
}

// TestEnablingRevokesWhatAnOlderVerityLeftLive: a user disabled before disabling revoked
// anything still has live tokens; enabling them revokes those instead of reviving them.
func TestEnablingRevokesWhatAnOlderVerityLeftLive(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	bob := mustUser(t, s, "bob@example.org", identity.RoleAdmin)
	alice := mustUser(t, s, "alice@example.org", identity.RoleEditor)
	_, own := mustToken(t, s, identity.System(), bob.ID)
	_, forAlice := mustToken(t, s, bob.Actor(), alice.ID)
	if _, err := db.Bun().ExecContext(ctx, "UPDATE users SET disabled_at = ? WHERE id = ?", start, bob.ID); err != nil {
		t.Fatal(err)
	}
	wantDead(t, s, own, "a disabled user's token")
	n := dbtest.AuditCount(t, db)
	if _, err := s.UpdateUser(ctx, identity.System(), bob.ID, identity.UserUpdate{Disabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	wantActions(t, db, n, "user.update", "token.revoke", "token.revoke")
	wantDead(t, s, own, "bob's token after enabling him")
	wantDead(t, s, forAlice, "the token bob made for alice after enabling him")
}

// TestDisablingEndsSessions: the web sessions of a disabled user end with their tokens.
func TestDisablingEndsSessions(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	bob := mustUser(t, s, "bob@example.org", identity.RoleReviewer)
	alice := mustUser(t, s, "alice@example.org", identity.RoleReviewer)
	for i, id := range []int64{bob.ID, bob.ID, alice.ID} {
		if _, err := db.Bun().ExecContext(ctx, "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, 'c', ?, ?)",
			fmt.Sprint("session-", i), id, start, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateUser(ctx, identity.System(), bob.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	var left []int64
	if err := db.Reader().NewRaw("SELECT user_id FROM sessions ORDER BY token_hash").Scan(ctx, &left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != alice.ID {
		t.Errorf("sessions left = %v, want only alice's", left)
	}
}

// TestTheLastAdminStays: nobody, not even the last admin themself, can demote or disable
// the last active admin.
func TestTheLastAdminStays(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	ada := mustUser(t, s, "ada@example.org", identity.RoleAdmin)
	bea := mustUser(t, s, "bea@example.org", identity.RoleAdmin)
	if _, err := s.UpdateUser(ctx, ada.Actor(), bea.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	// A disabled admin does not count.
	for _, tt := range []struct {
		name string
		u    identity.UserUpdate
	}{
		{"demote", identity.UserUpdate{Role: new(identity.RoleEditor)}},
		{"disable", identity.UserUpdate{Disabled: new(true)}},
		{"demote and rename", identity.UserUpdate{Role: new(identity.RoleAuditor), Name: new("Ada")}},
	} {
		for _, actor := range []identity.Actor{ada.Actor(), identity.System()} {
			t.Run(tt.name+" by "+actor.AuditName(), func(t *testing.T) {
				n := dbtest.AuditCount(t, db)
				_, err := s.UpdateUser(ctx, actor, ada.ID, tt.u)
				dbtest.WantKind(t, err, fault.Conflict, "")
				wantNoAudit(t, db, n)
			})
		}
	}
	// Other changes to the last admin pass, and so does demoting an admin who is not the last.
	if _, err := s.UpdateUser(ctx, ada.Actor(), ada.ID, identity.UserUpdate{Name: new("Ada L.")}); err != nil {
		t.Errorf("renaming the last admin: %v", err)
	}
	if _, err := s.UpdateUser(ctx, ada.Actor(), bea.ID, identity.UserUpdate{Disabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, ada.Actor(), ada.ID, identity.UserUpdate{Role: new(identity.RoleEditor)}); err != nil {
		t.Errorf("demoting one of two admins: %v", err)
	}
}

// TestTwoAdminsDemotingEachOtherLeaveOne: the check runs inside the write transaction, so
// of two concurrent demotions of the last two admins exactly one succeeds.
func TestTwoAdminsDemotingEachOtherLeaveOne(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		s, db, _ := open(t)
		ctx := context.Background()
		ada := mustUser(t, s, fmt.Sprintf("ada%d@example.org", round), identity.RoleAdmin)
		bea := mustUser(t, s, fmt.Sprintf("bea%d@example.org", round), identity.RoleAdmin)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		startLine := make(chan struct{})
		for i, pair := range [][2]*identity.User{{ada, bea}, {bea, ada}} {
			wg.Go(func() {
				<-startLine
				_, errs[i] = s.UpdateUser(ctx, pair[0].Actor(), pair[1].ID, identity.UserUpdate{Role: new(identity.RoleViewer)})
			})
		}
		close(startLine)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				dbtest.WantKind(t, err, fault.Conflict, "")
			}
		}
		var admins int
		if err := db.Reader().NewRaw("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(ctx, &admins); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || admins != 1 {
			t.Fatalf("round %d: %d demotions succeeded, %d admins left (%v); want 1 and 1", round, ok, admins, errs)
		}
	}
}

// TestCLITokensRecordTheirMaker: a token made at the command line names its operator, and
// so does every action through it.
func TestCLITokensRecordTheirMaker(t *testing.T) {
	t.Parallel()
	s, _, _ := open(t)
	ctx := context.Background()
	ed := mustUser(t, s, "ed@example.org", identity.RoleAdmin)
	rita := mustUser(t, s, "rita@example.org", identity.RoleReviewer)
	tok, secret := mustToken(t, s, identity.Operator("root@desk-1"), ed.ID)
	if tok.CreatedBy != nil || tok.CreatedByCLI == nil || *tok.CreatedByCLI != "root@desk-1" {
		t.Fatalf("token = %+v, want made by cli root@desk-1", tok)
	}
	u, got, err := s.Authorize(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	edActor := u.ActorVia(got)
	if name := edActor.AuditName(); name != fmt.Sprintf("user:%d via cli token from root@desk-1", ed.ID) {
		t.Errorf("actor = %q", name)
	}
	if people := edActor.People(); len(people) != 1 || people[0] != ed.ID {
		t.Errorf("people = %v", people)
	}

	// A token Ed makes through it names both Ed and the operator, who each saw the secret.
	tok2, secret2 := mustToken(t, s, edActor, rita.ID)
	if tok2.CreatedBy == nil || *tok2.CreatedBy != ed.ID || tok2.CreatedByCLI == nil || *tok2.CreatedByCLI != "root@desk-1" {
		t.Fatalf("token made through a cli token = %+v", tok2)
	}
	u, got, err = s.Authorize(ctx, secret2)
	if err != nil {
		t.Fatal(err)
	}
	ritaActor := u.ActorVia(got)
	if name := ritaActor.AuditName(); name != fmt.Sprintf("user:%d via token from user:%d via cli token from root@desk-1", rita.ID, ed.ID) {
		t.Errorf("actor = %q", name)
	}
	list, _, err := s.FindTokens(ctx, rita.ID, 0, 50)
	if err != nil || len(list) != 1 || list[0].CreatedByCLI == nil {
		t.Errorf("listed = %+v, %v", list, err)
	}
}

// TestNoTokensThroughAnotherAdminsToken: a token made through a token another admin made
// could name only one of the two people who may be behind it, so it is refused.
func TestNoTokensThroughAnotherAdminsToken(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	ada := mustUser(t, s, "ada@example.org", identity.RoleAdmin)
	bea := mustUser(t, s, "bea@example.org", identity.RoleAdmin)
	eve := mustUser(t, s, "eve@example.org", identity.RoleEditor)
	_, secret := mustToken(t, s, ada.Actor(), bea.ID)
	u, tok, err := s.Authorize(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	n := dbtest.AuditCount(t, db)
	_, _, err = s.CreateToken(ctx, u.ActorVia(tok), eve.ID, "laundered")
	dbtest.WantKind(t, err, fault.Forbidden, "")
	wantNoAudit(t, db, n)
}

// TestAuthorizeSeesOtherProcessesAtOnce: what another process changes in the database (the
// command line revoking a token, disabling a user, changing a role, taking the administer
// right from a maker) holds for the very next request of a server that has been authorizing
// the same token all along: nothing it read before stands in for the database.
func TestAuthorizeSeesOtherProcessesAtOnce(t *testing.T) {
	t.Parallel()
	dbs := dbtest.OpenMany(t, 2)
	server, cli := identity.NewStore(dbs[0]), identity.NewStore(dbs[1])
	ctx := context.Background()
	mustUser(t, cli, "keeper@example.org", identity.RoleAdmin)
	ada := mustUser(t, cli, "ada@example.org", identity.RoleAdmin)
	alice := mustUser(t, cli, "alice@example.org", identity.RoleEditor)
	warm := func(secret string) {
		t.Helper()
		for range 3 {
			wantWorks(t, server, secret, "the token before the change")
		}
	}
	// editor is a new editor with a token of their own that the server has been using.
	editor := func(t *testing.T, email string) (*identity.User, string) {
		t.Helper()
		u := mustUser(t, cli, email, identity.RoleEditor)
		_, secret := mustToken(t, cli, identity.System(), u.ID)
		warm(secret)
		return u, secret
	}
	change := func(query string, args ...any) {
		t.Helper()
		if _, err := dbs[1].Bun().ExecContext(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("what the token carries", func(t *testing.T) {
		tok, secret := mustToken(t, cli, ada.Actor(), alice.ID)
		u, got, err := server.Authorize(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != alice.ID || u.Email != "alice@example.org" || u.Name != "alice" || u.Role != identity.RoleEditor || u.DisabledAt != nil {
			t.Errorf("user = %+v", u)
		}
		if got.ID != tok.ID || got.UserID != alice.ID || got.Name != "t" || got.CreatedBy == nil || *got.CreatedBy != ada.ID ||
			got.CreatedByCLI != nil || got.LastUsedAt != nil || got.RevokedAt != nil {
			t.Errorf("token = %+v", got)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		tok, secret := mustToken(t, cli, identity.System(), alice.ID)
		warm(secret)
		if _, err := cli.RevokeToken(ctx, identity.System(), alice.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		wantDead(t, server, secret, "a token the other process revoked")
	})
	t.Run("role changed", func(t *testing.T) {
		bob, secret := editor(t, "bob@example.org")
		if _, err := cli.UpdateUser(ctx, identity.System(), bob.ID, identity.UserUpdate{Role: new(identity.RoleViewer)}); err != nil {
			t.Fatal(err)
		}
		if u, _, err := server.Authorize(ctx, secret); err != nil || u.Role != identity.RoleViewer {
			t.Errorf("after the role change: %+v, %v, want a viewer", u, err)
		}
	})
	t.Run("user disabled", func(t *testing.T) {
		cat, secret := editor(t, "cat@example.org")
		if _, err := cli.UpdateUser(ctx, identity.System(), cat.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		wantDead(t, server, secret, "the token of a user the other process disabled")
	})
	t.Run("user disabled beside Verity", func(t *testing.T) {
		// Only the user's row changes: Authorize's own check of the user, not the revocation
		// that disabling makes, refuses the token.
		dan, secret := editor(t, "dan@example.org")
		change("UPDATE users SET disabled_at = ? WHERE id = ?", start, dan.ID)
		wantDead(t, server, secret, "the token of a user disabled in the database")
		change("UPDATE users SET disabled_at = NULL WHERE id = ?", dan.ID)
		wantWorks(t, server, secret, "the same token once the user is active again")
	})
	t.Run("maker lost the administer right", func(t *testing.T) {
		_, secret := mustToken(t, cli, ada.Actor(), alice.ID)
		warm(secret)
		if _, err := cli.UpdateUser(ctx, identity.System(), ada.ID, identity.UserUpdate{Role: new(identity.RoleEditor)}); err != nil {
			t.Fatal(err)
		}
		wantDead(t, server, secret, "a token whose maker the other process demoted")
	})
}
