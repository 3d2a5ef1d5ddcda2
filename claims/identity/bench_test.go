package identity_test

// Benchmarks of what every authenticated request pays before its handler runs. Run them with
//
//	go test -run '^$' -bench Authorize -benchmem ./claims/identity/
//
// They measure; they assert nothing about time.

import (
	"context"
	"testing"

	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// BenchmarkAuthorize checks one bearer token per op, as authenticate does on every API
// request: a token another admin made for an editor, so that the maker is checked too; and
// one session, as every reviewer page does. The
// floor is the cheapest read Authorize could be replaced by, one prepared statement that
// returns one integer from a one-row table: what validating an in-memory cache against the
// database (a generation counter) would cost on each request at the least.
func BenchmarkAuthorize(b *testing.B) {
	db := dbtest.Open(b)
	s := identity.NewStore(db)
	ctx := context.Background()
	mk := func(email string, role identity.Role) *identity.User {
		u, err := s.CreateUser(ctx, identity.System(), identity.NewUser{Email: email, Name: "u", Role: role, Password: password})
		if err != nil {
			b.Fatal(err)
		}
		return u
	}
	ada := mk("ada@example.org", identity.RoleAdmin)
	ed := mk("ed@example.org", identity.RoleEditor)
	_, secret, err := s.CreateToken(ctx, ada.Actor(), ed.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("token", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.Authorize(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	_, session, err := s.CreateSession(ctx, ed.ID, identity.DefaultSessionPolicy())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("session", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.AuthorizeSession(ctx, session, identity.DefaultSessionPolicy()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Scope().QueryPrepared(ctx, "SELECT seq FROM audit_head WHERE id = 1")
			if err != nil {
				b.Fatal(err)
			}
			var seq int64
			for rows.Next() {
				if err := rows.Scan(&seq); err != nil {
					b.Fatal(err)
				}
			}
			rows.Close()
		}
	})
}
