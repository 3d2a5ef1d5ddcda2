package identity

import (
	"context"
	"fmt"
	"time"

	"verity/migrations/database"
)

// The reads every request makes to learn who is asking (Authorize, AuthorizeSession) run
// fixed statements, prepared once per connection, and scan the few columns they need by
// hand: bun built their text and scanned every column by reflection, a tenth of the server's
// time on a small read.

// liveUserColumns are the columns of a user that a request acts with, the user's table
// named u; disabling is read as a flag, since a disabled user is refused whenever it was.
const liveUserColumns = "u.email, u.name, u.role, u.disabled_at IS NOT NULL"

// liveUser receives liveUserColumns.
type liveUser struct {
	User
	disabled bool
}

func (l *liveUser) dests() []any { return []any{&l.Email, &l.Name, &l.Role, &l.disabled} }

// user is the user with id as read, DisabledAt the zero time when they are disabled.
func (l *liveUser) user(id int64) *User {
	u := l.User
	u.ID = id
	u.DisabledAt = nullable(time.Time{}, l.disabled)
	return &u
}

// readOne runs query, a fixed read whose one parameter comes last in its text (the dialect's
// $1 is appended), with arg, and scans its row into dest; found is false when there is none.
func (s *Store) readOne(ctx context.Context, what, query string, arg any, dest ...any) (found bool, err error) {
	rows, err := s.scope.QueryPrepared(ctx, query+s.scope.DB().Dialect().Param(1), arg)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", what, database.Translate(err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return false, fmt.Errorf("read %s: %w", what, database.Translate(err))
		}
		return false, nil
	}
	if err := rows.Scan(dest...); err != nil {
		return false, fmt.Errorf("read %s: %w", what, database.Translate(err))
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("read %s: %w", what, database.Translate(err))
	}
	return true, nil
}

// nullable is v as a pointer, or nil when the column was NULL.
func nullable[T any](v T, valid bool) *T {
	if !valid {
		return nil
	}
	return &v
}
