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

// SourceKind is what sort of thing a source is. It also decides how the provenance graph
// shows the source: reports, documents and datasets are material (PROV entities), the rest
// are people and bodies who said something (PROV agents).
type SourceKind string

// The source kinds of DESIGN.md.
const (
	KindReport            SourceKind = "report"
	KindNamedPerson       SourceKind = "named_person"
	KindAnonymousOfficial SourceKind = "anonymous_official"
	KindOrganisation      SourceKind = "organisation"
	KindGovernment        SourceKind = "government"
	KindNewsAgency        SourceKind = "news_agency"
	KindPhotoAgency       SourceKind = "photo_agency"
	KindDataset           SourceKind = "dataset"
	KindDocument          SourceKind = "document"
)

// SourceKinds lists every source kind.
func SourceKinds() []SourceKind {
	return []SourceKind{
		KindReport, KindNamedPerson, KindAnonymousOfficial, KindOrganisation, KindGovernment,
		KindNewsAgency, KindPhotoAgency, KindDataset, KindDocument,
	}
}

// Reliability grades a source on the Admiralty (NATO) scale, from A (completely reliable)
// to F (reliability cannot be judged).
type Reliability string

// The Admiralty grades.
const (
	ReliabilityA Reliability = "A" // completely reliable
	ReliabilityB Reliability = "B" // usually reliable
	ReliabilityC Reliability = "C" // fairly reliable
	ReliabilityD Reliability = "D" // not usually reliable
	ReliabilityE Reliability = "E" // unreliable
	// ReliabilityF is the default: a new source has no track record to judge it by.
	ReliabilityF Reliability = "F"
)

// Reliabilities lists every grade, best first.
func Reliabilities() []Reliability {
	return []Reliability{ReliabilityA, ReliabilityB, ReliabilityC, ReliabilityD, ReliabilityE, ReliabilityF}
}

// Limits on source and citation text, in characters.
const (
	MaxText  = 1000
	MaxNotes = 10000
)

// Source is someone or something a claim's facts come from. Its JSON form is the snapshot the
// audit trail records.
type Source struct {
	bun.BaseModel `bun:"table:sources"`

	ID          int64       `bun:"id,pk,autoincrement" json:"id"`
	Kind        SourceKind  `bun:"kind" json:"kind"`
	Name        string      `bun:"name" json:"name"`
	Affiliation string      `bun:"affiliation" json:"affiliation"`
	URL         string      `bun:"url" json:"url"`
	Publisher   string      `bun:"publisher" json:"publisher"`
	PublishedAt *time.Time  `bun:"published_at" json:"published_at"`
	Reliability Reliability `bun:"reliability" json:"reliability"`
	Notes       string      `bun:"notes" json:"notes"`
	Version     int64       `bun:"version" json:"version"`
	CreatedBy   *int64      `bun:"created_by" json:"created_by"`
	CreatedAt   time.Time   `bun:"created_at" json:"created_at"`
	UpdatedAt   time.Time   `bun:"updated_at" json:"updated_at"`
}

// SourceFields are the fields an editor sets when creating a source.
type SourceFields struct {
	Kind        SourceKind
	Name        string
	Affiliation string
	URL         string
	Publisher   string
	PublishedAt *time.Time
	// Reliability defaults to F (cannot be judged).
	Reliability Reliability
	Notes       string
}

// SourceUpdate holds the fields PATCH may change; nil fields stay as they are.
type SourceUpdate struct {
	Kind        *SourceKind
	Name        *string
	Affiliation *string
	URL         *string
	Publisher   *string
	// PublishedAt set to a pointer to nil clears the date.
	PublishedAt **time.Time
	// Reliability set to "" resets the grade to F, as on creation.
	Reliability *Reliability
	Notes       *string
}

func (f *SourceFields) normalize() error {
	errs := fault.Fields{}
	checkKind(errs, f.Kind)
	text.Clean(errs, "name", &f.Name, MaxText, true)
	text.Clean(errs, "affiliation", &f.Affiliation, MaxText, false)
	text.CleanURL(errs, "url", &f.URL, MaxText)
	text.Clean(errs, "publisher", &f.Publisher, MaxText, false)
	f.PublishedAt = claims.StoredTime(errs, "published_at", f.PublishedAt)
	f.Reliability = checkReliability(errs, f.Reliability)
	text.Clean(errs, "notes", &f.Notes, MaxNotes, false)
	return errs.Err()
}

