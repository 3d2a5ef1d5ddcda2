package provenance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
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
// it and where in the source the claim is found. Its JSON form is the snapshot the audit
// trail records.
type Citation struct {
	bun.BaseModel `bun:"table:citations"`

	ID       int64 `bun:"id,pk,autoincrement" json:"id"`
	ClaimID  int64 `bun:"claim_id" json:"claim_id"`
	SourceID int64 `bun:"source_id" json:"source_id"`
	// Attribution is the article's wording, e.g. "said an Indian official, who closely
	// tracks Afghanistan".
	Attribution string `bun:"attribution" json:"attribution"`
	// Locator is where in the source: a page, a paragraph, a timestamp.
	Locator   string    `bun:"locator" json:"locator"`
	Relation  Relation  `bun:"relation" json:"relation"`
	CreatedBy *int64    `bun:"created_by" json:"created_by"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`

	Source *Source `bun:"rel:belongs-to,join:source_id=id" json:"-"`
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
	text.Clean(errs, "attribution", &n.Attribution, MaxText, false)
	text.Clean(errs, "locator", &n.Locator, MaxText, false)
	if n.Relation == "" {
		n.Relation = AttributedTo
	}
	if !slices.Contains(Relations(), n.Relation) {
		errs.Add("relation", fault.OneOf(Relations()))
	}
	return errs.Err()
}

// CreateCitation cites a source for a claim and returns the citation with its source. It
// needs the edit right. It returns NotFound when the claim does not exist; Invalid when the
// source does not exist (on source_id) or a field is bad; Conflict when the claim awaits
// sign-off or is closed (its citations are part of what the verdict rests on) or the same
// citation is already there.
func (s *Store) CreateCitation(ctx context.Context, actor identity.Actor, n NewCitation) (*Citation, error) {
	if err := actor.Require(identity.Edit, "citing a source"); err != nil {
		return nil, err
	}
	if err := n.normalize(); err != nil {
		return nil, err
	}
	cited, err := s.citedSources(ctx, []NewCitation{n})
	if err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Citation, error) {
		in := s.In(tx)
		c, err := in.claims.FindClaimByID(ctx, n.ClaimID)
		if err != nil {
			return nil, err
		}
		if err := CheckCitable(actor, c); err != nil {
			return nil, err
		}
		return in.createCitation(ctx, tx, actor, n, cited[n.SourceID])
	})
}

// citedSources reads the sources that citations name, before the writer is taken: sources
// are never deleted, so one found here is there when the citation is inserted (and the
// foreign key would refuse it otherwise). A source that does not exist is absent from the
// map; createCitation reports it, after the checks of the claim.
func (s *Store) citedSources(ctx context.Context, list []NewCitation) (map[int64]*Source, error) {
	var ids []int64
	for _, n := range list {
		if !slices.Contains(ids, n.SourceID) {
			ids = append(ids, n.SourceID)
		}
	}
	out := make(map[int64]*Source, len(ids))
	if len(ids) <= 1 {
		for _, id := range ids {
			src, err := s.FindSourceByID(ctx, id)
			if fault.Is(err, fault.NotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[id] = src
		}
		return out, nil
	}
	if len(ids) > MaxCitationsPerClaim {
		// Only a batch of several claims names more sources than one claim may cite.
		return s.findSources(ctx, ids)
	}
	// Several sources in one statement, prepared: its text depends only on how many, which
	// MaxCitationsPerClaim bounds, so at most that many statements are kept.
	params := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		params[i], args[i] = string(s.scope.Param(i+1)), id
	}
	var found []*Source
	q := s.scope.Read().NewSelect().Model(&found).Where("id IN (?)", bun.Safe(strings.Join(params, ", ")))
	if err := s.scope.ScanPrepared(ctx, q, &found, args...); err != nil {
		return nil, fmt.Errorf("read the cited sources: %w", database.Translate(err))
	}
	for _, src := range found {
		out[src.ID] = src
	}
	return out, nil
}

// CheckCitable returns Forbidden unless actor may cite sources, and Conflict when c's
// citations are frozen. CreateCitation applies it; pages ask it before they offer the form.
func CheckCitable(actor identity.Actor, c *claims.Claim) error {
	if err := actor.Require(identity.Edit, "citing a source"); err != nil {
		return err
	}
	return c.CheckUnfrozen("change its citations")
}

// MaxCitationsPerClaim bounds the citations of one claim, so that its detail, provenance and
// exports stay bounded.
const MaxCitationsPerClaim = 50

