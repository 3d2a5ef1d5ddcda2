package claims

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Store reads and writes articles, claims, evidence and review events. Every write goes
// through the database's writer and appends its audit event in the same transaction; a
// Store bound to an open transaction (In) joins that transaction instead.
type Store struct {
	scope database.Scope
	users *identity.Store
	// bodies keeps decoded article bodies, shared with the stores bound to a transaction;
	// keepBodies is false in those, which read from it but put nothing in (see bodyCache).
	bodies     *bodyCache
	keepBodies bool
}

// NewStore returns a Store over db.
func NewStore(db *database.DB) *Store {
	return &Store{scope: db.Scope(), users: identity.NewStore(db), bodies: newBodyCache(maxCachedBodies), keepBodies: true}
}

// In returns the store bound to tx: its writes join tx and its reads see what tx wrote.
func (s *Store) In(tx *database.Tx) *Store {
	return &Store{scope: s.scope.In(tx), users: s.users.In(tx), bodies: s.bodies}
}

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

func (n *NewClaim) normalize() error {
	errs := fault.Fields{}
	var err error
	if n.Quote, err = text.Normalize("quote", n.Quote); err != nil {
		return err
	}
	if n.ArticleID <= 0 {
		errs.Add("article_id", "is required")
	}
	if strings.TrimSpace(n.Quote) == "" {
		errs.Add("quote", "is required")
	}
	text.Limit(errs, "quote", n.Quote, MaxClaimText)
	if n.Start != nil && *n.Start < 0 {
		errs.Add("start", "must not be negative")
	}
	if n.Text == "" {
		n.Text = n.Quote
	}
	text.Clean(errs, "text", &n.Text, MaxClaimText, false)
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
// unverified. It needs the edit right (Forbidden otherwise) and returns Invalid when a field
// is bad, the article does not exist, or the quote is absent from the body or ambiguous
// without a start.
func (s *Store) CreateClaim(ctx context.Context, actor identity.Actor, n NewClaim) (*Claim, error) {
	list, err := s.CreateClaims(ctx, actor, []NewClaim{n})
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// CreateClaims creates several claims in one transaction: all of them or, on any error,
// none. Each article is read once however many of its claims the batch holds. Field errors
// of the i-th claim are reported as claims[i].field when the batch holds more than one.
func (s *Store) CreateClaims(ctx context.Context, actor identity.Actor, list []NewClaim) ([]*Claim, error) {
	return s.CreateClaimsThen(ctx, actor, list, nil)
}

// CreateClaimsThen is CreateClaims with then run in the same transaction once the claims
// are inserted, so that what belongs with them (their citations) commits with them or not at
// all. Anchoring stays outside the writer either way; then's error fails the whole batch.
func (s *Store) CreateClaimsThen(ctx context.Context, actor identity.Actor, list []NewClaim,
	then func(ctx context.Context, tx *database.Tx, made []*Claim) error) ([]*Claim, error) {
	if err := actor.Require(identity.Edit, "creating a claim"); err != nil {
		return nil, err
	}
	for i := range list {
		if err := list[i].normalize(); err != nil {
			return nil, inBatch(err, i, len(list))
		}
	}
	// Anchoring searches bodies of up to 2 MiB, so it is done before taking the writer; the
	// transaction only checks that no article got a new revision meanwhile, and anchoring is
	// done again, outside the writer, if one did.
	for attempt := 1; ; attempt++ {
		p, err := s.anchorAll(ctx, list)
		if err != nil {
			return nil, err
		}
		out, err := database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) ([]*Claim, error) {
			made, err := s.In(tx).insertClaims(ctx, tx, actor, list, p)
			if err != nil || then == nil {
				return made, err
			}
			return made, then(ctx, tx, made)
		})
		if !errors.Is(err, errStaleAnchors) {
			return out, err
		}
		if attempt == maxReanchorAttempts {
			return nil, fault.New(fault.Conflict, "the article was edited %d times while the claims were being anchored; try again", attempt)
		}
	}
}

var errStaleAnchors = errors.New("an article got a new revision while its claims were anchored")

// MaxClaimsPerArticle bounds the claims of one article: a new revision re-anchors them all
// in one write, which must stay short however many there are.
const MaxClaimsPerArticle = 500

