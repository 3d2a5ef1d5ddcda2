package claims

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Store reads and writes articles, claims, evidence and review events. Every write goes
// through the database's writer and appends its audit event in the same transaction.
type Store struct {
	db *database.DB
}

// NewStore returns a Store over db.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// NewClaim is what an editor gives to create a claim: the article, the exact quote and, when
// the quote occurs more than once, the code point offset of the intended occurrence.
type NewClaim struct {
	ArticleID int64
	Quote     string
	Start     *int
	// Text is the claim as a checkable statement; it defaults to the quote.
	Text string
	// Kind defaults to KindOther.
	Kind       Kind
	Quantities []Quantity
}

// claimAudit is what the audit trail records of a claim.
func claimAudit(c *Claim) map[string]any {
	return map[string]any{
		"id": c.ID, "article_id": c.ArticleID, "article_revision": c.ArticleRevision,
		"quote": c.Quote, "anchor": c.Anchor(), "anchor_state": c.AnchorState,
		"text": c.Text, "kind": c.Kind, "quantities": c.Quantities,
		"stage": c.Stage, "status": c.Status, "rationale": c.Rationale,
		"assignee_id": c.AssigneeID, "proposed_by": c.ProposedBy, "proposed_via": c.ProposedVia, "signed_off_by": c.SignedOffBy,
		"version": c.Version,
	}
}

func (n *NewClaim) normalize() error {
	errs := fault.Fields{}
	var err error
	if n.Quote, err = NormalizeText("quote", n.Quote); err != nil {
		return err
	}
	if n.Text, err = NormalizeText("text", n.Text); err != nil {
		return err
	}
	n.Text = strings.TrimSpace(n.Text)
	if n.ArticleID <= 0 {
		errs.Add("article_id", "is required")
	}
	if strings.TrimSpace(n.Quote) == "" {
		errs.Add("quote", "is required")
	}
	if len(n.Quote) > MaxClaimText {
		errs.Add("quote", fmt.Sprintf("must be at most %d bytes", MaxClaimText))
	}
	if n.Start != nil && *n.Start < 0 {
		errs.Add("start", "must not be negative")
	}
	if n.Text == "" {
		n.Text = strings.TrimSpace(n.Quote)
	}
	if len(n.Text) > MaxClaimText {
		errs.Add("text", fmt.Sprintf("must be at most %d bytes", MaxClaimText))
	}
	if n.Kind == "" {
		n.Kind = KindOther
	}
	if !validKind(n.Kind) {
		errs.Add("kind", fault.OneOf(Kinds()))
	}
	if n.Quantities == nil {
		n.Quantities = []Quantity{}
	}
	validateQuantities(n.Quantities, errs)
	return errs.Err()
}

// CreateClaim anchors the quote in the article's current body and stores the claim, open and
// unverified. It returns Invalid when a field is bad, the article does not exist, or the quote
// is absent from the body or ambiguous without a start. Editors may call it.
func (s *Store) CreateClaim(ctx context.Context, actor Actor, n NewClaim) (*Claim, error) {
	if err := n.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.db, func(ctx context.Context, tx *database.Tx) (*Claim, error) {
		return CreateClaimTx(ctx, tx, actor, n)
	})
}

// CreateClaimTx is CreateClaim inside a caller's transaction, for loaders that write an
// article and its claims atomically. n must have been checked by the caller or comes from
// trusted data; it is normalized again here.
func CreateClaimTx(ctx context.Context, tx *database.Tx, actor Actor, n NewClaim) (*Claim, error) {
	if err := n.normalize(); err != nil {
		return nil, err
	}
	a, err := findArticle(ctx, tx, n.ArticleID)
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Field("article_id", fmt.Sprintf("article %d does not exist", n.ArticleID))
	}
	if err != nil {
		return nil, err
	}
	anchor, err := Locate(a.Body, n.Quote, n.Start)
	if err != nil {
		return nil, err
	}
	c := &Claim{
		ArticleID: a.ID, ArticleRevision: a.Revision, AnchorState: Anchored,
		Text: n.Text, Kind: n.Kind, Quantities: n.Quantities,
		Stage: StageOpen, Status: StatusUnverified, Version: 1,
		CreatedBy: actor.UserRef(), CreatedAt: tx.Now, UpdatedAt: tx.Now,
	}
	c.setAnchor(anchor)
	if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, err
	}
	_, err = audit.Append(ctx, tx, audit.Record{
		Actor: actor.AuditName(), Action: "claim.create", EntityType: "claim", EntityID: fmt.Sprint(c.ID),
		After: claimAudit(c),
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FindClaimByID returns a claim, or NotFound.
func (s *Store) FindClaimByID(ctx context.Context, id int64) (*Claim, error) {
	return findClaim(ctx, s.db.Reader(), id)
}

func findClaim(ctx context.Context, db bun.IDB, id int64) (*Claim, error) {
	c := new(Claim)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "claim %d", id)
	}
	return c, nil
}

