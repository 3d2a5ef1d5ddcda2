package claims

import (
	"fmt"

	"verity/provenance/audit"
)

// Role is what a user may do. Roles are ordered: each includes the rights of those before it,
// except that an auditor reads everything and changes nothing.
type Role string

// The roles of DESIGN.md.
const (
	RoleViewer   Role = "viewer"
	RoleReviewer Role = "reviewer"
	RoleEditor   Role = "editor"
	RoleAuditor  Role = "auditor"
	RoleAdmin    Role = "admin"
)

// Roles lists every role, least powerful first.
func Roles() []Role { return []Role{RoleViewer, RoleReviewer, RoleEditor, RoleAuditor, RoleAdmin} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleViewer, RoleReviewer, RoleEditor, RoleAuditor, RoleAdmin:
		return true
	}
	return false
}

// rank orders the roles that may write; auditors and viewers write nothing.
func (r Role) rank() int {
	switch r {
	case RoleReviewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// AtLeast reports whether r has every write right of min. Viewers and auditors have none,
// so they are at least only themselves.
func (r Role) AtLeast(min Role) bool { return (r.rank() >= min.rank() && r.rank() > 0) || r == min }

// Actor is who makes a change: a user with a role, or Verity itself (UserID 0).
type Actor struct {
	UserID int64
	Role   Role
	// TokenFrom is the admin who made the token the user acts through, when that was someone
	// else. Whoever holds a token can act as its user, so that admin is held to the
	// four-eyes rule as well, and the audit trail names them.
	TokenFrom int64
}

// System returns Verity acting on its own behalf: seeding, start-up tasks, the CLI run by an
// operator with access to the database.
func System() Actor { return Actor{Role: RoleAdmin} }

// AuditName is how the actor appears in the audit trail.
func (a Actor) AuditName() string {
	if a.UserID == 0 {
		return audit.System
	}
	if a.TokenFrom != 0 {
		return fmt.Sprintf("user:%d via token from user:%d", a.UserID, a.TokenFrom)
	}
	return fmt.Sprintf("user:%d", a.UserID)
}

// people returns the users behind the actor: the user, and the admin who made the token the
// user acts through when that is someone else.
func (a Actor) people() []int64 {
	if a.TokenFrom != 0 {
		return []int64{a.UserID, a.TokenFrom}
	}
	return []int64{a.UserID}
}

// tokenFrom is TokenFrom as stored: NULL when the actor acts through their own token.
func (a Actor) tokenFrom() *int64 {
	if a.TokenFrom == 0 {
		return nil
	}
	id := a.TokenFrom
	return &id
}

// UserRef is the value stored in created_by-style columns: NULL for the system.
func (a Actor) UserRef() *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}