func (s *Store) insertClaims(ctx context.Context, tx *database.Tx, actor identity.Actor, list []NewClaim, p anchoring) ([]*Claim, error) {
	adding := map[int64]int{}
	for _, n := range list {
		adding[n.ArticleID]++
	}
	for id, k := range adding {
		revision, n, err := s.revisionAndCount(ctx, id)
		if err != nil {
			return nil, err
		}
		if revision != p.articles[id].Revision {
			return nil, errStaleAnchors
		}
		if n+k > MaxClaimsPerArticle {
			return nil, fault.New(fault.Conflict, "article %d has %d claims; %d more would pass the %d one article may have", id, n, k, MaxClaimsPerArticle)
		}
	}
	out := make([]*Claim, 0, len(list))
	for i, n := range list {
		a := p.articles[n.ArticleID]
		c := &Claim{
			ArticleID: a.ID, ArticleRevision: a.Revision, AnchorState: Anchored,
			Text: n.Text, Kind: n.Kind, Quantities: n.Quantities,
			Stage: StageOpen, Status: StatusUnverified, Version: 1,
			CreatedBy: actor.UserRef(), CreatedAt: tx.Now, UpdatedAt: tx.Now,
		}
		c.setAnchor(p.anchors[i])
		if err := tx.InsertPrepared(ctx, c); err != nil {
			return nil, fmt.Errorf("insert claim on article %d: %w", a.ID, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "claim.create", EntityType: "claim", EntityID: fmt.Sprint(c.ID),
			After: c,
		}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// anchoring is where each claim of a batch stands in its article, and the articles' bodies
// as read.
type anchoring struct {
	articles map[int64]*currentBody
	anchors  []Anchor
}

// currentBody is an article's current revision and its body.
type currentBody struct {
	ID       int64
	Revision int
	Body     string
}

// readCurrentBody reads the revision an article is at, in one prepared statement of one
// column (every claim created reads it, and the whole row, through bun, cost as much as the
// rest of the read), and that revision's body, kept or read (revisionBody). It returns
// NotFound for a missing article.
func (s *Store) readCurrentBody(ctx context.Context, id int64) (*currentBody, error) {
	rows, err := s.scope.QueryPrepared(ctx, "SELECT revision FROM articles WHERE id = "+s.scope.DB().Dialect().Param(1), id)
	if err != nil {
		return nil, fmt.Errorf("read the revision of article %d: %w", id, database.Translate(err))
	}
	a := &currentBody{ID: id}
	found := rows.Next()
	if found {
		err = rows.Scan(&a.Revision)
	}
	err = errors.Join(err, rows.Err(), rows.Close())
	if err != nil {
		return nil, fmt.Errorf("read the revision of article %d: %w", id, database.Translate(err))
	}
	if !found {
		return nil, fault.New(fault.NotFound, "article %d not found", id)
	}
	if a.Body, err = s.revisionBody(ctx, id, a.Revision); err != nil {
		return nil, err
	}
	return a, nil
}

// anchorAll reads each article of the batch once and locates every quote in it.
func (s *Store) anchorAll(ctx context.Context, list []NewClaim) (anchoring, error) {
	p := anchoring{articles: map[int64]*currentBody{}, anchors: make([]Anchor, len(list))}
	for i, n := range list {
		a, ok := p.articles[n.ArticleID]
		if !ok {
			var err error
			a, err = s.readCurrentBody(ctx, n.ArticleID)
			if fault.Is(err, fault.NotFound) {
				return p, inBatch(fault.Field("article_id", fmt.Sprintf("article %d does not exist", n.ArticleID)), i, len(list))
			}
			if err != nil {
				return p, err
			}
			p.articles[n.ArticleID] = a
		}
		anchor, err := Locate(a.Body, n.Quote, n.Start)
		if err != nil {
			return p, inBatch(err, i, len(list))
		}
		p.anchors[i] = anchor
	}
	return p, nil
}

// revisionAndCount reads an article's current revision and how many claims it has, in one
// statement prepared on the writer: every claim created checks both while the writer waits.
// An article missing here counts as stale anchors: anchoring again reports it as missing.
func (s *Store) revisionAndCount(ctx context.Context, articleID int64) (revision, claims int, err error) {
	rows, err := s.scope.QueryPrepared(ctx, "SELECT revision, (SELECT count(*) FROM claims WHERE article_id = "+
		s.scope.DB().Dialect().Param(1)+") FROM articles WHERE id = $1", articleID)
	if err != nil {
		return 0, 0, fmt.Errorf("read the revision of article %d: %w", articleID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, 0, fmt.Errorf("read the revision of article %d: %w", articleID, err)
		}
		return 0, 0, errStaleAnchors // anchoring again reports it missing
	}
	if err := rows.Scan(&revision, &claims); err != nil {
		return 0, 0, fmt.Errorf("read the revision of article %d: %w", articleID, err)
	}
	return revision, claims, rows.Err()
}

// inBatch renames the fields of an Invalid error to claims[i].field when it concerns the
// i-th of several items, so that a client knows which item to fix.
func inBatch(err error, i, n int) error {
	e := fault.As(err)
	if n <= 1 || e.Kind != fault.Invalid || len(e.Fields) == 0 {
		return err
	}
	fields := fault.Fields{}
	for name, msg := range e.Fields {
		fields.Add(fmt.Sprintf("claims[%d].%s", i, name), msg)
	}
	return fields.Err()
}

// FindClaimByID returns a claim, or NotFound.
func (s *Store) FindClaimByID(ctx context.Context, id int64) (*Claim, error) {
	c := new(Claim)
	// Prepared: the claim detail and every write on a claim read it.
	q := s.scope.Select(c).Where("id = ?", s.scope.Param(1))
	if err := s.scope.ScanPrepared(ctx, q, c, id); err != nil {
		return nil, database.NotFound(err, "claim %d", id)
	}
	return c, nil
}

// checkClaim returns NotFound unless the claim exists: the lists of a claim's items tell a
// claim without items from a missing one with it, and only when a page is empty.
func (s *Store) checkClaim(ctx context.Context, id int64) error {
	ok, err := s.scope.Read().NewSelect().Model((*Claim)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return database.Translate(err)
	}
	if !ok {
		return fault.New(fault.NotFound, "claim %d not found", id)
	}
	return nil
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
	// Start is the anchor's start, for listings in text order.
	Start int
	ID    int64
}

// KeyOf returns c's position in a listing of the given order.
func KeyOf(c *Claim, o Order) Key {
	if o == ByPosition {
		return Key{Start: c.AnchorStart, ID: c.ID}
	}
	return Key{ID: c.ID}
}

// Snapshot fixes the claims a listing of one article in text order pages through: the
// article's revision, in which their anchors hold, and the highest claim id when the first
// page was read. A claim created later has a higher id, because writes commit one at a
// time in id order, so every page of the listing shows exactly the claims of its first
// page's moment, each once, in text order, even while claims are added between pages.
type Snapshot struct {
	Revision int
	Through  int64
}

// SnapshotClaims returns the snapshot of an article's claims as they stand, for the first
// page of a listing in text order. It returns NotFound for a missing article.
func (s *Store) SnapshotClaims(ctx context.Context, articleID int64) (Snapshot, error) {
	var snap Snapshot
	// One statement reads both, so the revision and the bound belong to one moment.
	err := s.scope.Read().NewSelect().Model((*Article)(nil)).
		ColumnExpr("revision").
		ColumnExpr("(SELECT COALESCE(MAX(id), 0) FROM claims)").
		Where("id = ?", articleID).
		Scan(ctx, &snap.Revision, &snap.Through)
	if err != nil {
		return Snapshot{}, database.NotFound(err, "article %d", articleID)
	}
	return snap, nil
}

// Filter selects claims; zero fields match everything.
type Filter struct {
	ArticleID  int64
	Stage      Stage
	Status     Status
	Kind       Kind
	AssigneeID int64
	// Unassigned keeps the claims nobody has taken; it contradicts AssigneeID.
	Unassigned bool
	// SignableBy keeps the claims awaiting sign-off whose proposal this user is not behind:
	// the sign-off's four-eyes rule (checkActor) read as a query, so that a queue of "awaiting
	// my sign-off" never offers a claim the user proposed, or proposed through a token they
	// made. The right to sign off at all (edit) is the caller's to check.
	SignableBy int64
	// Within keeps the claims whose ids the query selects. Other areas narrow a listing with
	// it without claims reading their tables: provenance passes the claims citing a source.
	Within *bun.SelectQuery
	// Q is a full-text query over quote and text: every word must match (as a prefix).
	Q     string
	Order Order
	// Snapshot, with ArticleID and ByPosition, keeps the claims of that moment and refuses
	// (Conflict) a page once the article has a newer revision than the snapshot's, since
	// its claims may have moved in the text.
	Snapshot *Snapshot
	After    *Key
	Limit    int
}

// MaxQuery bounds a full-text query, in characters.
const MaxQuery = 500

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
	if f.Unassigned && f.AssigneeID > 0 {
		errs.Add("assignee_id", "contradicts unassigned")
	}
	text.Limit(errs, "q", f.Q, MaxQuery)
	if f.Snapshot != nil && (f.ArticleID <= 0 || f.Order != ByPosition) {
		return fault.New(fault.Internal, "a claim snapshot needs one article in text order")
	}
	return errs.Err()
}

// FindClaims lists claims matching f, at most f.Limit of them; more reports whether another
// page follows. It returns Invalid for a bad filter, and Conflict when f.Snapshot is older
// than the article's revision.
func (s *Store) FindClaims(ctx context.Context, f Filter) (claims []*Claim, more bool, err error) {
	if err := f.Validate(); err != nil {
		return nil, false, err
	}
	q := s.scope.Select(&claims).Limit(int64(f.Limit + 1))
	sqlite := s.scope.DB().Dialect() == database.SQLite
	// The values go in as parameters, so that a listing's statement is the same text for
	// every value and is prepared once per reader instead of parsed at every request
	// (parsing was a tenth of a listing's time, and more of a search's). Another area's
	// subquery (Within) carries its values in its text; with one, every value is written
	// into the text and the statement is parsed each time, so that its every value does
	// not become a statement kept prepared.
	prepared := f.Within == nil
	var args []any
	param := func(v any) any {
		if !prepared {
			return v
		}
		args = append(args, v)
		return s.scope.Param(len(args))
	}
	// col names a column to filter on. An article holds at most MaxClaimsPerArticle claims,
	// so with an article its own indexes are always the plan, whatever the statistics say:
	// on SQLite a unary plus keeps the planner from walking a status or stage index in id
	// order instead (reading thousands of rows to find an article's 25, as it once did).
	col := func(name string) bun.Safe {
		if f.ArticleID > 0 && sqlite {
			return bun.Safe("+claim." + name)
		}
		return bun.Safe("claim." + name)
	}
	if f.ArticleID > 0 {
		q = q.Where("claim.article_id = ?", param(f.ArticleID))
	}
	if f.Stage != "" {
		q = q.Where("? = ?", col("stage"), param(f.Stage))
	}
	if f.Status != "" {
		q = q.Where("? = ?", col("status"), param(f.Status))
	}
	if f.Kind != "" {
		q = q.Where("? = ?", col("kind"), param(f.Kind))
	}
	if f.AssigneeID > 0 {
		q = q.Where("? = ?", col("assignee_id"), param(f.AssigneeID))
	}
	if f.Unassigned {
		// The (assignee_id, id) index holds these rows in id order; IS NULL is an equality
		// to an index.
		q = q.Where("? IS NULL", col("assignee_id"))
	}
	if f.SignableBy > 0 {
		q = q.Where("? = ? AND claim.proposed_status IS NOT NULL", col("stage"), param(StageAwaitingSignoff))
		signer := param(f.SignableBy)
		q = q.Where("(claim.proposed_by IS NULL OR claim.proposed_by <> ?)", signer).
			Where("(claim.proposed_via IS NULL OR claim.proposed_via <> ?)", signer)
	}
	if f.Within != nil {
		q = q.Where("claim.id IN (?)", f.Within)
	}
	if snap := f.Snapshot; snap != nil {
		// The revision is checked in the same statement as the rows are read, so a page is
		// either wholly of the snapshot's revision or empty. The unary plus keeps SQLite
		// from walking an id index for the bound (and sorting every match by position):
		// the article's position index stays the plan, as without a snapshot.
		q = q.Where("+claim.id <= ?", param(snap.Through)).
			Where("EXISTS (SELECT 1 FROM articles WHERE articles.id = ? AND articles.revision = ?)", param(f.ArticleID), param(snap.Revision))
	}
	// idCol is the column that orders by id; a full-text join orders by the index's rowid,
	// which equals the claim's id, so that SQLite walks the index in order and stops early.
	idCol := "claim.id"
	if terms := searchTerms(f.Q); len(terms) > 0 {
		var words [][]string
		if sqlite {
			var err error
			if words, err = s.wordsOf(ctx, terms); err != nil {
				return nil, false, err
			}
		}
		switch {
		case !sqlite:
			q = q.Where("claim.search @@ to_tsquery('simple', ?)", param(pgQuery(terms)))
		case f.ArticleID > 0:
			// One article's claims are few: its index drives, and each is looked up among the
			// matches, rather than walking every match of the whole corpus for the article's.
			q = q.Where("claim.id IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)", param(ftsQuery(terms, words)))
		default:
			// Joining drives the query from the full-text index in rowid (= id) order, so a
			// page stops after its rows instead of collecting every match first.
			q = q.Join("JOIN claims_fts ON claims_fts.rowid = claim.id").Where("claims_fts MATCH ?", param(ftsQuery(terms, words)))
			idCol = "claims_fts.rowid"
		}
	} else if strings.TrimSpace(f.Q) != "" {
		// A query of punctuation alone matches nothing rather than everything.
		return nil, false, nil
	}
	switch f.Order {
	case ByPosition:
		if f.After != nil {
			start := param(f.After.Start)
			q = q.Where("(claim.anchor_start > ? OR (claim.anchor_start = ? AND claim.id > ?))", start, start, param(f.After.ID))
		}
		q = q.OrderExpr("claim.anchor_start ASC, claim.id ASC")
	default:
		if f.After != nil {
			q = q.Where("? > ?", bun.Safe(idCol), param(f.After.ID))
		}
		q = q.OrderExpr("? ASC", bun.Safe(idCol))
	}
	if prepared {
		err = s.scope.ScanPrepared(ctx, q, &claims, args...)
	} else {
		err = q.Scan(ctx)
	}
	if err != nil {
		return nil, false, fmt.Errorf("list claims: %w", database.Translate(err))
	}
	if len(claims) == 0 && f.Snapshot != nil {
		if err := s.checkSnapshot(ctx, f.ArticleID, *f.Snapshot); err != nil {
			return nil, false, err
		}
	}
	claims, more = database.Trim(claims, f.Limit)
	return claims, more, nil
}

// checkSnapshot returns Conflict when the article has moved on from the snapshot's
// revision, and NotFound when it does not exist.
func (s *Store) checkSnapshot(ctx context.Context, articleID int64, snap Snapshot) error {
	var revision int
	err := s.scope.Read().NewSelect().Model((*Article)(nil)).Column("revision").Where("id = ?", articleID).Scan(ctx, &revision)
	if err != nil {
		return database.NotFound(err, "article %d", articleID)
	}
	if revision != snap.Revision {
		return fault.New(fault.Conflict,
			"article %d is at revision %d, but this listing began at revision %d and its claims may have moved in the text: start again from the first page",
			articleID, revision, snap.Revision)
	}
	return nil
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

// ftsQuery makes an FTS5 query in which every term must match as a prefix: as the whole
// words it stands for when words[i] lists them, else as a prefix query.
func ftsQuery(terms []string, words [][]string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + t + `"*`
		if i < len(words) && len(words[i]) > 0 {
			quoted := make([]string, len(words[i]))
			for j, w := range words[i] {
				quoted[j] = `"` + w + `"`
			}
			parts[i] = "(" + strings.Join(quoted, " OR ") + ")"
		}
	}
	return strings.Join(parts, " AND ")
}

// maxPrefixWords bounds the whole words a search term may stand for; a term that begins
// more words than that (a prefix of two letters) stays a prefix query.
const maxPrefixWords = 16

// wordsOf returns, for each term, the words of the full-text index that begin with it, when
// there are at most maxPrefixWords of them (nil otherwise, and for a term that is not plain
// ASCII letters and digits, whose folding by the index's tokenizer Go does not reproduce).
// Each word costs one seek in claims_fts_terms: the next word at or after the last one
// found and a NUL, which no word holds, so the occurrences of a word are never read.
func (s *Store) wordsOf(ctx context.Context, terms []string) ([][]string, error) {
	out := make([][]string, len(terms))
	for i, t := range terms {
		if strings.TrimFunc(t, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }) != "" {
			continue
		}
		words, err := s.wordsBeginning(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("words beginning %q: %w", t, database.Translate(err))
		}
		if len(words) <= maxPrefixWords {
			out[i] = words
		}
	}
	return out, nil
}

// pgQuery makes a tsquery in which every term must match as a prefix.
func pgQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + t + "':*"
	}
	return strings.Join(parts, " & ")
}

