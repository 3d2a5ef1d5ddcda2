package claims

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"verity/migrations/database"
)

// The reads below serve listings and exports that show many claims at once: each reads what
// a chunk of claims needs in one query, never one query per claim, and ids that name
// nothing are simply absent from the answer. Rows of many claims are read in the order of
// the (claim_id, id) index that finds them, not in id order alone: with statistics gathered
// when the table was small, SQLite would walk the whole table in id order to avoid a sort
// (TestPlansSurviveGrowth).

// ArticleTitles returns the titles of the articles among ids, by id, without their bodies.
// It reads by a range when the ids are dense (database.Scope.QueryAmong), and the map may
// then hold articles between them that are not among ids.
func (s *Store) ArticleTitles(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.scope.QueryAmong(ctx, "SELECT id, title FROM articles WHERE %s", "id", ids)
	if err != nil {
		return nil, fmt.Errorf("read the titles of %d articles: %w", len(ids), database.Translate(err))
	}
	defer rows.Close()
	var id int64
	var title string
	dest := []any{database.Int(&id), &title}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read the titles of %d articles: %w", len(ids), database.Translate(err))
		}
		out[id] = title
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the titles of %d articles: %w", len(ids), database.Translate(err))
	}
	return out, nil
}

// ClaimArticles returns the article of each claim among ids, by claim id.
func (s *Store) ClaimArticles(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Claim
	if err := s.scope.Read().NewSelect().Model(&rows).Column("id", "article_id").Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read the articles of %d claims: %w", len(ids), database.Translate(err))
	}
	for _, c := range rows {
		out[c.ID] = c.ArticleID
	}
	return out, nil
}

// EvidenceByClaims returns the evidence of each claim among ids, withdrawn
// items included, oldest first, by claim id. Each item holds what a listing of it shows
// (its claim, url, stance, attachment name and withdrawal time) and none of its longer
// texts. The rows are scanned by hand, and read by a range when the ids are dense
// (database.Scope.QueryAmong): the map may then hold claims between them that are not
// among ids.
func (s *Store) EvidenceByClaims(ctx context.Context, ids []int64) (map[int64][]*Evidence, error) {
	out := make(map[int64][]*Evidence, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	d := s.scope.DB().Dialect()
	rows, err := s.scope.QueryAmong(ctx, "SELECT id, claim_id, url, stance, attachment_name, "+d.TimeColumn("withdrawn_at")+
		" FROM evidence WHERE %s ORDER BY claim_id ASC, id ASC", "claim_id", ids)
	if err != nil {
		return nil, fmt.Errorf("read the evidence of %d claims: %w", len(ids), database.Translate(err))
	}
	defer rows.Close()
	var e Evidence
	dest := []any{database.Int(&e.ID), database.Int(&e.ClaimID), &e.URL, (*string)(&e.Stance), &e.AttachmentName, database.NullTime(&e.WithdrawnAt)}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read the evidence of %d claims: %w", len(ids), database.Translate(err))
		}
		item := e
		out[e.ClaimID] = append(out[e.ClaimID], &item)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the evidence of %d claims: %w", len(ids), database.Translate(err))
	}
	return out, nil
}

// LastReviewEvents returns the newest transition of each claim among ids that has one, by claim id. Each holds what the claims export shows of it: its claim, actor,
// action, rationale and time. As EvidenceByClaims, it reads by a range when the ids are
// dense, and the map may then hold claims between them that are not among ids.
func (s *Store) LastReviewEvents(ctx context.Context, ids []int64) (map[int64]*ReviewEvent, error) {
	out := make(map[int64]*ReviewEvent, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	d := s.scope.DB().Dialect()
	rows, err := s.scope.QueryAmong(ctx, "SELECT id, claim_id, actor_id, action, rationale, "+d.TimeColumn("created_at")+" FROM review_events "+
		"WHERE id IN (SELECT MAX(id) FROM review_events WHERE %s GROUP BY claim_id)", "claim_id", ids)
	if err != nil {
		return nil, fmt.Errorf("read the last transitions of %d claims: %w", len(ids), database.Translate(err))
	}
	defer rows.Close()
	var e ReviewEvent
	dest := []any{database.Int(&e.ID), database.Int(&e.ClaimID), database.NullInt(&e.ActorID), (*string)(&e.Action), &e.Rationale, database.Time(&e.CreatedAt)}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read the last transitions of %d claims: %w", len(ids), database.Translate(err))
		}
		last := e
		out[e.ClaimID] = &last
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the last transitions of %d claims: %w", len(ids), database.Translate(err))
	}
	return out, nil
}

// ClaimVersion names a claim at one version: the version a transition gave it.
type ClaimVersion struct {
	ClaimID int64
	Version int64
}

// ReviewEventsAt returns the transitions that gave the claims these versions, by claim and
// version: the review events behind audit events of transitions.
func (s *Store) ReviewEventsAt(ctx context.Context, keys []ClaimVersion) (map[ClaimVersion]*ReviewEvent, error) {
	out := make(map[ClaimVersion]*ReviewEvent, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	ids, versions := make([]int64, 0, len(keys)), make([]int64, 0, len(keys))
	for _, k := range keys {
		ids, versions = append(ids, k.ClaimID), append(versions, k.Version)
	}
	var list []*ReviewEvent
	// The two lists select a superset of the pairs (any claim at any of the versions),
	// through the (claim_id, id) index; the pairs themselves are matched below.
	if err := s.scope.Read().NewSelect().Model(&list).
		Where("claim_id IN (?) AND claim_version IN (?)", bun.List(ids), bun.List(versions)).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("read the transitions of %d claim versions: %w", len(keys), database.Translate(err))
	}
	want := make(map[ClaimVersion]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	for _, e := range list {
		if k := (ClaimVersion{e.ClaimID, e.ClaimVersion}); want[k] {
			out[k] = e
		}
	}
	return out, nil
}