// normalize checks the fields u sets. It replaces u's pointers rather than writing through
// them, so that the caller's values are left as they were.
func (u *SourceUpdate) normalize() error {
	if u.Kind == nil && u.Name == nil && u.Affiliation == nil && u.URL == nil && u.Publisher == nil &&
		u.PublishedAt == nil && u.Reliability == nil && u.Notes == nil {
		return fault.New(fault.Invalid, "nothing to change: give kind, name, affiliation, url, publisher, published_at, reliability or notes")
	}
	errs := fault.Fields{}
	if u.Kind != nil {
		checkKind(errs, *u.Kind)
	}
	text := func(name string, p **string, max int, required bool) {
		if *p == nil {
			return
		}
		v := **p
		if name == "url" {
			text.CleanURL(errs, name, &v, max)
		} else {
			text.Clean(errs, name, &v, max, required)
		}
		*p = &v
	}
	text("name", &u.Name, MaxText, true)
	text("affiliation", &u.Affiliation, MaxText, false)
	text("url", &u.URL, MaxText, false)
	text("publisher", &u.Publisher, MaxText, false)
	text("notes", &u.Notes, MaxNotes, false)
	if u.PublishedAt != nil {
		t := claims.StoredTime(errs, "published_at", *u.PublishedAt)
		u.PublishedAt = &t
	}
	if u.Reliability != nil {
		r := checkReliability(errs, *u.Reliability)
		u.Reliability = &r
	}
	return errs.Err()
}

func (u *SourceUpdate) apply(s *Source) {
	if u.Kind != nil {
		s.Kind = *u.Kind
	}
	if u.Name != nil {
		s.Name = *u.Name
	}
	if u.Affiliation != nil {
		s.Affiliation = *u.Affiliation
	}
	if u.URL != nil {
		s.URL = *u.URL
	}
	if u.Publisher != nil {
		s.Publisher = *u.Publisher
	}
	if u.PublishedAt != nil {
		s.PublishedAt = *u.PublishedAt
	}
	if u.Reliability != nil {
		s.Reliability = *u.Reliability
	}
	if u.Notes != nil {
		s.Notes = *u.Notes
	}
}

func checkKind(errs fault.Fields, k SourceKind) {
	if !slices.Contains(SourceKinds(), k) {
		errs.Add("kind", fault.OneOf(SourceKinds()))
	}
}

func checkReliability(errs fault.Fields, r Reliability) Reliability {
	if r == "" {
		return ReliabilityF
	}
	if !slices.Contains(Reliabilities(), r) {
		errs.Add("reliability", fault.OneOf(Reliabilities()))
	}
	return r
}

// Store reads and writes sources, derivations and citations, and builds provenance graphs.
// Every write goes through the database's writer and appends its audit event in the same
// transaction; a Store bound to an open transaction (In) joins that transaction instead.
type Store struct {
	scope  database.Scope
	claims *claims.Store
	// identity names the reviewers in a provenance graph.
	identity *identity.Store
}

// NewStore returns a Store over db.
func NewStore(db *database.DB) *Store {
	return &Store{scope: db.Scope(), claims: claims.NewStore(db), identity: identity.NewStore(db)}
}

// In returns the store bound to tx: its writes join tx and its reads see what tx wrote.
func (s *Store) In(tx *database.Tx) *Store {
	return &Store{scope: s.scope.In(tx), claims: s.claims.In(tx), identity: s.identity.In(tx)}
}

// Claims returns the claims store this store creates claims through, so that a server uses
// one claims store, with one cache of article bodies, for both.
func (s *Store) Claims() *claims.Store { return s.claims }

// CreateSource stores a new source at version 1. It needs the edit right; it returns
// Invalid, with every bad field named, when a field is missing, too long, not valid UTF-8 or
// not one of its allowed values.
func (s *Store) CreateSource(ctx context.Context, actor identity.Actor, f SourceFields) (*Source, error) {
	if err := actor.Require(identity.Edit, "creating a source"); err != nil {
		return nil, err
	}
	if err := f.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Source, error) {
		src := &Source{
			Kind: f.Kind, Name: f.Name, Affiliation: f.Affiliation, URL: f.URL, Publisher: f.Publisher,
			PublishedAt: f.PublishedAt, Reliability: f.Reliability, Notes: f.Notes, Version: 1,
			CreatedBy: actor.UserRef(), CreatedAt: tx.Now, UpdatedAt: tx.Now,
		}
		if _, err := tx.NewInsert().Model(src).Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert source: %w", err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "source.create", EntityType: "source", EntityID: fmt.Sprint(src.ID),
			After: src,
		}); err != nil {
			return nil, err
		}
		return src, nil
	})
}

// FindSourceByID returns a source, or NotFound.
func (s *Store) FindSourceByID(ctx context.Context, id int64) (*Source, error) {
	src := new(Source)
	// Prepared: every citation made reads its source.
	q := s.scope.Read().NewSelect().Model(src).Where("id = ?", bun.Safe("$1"))
	if err := s.scope.ScanPrepared(ctx, q, src, id); err != nil {
		return nil, database.NotFound(err, "source %d", id)
	}
	return src, nil
}

// findSources returns the sources with the given ids, keyed by id; ids that do not exist are
// simply absent.
func (s *Store) findSources(ctx context.Context, ids []int64) (map[int64]*Source, error) {
	out := make(map[int64]*Source, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var list []*Source
	if err := s.scope.Read().NewSelect().Model(&list).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, database.Translate(err)
	}
	for _, src := range list {
		out[src.ID] = src
	}
	return out, nil
}