// wordsBeginning reads up to maxPrefixWords+1 words of the index that begin with t, in
// one statement prepared once per reader (it runs on every search).
func (s *Store) wordsBeginning(ctx context.Context, t string) ([]string, error) {
	rows, err := s.scope.QueryPrepared(ctx, `WITH RECURSIVE word(term) AS (
			SELECT (SELECT term FROM claims_fts_terms WHERE term >= $1 LIMIT 1)
			UNION ALL
			SELECT (SELECT term FROM claims_fts_terms WHERE term >= word.term || char(0) LIMIT 1) FROM word
			WHERE substr(word.term, 1, $2) = $1
			LIMIT $3
		)
		SELECT term FROM word WHERE substr(term, 1, $2) = $1`, t, len(t), maxPrefixWords+2)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var words []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		words = append(words, w)
	}
	return words, rows.Err()
}

// ClaimUpdate holds the fields PATCH may change; nil fields stay as they are.
type ClaimUpdate struct {
	Text       *string
	Kind       *Kind
	Quantities *[]Quantity
}

func (u *ClaimUpdate) normalize() error {
	if u.Text == nil && u.Kind == nil && u.Quantities == nil {
		return fault.New(fault.Invalid, "nothing to change: give text, kind or quantities")
	}
	errs := fault.Fields{}
	if u.Text != nil {
		t := *u.Text
		text.Clean(errs, "text", &t, MaxClaimText, true)
		u.Text = &t
	}
	if u.Kind != nil && !validKind(*u.Kind) {
		errs.Add("kind", fault.OneOf(Kinds()))
	}
	if u.Quantities != nil {
		qs := *u.Quantities
		if qs == nil {
			qs = []Quantity{}
		}
		validateQuantities(qs, errs)
		u.Quantities = &qs
	}
	return errs.Err()
}

