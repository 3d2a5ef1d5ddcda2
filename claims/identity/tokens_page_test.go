package identity_test

import (
	"context"
	"fmt"
	"testing"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
)

func TestFindTokensPages(t *testing.T) {
	t.Parallel()
	s, _, _ := open(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice@example.org", identity.RoleEditor)
	bob := mustUser(t, s, "bob@example.org", identity.RoleViewer)
	var want []int64
	for i := range 3 {
		tok, _, err := s.CreateToken(ctx, identity.System(), alice.ID, fmt.Sprint("t", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, tok.ID)
	}
	var got []int64
	var after int64
	for {
		list, more, err := s.FindTokens(ctx, alice.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range list {
			got = append(got, tok.ID)
		}
		if !more {
			break
		}
		after = list[len(list)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("paged tokens = %v, want %v", got, want)
	}
	if list, more, err := s.FindTokens(ctx, bob.ID, 0, 2); err != nil || more || list == nil || len(list) != 0 {
		t.Errorf("tokens of a user without any = %v, %v, %v", list, more, err)
	}
	_, _, err := s.FindTokens(ctx, 999999, 0, 2)
	dbtest.WantKind(t, err, fault.NotFound, "")
	_, _, err = s.FindTokens(ctx, alice.ID, 0, 0)
	dbtest.WantKind(t, err, fault.Invalid, "limit")
}
