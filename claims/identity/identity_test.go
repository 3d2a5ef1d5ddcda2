package identity_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

const password = "correct horse battery"

// start is the fixed time of the test clock, so that token bookkeeping can be checked exactly.
var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T) (*identity.Store, *database.DB, *dbtest.Clock) {
	t.Helper()
	clock := &dbtest.Clock{T: start}
	db := dbtest.Open(t, database.WithClock(clock.Now))
	return identity.NewStore(db), db, clock
}

func mustUser(t *testing.T, s *identity.Store, email string, role identity.Role) *identity.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), identity.System(), identity.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: password})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// wantAudit fails t unless exactly one event was appended since n, with the given action.
func wantAudit(t *testing.T, db *database.DB, n int64, action string) {
	t.Helper()
	if got := dbtest.AuditCount(t, db); got != n+1 {
		t.Errorf("audit events %d -> %d, want one %s", n, got, action)
		return
	}
	var e audit.Event
	if err := db.Reader().NewSelect().Model(&e).Order("seq DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.Action != action {
		t.Errorf("audit action = %s, want %s", e.Action, action)
	}
}

// wantActions fails t unless the events appended since n have exactly these actions, in order.
func wantActions(t *testing.T, db *database.DB, n int64, actions ...string) []audit.Event {
	t.Helper()
	var events []audit.Event
	if err := db.Reader().NewSelect().Model(&events).Where("seq > ?", n).Order("seq ASC").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(events))
	for i, e := range events {
		got[i] = e.Action
	}
	if !slices.Equal(got, actions) {
		t.Errorf("audit actions since %d = %v, want %v", n, got, actions)
	}
	dbtest.AuditCount(t, db) // and the chain still verifies
	return events
}

func wantNoAudit(t *testing.T, db *database.DB, n int64) {
	t.Helper()
	if got := dbtest.AuditCount(t, db); got != n {
		t.Errorf("audit events %d -> %d, want none for a refused change", n, got)
	}
}

func TestHashPassword(t *testing.T) {
	h1, err := identity.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := identity.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h1, password) {
		t.Errorf("hash = %s", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, h := range []string{h1, h2} {
		if !identity.CheckPassword(h, password) {
			t.Errorf("CheckPassword(%s, right password) = false", h)
		}
	}
	for _, wrong := range []string{"", "correct horse batterY", "correct horse battery ", password[:len(password)-1], h1} {
		if identity.CheckPassword(h1, wrong) {
			t.Errorf("CheckPassword(hash, %q) = true", wrong)
		}
	}
	// Parameters are read from the hash, so hashes made with other costs still verify.
	if !identity.CheckPassword(otherCost, "password") {
		t.Error("a hash with other parameters does not verify")
	}
}

// otherCost is argon2id("password", salt "somesaltsomesalt") with m=8, t=1, p=1 and a 16-byte
// key, made with golang.org/x/crypto/argon2.
const otherCost = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$iTkvM16WpsgqnDci1zhnHg"

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	valid, err := identity.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", password},
		{"dollars only", "$$$$$"},
		{"too few parts", strings.Join(parts[:5], "$")},
		{"too many parts", valid + "$extra"},
		{"argon2i", with(1, "argon2i")},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"old version", with(2, "v=16")},
		{"no version", with(2, "")},
		{"version garbage", with(2, "v=abc")},
		{"parameters garbage", with(3, "m=a,t=b,p=c")},
		{"parameters missing", with(3, "")},
		{"negative memory", with(3, "m=-1,t=2,p=1")},
		{"parallelism above 255", with(3, "m=19456,t=2,p=256")},
		{"salt not base64", with(4, "!!!")},
		{"salt padded", with(4, parts[4]+"==")},
		{"key not base64", with(5, "***")},
		{"key empty", with(5, "")},
		{"key of another password", with(5, strings.Split(otherCost, "$")[5])},
		{"key truncated", with(5, parts[5][:20])},
		{"upper-case algorithm", with(1, "ARGON2ID")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if identity.CheckPassword(tt.hash, password) {
				t.Errorf("CheckPassword(%q) = true", tt.hash)
			}
		})
	}
}

