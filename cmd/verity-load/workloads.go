package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// workloadNames lists the workloads in the order they run.
func workloadNames() []string {
	return []string{"create-claim", "review", "get-claim", "list", "search", "export"}
}

// workload is one kind of traffic: prepare runs once before the clock starts and may skip
// the workload with a reason; share hands the workers what they alone work on; op is one
// operation, run by each client in turn.
type workload struct {
	name    string
	prepare func(ctx context.Context) (skip string, err error)
	share   func(workers []*worker)
	op      func(ctx context.Context, w *worker) error
}

// worker is one client of a workload, with its own recorder and random source.
type worker struct {
	id  int
	rec *recorder
	rng *mrand.Rand
	// claims are the review workload's claims that this worker alone moves, so that clients
	// do not race each other for the same ETag.
	claims []*claimState
	turn   int
}

// claimState is what a review client knows of one of its claims.
type claimState struct {
	id      string
	version int64
	stage   string
}

// workloads builds the selected workloads.
func (l *load) workloads() []workload {
	all := map[string]workload{
		"create-claim": {name: "create-claim", op: l.createClaimOp},
		"review":       {name: "review", prepare: l.prepareReview, share: l.shareReview, op: l.reviewOp},
		"get-claim":    {name: "get-claim", op: l.getClaimOp},
		"list":         {name: "list", op: l.listOp},
		"search":       {name: "search", op: l.searchOp},
		"export":       {name: "export", prepare: l.prepareExport, op: l.exportOp},
	}
	var out []workload
	for _, name := range workloadNames() {
		if l.cfg.workloads[name] {
			out = append(out, all[name])
		}
	}
	return out
}

// drive runs one workload with the configured clients until its duration or operation
// count is spent. Operations in flight at the deadline finish and count.
func (l *load) drive(ctx context.Context, wl workload) (result, error) {
	res := result{Name: wl.name}
	if wl.prepare != nil {
		skip, err := wl.prepare(ctx)
		if err != nil {
			return res, fmt.Errorf("preparing %s: %w", wl.name, err)
		}
		if skip != "" {
			res.Skipped = skip
			return res, nil
		}
	}
	lv := &live{}
	workers := make([]*worker, l.cfg.clients)
	for i := range workers {
		workers[i] = &worker{id: i, rec: newRecorder(lv), rng: mrand.New(mrand.NewPCG(l.cfg.seed, 4<<32+uint64(i)))}
	}
	if wl.share != nil {
		wl.share(workers)
	}
	started := time.Now()
	deadline := started.Add(l.cfg.duration)
	stop := l.showProgress(func() string {
		ops := lv.ops.Load()
		elapsed, done := since(started)+"/"+l.cfg.duration.String(), number(int(ops))+" ops"
		if l.cfg.requests > 0 {
			elapsed, done = since(started), fmt.Sprintf("%s/%s ops", number(int(ops)), number(l.cfg.requests))
		}
		return fmt.Sprintf("%-12s %s  %s  %.0f/s  %d failed", wl.name, elapsed, done,
			float64(ops)/time.Since(started).Seconds(), lv.failures.Load())
	})
	var claimed atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if l.cfg.requests > 0 && claimed.Add(1) > int64(l.cfg.requests) {
					return
				}
				t0 := time.Now()
				err := wl.op(ctx, w)
				if errors.Is(err, errNothingToDo) {
					return
				}
				if ctx.Err() != nil {
					return // an operation cut short by the interrupt is not a measurement
				}
				w.rec.op(time.Since(t0), err)
				if l.cfg.requests == 0 && !time.Now().Before(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	stop()
	res.elapsed = time.Since(started)
	all := newRecorder(nil)
	for _, w := range workers {
		all.merge(w.rec)
	}
	res.fill(all)
	return res, ctx.Err()
}

// errNothingToDo ends a worker that has nothing to work on.
const errNothingToDo = sentinel("nothing to do")

// sentinel is an error that can be a constant.
type sentinel string

func (s sentinel) Error() string { return string(s) }

func (l *load) reviewer(w int) member { return l.team.reviewers[w%len(l.team.reviewers)] }
func (l *load) editor(w int) member   { return l.team.editors[w%len(l.team.editors)] }

// createClaimOp claims a spare passage of a corpus article, with its citations. Once every
// spare passage is claimed, it starts again from the first, giving start so that the second
// claim of a passage is as unambiguous as the first.
func (l *load) createClaimOp(ctx context.Context, w *worker) error {
	n := l.nextSpare.Add(1) - 1
	a := l.corpus.articles[int(n)%len(l.corpus.articles)]
	round := int(n) / len(l.corpus.articles)
	p := a.spare[round%len(a.spare)]
	body := l.claimBody(a.id, p, 1<<31+uint64(n))
	_, err := l.createClaim(ctx, w.rec, l.editor(w.id).token, body)
	return err
}

// prepareReview starts from every phase-one claim, open at version 1. With a sign-off token
// it first takes one claim through the whole workflow (as worker 0, who will own it), so that
// a token the server will not let sign off fails the run before the clock starts, with the
// server's reason.
func (l *load) prepareReview(ctx context.Context) (string, error) {
	l.review = make([]*claimState, len(l.corpus.claims))
	for i, id := range l.corpus.claims {
		l.review[i] = &claimState{id: id, version: 1, stage: "open"}
	}
	if l.team.signoff == "" {
		l.note("review: no --signoff-token, so proposals are rejected by an editor rather than signed off: every token this run " +
			"makes comes from the --token admin, and four eyes counts a token's maker as well as its user")
		return "", nil
	}
	c, rec := l.review[0], newRecorder(nil)
	for range 2 { // start, then propose
		if err := l.reviewStep(ctx, rec, 0, c); err != nil {
			return "", err
		}
	}
	_, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims/" + c.id + "/transitions", token: l.team.signoff,
		ifMatch: etag(c.version), body: map[string]string{"action": "sign_off"}, want: []int{http.StatusOK}})
	if f, ok := asFailure(err); ok && (f.status == http.StatusForbidden || f.status == http.StatusUnauthorized) {
		return "", fmt.Errorf("the --signoff-token may not sign off a proposal of this run's reviewers: %s", f.detail)
	}
	if err != nil {
		return "", err
	}
	return "", l.refresh(ctx, rec, 0, c)
}

