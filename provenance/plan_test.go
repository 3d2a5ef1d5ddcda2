package provenance_test

// The query-plan test: every claim-list filter, sort and search, and every audit-listing
// filter, is planned by the database at a realistic size, and a plan that scans claims,
// citations or audit events whole, or sorts them in a temporary b-tree, fails. It runs
// twice on SQLite: before any statistics exist (the planner's defaults, as on a database
// that was never analysed) and after PRAGMA optimize has analysed a skewed corpus (most
// claims unverified and unassigned, one busy reviewer), the distribution that once led
// SQLite to walk the status index for a status + article page. On PostgreSQL it runs
// EXPLAIN after ANALYZE.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/provenance/audit"
)

// planCorpus is a database of planArticles × planClaimsPerArticle claims citing planSources
// sources, with users to assign them to.
type planCorpus struct {
	db        *database.DB
	store     *provenance.Store
	articleID int64 // an article late in id order, so a walk of another index finds it last
	users     []*identity.User
	sourceID  int64
}

const (
	planArticles         = 400
	planClaimsPerArticle = 25 // as the load command makes them: 10,000 claims
	planSources          = 40
)

// newPlanCorpus bulk-inserts the corpus, bypassing the per-claim audit events (the plans of
// the claim listing do not read them); the audit trail holds the events of the articles,
// sources and users, made the ordinary way. With analyseAfter > 0 the statistics are
// gathered once the claims of that many articles exist, and the rest is added after: the
// database of a server that started nearly empty and grew, whose statistics describe what
// it held when they were last gathered.
func newPlanCorpus(t *testing.T, analyseAfter int) *planCorpus {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	cs := claims.NewStore(db)
	ps := provenance.NewStore(db)
	ids := identity.NewStore(db)
	c := &planCorpus{db: db, store: ps}
	// The articles and sources are an editor's, as in real use, so that the system is a rare
	// actor in the audit trail.
	ed, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{Email: "editor@example.org", Name: "Editor", Role: identity.RoleEditor, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	editor := ed.Actor()
	for i := range 4 {
		u, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{
			Email: fmt.Sprintf("reviewer%d@example.org", i), Name: fmt.Sprintf("Reviewer %d", i), Role: identity.RoleReviewer, Password: "correct horse battery",
		})
		if err != nil {
			t.Fatal(err)
		}
		c.users = append(c.users, u)
	}
	var sources []int64
	for i := range planSources {
		s, err := ps.CreateSource(ctx, editor, provenance.SourceFields{Kind: provenance.SourceKind("report"), Name: fmt.Sprintf("Report %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, s.ID)
	}
	c.sourceID = sources[3]
	body := strings.Repeat("Officials said the ceasefire held in the north. ", 30)
	var articles []*claims.Article
	for i := range planArticles {
		a, err := cs.CreateArticle(ctx, editor, claims.ArticleFields{Title: fmt.Sprintf("Report %d", i), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		articles = append(articles, a)
	}
	c.articleID = articles[len(articles)-3].ID
	rng := rand.New(rand.NewPCG(9, 9))
	insert := func(articles []*claims.Article) error {
		return db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
			return insertPlanClaims(ctx, tx, c, articles, sources, rng)
		})
	}
	if analyseAfter > 0 {
		if err := insert(articles[:analyseAfter]); err != nil {
			t.Fatal(err)
		}
		if err := db.Optimize(ctx, true); err != nil {
			t.Fatal(err)
		}
		articles = articles[analyseAfter:]
	}
	if err := insert(articles); err != nil {
		t.Fatal(err)
	}
	return c
}

// insertPlanClaims adds the claims of articles, with a citation each.
func insertPlanClaims(ctx context.Context, tx *database.Tx, c *planCorpus, articles []*claims.Article, sources []int64, rng *rand.Rand) error {
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	kinds := claims.Kinds()
	busy := c.users[0].ID
	for _, a := range articles {
		batch := make([]claims.Claim, 0, planClaimsPerArticle)
		for j := range planClaimsPerArticle {
			cl := claims.Claim{
				ArticleID: a.ID, ArticleRevision: a.Revision, Quote: "Officials said", AnchorStart: 48 * j, AnchorEnd: 14 + 48*j,
				AnchorState: claims.Anchored, Text: "They spoke in the north", Kind: kinds[rng.IntN(len(kinds))],
				Quantities: []claims.Quantity{}, Stage: claims.StageOpen, Status: claims.StatusUnverified, Version: 1,
				CreatedAt: t0, UpdatedAt: t0,
			}
			if j%5 < 2 { // the search word in 40% of the claims
				cl.Text = "The ceasefire held in the north"
			}
			// 70% open and unverified; the rest mostly with the one busy reviewer.
			switch p := rng.IntN(100); {
			case p < 70:
			case p < 85:
				cl.Stage, cl.AssigneeID = claims.StageInReview, &busy
			case p < 90:
				u := c.users[1+rng.IntN(3)].ID
				cl.Stage, cl.AssigneeID, cl.ProposedBy = claims.StageAwaitingSignoff, &u, &u
				s := claims.StatusVerified
				cl.ProposedStatus = &s
			default:
				cl.Stage, cl.AssigneeID, cl.Status = claims.StageClosed, &busy, claims.StatusFalse
			}
			batch = append(batch, cl)
		}
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return err
		}
		cits := make([]provenance.Citation, 0, len(batch))
		for _, cl := range batch {
			cits = append(cits, provenance.Citation{ClaimID: cl.ID, SourceID: sources[rng.IntN(len(sources))], Relation: provenance.AttributedTo, CreatedAt: t0})
		}
		if _, err := tx.NewInsert().Model(&cits).Exec(ctx); err != nil {
			return err
		}
		// Evidence on half the claims and a transition on a quarter, for the export's reads.
		var evidence []claims.Evidence
		var reviews []claims.ReviewEvent
		for j, cl := range batch {
			if j%2 == 0 {
				evidence = append(evidence, claims.Evidence{ClaimID: cl.ID, URL: "https://example.org/e", Stance: claims.Stance("supports"), CreatedAt: t0})
			}
			if j%4 == 0 {
				reviews = append(reviews, claims.ReviewEvent{ClaimID: cl.ID, ActorID: &busy, Action: claims.Action("start"),
					FromStage: claims.StageOpen, ToStage: claims.StageInReview, Status: claims.StatusUnverified, ClaimVersion: 2, CreatedAt: t0})
			}
		}
		if _, err := tx.NewInsert().Model(&evidence).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&reviews).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// planRecorder keeps the statements a handle runs.
type planRecorder struct {
	mu    sync.Mutex
	stmts []recordedStmt
}

// recordedStmt is a statement's text and, for a prepared one, the values of its parameters.
type recordedStmt struct {
	text string
	args []any
}

func (r *planRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *planRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, recordedStmt{e.Query, e.QueryArgs})
}

func (r *planRecorder) take() []recordedStmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

// badPlan returns the steps of a plan that read a whole table of claims, citations or audit
// events, or sort rows in a temporary b-tree; empty when the plan is good.
func badPlan(dialect database.Dialect, plan []string) []string {
	var bad []string
	for _, step := range plan {
		s := strings.TrimSpace(step)
		switch dialect {
		case database.Postgres:
			for _, table := range []string{"claims", "citations", "audit_events", "audit_event_users"} {
				if strings.Contains(s, "Seq Scan on "+table+" ") || strings.HasSuffix(s, "Seq Scan on "+table) {
					bad = append(bad, s)
				}
			}
			// PostgreSQL sorts the few rows a bitmap scan of two indexes finds, which is
			// the right plan; a sort of many rows is not.
			if step := strings.TrimLeft(s, "-> "); strings.HasPrefix(step, "Sort ") && estimatedRows(step) > 1000 {
				bad = append(bad, s)
			}
		default:
			if strings.Contains(s, "USE TEMP B-TREE") {
				bad = append(bad, s)
			}
			for _, table := range []string{"claim", "claims", "citation", "citations", "event", "audit_events", "person"} {
				if s == "SCAN "+table || strings.HasPrefix(s, "SCAN "+table+" ") {
					bad = append(bad, s)
				}
			}
		}
	}
	return bad
}

// estimatedRows reads rows=N from a PostgreSQL plan step.
func estimatedRows(step string) int {
	_, after, _ := strings.Cut(step, " rows=")
	digits, _, _ := strings.Cut(after, " ")
	n, _ := strconv.Atoi(digits)
	return n
}

// explain returns the plan of a statement, one line per step; a prepared statement is
// planned with the values it ran with, as PostgreSQL may plan by them.
func explain(t *testing.T, db *database.DB, stmt recordedStmt) []string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect() == database.Postgres {
		prefix = "EXPLAIN "
	}
	var rows *sql.Rows
	var err error
	if len(stmt.args) > 0 {
		rows, err = db.Reader().(*bun.DB).DB.QueryContext(context.Background(), prefix+stmt.text, stmt.args...)
	} else {
		rows, err = db.Reader().QueryContext(context.Background(), prefix+stmt.text)
	}
	if err != nil {
		t.Fatalf("explain %s: %v", stmt, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// planCase is one listing, named by its filter.
type planCase struct {
	name string
	run  func(ctx context.Context) error
	// unfiltered marks the listing of everything, which walks its table in key order and
	// stops after a page: a scan allowed.
	unfiltered bool
	// dense marks a filter that the analysed corpus shows most claims pass (unassigned): a
	// walk in id order that skips the others stops after a page as soon as the index would,
	// and SQLite rightly prefers it; without statistics the index must be the plan.
	dense bool
	// article marks a listing of one article, which must be driven by an article index
	// whatever else it filters on: the status index once was, at 69 pages/s.
	article bool
	// chunk marks an export's chunk: the rows of a thousand claims, a tenth of this corpus,
	// which PostgreSQL rightly reads by a sequential scan here (at 100,000 claims a chunk is
	// a hundredth, and it uses the index). SQLite must use the index at any size.
	chunk bool
}

func isSort(step string) bool {
	return strings.Contains(step, "TEMP B-TREE") || strings.Contains(step, "Sort")
}

func usesArticleIndex(step string) bool {
	return strings.Contains(step, "claims_article") // claims_article (text order) or claims_article_id
}

func claimCases(c *planCorpus) []planCase {
	after := &claims.Key{ID: 5000}
	type dim struct {
		name  string
		apply func(f *provenance.ClaimFilter)
	}
	dims := []dim{
		{"article", func(f *provenance.ClaimFilter) { f.ArticleID = c.articleID }},
		{"stage", func(f *provenance.ClaimFilter) { f.Stage = claims.StageInReview }},
		{"status", func(f *provenance.ClaimFilter) { f.Status = claims.StatusUnverified }},
		{"kind", func(f *provenance.ClaimFilter) { f.Kind = claims.KindEstimate }},
		{"assignee", func(f *provenance.ClaimFilter) { f.AssigneeID = c.users[0].ID }},
		{"source", func(f *provenance.ClaimFilter) { f.SourceID = c.sourceID }},
		{"q", func(f *provenance.ClaimFilter) { f.Q = "ceasefire" }},
	}
	var out []planCase
	// Every combination of the filters, each in id order, from the start and after a cursor.
	for mask := range 1 << len(dims) {
		var names []string
		f := provenance.ClaimFilter{Filter: claims.Filter{Limit: 50}}
		for i, d := range dims {
			if mask&(1<<i) != 0 {
				names = append(names, d.name)
				d.apply(&f)
			}
		}
		name := strings.Join(names, "+")
		if name == "" {
			name = "none"
		}
		for _, cursor := range []bool{false, true} {
			g := f
			n := name
			if cursor {
				g.After, n = after, name+"/after"
			}
			out = append(out, planCase{name: n, unfiltered: mask == 0, article: f.ArticleID > 0, run: func(ctx context.Context) error {
				_, _, err := c.store.FindClaims(ctx, g)
				return err
			}})
		}
	}
	// The queue's views: unassigned (with and without a stage) and awaiting my sign-off.
	for name, f := range map[string]claims.Filter{
		"unassigned":             {Unassigned: true},
		"unassigned+stage":       {Unassigned: true, Stage: claims.StageOpen},
		"unassigned+status":      {Unassigned: true, Status: claims.StatusUnverified},
		"signable":               {SignableBy: c.users[1].ID},
		"signable+article":       {SignableBy: c.users[1].ID, ArticleID: c.articleID},
		"unassigned+article+q":   {Unassigned: true, ArticleID: c.articleID, Q: "officials"},
		"article/text order":     {ArticleID: c.articleID, Order: claims.ByPosition},
		"article+stage/text":     {ArticleID: c.articleID, Stage: claims.StageOpen, Order: claims.ByPosition},
		"article+status/text":    {ArticleID: c.articleID, Status: claims.StatusUnverified, Order: claims.ByPosition},
		"article+q/text order":   {ArticleID: c.articleID, Q: "ceasefire", Order: claims.ByPosition},
		"article/text order/key": {ArticleID: c.articleID, Order: claims.ByPosition, After: &claims.Key{Start: 100, ID: 9000}},
	} {
		f.Limit = 50
		out = append(out, planCase{name: name, dense: f.Unassigned && f.ArticleID == 0, article: f.ArticleID > 0, run: func(ctx context.Context) error {
			_, _, err := c.store.FindClaims(ctx, provenance.ClaimFilter{Filter: f})
			return err
		}})
	}
	snap := claims.Snapshot{Revision: 1, Through: 1 << 40}
	out = append(out, planCase{name: "article/text order/snapshot", article: true, run: func(ctx context.Context) error {
		_, _, err := c.store.FindClaims(ctx, provenance.ClaimFilter{Filter: claims.Filter{ArticleID: c.articleID, Order: claims.ByPosition, Snapshot: &snap, Limit: 50}})
		return err
	}})
	return out
}

func auditCases(db *database.DB, userID int64) []planCase {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []planCase
	for name, f := range map[string]audit.Filter{
		"audit/none":          {},
		"audit/entity":        {EntityType: "claim", EntityID: "17"},
		"audit/user":          {Actor: fmt.Sprintf("user:%d", userID)},
		"audit/actor text":    {Actor: "system"},
		"audit/user+after":    {Actor: fmt.Sprintf("user:%d", userID), AfterSeq: 10},
		"audit/entity+after":  {EntityType: "claim", EntityID: "17", AfterSeq: 10},
		"audit/actor+from":    {Actor: "system", From: from},
		"audit/entity+action": {EntityType: "claim", EntityID: "17", Action: "claim.create"},
	} {
		f.Limit = 50
		out = append(out, planCase{name: name, unfiltered: name == "audit/none", run: func(ctx context.Context) error {
			_, _, err := audit.Find(ctx, db.Reader(), f)
			return err
		}})
	}
	return out
}

// exportCases read the first chunk of each export (a chunk's claims, and the citations,
// evidence, transitions, titles and users its rows name, each looked up for a thousand ids
// at once) and the citations of a page of the queue.
func exportCases(c *planCorpus) []planCase {
	first := func(rows iter.Seq2[*provenance.ClaimRow, error]) error {
		for _, err := range rows {
			return err
		}
		return errors.New("the export yielded nothing")
	}
	return []planCase{
		{name: "export/claims", unfiltered: true, chunk: true, run: func(ctx context.Context) error {
			return first(c.store.ExportClaims(ctx, provenance.ClaimFilter{}))
		}},
		{name: "export/claims+status", chunk: true, run: func(ctx context.Context) error {
			return first(c.store.ExportClaims(ctx, provenance.ClaimFilter{Filter: claims.Filter{Status: claims.StatusFalse}}))
		}},
		{name: "citations of a page", run: func(ctx context.Context) error {
			ids := make([]int64, 50)
			for i := range ids {
				ids[i] = int64(1 + 97*i)
			}
			_, err := c.store.FindCitationsByClaims(ctx, ids)
			return err
		}},
		{name: "export/audit", unfiltered: true, chunk: true, run: func(ctx context.Context) error {
			for _, err := range c.store.ExportAudit(ctx, provenance.AuditFilter{}) {
				return err
			}
			return errors.New("the export yielded nothing")
		}},
	}
}

func TestListingsUseIndexes(t *testing.T) {
	t.Parallel()
	c := newPlanCorpus(t, 0)
	if c.db.Dialect() == database.SQLite {
		t.Run("no statistics", func(t *testing.T) { checkPlans(t, c, false, false) })
	}
	if err := c.db.Optimize(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	t.Run("analysed", func(t *testing.T) { checkPlans(t, c, true, false) })
}

// TestPlansSurviveGrowth plans every listing and export on a database that grew tenfold
// after its statistics were gathered, as a server's does when it starts nearly empty and the
// desk fills it: statistics that describe a few hundred rows make a whole-table scan look
// cheap, which it is not at 10,000. A serving process refreshes them once a table has grown
// tenfold (KeepOptimized runs PRAGMA optimize every OptimizeEvery), so tenfold is as stale as
// they get. Meanwhile no plan may read a whole table; a few filter combinations sort what
// their indexes found, which is bounded by the filter. After the refresh every plan is as
// good as on a freshly analysed database.
func TestPlansSurviveGrowth(t *testing.T) {
	t.Parallel()
	c := newPlanCorpus(t, planArticles/10)
	t.Run("stale statistics", func(t *testing.T) { checkPlans(t, c, true, true) })
	ctx := context.Background()
	if err := c.db.Optimize(ctx, false); err != nil {
		t.Fatal(err)
	}
	if c.db.Dialect() == database.SQLite {
		var stat string
		if err := c.db.Reader().QueryRowContext(ctx, "SELECT stat FROM sqlite_stat1 WHERE idx = 'claims_status'").Scan(&stat); err != nil {
			t.Fatal(err)
		}
		if want := strconv.Itoa(planArticles * planClaimsPerArticle); !strings.HasPrefix(stat, want+" ") {
			t.Errorf("after the periodic optimize, claims_status's statistics are %q, want them to count %s rows", stat, want)
		}
	}
	t.Run("refreshed", func(t *testing.T) { checkPlans(t, c, true, false) })
}

// checkPlans explains every statement of every listing and export and fails on a bad plan.
// analysed says whether the database has statistics; with sortsAllowed, only a read of a
// whole table fails.
func checkPlans(t *testing.T, c *planCorpus, analysed, sortsAllowed bool) {
	rec := &planRecorder{}
	c.db.AddReadHook(rec) // the prepared reads too
	ctx := context.Background()
	{
		cases := append(claimCases(c), auditCases(c.db, c.users[0].ID)...)
		for _, pc := range append(cases, exportCases(c)...) {
			rec.take()
			if err := pc.run(ctx); err != nil {
				t.Fatalf("%s: %v", pc.name, err)
			}
			stmts := rec.take()
			if len(stmts) == 0 {
				t.Fatalf("%s ran no statement", pc.name)
			}
			for _, stmt := range stmts {
				plan := explain(t, c.db, stmt)
				bad := badPlan(c.db.Dialect(), plan)
				if c.db.Dialect() == database.SQLite && (pc.unfiltered || pc.dense && analysed) && !slices.ContainsFunc(bad, isSort) {
					bad = nil // walks the table in key order and stops after a page
				}
				if pc.article && strings.Contains(stmt.text, `"claims" AS "claim"`) && !slices.ContainsFunc(plan, usesArticleIndex) {
					bad = append(bad, "an article's listing not driven by an article index")
				}
				if len(bad) > 0 && c.db.Dialect() == database.Postgres && strings.Contains(pc.name, "source") && strings.Contains(pc.name, "q") {
					// PostgreSQL guesses 1% of rows for any prefix tsquery and, at this size,
					// reads the 10,000 claims rather than join the GIN index with the
					// citations: known, and left to its planner at larger sizes.
					t.Logf("%s (known on PostgreSQL at this size): %s", pc.name, strings.Join(bad, "; "))
					continue
				}
				if len(bad) > 0 && c.db.Dialect() == database.Postgres && pc.chunk {
					t.Logf("%s (a tenth of the table at this size): %s", pc.name, strings.Join(bad, "; "))
					continue
				}
				if sortsAllowed {
					bad = slices.DeleteFunc(bad, isSort)
				}
				if len(bad) > 0 {
					t.Errorf("%s: %s\n  plan: %s\n  query: %s", pc.name, strings.Join(bad, "; "), strings.Join(plan, " | "), stmt.text)
				}
			}
		}
	}
}
