package identity

import (
	"fmt"
	"slices"
	"strings"

	"verity/claims/fault"
	"verity/provenance/audit"
)

// Role is what a user may do: a fixed set of rights, listed in Rights.
type Role string

// The roles of DESIGN.md.
const (
	RoleViewer   Role = "viewer"
	RoleReviewer Role = "reviewer"
	RoleEditor   Role = "editor"
	RoleAuditor  Role = "auditor"
	RoleAdmin    Role = "admin"
)

// Roles lists every role, least powerful first. It is the one list of roles: validation,
// messages, the CLI and the HTTP role matrix all read it.
func Roles() []Role { return []Role{RoleViewer, RoleReviewer, RoleEditor, RoleAuditor, RoleAdmin} }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Right is one thing a role may do. Every mutating domain method checks its actor's right
// itself, whoever calls it (API, web form, CLI, seed loader); the HTTP routes check the same
// rights only as a coarse gate, so that a request that can never succeed is refused early.
type Right string

// The rights.
const (
	// Read: articles, claims, sources, citations, evidence, provenance.
	Read Right = "read"
	// Review: take claims into review, attach evidence, propose a verdict.
	Review Right = "review"
	// Edit: create and change articles, claims, sources and citations; assign claims to
	// others; sign verdicts off, reject and reopen them; withdraw anyone's evidence.
	Edit Right = "edit"
	// Audit: read and verify the audit trail.
	Audit Right = "audit"
	// ExportAudit: download the audit trail as a spreadsheet (issue 9 names auditors, editors
	// and admins): editors answer for the desk's records and hand them to outside auditors,
	// without the right to browse and verify the trail through the API.
	ExportAudit Right = "export_audit"
	// Administer: users and API tokens.
	Administer Right = "administer"
)

// Rights lists what r may do: the one table of roles and rights.
func (r Role) Rights() []Right {
	switch r {
	case RoleViewer:
		return []Right{Read}
	case RoleReviewer:
		return []Right{Read, Review}
	case RoleEditor:
		return []Right{Read, Review, Edit, ExportAudit}
	case RoleAuditor:
		return []Right{Read, Audit, ExportAudit}
	case RoleAdmin:
		return []Right{Read, Review, Edit, Audit, ExportAudit, Administer}
	}
	return nil
}

// Can reports whether r has the right.
func (r Role) Can(right Right) bool { return slices.Contains(r.Rights(), right) }

// RolesWith lists the roles that have the right, least powerful first.
func RolesWith(right Right) []Role {
	var out []Role
	for _, r := range Roles() {
		if r.Can(right) {
			out = append(out, r)
		}
	}
	return out
}

// Holders names the roles that have the right, for messages: "editor or admin".
func (right Right) Holders() string {
	roles := RolesWith(right)
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// Actor is who makes a change: a user with a role, Verity itself, or an operator at the
// command line.
type Actor struct {
	// UserID is the user acting, or 0 for Verity itself and for the command line.
	UserID int64
	Role   Role
	// TokenFrom is the admin who made the token the user acts through, when that was someone
	// else. Whoever holds a token can act as its user, so that admin is held to the
	// four-eyes rule as well, and the audit trail names them.
	TokenFrom int64
	// TokenFromCLI is the operator (user@host) who made the token at the command line, when
	// the user acts through such a token.
	TokenFromCLI string
	// CLI is the operating-system user and host (root@desk-1) of a command-line operator,
	// who acts with the database's full access but is named in the audit trail.
	CLI string
}

// System returns Verity acting on its own behalf, for work no person asked for. Start-up
// work of `serve` is its operator's (Operator); a verdict whose passage changed is sent back
// to review by the editor whose change caused it.
func System() Actor { return Actor{Role: RoleAdmin} }

// Operator returns a command-line operator, known by operating-system user and host. The
// command line runs with access to the database file, so it has every right; what it cannot
// do is act unseen.
func Operator(userAtHost string) Actor { return Actor{Role: RoleAdmin, CLI: userAtHost} }

// Require returns Forbidden unless the actor has the right; doing names what was refused.
func (a Actor) Require(right Right, doing string) error {
	if a.Role.Can(right) {
		return nil
	}
	return fault.New(fault.Forbidden, "%s needs the %s right (%s); you are %s", doing, right, right.Holders(), a.roleName())
}

func (a Actor) roleName() string {
	if a.Role == "" {
		return "not signed in"
	}
	return "a " + string(a.Role)
}

// AuditName is how the actor appears in the audit trail: "cli:root@desk-1", "system",
// "user:5", or a user acting through a token someone else made, named after the user:
// "user:5 via token from user:1", "user:5 via cli token from root@desk-1", and, for a token
// that admin 1 made through a command-line token of theirs, "user:5 via token from user:1
// via cli token from root@desk-1".
func (a Actor) AuditName() string {
	switch {
	case a.CLI != "":
		return "cli:" + a.CLI
	case a.UserID == 0:
		return audit.System
	}
	name := fmt.Sprintf("user:%d", a.UserID)
	if a.TokenFrom != 0 {
		name += fmt.Sprintf(" via token from user:%d", a.TokenFrom)
	}
	if a.TokenFromCLI != "" {
		name += " via cli token from " + a.TokenFromCLI
	}
	return name
}

// Audit is the actor as the audit trail records it: its name and the users behind it.
func (a Actor) Audit() audit.Who { return audit.Who{Name: a.AuditName(), People: a.People()} }

// People returns the users behind the actor: the user, and the admin who made the token the
// user acts through when that is someone else. Four eyes holds for each of them.
func (a Actor) People() []int64 {
	var out []int64
	if a.UserID != 0 {
		out = append(out, a.UserID)
	}
	if a.TokenFrom != 0 {
		out = append(out, a.TokenFrom)
	}
	return out
}

// Person reports whether the actor is a user, rather than Verity itself or an operator.
func (a Actor) Person() bool { return a.UserID != 0 }

// UserRef is the value stored in created_by-style columns: NULL for Verity and operators.
func (a Actor) UserRef() *int64 { return ref(a.UserID) }

// TokenFromRef is TokenFrom as stored: NULL when the actor acts through their own token.
func (a Actor) TokenFromRef() *int64 { return ref(a.TokenFrom) }

func ref(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