// Order is the order of a claim listing.
type Order int

// Claim orders.
const (
	// ByID lists claims in the order they were created.
	ByID Order = iota
	// ByPosition lists claims in text order: by anchor start, then id.
	ByPosition
)

// Key is the position of a claim in a listing, for continuing after it.
type Key struct {
	Start int   `json:"s,omitempty"`
	ID    int64 `json:"i"`
}

// KeyOf returns c's position in a listing of the given order.
func KeyOf(c *Claim, o Order) Key {
	if o == ByPosition {
		return Key{Start: c.AnchorStart, ID: c.ID}
	}
	return Key{ID: c.ID}
}

// Filter selects claims; zero fields match everything.
type Filter struct {
	ArticleID  int64
	Stage      Stage
	Status     Status
	Kind       Kind
	AssigneeID int64
	// SourceID keeps claims that cite that source.
	SourceID int64
	// Q is a full-text query over quote and text: every word must match (as a prefix).
	Q     string
	Order Order
	After *Key
	Limit int
}

// Validate checks the filter's enum values and bounds.
func (f Filter) Validate() error {
	errs := fault.Fields{}
	if f.Stage != "" && !validStage(f.Stage) {
		errs.Add("stage", fault.OneOf(Stages()))
	}
	if f.Status != "" && !validStatus(f.Status) {
		errs.Add("status", fault.OneOf(Statuses()))
	}
	if f.Kind != "" && !validKind(f.Kind) {
		errs.Add("kind", fault.OneOf(Kinds()))
	}
	if f.Limit <= 0 {
		errs.Add("limit", "must be positive")
	}
	if len(f.Q) > 500 {
		errs.Add("q", "must be at most 500 bytes")
	}
	return errs.Err()
}

// FindClaims lists claims matching f, at most f.Limit of them; more reports whether another
// page follows. It returns Invalid for a bad filter.
func (s *Store) FindClaims(ctx context.Context, f Filter) (claims []*Claim, more bool, err error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	q := s.db.Reader().NewSelect().Model(&claims).Limit(int64(f.Limit + 1))
	if f.ArticleID > 0 {
		q = q.Where("article_id = ?", f.ArticleID)
	}
	if f.Stage != "" {
		q = q.Where("stage = ?", f.Stage)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.AssigneeID > 0 {
		q = q.Where("assignee_id = ?", f.AssigneeID)
	}
	if f.SourceID > 0 {
		q = q.Where("id IN (SELECT claim_id FROM citations WHERE source_id = ?)", f.SourceID)
	}
	// idCol is the column that orders by id; a full-text join orders by the index's rowid,
	// which equals the claim's id, so that SQLite walks the index in order and stops early.
	idCol := "claim.id"
	if terms := searchTerms(f.Q); len(terms) > 0 {
		if s.db.Dialect() == database.Postgres {
			q = q.Where("search @@ to_tsquery('simple', ?)", pgQuery(terms))
		} else {
			// Joining drives the query from the full-text index in rowid (= id) order, so a
			// page stops after its rows instead of collecting every match first.
			q = q.Join("JOIN claims_fts ON claims_fts.rowid = claim.id").Where("claims_fts MATCH ?", ftsQuery(terms))
			idCol = "claims_fts.rowid"
		}
	} else if strings.TrimSpace(f.Q) != "" {
		// A query of punctuation alone matches nothing rather than everything.
		return nil, false, nil
	}
	switch f.Order {
	case ByPosition:
		if f.After != nil {
			q = q.Where("(anchor_start > ? OR (anchor_start = ? AND claim.id > ?))", f.After.Start, f.After.Start, f.After.ID)
		}
		q = q.OrderExpr("anchor_start ASC, claim.id ASC")
	default:
		if f.After != nil {
			q = q.Where("? > ?", bun.Safe(idCol), f.After.ID)
		}
		q = q.OrderExpr("? ASC", bun.Safe(idCol))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, database.Translate(err)
	}
	return trimPage(claims, f.Limit)
}

// searchTerms splits a query into words of letters and digits, the way both full-text
// engines tokenize, so that no user input reaches a query parser as syntax.
func searchTerms(q string) []string {
	terms := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(terms) > 32 {
		terms = terms[:32]
	}
	return terms
}

// ftsQuery makes an FTS5 query in which every term must match as a prefix.
func ftsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + t + `"*`
	}
	return strings.Join(parts, " AND ")
}

