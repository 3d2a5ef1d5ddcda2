package identity_test

import (
	"context"
	"testing"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

// TestEveryWriteChecksItsRight: managing users and tokens takes the administer right, even
// for an editor calling the domain directly.
func TestEveryWriteChecksItsRight(t *testing.T) {
	t.Parallel()
	s, db, _ := open(t)
	ctx := context.Background()
	bob := mustUser(t, s, "bob@example.org", identity.RoleReviewer)
	tok, _, err := s.CreateToken(ctx, identity.System(), bob.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func(identity.Actor) error
	}{
		{"create user", func(a identity.Actor) error {
			_, err := s.CreateUser(ctx, a, identity.NewUser{Email: "c@example.org", Name: "C", Role: identity.RoleViewer, Password: password})
			return err
		}},
		{"update user", func(a identity.Actor) error {
			_, err := s.UpdateUser(ctx, a, bob.ID, identity.UserUpdate{Role: new(identity.RoleAdmin)})
			return err
		}},
		{"create token", func(a identity.Actor) error {
			_, _, err := s.CreateToken(ctx, a, bob.ID, "x")
			return err
		}},
		{"revoke token", func(a identity.Actor) error {
			_, err := s.RevokeToken(ctx, a, bob.ID, tok.ID)
			return err
		}},
	}
	for _, tt := range tests {
		for _, role := range []identity.Role{identity.RoleViewer, identity.RoleReviewer, identity.RoleEditor, identity.RoleAuditor} {
			t.Run(tt.name+" as "+string(role), func(t *testing.T) {
				n := dbtest.AuditCount(t, db)
				dbtest.WantKind(t, tt.call(identity.Actor{UserID: bob.ID, Role: role}), fault.Forbidden, "")
				wantNoAudit(t, db, n)
			})
		}
	}
}