// UpdateClaim changes a claim's statement, kind or quantities. It needs the edit right;
// version must be the claim's current version (PreconditionFailed otherwise); a claim
// awaiting sign-off or closed must be rejected or reopened first (Conflict).
func (s *Store) UpdateClaim(ctx context.Context, actor identity.Actor, id, version int64, u ClaimUpdate) (*Claim, error) {
	if err := actor.Require(identity.Edit, "editing a claim"); err != nil {
		return nil, err
	}
	if err := u.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Claim, error) {
		old, err := s.In(tx).lockClaim(ctx, id, version)
		if err != nil {
			return nil, err
		}
		if err := old.CheckUnfrozen("edit it"); err != nil {
			return nil, err
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
		// A PATCH that changes nothing writes nothing: no new version, no audit event.
		if next.Text == old.Text && next.Kind == old.Kind && reflect.DeepEqual(next.Quantities, old.Quantities) {
			return old, nil
		}
		next.Version++
		next.UpdatedAt = tx.Now
		if err := tx.UpdateChangedPrepared(ctx, old, &next); err != nil {
			return nil, fmt.Errorf("update claim %d: %w", id, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "claim.update", EntityType: "claim", EntityID: fmt.Sprint(id),
			Before: old, After: &next,
		}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// lockClaim reads a claim inside a write transaction and checks that it is at version. No
// row lock is needed: every write transaction holds the writer (SQLite) or the audit head
// lock (PostgreSQL) from its start, so nothing changes the claim before it commits.
func (s *Store) lockClaim(ctx context.Context, id, version int64) (*Claim, error) {
	c, err := s.FindClaimByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Version != version {
		return nil, fault.New(fault.PreconditionFailed, "claim %d is at version %d, not %d; reload it and try again", id, c.Version, version)
	}
	return c, nil
}

// CheckUnfrozen returns Conflict when what the claim's verdict rests on may not change: its
// statement, citations and evidence are frozen from the proposal on, and changing them
// needs a reject or a reopen. change names what was refused.
func (c *Claim) CheckUnfrozen(change string) error {
	if c.Stage == StageAwaitingSignoff || c.Stage == StageClosed {
		return fault.New(fault.Conflict, "claim %d is %s: what its verdict rests on is frozen; reject or reopen it before you %s", c.ID, c.Stage, change)
	}
	return nil
}

// CheckPublishable returns Conflict unless the claim has a verdict that may be published: it
// is closed (signed off and not reopened) and its passage still stands in the article as it
// was reviewed. A claim whose passage a later revision removed is never published.
func (c *Claim) CheckPublishable() error {
	if c.Stage != StageClosed {
		return fault.New(fault.Conflict, "claim %d is %s: only a signed-off verdict is published", c.ID, c.Stage)
	}
	if c.AnchorState != Anchored {
		return fault.New(fault.Conflict, "claim %d is %s: its passage is gone from the article, so its verdict is not published", c.ID, c.AnchorState)
	}
	return nil
}