// createCitation inserts a citation of a claim known to exist and be open to change, citing
// src, the source n names as citedSources read it (nil when there is none).
func (s *Store) createCitation(ctx context.Context, tx *database.Tx, actor identity.Actor, n NewCitation, src *Source) (*Citation, error) {
	missing := fault.Field("source_id", fmt.Sprintf("source %d does not exist", n.SourceID))
	if src == nil {
		return nil, missing
	}
	// One statement, prepared on the writer, counts the claim's citations and those equal
	// to n: every citation checks both while the writer waits.
	var count, same int64
	err := tx.QueryRowPrepared(ctx, `SELECT count(*), coalesce(sum(CASE WHEN source_id = $2 AND relation = $3 AND attribution = $4 AND locator = $5 THEN 1 ELSE 0 END), 0)
		FROM citations WHERE claim_id = `+tx.Engine.Param(1), n.ClaimID, n.SourceID, n.Relation, n.Attribution, n.Locator).Scan(&count, &same)
	if err != nil {
		return nil, fmt.Errorf("count the citations of claim %d: %w", n.ClaimID, err)
	}
	if count >= MaxCitationsPerClaim {
		return nil, fault.New(fault.Conflict, "claim %d cites %d sources already, the most one claim may cite", n.ClaimID, count)
	}
	if same > 0 {
		return nil, fault.New(fault.Conflict, "claim %d already cites source %d with this relation, attribution and locator", n.ClaimID, n.SourceID)
	}
	c := &Citation{
		ClaimID: n.ClaimID, SourceID: n.SourceID, Attribution: n.Attribution, Locator: n.Locator,
		Relation: n.Relation, CreatedBy: actor.UserRef(), CreatedAt: tx.Now,
	}
	if err := tx.InsertPrepared(ctx, c); err != nil {
		if fault.Is(database.Translate(err), fault.Invalid) {
			return nil, missing // the claim was read above; the foreign key that failed is the source's
		}
		return nil, fmt.Errorf("insert citation of claim %d: %w", n.ClaimID, err)
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.Audit(), Action: "citation.create", EntityType: "citation", EntityID: fmt.Sprint(c.ID),
		After: c,
	}); err != nil {
		return nil, err
	}
	c.Source = src
	return c, nil
}

// CitedClaim is a claim to create together with the citations it rests on.
type CitedClaim struct {
	claims.NewClaim
	// Citations name their sources; their ClaimID is ignored.
	Citations []NewCitation
}

// Created is a claim created with its citations.
type Created struct {
	Claim     *claims.Claim
	Citations []*Citation
}

