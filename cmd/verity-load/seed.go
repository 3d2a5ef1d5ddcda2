package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// member is a user the run made, with the token the admin made for them.
type member struct {
	id, token string
}

// team is who acts during a run. Every token but signoff was made through the API by the
// --token admin, so the server counts that admin behind each of them for four eyes.
type team struct {
	admin     string
	reviewers []member
	editors   []member
	auditor   member
	// signoff is an editor's token made outside this run (verity token create), the only
	// kind that may sign off a proposal made through a token this run made.
	signoff string
}

// seededArticle is an article of the corpus as the workloads need it.
type seededArticle struct {
	id    string
	spare []passage
}

// corpus is what phase one made.
type corpus struct {
	sources     []source
	sourceIDs   []string
	derivations int
	articles    []seededArticle
	claims      []string // ids, in article and text order
	citations   atomic.Int64
	// inline is whether POST /api/v1/claims takes citations in the same request.
	inline  bool
	elapsed time.Duration
	rec     *recorder
}

// claimBody is the body of POST /api/v1/claims.
type claimBody struct {
	ArticleID  string         `json:"article_id"`
	Quote      string         `json:"quote"`
	Start      int            `json:"start"`
	Text       string         `json:"text,omitempty"`
	Kind       string         `json:"kind,omitempty"`
	Quantities []quantity     `json:"quantities,omitempty"`
	Citations  []citationBody `json:"citations,omitempty"`
}

// citationBody is the body of POST /api/v1/claims/{id}/citations, and one item of an inline
// citations list.
type citationBody struct {
	SourceID    string `json:"source_id"`
	Attribution string `json:"attribution,omitempty"`
	Locator     string `json:"locator,omitempty"`
	Relation    string `json:"relation,omitempty"`
}

type idBody struct {
	ID string `json:"id"`
}

// checkServer makes sure the server answers, the token is an admin's, and the database is
// one the run may fill.
func (l *load) checkServer(ctx context.Context) error {
	rec := newRecorder(nil)
	_, err := l.client.call(ctx, rec, request{method: "GET", path: "/healthz"})
	if f, ok := asFailure(err); ok {
		if f.status == 0 {
			return fmt.Errorf("cannot reach Verity at %s: %s; is `verity serve` running there?", l.client.base, f.detail)
		}
		return fmt.Errorf("%s does not answer like Verity: %w", l.client.base, f)
	}
	if err != nil {
		return err
	}
	_, err = l.client.call(ctx, rec, request{method: "GET", path: "/api/v1/users?limit=1", token: l.team.admin})
	if f, ok := asFailure(err); ok {
		switch f.status {
		case http.StatusUnauthorized:
			return fmt.Errorf("the server refused the token (401): %s", f.detail)
		case http.StatusForbidden:
			return fmt.Errorf("the token is not an admin's (403); make one with `verity token create --email admin@verity.local`: %s", f.detail)
		}
	}
	if err != nil {
		return err
	}
	resp, err := l.client.call(ctx, rec, request{method: "GET", path: "/api/v1/articles?limit=2", token: l.team.admin})
	if err != nil {
		return err
	}
	var page struct {
		Data []idBody `json:"data"`
	}
	if err := resp.decode(&page); err != nil {
		return err
	}
	if len(page.Data) > 1 {
		if !l.cfg.force {
			return errors.New("the database already holds more than the seed article; verity-load seeds a fresh one: " +
				"start `verity serve` on a new --db, or pass --force to add a corpus to this one")
		}
		l.note("the database already held more than the seed article (--force): figures include that data")
	}
	return nil
}

