package claims

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Article is a published article as Verity checks it. Body is the current revision's
// verbatim text in NFC; earlier revisions are kept in article_revisions and never changed.
type Article struct {
	bun.BaseModel `bun:"table:articles"`

	ID          int64      `bun:"id,pk,autoincrement"`
	Slug        string     `bun:"slug,nullzero"`
	Title       string     `bun:"title"`
	Outlet      string     `bun:"outlet"`
	URL         string     `bun:"url"`
	Author      string     `bun:"author"`
	PublishedAt *time.Time `bun:"published_at"`
	Revision    int        `bun:"revision"`
	Body        string     `bun:"body"`
	BodySHA256  string     `bun:"body_sha256"`
	Version     int64      `bun:"version"`
	CreatedBy   *int64     `bun:"created_by"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
}

// Revision is one body an article has had.
type Revision struct {
	bun.BaseModel `bun:"table:article_revisions"`

	ArticleID  int64     `bun:"article_id,pk"`
	Revision   int       `bun:"revision,pk"`
	Body       string    `bun:"body"`
	BodySHA256 string    `bun:"body_sha256"`
	CreatedBy  *int64    `bun:"created_by"`
	CreatedAt  time.Time `bun:"created_at"`
}

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

// MaxBodyBytes bounds an article body.
const MaxBodyBytes = 2 << 20

func (f *ArticleFields) normalize() error {
	errs := fault.Fields{}
	var err error
	if f.Body, err = NormalizeText("body", f.Body); err != nil {
		return err
	}
	for name, v := range map[string]*string{"title": &f.Title, "outlet": &f.Outlet, "url": &f.URL, "author": &f.Author, "slug": &f.Slug} {
		if *v, err = NormalizeText(name, *v); err != nil {
			return err
		}
		*v = strings.TrimSpace(*v)
		if len(*v) > 1000 {
			errs.Add(name, "must be at most 1000 bytes")
		}
	}
	if f.Title == "" {
		errs.Add("title", "is required")
	}
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

// articleAudit is what the audit trail records of an article: everything but the body,
// which its hash and the kept revision stand for.
func articleAudit(a *Article) map[string]any {
	return map[string]any{
		"id": a.ID, "slug": a.Slug, "title": a.Title, "outlet": a.Outlet, "url": a.URL, "author": a.Author,
		"published_at": a.PublishedAt, "revision": a.Revision, "body_sha256": a.BodySHA256, "version": a.Version,
	}
}

// CreateArticle stores a new article as revision 1. Any writing role may call it; it returns
// Invalid for bad fields and Conflict for a slug already in use.
func (s *Store) CreateArticle(ctx context.Context, actor Actor, f ArticleFields) (*Article, error) {
	if err := f.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.db, func(ctx context.Context, tx *database.Tx) (*Article, error) {
		return CreateArticleTx(ctx, tx, actor, f)
	})
}

// CreateArticleTx is CreateArticle inside a caller's transaction, for loaders that write an
// article and its claims atomically.
func CreateArticleTx(ctx context.Context, tx *database.Tx, actor Actor, f ArticleFields) (*Article, error) {
	if err := f.normalize(); err != nil {
		return nil, err
	}
	a := &Article{
		Slug: f.Slug, Title: f.Title, Outlet: f.Outlet, URL: f.URL, Author: f.Author, PublishedAt: f.PublishedAt,
		Revision: 1, Body: f.Body, BodySHA256: bodyHash(f.Body), Version: 1,
		CreatedBy: actor.UserRef(), CreatedAt: tx.Now, UpdatedAt: tx.Now,
	}
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		if fault.Is(database.Translate(err), fault.Conflict) {
			return nil, fault.Field("slug", "is already used by another article")
		}
		return nil, err
	}
	if err := insertRevision(ctx, tx, actor, a); err != nil {
		return nil, err
	}
	_, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.AuditName(), Action: "article.create", EntityType: "article", EntityID: fmt.Sprint(a.ID),
		After: articleAudit(a),
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func insertRevision(ctx context.Context, tx *database.Tx, actor Actor, a *Article) error {
	_, err := tx.NewInsert().Model(&Revision{
		ArticleID: a.ID, Revision: a.Revision, Body: a.Body, BodySHA256: a.BodySHA256,
		CreatedBy: actor.UserRef(), CreatedAt: tx.Now,
	}).Exec(ctx)
	return err
}

// FindArticleByID returns the article with its current body, or NotFound.
func (s *Store) FindArticleByID(ctx context.Context, id int64) (*Article, error) {
	return findArticle(ctx, s.db.Reader(), id)
}

func findArticle(ctx context.Context, db bun.IDB, id int64) (*Article, error) {
	a := new(Article)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "article %d", id)
	}
	return a, nil
}

// FindArticleBySlug returns the article with that slug, or NotFound.
func (s *Store) FindArticleBySlug(ctx context.Context, slug string) (*Article, error) {
	a := new(Article)
	if err := s.db.Reader().NewSelect().Model(a).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "article %q", slug)
	}
	return a, nil
}

// FindRevisions lists an article's revisions, oldest first. Every article has at least its
// first revision, so none at all means NotFound.
func (s *Store) FindRevisions(ctx context.Context, articleID int64) ([]Revision, error) {
	var revs []Revision
	err := s.db.Reader().NewSelect().Model(&revs).Where("article_id = ?", articleID).Order("revision ASC").Scan(ctx)
	if err != nil {
		return nil, database.Translate(err)
	}
	if len(revs) == 0 {
		return nil, fault.New(fault.NotFound, "article %d not found", articleID)
	}
	return revs, nil
}

// CheckArticle returns NotFound unless the article exists, without reading its body.
func (s *Store) CheckArticle(ctx context.Context, id int64) error {
	ok, err := s.db.Reader().NewSelect().Model((*Article)(nil)).Where("id = ?", id).Exists(ctx)
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
// reports whether another page follows.
func (s *Store) FindArticles(ctx context.Context, f ArticleFilter) (articles []*Article, more bool, err error) {
	// Listings never show the body, which may be megabytes per article.
	q := s.db.Reader().NewSelect().Model(&articles).ExcludeColumn("body").Order("id ASC").Limit(int64(f.Limit + 1))
	if f.Outlet != "" {
		q = q.Where("outlet = ?", f.Outlet)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, database.Translate(err)
	}
	return trimPage(articles, f.Limit)
}

func trimPage[T any](items []T, limit int) ([]T, bool, error) {
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// ReplaceArticle replaces an article's fields (PUT). A body that differs from the current one
// becomes a new revision, and every claim of the article is re-anchored to it: moved to where
// its quote now stands, or marked orphaned when the quote is gone. ifVersion, when not nil,
// must equal the article's version (PreconditionFailed otherwise). Editors may call it.
func (s *Store) ReplaceArticle(ctx context.Context, actor Actor, id int64, ifVersion *int64, f ArticleFields) (*Article, error) {
	if err := f.normalize(); err != nil {
		return nil, err
	}
	var a *Article
	err := s.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		old, err := findArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != old.Version {
			return fault.New(fault.PreconditionFailed, "article %d is at version %d, not %d", id, old.Version, *ifVersion)
		}
		next := *old
		next.Slug, next.Title, next.Outlet, next.URL, next.Author, next.PublishedAt = f.Slug, f.Title, f.Outlet, f.URL, f.Author, f.PublishedAt
		if f.Slug == "" {
			next.Slug = old.Slug
		}
		newBody := bodyHash(f.Body) != old.BodySHA256
		if newBody {
			next.Revision, next.Body, next.BodySHA256 = old.Revision+1, f.Body, bodyHash(f.Body)
		}
		next.Version = old.Version + 1
		next.UpdatedAt = tx.Now
		if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
			if fault.Is(database.Translate(err), fault.Conflict) {
				return fault.Field("slug", "is already used by another article")
			}
			return err
		}
		if newBody {
			if err := insertRevision(ctx, tx, actor, &next); err != nil {
				return err
			}
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "article.update", EntityType: "article", EntityID: fmt.Sprint(id),
			Before: articleAudit(old), After: articleAudit(&next),
		}); err != nil {
			return err
		}
		if newBody {
			if err := reanchorClaims(ctx, tx, actor, &next); err != nil {
				return err
			}
		}
		a = &next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func reanchorClaims(ctx context.Context, tx *database.Tx, actor Actor, a *Article) error {
	var cs []*Claim
	if err := tx.NewSelect().Model(&cs).Where("article_id = ?", a.ID).Order("id ASC").Scan(ctx); err != nil {
		return err
	}
	for _, c := range cs {
		before := *c
		if anchor, ok := Reanchor(c.Anchor(), a.Body); ok {
			c.setAnchor(anchor)
			c.AnchorState = Anchored
			c.ArticleRevision = a.Revision
		} else {
			// An orphaned claim keeps the anchor and revision its quote was last found in.
			c.AnchorState = Orphaned
		}
		if c.Anchor() == before.Anchor() && c.AnchorState == before.AnchorState && c.ArticleRevision == before.ArticleRevision {
			continue
		}
		c.UpdatedAt = tx.Now
		// The version (the claim's ETag) moves only when the passage moved, so that a
		// reviewer's open form stays valid across an edit elsewhere in the article.
		if c.Anchor() != before.Anchor() || c.AnchorState != before.AnchorState {
			c.Version++
		}
		if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "claim.reanchor", EntityType: "claim", EntityID: fmt.Sprint(c.ID),
			Before: claimAudit(&before), After: claimAudit(c),
		}); err != nil {
			return err
		}
	}
	return nil
}