// CreateClaims creates claims with their citations in one transaction: all of them or, on
// any error, none. It needs the edit right and returns the error kinds of
// claims.Store.CreateClaims and CreateCitation; field errors of the j-th citation of a claim
// are reported as citations[j].field (claims[i].citations[j].field in a batch of several).
func (s *Store) CreateClaims(ctx context.Context, actor identity.Actor, list []CitedClaim) ([]Created, error) {
	if err := actor.Require(identity.Edit, "creating a claim"); err != nil {
		return nil, err
	}
	for i := range list {
		if n := len(list[i].Citations); n > MaxCitationsPerClaim {
			field := strings.TrimSuffix(citationField(i, 0, len(list)), "[0]")
			return nil, fault.Field(field, fmt.Sprintf("a claim may cite at most %d sources, not %d", MaxCitationsPerClaim, n))
		}
		for j := range list[i].Citations {
			if err := list[i].Citations[j].normalize(); err != nil {
				return nil, fieldsUnder(err, citationField(i, j, len(list)))
			}
		}
	}
	news := make([]claims.NewClaim, len(list))
	for i, c := range list {
		news[i] = c.NewClaim
	}
	var all []NewCitation
	for _, c := range list {
		all = append(all, c.Citations...)
	}
	cited, err := s.citedSources(ctx, all)
	if err != nil {
		return nil, err
	}
	var out []Created
	// The claims are anchored and the sources read before the writer is taken, as
	// claims.CreateClaims does; the citations are inserted in the claims' transaction.
	_, err = s.claims.CreateClaimsThen(ctx, actor, news, func(ctx context.Context, tx *database.Tx, made []*claims.Claim) error {
		in := s.In(tx)
		out = make([]Created, len(made))
		for i, c := range made {
			out[i].Claim = c
			for j, n := range list[i].Citations {
				n.ClaimID = c.ID
				ct, err := in.createCitation(ctx, tx, actor, n, cited[n.SourceID])
				if err != nil {
					return fieldsUnder(err, citationField(i, j, len(list)))
				}
				out[i].Citations = append(out[i].Citations, ct)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func citationField(i, j, n int) string {
	if n > 1 {
		return fmt.Sprintf("claims[%d].citations[%d]", i, j)
	}
	return fmt.Sprintf("citations[%d]", j)
}

// fieldsUnder prefixes the fields of an Invalid error with prefix and a dot.
func fieldsUnder(err error, prefix string) error {
	e := fault.As(err)
	if e.Kind != fault.Invalid || len(e.Fields) == 0 {
		return err
	}
	fields := fault.Fields{}
	for name, msg := range e.Fields {
		fields.Add(prefix+"."+name, msg)
	}
	return fields.Err()
}

// FindCitationsByClaim lists a claim's citations in id order (the order they were made),
// each with its source, after afterID and at most limit of them; more reports whether
// another page follows. It returns NotFound for a missing claim and Invalid for a limit
// that is not positive.
func (s *Store) FindCitationsByClaim(ctx context.Context, claimID, afterID int64, limit int) (citations []*Citation, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	citations = []*Citation{}
	err = s.scope.Read().NewSelect().Model(&citations).Relation("Source").
		Where("?TableAlias.claim_id = ? AND ?TableAlias.id > ?", claimID, afterID).
		OrderExpr("?TableAlias.id ASC").
		Limit(int64(limit + 1)).
		Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list citations of claim %d: %w", claimID, database.Translate(err))
	}
	if len(citations) == 0 {
		if _, err := s.claims.FindClaimByID(ctx, claimID); err != nil {
			return nil, false, err
		}
		return citations, false, nil
	}
	citations, more = database.Trim(citations, limit)
	return citations, more, nil
}

// ClaimCitations returns every citation of a claim, each with its source, in the order they
// were made: for the views that show a claim whole (its detail, its provenance graph). A
// claim without citations gets an empty list; it returns NotFound for a missing claim.
func (s *Store) ClaimCitations(ctx context.Context, claimID int64) ([]*Citation, error) {
	cits, err := s.findCitations(ctx, claimID)
	// Citations prove their claim exists; only an empty answer needs asking whether it does,
	// which keeps the claim detail, the hottest read, at one query here.
	if err != nil || len(cits) > 0 {
		return cits, err
	}
	if _, err := s.claims.FindClaimByID(ctx, claimID); err != nil {
		return nil, err
	}
	return cits, nil
}

func (s *Store) findCitations(ctx context.Context, claimID int64) ([]*Citation, error) {
	cs := []*Citation{}
	q := s.scope.Read().NewSelect().Model(&cs).Relation("Source").
		Where("?TableAlias.claim_id = ?", s.scope.Param(1)).
		OrderExpr("?TableAlias.id ASC")
	err := s.scope.ScanPrepared(ctx, q, &cs, claimID) // prepared: part of the claim detail
	if err != nil {
		return nil, fmt.Errorf("list citations of claim %d: %w", claimID, database.Translate(err))
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
	if _, err := s.FindSourceByID(ctx, sourceID); err != nil {
		return nil, false, err
	}
	citations = []*Citation{}
	q := s.scope.Read().NewSelect().Model(&citations).Relation("Source").
		Where("?TableAlias.source_id = ?", sourceID).
		OrderExpr("?TableAlias.id ASC").
		Limit(int64(limit + 1))
	if afterID > 0 {
		q = q.Where("?TableAlias.id > ?", afterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list citations of source %d: %w", sourceID, database.Translate(err))
	}
	citations, more = database.Trim(citations, limit)
	return citations, more, nil
}

// ClaimFilter selects claims as claims.Filter does, and also by a source they cite.
type ClaimFilter struct {
	claims.Filter
	// SourceID keeps the claims that cite the source.
	SourceID int64
}

// FindClaims lists claims as claims.Store.FindClaims does, narrowed to those citing
// f.SourceID when it is set.
func (s *Store) FindClaims(ctx context.Context, f ClaimFilter) ([]*claims.Claim, bool, error) {
	if f.SourceID > 0 {
		f.Within = s.scope.Read().NewSelect().Model((*Citation)(nil)).Column("claim_id").Where("source_id = ?", f.SourceID)
	}
	return s.claims.FindClaims(ctx, f.Filter)
}

// FindCitationsByClaims returns the citations of several claims at once, each with its
// source, by claim id in the order they were made: one query for a page of claims instead of
// one per claim. Claims without citations, and ids that name no claim, are absent.
func (s *Store) FindCitationsByClaims(ctx context.Context, claimIDs []int64) (map[int64][]*Citation, error) {
	out := map[int64][]*Citation{}
	if len(claimIDs) == 0 {
		return out, nil
	}
	var cs []*Citation
	err := s.scope.Read().NewSelect().Model(&cs).Relation("Source").
		Where("?TableAlias.claim_id IN (?)", bun.List(claimIDs)).
		OrderExpr("?TableAlias.claim_id ASC, ?TableAlias.id ASC"). // the index's order; see claims/batch.go
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list citations of %d claims: %w", len(claimIDs), database.Translate(err))
	}
	for _, c := range cs {
		out[c.ClaimID] = append(out[c.ClaimID], c)
	}
	return out, nil
}