func TestCheckPasswordZeroCostDoesNotPanic(t *testing.T) {
	valid, err := identity.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, "$")
	for _, params := range []string{"m=19456,t=0,p=1", "m=19456,t=2,p=0", "m=0,t=0,p=0"} {
		parts[3] = params
		h := strings.Join(parts, "$")
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("CheckPassword(%s) panicked: %v", params, r)
				}
			}()
			if identity.CheckPassword(h, password) {
				t.Errorf("CheckPassword(%s) = true", params)
			}
		}()
	}
}

// FuzzCheckPassword feeds arbitrary hashes and passwords to CheckPassword, which must answer
// false or true and never panic. Inputs whose parameters would panic (t or p of 0, the bug of
// TestCheckPasswordZeroCostDoesNotPanic) or cost more than a fuzzer can afford are skipped.
func FuzzCheckPassword(f *testing.F) {
	f.Add(otherCost, "password")
	f.Add(otherCost, "")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$$iTkvM16WpsgqnDci1zhnHg", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1,x=2$c29tZXNhbHRzb21lc2FsdA$iTkvM16WpsgqnDci1zhnHg", "password")
	f.Add("$argon2id$v=19$m=8, t=1, p=1$c29tZXNhbHRzb21lc2FsdA$iTkvM16WpsgqnDci1zhnHg", "password")
	f.Add("$argon2id$v=+19$m=+8,t=+1,p=+1$c29tZXNhbHRzb21lc2FsdA$iTkvM16WpsgqnDci1zhnHg", "password")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$iTkvM16WpsgqnDci1zhnHg$", "password")
	f.Add("", "")
	f.Add("$", "\x00")
	f.Add("$argon2id$$$$", "\xff")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if parts := strings.Split(hash, "$"); len(parts) == 6 {
			var memory, passes uint32
			var threads uint8
			if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err == nil {
				if memory > 64*1024 || passes > 4 || threads > 8 || len(parts[5]) > 1024 {
					t.Skip("too costly for a fuzzer")
				}
			}
		}
		identity.CheckPassword(hash, pw)
	})
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	n := dbtest.AuditCount(t, db)
	alice, err := s.CreateUser(ctx, identity.System(), identity.NewUser{Email: "  Alice@Example.ORG ", Name: " Alice ", Role: identity.RoleEditor, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if alice.ID == 0 || alice.Email != "alice@example.org" || alice.Name != "Alice" || alice.Role != identity.RoleEditor || alice.DisabledAt != nil {
		t.Errorf("user = %+v", alice)
	}
	if alice.PasswordHash == password || !identity.CheckPassword(alice.PasswordHash, password) {
		t.Errorf("password hash = %q", alice.PasswordHash)
	}
	wantAudit(t, db, n, "user.create")
	if got, err := s.FindUserByEmail(ctx, "ALICE@example.org"); err != nil || got.ID != alice.ID {
		t.Errorf("FindUserByEmail: %+v, %v", got, err)
	}

	tests := []struct {
		name  string
		u     identity.NewUser
		field string
	}{
		{"no email", identity.NewUser{Name: "x", Role: identity.RoleViewer, Password: password}, "email"},
		{"not an email", identity.NewUser{Email: "alice", Name: "x", Role: identity.RoleViewer, Password: password}, "email"},
		{"email with a display name", identity.NewUser{Email: "Bob <bob@example.org>", Name: "x", Role: identity.RoleViewer, Password: password}, "email"},
		{"two addresses", identity.NewUser{Email: "bob@example.org, eve@example.org", Name: "x", Role: identity.RoleViewer, Password: password}, "email"},
		{"no name", identity.NewUser{Email: "bob@example.org", Name: "  ", Role: identity.RoleViewer, Password: password}, "name"},
		{"short password", identity.NewUser{Email: "bob@example.org", Name: "Bob", Role: identity.RoleViewer, Password: "short"}, "password"},
		{"eleven characters", identity.NewUser{Email: "bob@example.org", Name: "Bob", Role: identity.RoleViewer, Password: "elevenchars"}, "password"},
		{"twelve bytes, four characters", identity.NewUser{Email: "bob@example.org", Name: "Bob", Role: identity.RoleViewer, Password: "日本語話"}, "password"},
		{"no role", identity.NewUser{Email: "bob@example.org", Name: "Bob", Password: password}, "role"},
		{"unknown role", identity.NewUser{Email: "bob@example.org", Name: "Bob", Role: "superuser", Password: password}, "role"},
		{"role in capitals", identity.NewUser{Email: "bob@example.org", Name: "Bob", Role: "ADMIN", Password: password}, "role"},
		{"same email", identity.NewUser{Email: "alice@example.org", Name: "Alice 2", Role: identity.RoleViewer, Password: password}, "email"},
		{"same email in other case", identity.NewUser{Email: "ALICE@example.org", Name: "Alice 2", Role: identity.RoleViewer, Password: password}, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := dbtest.AuditCount(t, db)
			_, err := s.CreateUser(ctx, identity.System(), tt.u)
			dbtest.WantKind(t, err, fault.Invalid, tt.field)
			wantNoAudit(t, db, n)
		})
	}
	if count, err := s.CountUsers(ctx); err != nil || count != 1 {
		t.Errorf("users = %d, %v; want only alice", count, err)
	}
	// Several bad fields are reported at once.
	_, err = s.CreateUser(ctx, identity.System(), identity.NewUser{Email: "x", Role: "x", Password: "x"})
	for _, field := range []string{"email", "name", "role", "password"} {
		dbtest.WantKind(t, err, fault.Invalid, field)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice@example.org", identity.RoleReviewer)

	for _, email := range []string{"alice@example.org", " ALICE@example.org "} {
		u, err := s.Authenticate(ctx, email, password)
		if err != nil || u.ID != alice.ID {
			t.Errorf("Authenticate(%q): %+v, %v", email, u, err)
		}
	}

	_, wrongPassword := s.Authenticate(ctx, "alice@example.org", "correct horse battery!")
	_, unknownEmail := s.Authenticate(ctx, "mallory@example.org", password)
	_, emptyPassword := s.Authenticate(ctx, "alice@example.org", "")
	for name, err := range map[string]error{"wrong password": wrongPassword, "unknown email": unknownEmail, "empty password": emptyPassword} {
		dbtest.WantKind(t, err, fault.Unauthorized, "")
		if err != nil && err.Error() != wrongPassword.Error() {
			t.Errorf("%s: %q, wrong password: %q; they must not differ", name, err, wrongPassword)
		}
	}

	n := dbtest.AuditCount(t, db)
	if _, err := s.UpdateUser(ctx, identity.System(), alice.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	wantAudit(t, db, n, "user.update")
	_, disabled := s.Authenticate(ctx, "alice@example.org", password)
	dbtest.WantKind(t, disabled, fault.Unauthorized, "")
	if disabled != nil && disabled.Error() != wrongPassword.Error() {
		t.Errorf("disabled: %q, want the same message as a wrong password", disabled)
	}

	if _, err := s.UpdateUser(ctx, identity.System(), alice.ID, identity.UserUpdate{Disabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "alice@example.org", password); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	if dbtest.AuditCount(t, db) != n+2 {
		t.Errorf("logging in wrote audit events")
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	s, db, clock := open(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice@example.org", identity.RoleEditor)
	bob := mustUser(t, s, "bob@example.org", identity.RoleReviewer)
	admin := identity.System()

	n := dbtest.AuditCount(t, db)
	tok, secret, err := s.CreateToken(ctx, admin, alice.ID, " ci ")
	if err != nil {
		t.Fatal(err)
	}
	wantAudit(t, db, n, "token.create")
	if !strings.HasPrefix(secret, "vrt_") || len(secret) < len("vrt_")+43 {
		t.Errorf("secret = %q, want vrt_ and 256 bits", secret)
	}
	if tok.ID == 0 || tok.UserID != alice.ID || tok.Name != "ci" || tok.RevokedAt != nil || tok.LastUsedAt != nil {
		t.Errorf("token = %+v", tok)
	}
	if tok.TokenHash == secret || strings.Contains(tok.TokenHash, strings.TrimPrefix(secret, "vrt_")) || strings.Contains(secret, tok.TokenHash) {
		t.Errorf("the stored hash %q reveals the secret %q", tok.TokenHash, secret)
	}
	_, secret2, err := s.CreateToken(ctx, admin, alice.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if secret2 == secret {
		t.Error("two tokens share a secret")
	}

	t.Run("stored form", func(t *testing.T) {
		list, _, err := s.FindTokens(ctx, alice.ID, 0, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("FindTokens = %d, %v", len(list), err)
		}
		for _, st := range list {
			if st.TokenHash == secret || st.TokenHash == secret2 || st.TokenHash == "" {
				t.Errorf("stored token hash = %q", st.TokenHash)
			}
		}
	})

	t.Run("authorize", func(t *testing.T) {
		lastUsed := func() *time.Time {
			list, _, err := s.FindTokens(ctx, alice.ID, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			return list[0].LastUsedAt
		}
		// Whether a use is due to be written, as the HTTP layer asks before it starts the write.
		wantDue := func(want bool, when string) {
			t.Helper()
			_, tok, err := s.Authorize(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.UseDue(tok); got != want {
				t.Errorf("UseDue %s = %v, want %v", when, got, want)
			}
		}
		n := dbtest.AuditCount(t, db)
		wantDue(true, "before the first use")
		u, err := authorizeAndMark(ctx, s, secret)
		if err != nil || u.ID != alice.ID || u.Role != identity.RoleEditor {
			t.Fatalf("Authorize = %+v, %v", u, err)
		}
		wantDue(false, "right after the first use")
		if got := lastUsed(); got == nil || !got.Equal(start) {
			t.Errorf("last used = %v, want %v", got, start)
		}
		// Within a minute the time is not written again; after it, it is.
		clock.Advance(30 * time.Second)
		if _, err := authorizeAndMark(ctx, s, secret); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(start) {
			t.Errorf("last used after 30s = %v, want %v still", got, start)
		}
		wantDue(false, "30s after the use")
		clock.Advance(31 * time.Second)
		wantDue(true, "61s after the use")
		if _, err := authorizeAndMark(ctx, s, secret); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(start.Add(61 * time.Second)) {
			t.Errorf("last used after 61s = %v, want %v", got, start.Add(61*time.Second))
		}
		wantNoAudit(t, db, n)
	})

	t.Run("garbage", func(t *testing.T) {
		for _, g := range []string{
			"", "vrt_", "vrt_garbage", "Bearer " + secret, strings.TrimPrefix(secret, "vrt_"), secret + "x",
			secret[:len(secret)-1], "VRT_" + strings.TrimPrefix(secret, "vrt_"), " " + secret, tok.TokenHash, "vrt_" + tok.TokenHash,
			"vrt_\x00", "vrt_" + strings.Repeat("A", 10000),
		} {
			_, err := authorizeAndMark(ctx, s, g)
			dbtest.WantKind(t, err, fault.Unauthorized, "")
		}
	})

	t.Run("revoke", func(t *testing.T) {
		n := dbtest.AuditCount(t, db)
		_, err := s.RevokeToken(ctx, admin, bob.ID, tok.ID)
		dbtest.WantKind(t, err, fault.NotFound, "")
		_, err = s.RevokeToken(ctx, admin, alice.ID, tok.ID+1000)
		dbtest.WantKind(t, err, fault.NotFound, "")
		wantNoAudit(t, db, n)
		if _, err := authorizeAndMark(ctx, s, secret); err != nil {
			t.Fatalf("a refused revocation stopped the token: %v", err)
		}

		r, err := s.RevokeToken(ctx, admin, alice.ID, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.RevokedAt == nil || r.ID != tok.ID {
			t.Errorf("revoked = %+v", r)
		}
		wantAudit(t, db, n, "token.revoke")
		_, err = authorizeAndMark(ctx, s, secret)
		dbtest.WantKind(t, err, fault.Unauthorized, "")

		n = dbtest.AuditCount(t, db)
		_, err = s.RevokeToken(ctx, admin, alice.ID, tok.ID)
		dbtest.WantKind(t, err, fault.Conflict, "")
		wantNoAudit(t, db, n)

		// The other token of the same user still works; the revoked one is still listed.
		if _, err := authorizeAndMark(ctx, s, secret2); err != nil {
			t.Errorf("the other token: %v", err)
		}
		if list, _, _ := s.FindTokens(ctx, alice.ID, 0, 10); len(list) != 2 || list[0].RevokedAt == nil || list[1].RevokedAt != nil {
			t.Errorf("tokens after revoking one = %+v", list)
		}
	})

	t.Run("disabled user", func(t *testing.T) {
		_, bobSecret, err := s.CreateToken(ctx, admin, bob.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		n := dbtest.AuditCount(t, db)
		if _, err := s.UpdateUser(ctx, admin, bob.ID, identity.UserUpdate{Disabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		wantActions(t, db, n, "user.update", "token.revoke")
		_, err = authorizeAndMark(ctx, s, bobSecret)
		dbtest.WantKind(t, err, fault.Unauthorized, "")

		n = dbtest.AuditCount(t, db)
		_, _, err = s.CreateToken(ctx, admin, bob.ID, "new")
		dbtest.WantKind(t, err, fault.Conflict, "")
		_, _, err = s.CreateToken(ctx, admin, bob.ID+1000, "new")
		dbtest.WantKind(t, err, fault.NotFound, "")
		wantNoAudit(t, db, n)

		// Alice is not affected.
		if _, err := authorizeAndMark(ctx, s, secret2); err != nil {
			t.Errorf("alice's token after disabling bob: %v", err)
		}
	})

	t.Run("audit actor", func(t *testing.T) {
		// Making tokens takes the administer right, whoever calls: an editor cannot make one
		// even for themselves.
		n := dbtest.AuditCount(t, db)
		_, _, err := s.CreateToken(ctx, alice.Actor(), alice.ID, "self-service")
		dbtest.WantKind(t, err, fault.Forbidden, "")
		wantNoAudit(t, db, n)
		ada := mustUser(t, s, "ada@example.org", identity.RoleAdmin)
		n = dbtest.AuditCount(t, db)
		if _, _, err := s.CreateToken(ctx, ada.Actor(), alice.ID, "from ada"); err != nil {
			t.Fatal(err)
		}
		wantAudit(t, db, n, "token.create")
		var e audit.Event
		if err := db.Reader().NewSelect().Model(&e).Order("seq DESC").Limit(1).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if e.Actor != fmt.Sprintf("user:%d", ada.ID) || e.EntityType != "token" || strings.Contains(e.After, "vrt_") {
			t.Errorf("audit event = %+v", e)
		}
	})
}

// authorizeAndMark authenticates a token and records its use, as the HTTP layer does.
func authorizeAndMark(ctx context.Context, s *identity.Store, secret string) (*identity.User, error) {
	u, tok, err := s.Authorize(ctx, secret)
	if err != nil {
		return nil, err
	}
	return u, s.MarkUsed(ctx, tok)
}