// seed is phase one: it makes the team, then the sources, their derivations, the articles
// and their claims with citations, each step spread over the clients.
func (l *load) seed(ctx context.Context) error {
	started := time.Now()
	c := &l.corpus
	c.rec = newRecorder(nil)
	var articlesDone, claimsDone atomic.Int64
	stop := l.showProgress(func() string {
		return fmt.Sprintf("seeding  %s  articles %s/%s  claims %s/%s", since(started),
			number(int(articlesDone.Load())), number(l.cfg.articles),
			number(int(claimsDone.Load())), number(l.cfg.articles*ClaimsPerArticle))
	})
	defer stop()

	if err := l.makeTeam(ctx, c.rec); err != nil {
		return err
	}

	c.sources = make([]source, l.cfg.sources)
	c.sourceIDs = make([]string, l.cfg.sources)
	recs := l.recorders(nil)
	err := forEach(ctx, l.cfg.sources, l.cfg.clients, func(ctx context.Context, w, i int) error {
		c.sources[i] = l.gen.source(i)
		resp, err := l.client.call(ctx, recs[w], request{method: "POST", path: "/api/v1/sources", token: l.editor(w).token,
			body: c.sources[i], want: []int{http.StatusCreated}})
		if err != nil {
			return err
		}
		var id idBody
		err = resp.decode(&id)
		c.sourceIDs[i] = id.ID
		return err
	})
	if err != nil {
		return fmt.Errorf("seeding sources: %w", err)
	}

	// About a third of the sources draw on an earlier one, as a report draws on briefings;
	// edges only point back, so there is no cycle to refuse.
	var edges [][2]int
	for i := 1; i < l.cfg.sources; i++ {
		r := mrand.New(mrand.NewPCG(l.cfg.seed, 2<<32+uint64(i)))
		if r.IntN(3) == 0 {
			edges = append(edges, [2]int{i, r.IntN(i)})
		}
	}
	err = forEach(ctx, len(edges), l.cfg.clients, func(ctx context.Context, w, i int) error {
		from, to := edges[i][0], edges[i][1]
		_, err := l.client.call(ctx, recs[w], request{method: "POST", path: "/api/v1/sources/" + c.sourceIDs[from] + "/derivations",
			token: l.editor(w).token, want: []int{http.StatusCreated},
			body: map[string]string{"derived_from_id": c.sourceIDs[to], "note": "draws on " + c.sources[to].Name}})
		return err
	})
	if err != nil {
		return fmt.Errorf("seeding derivations: %w", err)
	}
	c.derivations = len(edges)

	c.articles = make([]seededArticle, l.cfg.articles)
	c.claims = make([]string, l.cfg.articles*ClaimsPerArticle)
	var probe sync.Once
	var probeErr error
	err = forEach(ctx, l.cfg.articles, l.cfg.clients, func(ctx context.Context, w, i int) error {
		a := l.gen.article(i)
		token := l.editor(w).token
		resp, err := l.client.call(ctx, recs[w], request{method: "POST", path: "/api/v1/articles", token: token, want: []int{http.StatusCreated},
			body: map[string]any{"title": a.Title, "outlet": a.Outlet, "url": a.URL, "author": a.Author,
				"published_at": a.PublishedAt.Format(time.RFC3339), "body": a.Body}})
		if err != nil {
			return err
		}
		var id idBody
		if err := resp.decode(&id); err != nil {
			return err
		}
		c.articles[i] = seededArticle{id: id.ID, spare: a.Spare}
		for k, p := range a.Claimed {
			body := l.claimBody(id.ID, p, uint64(i*ClaimsPerArticle+k))
			var claimID string
			var err error
			// The first claim finds out whether citations go inline; the others wait for
			// the answer.
			probe.Do(func() { claimID, probeErr = l.probeInline(ctx, recs[w], token, body) })
			switch {
			case probeErr != nil:
				return probeErr
			case claimID == "":
				claimID, err = l.createClaim(ctx, recs[w], token, body)
			}
			if err != nil {
				return err
			}
			c.claims[i*ClaimsPerArticle+k] = claimID
			claimsDone.Add(1)
		}
		articlesDone.Add(1)
		return nil
	})
	for _, r := range recs {
		c.rec.merge(r)
	}
	c.elapsed = time.Since(started)
	if err != nil {
		return fmt.Errorf("seeding articles and claims: %w", err)
	}
	return nil
}

// makeTeam creates reviewers, editors and an auditor, and a token for each.
func (l *load) makeTeam(ctx context.Context, rec *recorder) error {
	n := min(l.cfg.clients, 4)
	for i := range n {
		m, err := l.makeUser(ctx, rec, "reviewer", i)
		if err != nil {
			return err
		}
		l.team.reviewers = append(l.team.reviewers, m)
	}
	for i := range n {
		m, err := l.makeUser(ctx, rec, "editor", i)
		if err != nil {
			return err
		}
		l.team.editors = append(l.team.editors, m)
	}
	m, err := l.makeUser(ctx, rec, "auditor", 0)
	l.team.auditor = m
	return err
}