// shareReview deals the claims out to the workers, so that no two race for one ETag.
func (l *load) shareReview(workers []*worker) {
	for i, c := range l.review {
		w := workers[i%len(workers)]
		w.claims = append(w.claims, c)
	}
}

// reviewOp moves one of the worker's claims one step: evidence and start on an open claim,
// evidence and a proposal on one in review, a sign-off (or, without a sign-off token, a
// rejection) on one awaiting sign-off, a reopening of a closed one. Claims cycle, so the
// workload never runs dry.
func (l *load) reviewOp(ctx context.Context, w *worker) error {
	if len(w.claims) == 0 {
		return errNothingToDo
	}
	c := w.claims[w.turn%len(w.claims)]
	w.turn++
	return l.reviewStep(ctx, w.rec, w.id, c)
}

func (l *load) reviewStep(ctx context.Context, rec *recorder, w int, c *claimState) error {
	reviewer, editor := l.reviewer(w).token, l.editor(w).token
	switch c.stage {
	case "open", "in_review":
		resp, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims/" + c.id + "/evidence", token: reviewer,
			want: []int{http.StatusCreated, http.StatusConflict}, body: map[string]any{
				"url": "https://evidence.example.org/" + c.id, "title": "Field notes on claim " + c.id,
				"excerpt": "Two independent accounts agree with the figure as published.", "stance": "supports",
			}})
		if err != nil {
			return err
		}
		if resp.status == http.StatusConflict { // the claim moved on without this client
			rec.action("re-read after 409")
			return l.refresh(ctx, rec, w, c)
		}
		rec.action("evidence")
		if c.stage == "open" {
			return l.transition(ctx, rec, w, c, reviewer, map[string]string{"action": "start"})
		}
		return l.transition(ctx, rec, w, c, reviewer, map[string]string{"action": "propose",
			"status": verdict(l.gen.v.proposeStatuses, c), "rationale": "Checked against the cited report and two witnesses."})
	case "awaiting_signoff":
		if l.team.signoff != "" {
			return l.transition(ctx, rec, w, c, l.team.signoff, map[string]string{"action": "sign_off"})
		}
		return l.transition(ctx, rec, w, c, editor, map[string]string{"action": "reject", "rationale": "The evidence does not carry this verdict yet."})
	default:
		return l.transition(ctx, rec, w, c, editor, map[string]string{"action": "reopen", "rationale": "A new report changes the picture."})
	}
}

// transition posts one workflow action with the claim's ETag. A stale ETag (412) or a stage
// that moved (409) makes it read the claim again; the next turn acts on what it found.
func (l *load) transition(ctx context.Context, rec *recorder, w int, c *claimState, token string, body map[string]string) error {
	resp, err := l.client.call(ctx, rec, request{method: "POST", path: "/api/v1/claims/" + c.id + "/transitions", token: token,
		ifMatch: etag(c.version), body: body, want: []int{http.StatusOK, http.StatusPreconditionFailed, http.StatusConflict}})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		rec.action("re-read after " + fmt.Sprint(resp.status))
		return l.refresh(ctx, rec, w, c)
	}
	rec.action(body["action"])
	return c.update(resp)
}

