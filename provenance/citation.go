package provenance

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"verity/claims"
	"verity/claims/fault"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Relation is how a claim rests on a cited source.
type Relation string

// The citation relations.
const (
	// AttributedTo: the article attributes the claim to the source ("said an official").
	AttributedTo Relation = "attributed_to"
	// QuotedFrom: the claim repeats the source's words.
	QuotedFrom Relation = "quoted_from"
	// DerivedFrom: the claim is the article's reading of the source (a figure from a report).
	DerivedFrom Relation = "derived_from"
)

// Relations lists every relation.
func Relations() []Relation { return []Relation{AttributedTo, QuotedFrom, DerivedFrom} }

// Citation links a claim to a source it rests on, with the attribution as the article wrote
// it and where in the source the claim is found.
type Citation struct {
	bun.BaseModel `bun:"table:citations"`

	ID       int64 `bun:"id,pk,autoincrement"`
	ClaimID  int64 `bun:"claim_id"`
	SourceID int64 `bun:"source_id"`
	// Attribution is the article's wording, e.g. "said an Indian official, who closely
	// tracks Afghanistan".
	Attribution string `bun:"attribution"`
	// Locator is where in the source: a page, a paragraph, a timestamp.
	Locator   string    `bun:"locator"`
	Relation  Relation  `bun:"relation"`
	CreatedBy *int64    `bun:"created_by"`
	CreatedAt time.Time `bun:"created_at"`

	Source *Source `bun:"rel:belongs-to,join:source_id=id"`
}

// NewCitation is what an editor gives to cite a source for a claim.
type NewCitation struct {
	ClaimID     int64
	SourceID    int64
	Attribution string
	Locator     string
	// Relation defaults to AttributedTo.
	Relation Relation
}

func (n *NewCitation) normalize() error {
	errs := fault.Fields{}
	if n.SourceID <= 0 {
		errs.Add("source_id", "is required")
	}
	checkText(errs, "attribution", &n.Attribution, MaxText, false)
	checkText(errs, "locator", &n.Locator, MaxText, false)
	if n.Relation == "" {
		n.Relation = AttributedTo
	}
	if !slices.Contains(Relations(), n.Relation) {
		errs.Add("relation", fault.OneOf(Relations()))
	}
	return errs.Err()
}

func citationAudit(c *Citation) map[string]any {
	return map[string]any{
		"id": c.ID, "claim_id": c.ClaimID, "source_id": c.SourceID,
		"attribution": c.Attribution, "locator": c.Locator, "relation": c.Relation,
	}
}

// CreateCitation cites a source for a claim and returns the citation with its source.
// Editors may call it. It returns NotFound when the claim does not exist, and Invalid when
// the source does not exist (on source_id) or a field is bad.
func (s *Store) CreateCitation(ctx context.Context, actor claims.Actor, n NewCitation) (*Citation, error) {
	if err := n.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.db, func(ctx context.Context, tx *database.Tx) (*Citation, error) {
		return CreateCitationTx(ctx, tx, actor, n)
	})
}

// CreateCitationTx is CreateCitation inside a caller's transaction, for loaders. It returns
// the same error kinds.
func CreateCitationTx(ctx context.Context, tx *database.Tx, actor claims.Actor, n NewCitation) (*Citation, error) {
	if err := n.normalize(); err != nil {
		return nil, err
	}
	if err := claimExists(ctx, tx, n.ClaimID); err != nil {
		return nil, err
	}
	src, err := findSource(ctx, tx, n.SourceID)
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Field("source_id", fmt.Sprintf("source %d does not exist", n.SourceID))
	}
	if err != nil {
		return nil, err
	}
	c := &Citation{
		ClaimID: n.ClaimID, SourceID: n.SourceID, Attribution: n.Attribution, Locator: n.Locator,
		Relation: n.Relation, CreatedBy: actor.UserRef(), CreatedAt: tx.Now,
	}
	if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, err
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.AuditName(), Action: "citation.create", EntityType: "citation", EntityID: fmt.Sprint(c.ID),
		After: citationAudit(c),
	}); err != nil {
		return nil, err
	}
	c.Source = src
	return c, nil
}

// claimExists returns NotFound unless the claim exists. It reads the claims table directly
// because claims.Store reads only through the database's reader, which cannot see a claim
// created earlier in the caller's still open transaction.
func claimExists(ctx context.Context, db bun.IDB, id int64) error {
	ok, err := db.NewSelect().Model((*claims.Claim)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return database.Translate(err)
	}
	if !ok {
		return fault.New(fault.NotFound, "claim %d not found", id)
	}
	return nil
}

// FindCitationsByClaim returns a claim's citations in the order they were made, each with its
// source; a claim without citations gets an empty list. It returns NotFound for a missing
// claim.
func (s *Store) FindCitationsByClaim(ctx context.Context, claimID int64) ([]*Citation, error) {
	db := s.db.Reader()
	cits, err := findCitations(ctx, db, claimID)
	// Citations prove their claim exists; only an empty answer needs asking whether it does,
	// which keeps the claim detail, the hottest read, at one query here.
	if err != nil || len(cits) > 0 {
		return cits, err
	}
	if err := claimExists(ctx, db, claimID); err != nil {
		return nil, err
	}
	return cits, nil
}

func findCitations(ctx context.Context, db bun.IDB, claimID int64) ([]*Citation, error) {
	cs := []*Citation{}
	err := db.NewSelect().Model(&cs).Relation("Source").
		Where("?TableAlias.claim_id = ?", claimID).
		OrderExpr("?TableAlias.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, database.Translate(err)
	}
	return cs, nil
}

// FindCitationsBySource lists the citations of a source in id order, after afterID and at
// most limit of them, each with its source; more reports whether another page follows. It
// returns NotFound for a missing source and Invalid for a limit that is not positive.
func (s *Store) FindCitationsBySource(ctx context.Context, sourceID int64, afterID int64, limit int) (citations []*Citation, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	db := s.db.Reader()
	if _, err := findSource(ctx, db, sourceID); err != nil {
		return nil, false, err
	}
	citations = []*Citation{}
	q := db.NewSelect().Model(&citations).Relation("Source").
		Where("?TableAlias.source_id = ?", sourceID).
		OrderExpr("?TableAlias.id ASC").
		Limit(int64(limit + 1))
	if afterID > 0 {
		q = q.Where("?TableAlias.id > ?", afterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, database.Translate(err)
	}
	if len(citations) > limit {
		return citations[:limit], true, nil
	}
	return citations, false, nil
}