// pgQuery makes a tsquery in which every term must match as a prefix.
func pgQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + t + "':*"
	}
	return strings.Join(parts, " & ")
}

// ClaimUpdate holds the fields PATCH may change; nil fields stay as they are.
type ClaimUpdate struct {
	Text       *string
	Kind       *Kind
	Quantities *[]Quantity
}

// UpdateClaim changes a claim's statement, kind or quantities. version must be the claim's
// current version (PreconditionFailed otherwise); a claim awaiting sign-off or closed must be
// rejected or reopened first (Conflict). Editors may call it.
func (s *Store) UpdateClaim(ctx context.Context, actor Actor, id, version int64, u ClaimUpdate) (*Claim, error) {
	if u.Text == nil && u.Kind == nil && u.Quantities == nil {
		return nil, fault.New(fault.Invalid, "nothing to change: give text, kind or quantities")
	}
	errs := fault.Fields{}
	if u.Text != nil {
		t, err := NormalizeText("text", *u.Text)
		if err != nil {
			return nil, err
		}
		t = strings.TrimSpace(t)
		u.Text = &t
		if t == "" {
			errs.Add("text", "must not be empty")
		}
		if len(t) > MaxClaimText {
			errs.Add("text", fmt.Sprintf("must be at most %d bytes", MaxClaimText))
		}
	}
	if u.Kind != nil && !validKind(*u.Kind) {
		errs.Add("kind", fault.OneOf(Kinds()))
	}
	if u.Quantities != nil {
		if *u.Quantities == nil {
			*u.Quantities = []Quantity{}
		}
		validateQuantities(*u.Quantities, errs)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var c *Claim
	err := s.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		old, err := lockClaim(ctx, tx, id, version)
		if err != nil {
			return err
		}
		// A verdict is signed off on the statement the proposer judged: freeze it from the
		// proposal on.
		if old.Stage == StageAwaitingSignoff || old.Stage == StageClosed {
			return fault.New(fault.Conflict, "claim %d is %s; reject or reopen it before editing", id, old.Stage)
		}
		next := *old
		if u.Text != nil {
			next.Text = *u.Text
		}
		if u.Kind != nil {
			next.Kind = *u.Kind
		}
		if u.Quantities != nil {
			next.Quantities = *u.Quantities
		}
		next.Version++
		next.UpdatedAt = tx.Now
		if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
			return err
		}
		c = &next
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "claim.update", EntityType: "claim", EntityID: fmt.Sprint(id),
			Before: claimAudit(old), After: claimAudit(c),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// lockClaim reads a claim inside a write transaction and checks that it is at version.
func lockClaim(ctx context.Context, tx *database.Tx, id, version int64) (*Claim, error) {
	q := tx.NewSelect().Model((*Claim)(nil)).Where("id = ?", id)
	if tx.Engine == database.Postgres {
		q = q.For("UPDATE")
	}
	c := new(Claim)
	if err := q.Scan(ctx, c); err != nil {
		return nil, database.NotFound(err, "claim %d", id)
	}
	if c.Version != version {
		return nil, fault.New(fault.PreconditionFailed, "claim %d is at version %d, not %d; reload it and try again", id, c.Version, version)
	}
	return c, nil
}
