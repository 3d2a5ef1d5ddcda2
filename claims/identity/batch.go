package identity

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"verity/migrations/database"
)

// FindUsersByIDs returns the users among ids, by id, in one query: for listings and exports
// that name many users at once. Ids that name no user are absent.
func (s *Store) FindUsersByIDs(ctx context.Context, ids []int64) (map[int64]*User, error) {
	out := make(map[int64]*User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []*User
	if err := s.scope.Read().NewSelect().Model(&users).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read %d users: %w", len(ids), database.Translate(err))
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}