// SourceFilter selects sources, in id order; zero fields match everything.
type SourceFilter struct {
	Kind SourceKind
	// Q keeps sources whose name, affiliation or publisher contains it, ignoring case.
	Q       string
	AfterID int64
	Limit   int
}

func (f *SourceFilter) validate() error {
	errs := fault.Fields{}
	if f.Kind != "" {
		checkKind(errs, f.Kind)
	}
	text.Clean(errs, "q", &f.Q, claims.MaxQuery, false)
	if f.Limit <= 0 {
		errs.Add("limit", "must be positive")
	}
	return errs.Err()
}

// likeEscape makes user text match literally inside a LIKE pattern. '!' rather than a
// backslash is the escape character because a backslash means different things in string
// literals of the two dialects and to bun's placeholder parser.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// FindSources lists sources matching f, at most f.Limit of them; more reports whether another
// page follows. Paging by id means rows added between pages never shift a page. It returns
// Invalid for an unknown kind, a bad query string or a limit that is not positive.
//
// Case folding is that of the database's lower(): on SQLite only ASCII letters fold, so
// "émile" does not find "Émile" there.
func (s *Store) FindSources(ctx context.Context, f SourceFilter) (sources []*Source, more bool, err error) {
	if err := f.validate(); err != nil {
		return nil, false, err
	}
	q := s.scope.Read().NewSelect().Model(&sources).Order("id ASC").Limit(int64(f.Limit + 1))
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Q != "" {
		pattern := "%" + likeEscape(strings.ToLower(f.Q)) + "%"
		q = q.Where("(lower(name) LIKE ? ESCAPE '!' OR lower(affiliation) LIKE ? ESCAPE '!' OR lower(publisher) LIKE ? ESCAPE '!')",
			pattern, pattern, pattern)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list sources: %w", database.Translate(err))
	}
	if sources == nil {
		sources = []*Source{}
	}
	sources, more = database.Trim(sources, f.Limit)
	return sources, more, nil
}

// UpdateSource changes the fields set in u and moves the source to its next version. When
// ifVersion is not nil it must be the source's current version (PreconditionFailed
// otherwise). An update that changes nothing writes nothing. It needs the edit right; it
// returns NotFound for a missing source and Invalid, with every bad field named, for bad
// fields or an update that names no field.
func (s *Store) UpdateSource(ctx context.Context, actor identity.Actor, id int64, ifVersion *int64, u SourceUpdate) (*Source, error) {
	if err := actor.Require(identity.Edit, "editing a source"); err != nil {
		return nil, err
	}
	if err := u.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Source, error) {
		old, err := s.In(tx).FindSourceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if ifVersion != nil && *ifVersion != old.Version {
			return nil, fault.New(fault.PreconditionFailed, "source %d is at version %d, not %d; reload it and try again", id, old.Version, *ifVersion)
		}
		next := *old
		u.apply(&next)
		if sameFields(old, &next) {
			return old, nil
		}
		if next.Name != old.Name || next.Kind != old.Kind {
			if err := s.In(tx).checkNotPublished(ctx, old); err != nil {
				return nil, err
			}
		}
		next.Version = old.Version + 1
		next.UpdatedAt = tx.Now
		if _, err := tx.NewUpdate().Model(&next).
			Column("kind", "name", "affiliation", "url", "publisher", "published_at", "reliability", "notes", "version", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("update source %d: %w", id, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "source.update", EntityType: "source", EntityID: fmt.Sprint(id),
			Before: old, After: &next,
		}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// checkNotPublished returns Conflict when a source's name or kind may not change: claims
// awaiting sign-off or closed cite it, and who they are attributed to is part of their
// verdicts (a published ClaimReview names its claim's source as the claim's author). Those
// verdicts must be rejected or reopened first; or a new source made for the new name.
func (s *Store) checkNotPublished(ctx context.Context, src *Source) error {
	var held []string
	for _, stage := range []claims.Stage{claims.StageAwaitingSignoff, claims.StageClosed} {
		list, more, err := s.FindClaims(ctx, ClaimFilter{Filter: claims.Filter{Stage: stage, Limit: 10}, SourceID: src.ID})
		if err != nil {
			return err
		}
		for _, c := range list {
			held = append(held, fmt.Sprint(c.ID))
		}
		if more {
			held = append(held, "…")
		}
	}
	if len(held) == 0 {
		return nil
	}
	return fault.New(fault.Conflict, "source %d's name and kind are part of the verdicts of the claims citing it that are awaiting sign-off or closed (%s); reject or reopen those first, or create a new source under the new name",
		src.ID, strings.Join(held, ", "))
}

func sameFields(a, b *Source) bool {
	sameTime := a.PublishedAt == nil && b.PublishedAt == nil ||
		a.PublishedAt != nil && b.PublishedAt != nil && a.PublishedAt.Equal(*b.PublishedAt)
	return sameTime && a.Kind == b.Kind && a.Name == b.Name && a.Affiliation == b.Affiliation &&
		a.URL == b.URL && a.Publisher == b.Publisher && a.Reliability == b.Reliability && a.Notes == b.Notes
}