// refresh reads a claim's version and stage.
func (l *load) refresh(ctx context.Context, rec *recorder, w int, c *claimState) error {
	resp, err := l.client.call(ctx, rec, request{method: "GET", path: "/api/v1/claims/" + c.id, token: l.reviewer(w).token})
	if err != nil {
		return err
	}
	return c.update(resp)
}

func (c *claimState) update(resp *response) error {
	var v struct {
		Version int64  `json:"version"`
		Stage   string `json:"stage"`
	}
	if err := resp.decode(&v); err != nil {
		return err
	}
	c.version, c.stage = v.Version, v.Stage
	return nil
}

// verdict picks the status a proposal names, varied over claims and rounds.
func verdict(statuses []string, c *claimState) string {
	h := fnv.New32a()
	fmt.Fprint(h, c.id, c.version)
	return statuses[h.Sum32()%uint32(len(statuses))]
}

func etag(version int64) string { return fmt.Sprintf(`"%d"`, version) }

// getClaimOp reads one claim's detail: the claim, its citations with their sources, and its
// evidence.
func (l *load) getClaimOp(ctx context.Context, w *worker) error {
	id := l.corpus.claims[w.rng.IntN(len(l.corpus.claims))]
	_, err := l.client.call(ctx, w.rec, request{method: "GET", path: "/api/v1/claims/" + id, token: l.reviewer(w.id).token})
	return err
}

// listOp reads a filtered page of 50: one article's claims with one status, mostly the
// unverified ones that most claims still are.
func (l *load) listOp(ctx context.Context, w *worker) error {
	a := l.corpus.articles[w.rng.IntN(len(l.corpus.articles))]
	status := "unverified"
	if w.rng.IntN(4) == 0 {
		status = pick(w.rng, l.gen.v.proposeStatuses)
	}
	q := url.Values{"status": {status}, "article_id": {a.id}, "limit": {"50"}}
	_, err := l.client.call(ctx, w.rec, request{method: "GET", path: "/api/v1/claims?" + q.Encode(), token: l.reviewer(w.id).token})
	return err
}

// searchOp asks full-text search for a word that about 40% of the claims mention.
func (l *load) searchOp(ctx context.Context, w *worker) error {
	_, err := l.client.call(ctx, w.rec, request{method: "GET", path: "/api/v1/claims?q=" + SearchWord + "&limit=50", token: l.reviewer(w.id).token})
	return err
}

// exportNames are the CSV exports of DESIGN.md, as --exports names them.
func exportNames() []string { return []string{"claims", "audit"} }

// exportPath is the route of the export called name.
func exportPath(name string) string { return "/exports/" + name + ".csv" }

// prepareExport keeps the export routes that the server has; a 404 means it has not built
// them yet, which skips them with a note rather than failing the run.
func (l *load) prepareExport(ctx context.Context) (string, error) {
	l.exports = nil
	var missing []string
	rec := newRecorder(nil)
	for _, path := range l.cfg.exports {
		// Only the status matters here; the body is abandoned after its first bytes.
		resp, err := l.client.call(ctx, rec, request{method: "GET", path: path, token: l.team.auditor.token,
			want: []int{http.StatusOK, http.StatusNotFound}, stream: func(r io.Reader) (int64, error) {
				_, err := r.Read(make([]byte, 1))
				if err == io.EOF {
					err = nil
				}
				return 0, err
			}})
		if err != nil {
			return "", err
		}
		if resp.status == http.StatusNotFound {
			missing = append(missing, path)
			continue
		}
		l.exports = append(l.exports, path)
	}
	if len(l.exports) == 0 {
		return fmt.Sprintf("GET %s answer 404: the exports are not built yet", strings.Join(missing, " and ")), nil
	}
	for _, path := range missing {
		l.note(fmt.Sprintf("export: GET %s answers 404, so only the other export is measured", path))
	}
	return "", nil
}

// exportOp streams one whole export, counting its CSV records (less the header).
func (l *load) exportOp(ctx context.Context, w *worker) error {
	path := l.exports[w.turn%len(l.exports)]
	w.turn++
	w.rec.action(path)
	_, err := l.client.call(ctx, w.rec, request{method: "GET", path: path, token: l.team.auditor.token, stream: countCSV})
	return err
}

func countCSV(r io.Reader) (int64, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	var n int64
	for {
		_, err := cr.Read()
		if err == io.EOF {
			return max(n-1, 0), nil
		}
		if err != nil {
			return max(n-1, 0), err
		}
		n++
	}
}
