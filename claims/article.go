package claims

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"verity/claims/compressed"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Article is a published article as Verity checks it. Body is the current revision's
// verbatim text in NFC, stored once, compressed, as that revision in article_revisions
// (FindArticleByID and FindArticleBySlug read it); revisions are kept there and never
// changed.
// Its JSON form is the snapshot the audit trail records: every column but the body, which
// its hash and the kept revision stand for.
type Article struct {
	bun.BaseModel `bun:"table:articles"`

	ID          int64      `bun:"id,pk,autoincrement" json:"id"`
	Slug        string     `bun:"slug,nullzero" json:"slug"`
	Title       string     `bun:"title" json:"title"`
	Outlet      string     `bun:"outlet" json:"outlet"`
	URL         string     `bun:"url" json:"url"`
	Author      string     `bun:"author" json:"author"`
	PublishedAt *time.Time `bun:"published_at" json:"published_at"`
	Revision    int        `bun:"revision" json:"revision"`
	Body        string     `bun:"-" json:"-"`
	BodySHA256  string     `bun:"body_sha256" json:"body_sha256"`
	Version     int64      `bun:"version" json:"version"`
	CreatedBy   *int64     `bun:"created_by" json:"created_by"`
	CreatedAt   time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updated_at"`
}

// Revision is one body an article has had. Listings leave Body empty and fill BodyLength.
type Revision struct {
	bun.BaseModel `bun:"table:article_revisions"`

	ArticleID int64 `bun:"article_id,pk" json:"article_id"`
	Revision  int   `bun:"revision,pk" json:"revision"`
	// Body is stored compressed in the column body (see bodyCodec): insertRevision writes
	// it and revisionBody reads it.
	Body       string    `bun:"-" json:"-"`
	BodySHA256 string    `bun:"body_sha256" json:"body_sha256"`
	CreatedBy  *int64    `bun:"created_by" json:"created_by"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
	// BodyLength is the body's length in characters, stored so that a listing need not
	// decompress the body to say it.
	BodyLength int `bun:"body_length" json:"-"`
}

// bodyCodec compresses article bodies, which are long enough to compress well without a
// dictionary (a generated 8 KiB news text to about a third). It is immutable once built,
// and made once, on first use, like a compiled constant.
var bodyCodec = sync.OnceValues(func() (*compressed.Codec, error) { return compressed.New(0, nil) })

// ArticleFields are the fields an editor sets on an article; PUT replaces them all.
type ArticleFields struct {
	// Slug is an optional stable key, unique among articles (the seed loader uses it).
	Slug        string
	Title       string
	Outlet      string
	URL         string
	Author      string
	PublishedAt *time.Time
	Body        string
}

// Limits on article fields, in characters.
const (
	MaxArticleText = 1000
	// MaxBodyBytes bounds an article body; a body is stored and hashed as bytes, and JSON
	// escaping may grow it on the way in.
	MaxBodyBytes = 2 << 20
)

func (f *ArticleFields) normalize() error {
	errs := fault.Fields{}
	body, err := text.Normalize("body", f.Body)
	if err != nil {
		return err
	}
	f.Body = body
	text.Clean(errs, "title", &f.Title, MaxArticleText, true)
	for name, v := range map[string]*string{"outlet": &f.Outlet, "author": &f.Author, "slug": &f.Slug} {
		text.Clean(errs, name, v, MaxArticleText, false)
	}
	text.CleanURL(errs, "url", &f.URL, MaxArticleText)
	if strings.TrimSpace(f.Body) == "" {
		errs.Add("body", "is required")
	}
	if len(f.Body) > MaxBodyBytes {
		errs.Add("body", fmt.Sprintf("must be at most %d bytes", MaxBodyBytes))
	}
	f.PublishedAt = StoredTime(errs, "published_at", f.PublishedAt)
	return errs.Err()
}

func bodyHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// CreateArticle stores a new article as revision 1. It needs the edit right and returns
// Invalid for bad fields and for a slug already in use.
func (s *Store) CreateArticle(ctx context.Context, actor identity.Actor, f ArticleFields) (*Article, error) {
	if err := actor.Require(identity.Edit, "creating an article"); err != nil {
		return nil, err
	}
	if err := f.normalize(); err != nil {
		return nil, err
	}
	sum := bodyHash(f.Body)
	created, err := database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Article, error) {
		a := &Article{
			Slug: f.Slug, Title: f.Title, Outlet: f.Outlet, URL: f.URL, Author: f.Author, PublishedAt: f.PublishedAt,
			Revision: 1, Body: f.Body, BodySHA256: sum, Version: 1,
			CreatedBy: actor.UserRef(), CreatedAt: tx.Now, UpdatedAt: tx.Now,
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			if fault.Is(database.Translate(err), fault.Conflict) {
				return nil, fault.Field("slug", "is already used by another article")
			}
			return nil, fmt.Errorf("insert article: %w", err)
		}
		if err := insertRevision(ctx, tx, actor, a); err != nil {
			return nil, err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "article.create", EntityType: "article", EntityID: fmt.Sprint(a.ID),
			After: a,
		}); err != nil {
			return nil, err
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	// Committed: its claims, which come next, anchor in the body without reading it back.
	s.keepBody(revisionKey{article: created.ID, revision: created.Revision}, created.Body)
	return created, nil
}

func insertRevision(ctx context.Context, tx *database.Tx, actor identity.Actor, a *Article) error {
	codec, err := bodyCodec()
	if err != nil {
		return err
	}
	_, err = tx.NewInsert().Model(&Revision{
		ArticleID: a.ID, Revision: a.Revision, BodySHA256: a.BodySHA256, BodyLength: utf8.RuneCountInString(a.Body),
		CreatedBy: actor.UserRef(), CreatedAt: tx.Now,
	}).Value("body", "?", codec.Encode(a.Body)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert revision %d of article %d: %w", a.Revision, a.ID, err)
	}
	return nil
}

// FindArticleByID returns the article with its current body, or NotFound.
func (s *Store) FindArticleByID(ctx context.Context, id int64) (*Article, error) {
	a := new(Article)
	// Prepared: the article page, ClaimReview and the provenance graph read it.
	q := s.scope.Read().NewSelect().Model(a).Where("id = ?", bun.Safe("$1"))
	if err := s.scope.ScanPrepared(ctx, q, a, id); err != nil {
		return nil, database.NotFound(err, "article %d", id)
	}
	if err := s.readBody(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// FindArticleBySlug returns the article with that slug, or NotFound.
func (s *Store) FindArticleBySlug(ctx context.Context, slug string) (*Article, error) {
	a := new(Article)
	if err := s.scope.Read().NewSelect().Model(a).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "article %q", slug)
	}
	if err := s.readBody(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// readBody fills in an article's body from its current revision, the one copy kept.
func (s *Store) readBody(ctx context.Context, a *Article) error {
	var err error
	a.Body, err = s.revisionBody(ctx, a.ID, a.Revision)
	return err
}

// revisionBody returns the body of one revision: kept decoded from an earlier read, or read
// and decompressed (and then kept). Rows stored before bodies were compressed hold the text
// itself, which Decode returns as it is.
func (s *Store) revisionBody(ctx context.Context, articleID int64, revision int) (string, error) {
	k := revisionKey{article: articleID, revision: revision}
	if body, ok := s.bodies.get(k); ok {
		return body, nil
	}
	stored, err := s.storedBody(ctx, articleID, revision)
	if err != nil {
		return "", err
	}
	codec, err := bodyCodec()
	if err != nil {
		return "", err
	}
	body, err := codec.Decode(stored)
	if err != nil {
		return "", fmt.Errorf("revision %d of article %d: %w", revision, articleID, err)
	}
	s.keepBody(k, body)
	return body, nil
}

// keepBody keeps a body that is committed: one read or written outside a transaction.
func (s *Store) keepBody(k revisionKey, body string) {
	if s.keepBodies {
		s.bodies.put(k, body)
	}
}

// storedBody reads a revision's body column as stored, in one statement prepared once per
// connection: every claim created whose article is not kept decoded reads it.
func (s *Store) storedBody(ctx context.Context, articleID int64, revision int) ([]byte, error) {
	d := s.scope.DB().Dialect()
	rows, err := s.scope.QueryPrepared(ctx, "SELECT body FROM article_revisions WHERE article_id = "+d.Param(1)+
		" AND revision = "+d.Param(2), articleID, revision)
	if err != nil {
		return nil, fmt.Errorf("read revision %d of article %d: %w", revision, articleID, database.Translate(err))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read revision %d of article %d: %w", revision, articleID, database.Translate(err))
		}
		return nil, fault.New(fault.NotFound, "revision %d of article %d not found", revision, articleID)
	}
	var stored []byte
	if err := rows.Scan(&stored); err != nil {
		return nil, fmt.Errorf("read revision %d of article %d: %w", revision, articleID, err)
	}
	return stored, rows.Err()
}

// FindRevisions lists an article's revisions in order, after revision after and at most
// limit of them, without their bodies (Body is empty, BodyLength set); more reports whether
// another page follows. It returns NotFound for a missing article and Invalid for a limit
// that is not positive.
func (s *Store) FindRevisions(ctx context.Context, articleID int64, after, limit int) (revs []Revision, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	err = s.scope.Read().NewSelect().Model(&revs).
		Where("article_id = ? AND revision > ?", articleID, after).
		Order("revision ASC").Limit(int64(limit + 1)).Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list revisions of article %d: %w", articleID, database.Translate(err))
	}
	// Every article has its first revision, so only an empty page needs asking whether the
	// article exists.
	if len(revs) == 0 {
		if err := s.CheckArticle(ctx, articleID); err != nil {
			return nil, false, err
		}
		return []Revision{}, false, nil
	}
	revs, more = database.Trim(revs, limit)
	return revs, more, nil
}

// FindRevision returns one revision of an article with its body, or NotFound.
func (s *Store) FindRevision(ctx context.Context, articleID int64, revision int) (*Revision, error) {
	r := new(Revision)
	err := s.scope.Read().NewSelect().Model(r).
		Where("article_id = ? AND revision = ?", articleID, revision).Scan(ctx)
	if err != nil {
		return nil, database.NotFound(err, "revision %d of article %d", revision, articleID)
	}
	if r.Body, err = s.revisionBody(ctx, articleID, revision); err != nil {
		return nil, err
	}
	return r, nil
}

// CheckArticle returns NotFound unless the article exists, without reading its body.
func (s *Store) CheckArticle(ctx context.Context, id int64) error {
	ok, err := s.scope.Read().NewSelect().Model((*Article)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return database.Translate(err)
	}
	if !ok {
		return fault.New(fault.NotFound, "article %d not found", id)
	}
	return nil
}

// ArticleFilter selects articles, in id order.
type ArticleFilter struct {
	Outlet  string
	AfterID int64
	Limit   int
}

// FindArticles lists articles in id order, without their bodies (Body is empty); more
// reports whether another page follows. It returns Invalid for a limit that is not positive.
func (s *Store) FindArticles(ctx context.Context, f ArticleFilter) (articles []*Article, more bool, err error) {
	if f.Limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	// Listings never show the body, which may be megabytes per article: it is not among the
	// article's columns (see readBody).
	q := s.scope.Read().NewSelect().Model(&articles).Order("id ASC").Limit(int64(f.Limit + 1))
	if f.Outlet != "" {
		q = q.Where("outlet = ?", f.Outlet)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list articles: %w", database.Translate(err))
	}
	articles, more = database.Trim(articles, f.Limit)
	return articles, more, nil
}

// ReplaceArticle replaces an article's fields (PUT). A body that differs from the current one
// becomes a new revision, and every claim of the article is re-anchored to it: moved to where
// its quote now stands, or marked orphaned when the quote is gone. ifVersion, when not nil,
// must equal the article's version (PreconditionFailed otherwise). It needs the edit right.
func (s *Store) ReplaceArticle(ctx context.Context, actor identity.Actor, id int64, ifVersion *int64, f ArticleFields) (*Article, error) {
	if err := actor.Require(identity.Edit, "editing an article"); err != nil {
		return nil, err
	}
	if err := f.normalize(); err != nil {
		return nil, err
	}
	sum := bodyHash(f.Body)
	// Re-anchoring every claim in a new body of up to 2 MiB is the heavy part: it is planned
	// from a read before the writer is taken, and the transaction only re-anchors the claims
	// created since (a few, at most). An article edited by someone else meanwhile needs a new
	// plan, made again outside the writer; one that keeps changing is a conflict.
	for attempt := 1; ; attempt++ {
		p, err := s.planReanchor(ctx, id, f.Body, sum)
		if err != nil {
			return nil, err
		}
		a, err := database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Article, error) {
			return s.In(tx).replaceArticle(ctx, tx, actor, id, ifVersion, f, sum, p)
		})
		if err == nil {
			s.keepBody(revisionKey{article: a.ID, revision: a.Revision}, a.Body)
		}
		if !errors.Is(err, errStalePlan) {
			return a, err
		}
		if attempt == maxReanchorAttempts {
			return nil, fault.New(fault.Conflict, "article %d was edited %d times while this edit was being prepared; reload it and try again", id, attempt)
		}
	}
}

// maxReanchorAttempts is how often a re-anchoring plan is made before an article that keeps
// changing under it is reported as a conflict.
const maxReanchorAttempts = 3

var errStalePlan = errors.New("the article changed while re-anchoring was planned")

// reanchorPlan is where each claim of an article will stand in a new body, worked out from
// the article's version, body and claims as they were read.
type reanchorPlan struct {
	version int64
	body    string
	claims  map[int64]Anchor
	results map[int64]Reanchored
}

// planReanchor reads the article and its claims and re-anchors them in body; a body that is
// not new needs no plan.
func (s *Store) planReanchor(ctx context.Context, id int64, body, sum string) (*reanchorPlan, error) {
	old, err := s.FindArticleByID(ctx, id)
	if err != nil || old.BodySHA256 == sum {
		return nil, err
	}
	var cs []*Claim
	if err := s.scope.Read().NewSelect().Model(&cs).Where("article_id = ?", id).Order("id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read the claims of article %d: %w", id, err)
	}
	p := &reanchorPlan{version: old.Version, body: old.Body, claims: map[int64]Anchor{}, results: map[int64]Reanchored{}}
	anchors := make([]Anchor, len(cs))
	for i, c := range cs {
		anchors[i] = c.Anchor()
		p.claims[c.ID] = anchors[i]
	}
	results, err := ReanchorAll(ctx, old.Body, body, anchors)
	if err != nil {
		return nil, err
	}
	for i, c := range cs {
		p.results[c.ID] = results[i]
	}
	return p, nil
}

// complete re-anchors, inside the transaction, the claims the plan has not seen: those
// created on the article since it was read. It returns errStalePlan when the article itself
// changed since, so that a new plan is made outside the writer.
func (p *reanchorPlan) complete(ctx context.Context, a *Article, cs []*Claim, body string) error {
	if p == nil || p.version != a.Version {
		return errStalePlan
	}
	var news []*Claim
	var anchors []Anchor
	for _, c := range cs {
		if planned, ok := p.claims[c.ID]; !ok || planned != c.Anchor() {
			news = append(news, c)
			anchors = append(anchors, c.Anchor())
		}
	}
	if len(news) == 0 {
		return nil
	}
	results, err := ReanchorAll(ctx, p.body, body, anchors)
	if err != nil {
		return err
	}
	for i, c := range news {
		p.results[c.ID] = results[i]
	}
	return nil
}

func (s *Store) replaceArticle(ctx context.Context, tx *database.Tx, actor identity.Actor, id int64, ifVersion *int64, f ArticleFields, sum string, p *reanchorPlan) (*Article, error) {
	old, err := s.FindArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ifVersion != nil && *ifVersion != old.Version {
		return nil, fault.New(fault.PreconditionFailed, "article %d is at version %d, not %d", id, old.Version, *ifVersion)
	}
	next := *old
	next.Slug, next.Title, next.Outlet, next.URL, next.Author, next.PublishedAt = f.Slug, f.Title, f.Outlet, f.URL, f.Author, f.PublishedAt
	if f.Slug == "" {
		next.Slug = old.Slug
	}
	newBody := sum != old.BodySHA256
	var cs []*Claim
	if newBody {
		next.Revision, next.Body, next.BodySHA256 = old.Revision+1, f.Body, sum
		if err := tx.NewSelect().Model(&cs).Where("article_id = ?", id).Order("id ASC").Scan(ctx); err != nil {
			return nil, fmt.Errorf("read the claims of article %d: %w", id, err)
		}
		if err := p.complete(ctx, old, cs, f.Body); err != nil {
			return nil, err
		}
	}
	next.Version = old.Version + 1
	next.UpdatedAt = tx.Now
	if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
		if fault.Is(database.Translate(err), fault.Conflict) {
			return nil, fault.Field("slug", "is already used by another article")
		}
		return nil, fmt.Errorf("update article %d: %w", id, err)
	}
	if newBody {
		if err := insertRevision(ctx, tx, actor, &next); err != nil {
			return nil, err
		}
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.Audit(), Action: "article.update", EntityType: "article", EntityID: fmt.Sprint(id),
		Before: old, After: &next,
	}); err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := s.reanchorClaim(ctx, tx, actor, c, p.results[c.ID], next.Revision); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// reanchorClaim moves a claim to where its quote stands in a new revision, or marks it
// orphaned, and sends a verdict whose passage changed back to review.
func (s *Store) reanchorClaim(ctx context.Context, tx *database.Tx, actor identity.Actor, c *Claim, r Reanchored, revision int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	before := *c
	if r.Found {
		c.setAnchor(r.Anchor)
		c.AnchorState = Anchored
		c.ArticleRevision = revision
	} else {
		// An orphaned claim keeps the anchor and revision its quote was last found in.
		c.AnchorState = Orphaned
	}
	if c.Anchor() == before.Anchor() && c.AnchorState == before.AnchorState && c.ArticleRevision == before.ArticleRevision {
		return nil
	}
	c.UpdatedAt = tx.Now
	// The version (the claim's ETag) moves only when the passage moved, so that a reviewer's
	// open form stays valid across an edit elsewhere in the article.
	if c.Anchor() != before.Anchor() || c.AnchorState != before.AnchorState {
		c.Version++
	}
	if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("re-anchor claim %d: %w", c.ID, err)
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.Audit(), Action: "claim.reanchor", EntityType: "claim", EntityID: fmt.Sprint(c.ID),
		Before: &before, After: c,
	}); err != nil {
		return err
	}
	return s.sendBackToReview(ctx, tx, actor, c, r.Changed, revision)
}

// sendBackToReview takes a claim whose reviewed passage changed in a new revision back to
// review: a verdict was signed, or is proposed, on the passage as it stood, so a closed
// claim is reopened (its verdict stops being published) and a pending proposal is rejected,
// each as a recorded transition by the editor whose change caused it. A passage that merely
// shifted, with the same words around it, keeps its verdict.
func (s *Store) sendBackToReview(ctx context.Context, tx *database.Tx, actor identity.Actor, c *Claim, changed bool, revision int) error {
	if !changed {
		return nil
	}
	var t Transition
	switch c.Stage {
	case StageClosed:
		t = Transition{Action: ActionReopen}
	case StageAwaitingSignoff:
		t = Transition{Action: ActionReject}
	default:
		return nil
	}
	what := "changed"
	if c.AnchorState == Orphaned {
		what = "is gone"
	}
	t.Rationale = fmt.Sprintf("revision %d of the article: the passage this verdict rests on %s; review it again", revision, what)
	_, _, err := s.move(ctx, tx, actor, c, t)
	return err
}
