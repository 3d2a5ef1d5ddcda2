package identity_test

import (
	"strings"
	"testing"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance/audit"
)

func TestRoleRights(t *testing.T) {
	// The one table of roles and rights: viewers and auditors write nothing, reviewers
	// review, editors also edit, auditors alone (with admins) audit, auditors and editors
	// export the trail, admins do everything.
	want := map[identity.Role][]identity.Right{
		identity.RoleViewer:   {identity.Read},
		identity.RoleReviewer: {identity.Read, identity.Review},
		identity.RoleEditor:   {identity.Read, identity.Review, identity.Edit, identity.ExportAudit},
		identity.RoleAuditor:  {identity.Read, identity.Audit, identity.ExportAudit},
		identity.RoleAdmin:    {identity.Read, identity.Review, identity.Edit, identity.Audit, identity.ExportAudit, identity.Administer},
		"":                    nil,
		"root":                nil,
	}
	all := []identity.Right{identity.Read, identity.Review, identity.Edit, identity.Audit, identity.ExportAudit, identity.Administer}
	for role, rights := range want {
		for _, right := range all {
			has := false
			for _, r := range rights {
				has = has || r == right
			}
			if got := role.Can(right); got != has {
				t.Errorf("%q.Can(%s) = %v, want %v", role, right, got, has)
			}
		}
	}
	if got := identity.Edit.Holders(); got != "editor or admin" {
		t.Errorf("Edit.Holders() = %q", got)
	}
	if got := identity.Review.Holders(); got != "reviewer, editor or admin" {
		t.Errorf("Review.Holders() = %q", got)
	}
}

func TestActorRequireAndAuditName(t *testing.T) {
	if s := identity.System(); s.UserID != 0 || s.Role != identity.RoleAdmin || s.AuditName() != audit.System {
		t.Errorf("System() = %+v (%s)", s, s.AuditName())
	}
	tests := []struct {
		actor identity.Actor
		want  string
	}{
		{identity.Actor{UserID: 5, Role: identity.RoleEditor}, "user:5"},
		{identity.Actor{UserID: 5, Role: identity.RoleEditor, TokenFrom: 1}, "user:5 via token from user:1"},
		{identity.Actor{UserID: 5, Role: identity.RoleEditor, TokenFromCLI: "root@desk-1"}, "user:5 via cli token from root@desk-1"},
		{identity.Actor{UserID: 5, Role: identity.RoleEditor, TokenFrom: 1, TokenFromCLI: "root@desk-1"}, "user:5 via token from user:1 via cli token from root@desk-1"},
		{identity.Operator("root@desk-1"), "cli:root@desk-1"},
	}
	for _, tt := range tests {
		if got := tt.actor.AuditName(); got != tt.want {
			t.Errorf("AuditName() = %q, want %q", got, tt.want)
		}
	}
	viewer := identity.Actor{UserID: 3, Role: identity.RoleViewer}
	err := viewer.Require(identity.Edit, "creating a claim")
	if !fault.Is(err, fault.Forbidden) || !strings.Contains(err.Error(), "creating a claim needs the edit right (editor or admin); you are a viewer") {
		t.Errorf("Require = %v", err)
	}
	if err := (identity.Actor{UserID: 3, Role: identity.RoleEditor}).Require(identity.Edit, "x"); err != nil {
		t.Errorf("editor refused edit: %v", err)
	}
}
