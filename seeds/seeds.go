// Package seeds ships Verity's first article, Isis-K: the jihadis seizing on the chaos of
// Taliban's return, verbatim, with its curated claims, sources, derivations and citations as
// data files, and loads them.
package seeds

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/provenance"
)

//go:embed article.txt article.json sources.json claims.json
var files embed.FS

// Slug identifies the seed article; its presence means the seeds are loaded.
const Slug = "isis-k-jihadis-seizing-on-chaos-of-talibans-return"

// Article is the seed article's metadata (article.json).
type Article struct {
	Title       string  `json:"title"`
	Outlet      string  `json:"outlet"`
	URL         string  `json:"url"`
	Author      string  `json:"author"`
	PublishedAt *string `json:"published_at"`
}

// Source is one curated source (sources.json). Key names it within the seed data.
type Source struct {
	Key         string   `json:"key"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Affiliation string   `json:"affiliation"`
	URL         string   `json:"url"`
	Publisher   string   `json:"publisher"`
	PublishedAt *string  `json:"published_at"`
	Reliability string   `json:"reliability"`
	Notes       string   `json:"notes"`
	DerivedFrom []string `json:"derived_from"`
}

// Claim is one curated claim (claims.json).
type Claim struct {
	Key        string            `json:"key"`
	Quote      string            `json:"quote"`
	Start      *int              `json:"start"`
	Text       string            `json:"text"`
	Kind       string            `json:"kind"`
	Quantities []claims.Quantity `json:"quantities"`
	Citations  []Citation        `json:"citations"`
}

// Citation links a seed claim to a seed source by key.
type Citation struct {
	Source      string `json:"source"`
	Attribution string `json:"attribution"`
	Locator     string `json:"locator"`
	Relation    string `json:"relation"`
}

// Data is the whole seed set.
type Data struct {
	Body    string
	Article Article
	Sources []Source
	Claims  []Claim
}

// Read parses the embedded seed files strictly: unknown fields are errors.
func Read() (*Data, error) {
	body, err := files.ReadFile("article.txt")
	if err != nil {
		return nil, err
	}
	d := &Data{Body: string(body)}
	for name, dst := range map[string]any{"article.json": &d.Article, "sources.json": &d.Sources, "claims.json": &d.Claims} {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst); err != nil {
			return nil, fmt.Errorf("seeds/%s: %w", name, err)
		}
	}
	return d, nil
}

// Result says what Load did.
type Result struct {
	ArticleID     int64
	AlreadyLoaded bool
	Claims        int
	Sources       int
	Citations     int
	Derivations   int
}

// Load writes the seed article with its sources, derivations, claims and citations in one
// transaction: all of it or, on any error, none. Every claim is anchored through the same
// code as the API, so a quote that is not in the text fails the load. Loading again when the
// article is present changes nothing. actor is who loads it: Verity itself when serve seeds
// an empty database, the operator for `verity seed`.
func Load(ctx context.Context, db *database.DB, actor identity.Actor) (Result, error) {
	d, err := Read()
	if err != nil {
		return Result{}, err
	}
	a, err := claims.NewStore(db).FindArticleBySlug(ctx, Slug)
	switch {
	case err == nil:
		return Result{ArticleID: a.ID, AlreadyLoaded: true}, nil
	case !fault.Is(err, fault.NotFound):
		return Result{}, err
	}
	cs, ps := claims.NewStore(db), provenance.NewStore(db)
	return database.WriteValue(ctx, db, func(ctx context.Context, tx *database.Tx) (Result, error) {
		return load(ctx, cs.In(tx), ps.In(tx), actor, d)
	})
}

func load(ctx context.Context, cs *claims.Store, ps *provenance.Store, actor identity.Actor, d *Data) (Result, error) {
	var r Result
	published, err := parseDate(d.Article.PublishedAt)
	if err != nil {
		return r, fmt.Errorf("article.json published_at: %w", err)
	}
	a, err := cs.CreateArticle(ctx, actor, claims.ArticleFields{
		Slug: Slug, Title: d.Article.Title, Outlet: d.Article.Outlet, URL: d.Article.URL,
		Author: d.Article.Author, PublishedAt: published, Body: d.Body,
	})
	if err != nil {
		return r, fmt.Errorf("article: %w", err)
	}
	r.ArticleID = a.ID

	sourceIDs := map[string]int64{}
	for _, s := range d.Sources {
		published, err := parseDate(s.PublishedAt)
		if err != nil {
			return r, fmt.Errorf("source %s published_at: %w", s.Key, err)
		}
		if _, dup := sourceIDs[s.Key]; dup {
			return r, fmt.Errorf("source key %s is used twice", s.Key)
		}
		src, err := ps.CreateSource(ctx, actor, provenance.SourceFields{
			Kind: provenance.SourceKind(s.Kind), Name: s.Name, Affiliation: s.Affiliation, URL: s.URL,
			Publisher: s.Publisher, PublishedAt: published, Reliability: provenance.Reliability(s.Reliability), Notes: s.Notes,
		})
		if err != nil {
			return r, fmt.Errorf("source %s: %w", s.Key, err)
		}
		sourceIDs[s.Key] = src.ID
		r.Sources++
	}
	lookup := func(key, where string) (int64, error) {
		id, ok := sourceIDs[key]
		if !ok {
			return 0, fmt.Errorf("%s names unknown source %q", where, key)
		}
		return id, nil
	}
	for _, s := range d.Sources {
		for _, up := range s.DerivedFrom {
			upID, err := lookup(up, "source "+s.Key)
			if err != nil {
				return r, err
			}
			if _, err := ps.AddDerivation(ctx, actor, sourceIDs[s.Key], upID, ""); err != nil {
				return r, fmt.Errorf("source %s derived from %s: %w", s.Key, up, err)
			}
			r.Derivations++
		}
	}
	seen := map[string]bool{}
	batch := make([]provenance.CitedClaim, 0, len(d.Claims))
	for _, c := range d.Claims {
		if seen[c.Key] {
			return r, fmt.Errorf("claim key %s is used twice", c.Key)
		}
		seen[c.Key] = true
		cc := provenance.CitedClaim{NewClaim: claims.NewClaim{
			ArticleID: a.ID, Quote: c.Quote, Start: c.Start, Text: c.Text,
			Kind: claims.Kind(c.Kind), Quantities: c.Quantities,
		}}
		for _, ct := range c.Citations {
			srcID, err := lookup(ct.Source, "claim "+c.Key)
			if err != nil {
				return r, err
			}
			cc.Citations = append(cc.Citations, provenance.NewCitation{
				SourceID: srcID, Attribution: ct.Attribution, Locator: ct.Locator, Relation: provenance.Relation(ct.Relation),
			})
		}
		batch = append(batch, cc)
	}
	made, err := ps.CreateClaims(ctx, actor, batch)
	if err != nil {
		// Field names carry the claim's index in claims.json: claims[i].quote.
		return r, fmt.Errorf("claims.json: %w", err)
	}
	for _, m := range made {
		r.Claims++
		r.Citations += len(m.Citations)
	}
	return r, nil
}

func parseDate(s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
