package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	policy := identity.SessionPolicy{Idle: 30 * time.Minute, Absolute: 2 * time.Hour}
	s, db, clock := open(t)
	admin := mustUser(t, s, "admin@example.org", identity.RoleAdmin)
	rita := mustUser(t, s, "rita@example.org", identity.RoleReviewer)
	audited := dbtest.AuditCount(t, db)

	signIn := func(t *testing.T) string {
		t.Helper()
		sess, secret, err := s.CreateSession(ctx, rita.ID, policy)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "vrs_") || sess.CSRFToken == "" || sess.TokenHash == secret || strings.Contains(sess.CSRFToken, secret) {
			t.Fatalf("session %+v with secret %q", sess, secret)
		}
		return secret
	}
	wantUnauthorized := func(t *testing.T, secret, message string) {
		t.Helper()
		_, err := s.AuthorizeSession(ctx, secret, policy)
		dbtest.WantKind(t, err, fault.Unauthorized, "")
		if err != nil && !strings.Contains(err.Error(), message) {
			t.Errorf("err = %v, want it to say %q", err, message)
		}
	}

	t.Run("a session names its user as stored now", func(t *testing.T) {
		secret := signIn(t)
		sess, err := s.AuthorizeSession(ctx, secret, policy)
		if err != nil || sess.User.ID != rita.ID || sess.User.Role != identity.RoleReviewer {
			t.Fatalf("AuthorizeSession = %+v, %v", sess, err)
		}
		editor := identity.RoleEditor
		if _, err := s.UpdateUser(ctx, admin.Actor(), rita.ID, identity.UserUpdate{Role: &editor}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			reviewer := identity.RoleReviewer
			if _, err := s.UpdateUser(ctx, admin.Actor(), rita.ID, identity.UserUpdate{Role: &reviewer}); err != nil {
				t.Fatal(err)
			}
		}()
		if sess, err := s.AuthorizeSession(ctx, secret, policy); err != nil || sess.User.Role != identity.RoleEditor {
			t.Fatalf("after a role change: %+v, %v", sess, err)
		}
	})

	use := func(t *testing.T, secret string) error {
		t.Helper()
		sess, err := s.AuthorizeSession(ctx, secret, policy)
		if err != nil {
			return err
		}
		return s.TouchSession(ctx, sess)
	}

	t.Run("a use is due once a minute", func(t *testing.T) {
		secret := signIn(t)
		for _, tt := range []struct {
			after time.Duration
			want  bool
		}{{0, false}, {59 * time.Second, false}, {time.Second, true}} {
			clock.Advance(tt.after)
			sess, err := s.AuthorizeSession(ctx, secret, policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.TouchDue(sess); got != tt.want {
				t.Errorf("TouchDue after another %s = %v, want %v", tt.after, got, tt.want)
			}
		}
	})

	t.Run("idle sessions end, used ones go on", func(t *testing.T) {
		secret := signIn(t)
		for range 4 {
			clock.Advance(20 * time.Minute) // each step within Idle of the last use
			if err := use(t, secret); err != nil {
				t.Fatalf("after 20 minutes: %v", err)
			}
		}
		clock.Advance(30 * time.Minute) // 110 minutes after sign-in, 30 after the last use
		wantUnauthorized(t, secret, "without activity")
	})

	t.Run("every session ends at its absolute end", func(t *testing.T) {
		secret := signIn(t)
		for range 4 {
			clock.Advance(25 * time.Minute)
			if err := use(t, secret); err != nil {
				t.Fatalf("within the absolute end: %v", err)
			}
		}
		clock.Advance(25 * time.Minute) // 125 minutes after sign-in
		wantUnauthorized(t, secret, "expired")
	})

	t.Run("signing out ends the session", func(t *testing.T) {
		secret := signIn(t)
		if err := s.DeleteSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		wantUnauthorized(t, secret, "ended")
		if err := s.DeleteSession(ctx, secret); err != nil {
			t.Errorf("signing out twice: %v", err)
		}
	})

	t.Run("a disabled user's sessions stop working and none start", func(t *testing.T) {
		u := mustUser(t, s, "gone@example.org", identity.RoleEditor)
		sess, secret, err := s.CreateSession(ctx, u.ID, policy)
		if err != nil || sess.UserID != u.ID {
			t.Fatal(err)
		}
		yes := true
		if _, err := s.UpdateUser(ctx, admin.Actor(), u.ID, identity.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		wantUnauthorized(t, secret, "ended")
		_, _, err = s.CreateSession(ctx, u.ID, policy)
		dbtest.WantKind(t, err, fault.Unauthorized, "")
		audited = dbtest.AuditCount(t, db)
	})

	t.Run("a user disabled behind Verity's back is refused all the same", func(t *testing.T) {
		u := mustUser(t, s, "quiet@example.org", identity.RoleEditor)
		_, secret, err := s.CreateSession(ctx, u.ID, policy)
		if err != nil {
			t.Fatal(err)
		}
		// An operator with the database's access, not through UpdateUser, which also ends
		// the user's sessions.
		if _, err := db.Bun().NewUpdate().Table("users").Set("disabled_at = ?", clock.Now()).Where("id = ?", u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		wantUnauthorized(t, secret, "disabled")
		audited = dbtest.AuditCount(t, db)
	})

	t.Run("secrets that are not sessions", func(t *testing.T) {
		for _, secret := range []string{"", "vrs_", "vrs_nonsense", "vrt_an-api-token"} {
			wantUnauthorized(t, secret, "")
		}
		_, _, err := s.CreateSession(ctx, 999, policy)
		dbtest.WantKind(t, err, fault.NotFound, "")
	})

	t.Run("expired sessions are swept at the next sign-in", func(t *testing.T) {
		var n int
		count := func() int {
			n, err := db.Reader().NewSelect().Table("sessions").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		signIn(t) // sweeps what earlier subtests left to expire
		signIn(t)
		clock.Advance(3 * time.Hour)
		n = count()
		signIn(t)
		if got := count(); got != 1 || n < 2 {
			t.Errorf("sessions: %d before the sign-in, %d after; want the expired ones gone", n, got)
		}
	})

	// Sessions are bookkeeping of sign-ins, not changes to Verity's records.
	if got := dbtest.AuditCount(t, db); got != audited {
		t.Errorf("audit events %d -> %d; sessions are not audited", audited, got)
	}
}

// TestSessionWithoutLastUse reads a session stored without last_seen_at, as rows made
// before the column, or by hand, are: it counts as last used when it was made.
func TestSessionWithoutLastUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	policy := identity.SessionPolicy{Idle: 30 * time.Minute, Absolute: 2 * time.Hour}
	s, db, clock := open(t)
	u := mustUser(t, s, "rita@example.org", identity.RoleReviewer)
	sess, secret, err := s.CreateSession(ctx, u.ID, policy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bun().ExecContext(ctx, "UPDATE sessions SET last_seen_at = NULL WHERE token_hash = ?", sess.TokenHash); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	if _, err := s.AuthorizeSession(ctx, secret, policy); err != nil {
		t.Fatalf("ten minutes after sign-in: %v", err)
	}
	if _, err := db.Bun().ExecContext(ctx, "UPDATE sessions SET last_seen_at = NULL WHERE token_hash = ?", sess.TokenHash); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	_, err = s.AuthorizeSession(ctx, secret, policy)
	dbtest.WantKind(t, err, fault.Unauthorized, "")
}