func (l *load) makeUser(ctx context.Context, rec *recorder, role string, i int) (member, error) {
	var secret [18]byte
	rand.Read(secret[:])
	resp, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/users", token: l.team.admin, want: []int{http.StatusCreated},
		body: map[string]string{
			"email": fmt.Sprintf("load-%s-%s-%d@verity.local", l.runID, role, i+1), "name": fmt.Sprintf("Load %s %d", role, i+1),
			"role": role, "password": base64.RawURLEncoding.EncodeToString(secret[:]),
		}})
	if err != nil {
		return member{}, fmt.Errorf("creating a %s: %w", role, err)
	}
	var u idBody
	if err := resp.decode(&u); err != nil {
		return member{}, err
	}
	resp, err = l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/users/" + u.ID + "/tokens", token: l.team.admin,
		want: []int{http.StatusCreated}, body: map[string]string{"name": "verity-load " + l.runID}})
	if err != nil {
		return member{}, fmt.Errorf("creating a token for %s %s: %w", role, u.ID, err)
	}
	var t struct {
		Token string `json:"token"`
	}
	if err := resp.decode(&t); err != nil {
		return member{}, err
	}
	if t.Token == "" {
		return member{}, fmt.Errorf("POST /api/v1/users/%s/tokens answered no token", u.ID)
	}
	return member{id: u.ID, token: t.Token}, nil
}

// claimBody is the request that claims passage p of an article, with one or two citations
// of the source pool chosen by key.
func (l *load) claimBody(articleID string, p passage, key uint64) claimBody {
	r := mrand.New(mrand.NewPCG(l.cfg.seed, 3<<32+key))
	b := claimBody{ArticleID: articleID, Quote: p.Quote, Start: p.Start, Text: p.Text, Kind: p.Kind, Quantities: p.Quantities}
	pool := len(l.corpus.sourceIDs)
	cited := []int{r.IntN(pool)}
	if pool > 1 && r.IntN(2) == 0 {
		cited = append(cited, (cited[0]+1+r.IntN(pool-1))%pool) // another source, never the same twice
	}
	for _, i := range cited {
		b.Citations = append(b.Citations, citationBody{
			SourceID: l.corpus.sourceIDs[i], Attribution: "according to " + l.corpus.sources[i].Name,
			Locator: fmt.Sprintf("paragraph %d", 1+r.IntN(12)), Relation: pick(r, l.gen.v.relations),
		})
	}
	return b
}

// createClaim creates a claim with its citations: inline when the server takes them so,
// otherwise one request for the claim and one for each citation.
func (l *load) createClaim(ctx context.Context, rec *recorder, token string, b claimBody) (string, error) {
	cits := b.Citations
	if !l.corpus.inline {
		b.Citations = nil
	}
	resp, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims", token: token, body: b, want: []int{http.StatusCreated}})
	if err != nil {
		return "", err
	}
	var id idBody
	if err := resp.decode(&id); err != nil {
		return "", err
	}
	if !l.corpus.inline {
		for _, ct := range cits {
			_, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims/" + id.ID + "/citations", token: token,
				body: ct, want: []int{http.StatusCreated}})
			if err != nil {
				return "", err
			}
		}
	}
	l.corpus.citations.Add(int64(len(cits)))
	return id.ID, nil
}

// probeInline creates the first claim with its citations inline. A 422 that names
// citations means the server does not take them so yet; the claim is then created the
// two-step way.
func (l *load) probeInline(ctx context.Context, rec *recorder, token string, b claimBody) (string, error) {
	resp, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims", token: token, body: b,
		want: []int{http.StatusCreated, http.StatusUnprocessableEntity}})
	if err != nil {
		return "", err
	}
	if resp.status == http.StatusCreated {
		l.corpus.inline = true
		l.corpus.citations.Add(int64(len(b.Citations)))
		var id idBody
		err := resp.decode(&id)
		return id.ID, err
	}
	var problem struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	_ = resp.decode(&problem)
	for _, e := range problem.Errors {
		if e.Field == "citations" {
			l.note("POST /api/v1/claims does not take citations inline yet: a claim and its citations are 2–3 requests, counted as one operation")
			return l.createClaim(ctx, rec, token, b)
		}
	}
	return "", &failure{method: "POST", path: "/api/v1/claims", status: resp.status, detail: oneLine(resp.body)}
}

// forEach calls fn for i in [0, n) on the given number of workers; the first error stops
// the others and is returned.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, w, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(workers, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, w, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}
