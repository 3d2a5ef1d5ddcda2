package provenance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// The exports read the audit trail and the claims for auditors' spreadsheets: row by row,
// in chunks of ExportChunk, each chunk one query for its rows and one for each kind of thing
// its rows name (users, articles, citations, evidence), never one per row. The next chunk is
// read while the rows of the last one are written (ahead), so memory holds at most two
// chunks, whatever the size of the database; every query is a short read on the reader pool,
// so an export never holds the writer or a connection between chunks.

// ExportChunk is how many rows an export reads at a time.
const ExportChunk = 1000

// AuditFilter selects audit events for an export: the audit listing's filters, and an
// article, whose events are those about the article itself and about its claims, their
// evidence and their citations.
type AuditFilter struct {
	audit.Filter
	ArticleID int64
}

// AuditEntry is an audit event with what a reader of the trail wants beside it, read from
// the event itself or looked up. The event's own fields are what its hash covers; the rest
// explains them and is not part of the chain.
type AuditEntry struct {
	audit.Event
	// ActorID is the user who acted, 0 when the actor is not a user; ActorName and
	// ActorRole are that user's name and role as they are now (the trail records who acted,
	// not their role then).
	ActorID   int64
	ActorName string
	ActorRole identity.Role
	// ClaimID is the claim the event concerns (a claim, or its evidence or citation), and
	// ArticleID and ArticleTitle its article, or the article an article event concerns.
	ClaimID      int64
	ArticleID    int64
	ArticleTitle string
	// StageBefore … StatusAfter are a claim's stage and verdict before and after the event;
	// ProposalAfter the status proposed and awaiting sign-off after it, which is no verdict.
	StageBefore, StatusBefore, StageAfter, StatusAfter string
	ProposalAfter                                      string
	// EvidenceURL is the url of the evidence an evidence event concerns.
	EvidenceURL string
	// Rationale is the reason given with the change: a transition's rationale, an evidence
	// item's withdrawal reason.
	Rationale string
}

// snapshot is what an export reads of an event's before and after records.
type snapshot struct {
	ID               int64   `json:"id"`
	ClaimID          int64   `json:"claim_id"`
	ArticleID        int64   `json:"article_id"`
	Title            string  `json:"title"`
	Stage            string  `json:"stage"`
	Status           string  `json:"status"`
	ProposedStatus   *string `json:"proposed_status"`
	URL              string  `json:"url"`
	Version          int64   `json:"version"`
	WithdrawalReason string  `json:"withdrawal_reason"`
}

// readSnapshot reads the fields of an event's record that the export shows; an absent
// record reads as zero.
func readSnapshot(entityType, record string) snapshot {
	var s snapshot
	switch entityType {
	case "article", "claim", "evidence", "citation":
		if record != "" {
			// Append wrote it from a struct: always an object. A Decoder checks the text as
			// it reads it, where Unmarshal would scan it twice, which halves the export's
			// heaviest step.
			_ = json.NewDecoder(strings.NewReader(record)).Decode(&s)
		}
	}
	return s
}

// ExportAudit yields the events matching f, oldest first, each with what AuditEntry names,
// up to the head of the chain when it starts. Errors are Invalid for a bad filter (the first
// thing yielded), or a failed read.
func (s *Store) ExportAudit(ctx context.Context, f AuditFilter) iter.Seq2[*AuditEntry, error] {
	if f.ArticleID > 0 {
		read := s.scope.Read()
		claimsOf := read.NewSelect().Model((*claims.Claim)(nil)).Column("id").Where("article_id = ?", f.ArticleID)
		f.Entities = []audit.Entities{
			{Type: "article", IDs: read.NewSelect().Model((*claims.Article)(nil)).ColumnExpr("CAST(id AS TEXT)").Where("id = ?", f.ArticleID)},
			{Type: "claim", IDs: read.NewSelect().Model((*claims.Claim)(nil)).ColumnExpr("CAST(id AS TEXT)").Where("article_id = ?", f.ArticleID)},
			{Type: "evidence", IDs: read.NewSelect().Model((*claims.Evidence)(nil)).ColumnExpr("CAST(id AS TEXT)").Where("claim_id IN (?)", claimsOf)},
			{Type: "citation", IDs: read.NewSelect().Model((*Citation)(nil)).ColumnExpr("CAST(id AS TEXT)").Where("claim_id IN (?)", claimsOf)},
		}
	}
	return rowsOf(ahead(ctx, func(ctx context.Context) iter.Seq2[[]*AuditEntry, error] {
		return func(yield func([]*AuditEntry, error) bool) {
			for chunk, err := range audit.Chunks(ctx, s.scope.Read(), f.Filter, ExportChunk) {
				if err != nil {
					yield(nil, err)
					return
				}
				entries, err := s.auditEntries(ctx, chunk)
				if !yield(entries, err) || err != nil {
					return
				}
			}
		}
	}))
}

// ahead runs chunks on a goroutine of its own, one chunk ahead of its caller, so that an
// export's reads (SQLite and the scanning of rows) and its writing (CSV and the network) run
// on two cores instead of taking turns on one. The hand-over is unbuffered, so at most two
// chunks are held: the one the caller is on and the next, read meanwhile. When the caller stops early it stops the reader and waits for it, so that no
// read outlives the iteration; a panic while reading is yielded as an Internal error, as it
// would have reached the request's recovery on the caller's goroutine.
func ahead[T any](ctx context.Context, chunks func(ctx context.Context) iter.Seq2[T, error]) iter.Seq2[T, error] {
	type chunk struct {
		v   T
		err error
	}
	return func(yield func(T, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		ready := make(chan chunk)
		stopped := make(chan struct{})
		// cut is why the reader stopped before the chunks ended: the context ended (the
		// caller's, or this iteration's once the caller stopped). It is written before
		// ready is closed, so the caller reads it after its loop ends.
		var cut error
		go func() {
			defer close(stopped)
			defer close(ready)
			defer func() {
				if v := recover(); v != nil {
					ready <- chunk{err: fault.New(fault.Internal, "reading an export panicked: %v\n%s", v, debug.Stack())}
				}
			}()
			for v, err := range chunks(ctx) {
				select {
				case ready <- chunk{v, err}:
				case <-ctx.Done():
					cut = ctx.Err()
					return
				}
				// The drain of a caller that has stopped takes what is sent; reading on
				// would start one more chunk for nobody.
				if cut = ctx.Err(); cut != nil {
					return
				}
			}
			cut = ctx.Err() // chunks may end quietly when the context does
		}()
		defer func() {
			cancel()
			for range ready { // let a reader blocked on a full channel see the cancellation
			}
			<-stopped
		}()
		for c := range ready {
			if !yield(c.v, c.err) {
				return
			}
		}
		if cut != nil {
			// An export cut short must not end as if it were whole (a CLI export would be
			// renamed into place as complete).
			var zero T
			yield(zero, cut)
		}
	}
}

// rowsOf yields the rows of chunks one by one, and the first error alone.
func rowsOf[T any](chunks iter.Seq2[[]T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for chunk, err := range chunks {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, r := range chunk {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// auditEntries explains a chunk of events: three lookups (users; claims' articles and
// article titles; the transitions behind claim events), whatever the chunk's size.
func (s *Store) auditEntries(ctx context.Context, events []audit.Event) ([]*AuditEntry, error) {
	entries := make([]*AuditEntry, len(events))
	users, claimIDs, articles := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	var versions []claims.ClaimVersion
	// at is the claim version each claim event left behind, which names its transition.
	at := make([]claims.ClaimVersion, len(events))
	for i, ev := range events {
		e := &AuditEntry{Event: ev, ActorID: audit.UserOf(ev.Actor)}
		// Only a claim's event needs both records (its stage and verdict before and after);
		// the others need whichever the entity has now.
		var before, after snapshot
		if ev.EntityType == "claim" || ev.After == "" {
			before = readSnapshot(ev.EntityType, ev.Before)
		}
		if ev.After != "" {
			after = readSnapshot(ev.EntityType, ev.After)
		}
		now := after
		if ev.After == "" {
			now = before
		}
		switch ev.EntityType {
		case "article":
			e.ArticleID, e.ArticleTitle = now.ID, now.Title
		case "claim":
			e.ClaimID, e.ArticleID = now.ID, now.ArticleID
			e.StageBefore, e.StatusBefore, e.StageAfter, e.StatusAfter = before.Stage, before.Status, after.Stage, after.Status
			if after.ProposedStatus != nil {
				e.ProposalAfter = *after.ProposedStatus
			}
			if ev.Before != "" && ev.After != "" {
				at[i] = claims.ClaimVersion{ClaimID: now.ID, Version: after.Version}
				versions = append(versions, at[i])
			}
		case "evidence":
			e.ClaimID, e.EvidenceURL, e.Rationale = now.ClaimID, now.URL, after.WithdrawalReason
		case "citation":
			e.ClaimID = now.ClaimID
		}
		if e.ActorID > 0 {
			users[e.ActorID] = true
		}
		if e.ClaimID > 0 && e.ArticleID == 0 {
			claimIDs[e.ClaimID] = true
		}
		if e.ArticleID > 0 && e.ArticleTitle == "" {
			articles[e.ArticleID] = true
		}
		entries[i] = e
	}
	byClaim, err := s.claims.ClaimArticles(ctx, slices.Collect(maps.Keys(claimIDs)))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.ArticleID == 0 && e.ClaimID > 0 {
			if id, ok := byClaim[e.ClaimID]; ok {
				e.ArticleID = id
				articles[id] = true
			}
		}
	}
	titles, err := s.claims.ArticleTitles(ctx, slices.Collect(maps.Keys(articles)))
	if err != nil {
		return nil, err
	}
	people, err := s.identity.FindUsersByIDs(ctx, slices.Collect(maps.Keys(users)))
	if err != nil {
		return nil, err
	}
	transitions, err := s.claims.ReviewEventsAt(ctx, versions)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		if e.ArticleTitle == "" {
			e.ArticleTitle = titles[e.ArticleID]
		}
		if u := people[e.ActorID]; u != nil {
			e.ActorName, e.ActorRole = u.Name, u.Role
		}
		if t := transitions[at[i]]; t != nil {
			e.Rationale = t.Rationale
		}
	}
	return entries, nil
}

// ClaimRow is a claim with what a reader of the claims export wants beside it.
type ClaimRow struct {
	Claim        *claims.Claim
	ArticleTitle string
	// Names of the users the claim names (assignee, proposer, signer), by id.
	Names map[int64]string
	// Citations, each with its source, and Evidence, withdrawn items included, oldest first.
	Citations []*Citation
	Evidence  []*claims.Evidence
	// LastReview is the claim's newest transition, if it had one.
	LastReview *claims.ReviewEvent
}

// Name returns the name of the user id names, or "" for none.
func (r *ClaimRow) Name(id *int64) string {
	if id == nil {
		return ""
	}
	if n, ok := r.Names[*id]; ok {
		return n
	}
	return "user " + strconv.FormatInt(*id, 10)
}

// ExportClaims yields the claims matching f in id order, each with its article's title,
// citations with sources, evidence, last transition and the names of the users it names.
// Errors are Invalid for a bad filter (the first thing yielded) or a failed read. f.Limit,
// f.After and f.Order are the export's own.
func (s *Store) ExportClaims(ctx context.Context, f ClaimFilter) iter.Seq2[*ClaimRow, error] {
	f.Limit, f.Order, f.After, f.Snapshot = ExportChunk, claims.ByID, nil, nil
	// The export of every claim, the usual one, reads its chunks itself (claimsAfter); a
	// filter is FindClaims's to apply.
	every := f == ClaimFilter{Filter: claims.Filter{Limit: ExportChunk}}
	return rowsOf(ahead(ctx, func(ctx context.Context) iter.Seq2[[]*ClaimRow, error] {
		return func(yield func([]*ClaimRow, error) bool) {
			f := f // each run of the export pages from the start
			var after int64
			for {
				var chunk []*claims.Claim
				more, err := false, error(nil)
				if every {
					chunk, err = s.claimsAfter(ctx, after)
					more = len(chunk) == ExportChunk
				} else {
					chunk, more, err = s.FindClaims(ctx, f)
				}
				if err != nil {
					yield(nil, err)
					return
				}
				rows, err := s.claimRows(ctx, chunk)
				if !yield(rows, err) || err != nil || !more || len(chunk) == 0 {
					return
				}
				after = chunk[len(chunk)-1].ID
				f.After = &claims.Key{ID: after}
			}
		}
	}))
}

// exportedClaim is the statement claimsAfter reads a chunk with: the columns of a claim the
// claims export shows, in the order claimDest scans them, after $1 in id order.
func exportedClaim(d database.Dialect) string {
	return "SELECT id, article_id, article_revision, quote, anchor_start, anchor_end, anchor_state, text, kind, quantities, " +
		"stage, status, rationale, assignee_id, proposed_status, proposed_rationale, proposed_by, " + d.TimeColumn("proposed_at") + ", " +
		"signed_off_by, " + d.TimeColumn("signed_off_at") + ", version, " + d.TimeColumn("created_at") + ", " + d.TimeColumn("updated_at") +
		" FROM claims WHERE id > " + d.Param(1) + " ORDER BY id ASC LIMIT " + strconv.Itoa(ExportChunk)
}

// claimDest is where the columns of exportedClaim go, in its order: into c, and the
// quantities' JSON into quantities.
func claimDest(c *claims.Claim, quantities *sql.RawBytes) []any {
	return []any{
		database.Int(&c.ID), database.Int(&c.ArticleID), database.Int(&c.ArticleRevision), &c.Quote,
		database.Int(&c.AnchorStart), database.Int(&c.AnchorEnd), (*string)(&c.AnchorState), &c.Text, (*string)(&c.Kind), quantities,
		(*string)(&c.Stage), (*string)(&c.Status), &c.Rationale, database.NullInt(&c.AssigneeID), database.NullText(&c.ProposedStatus),
		&c.ProposedRationale, database.NullInt(&c.ProposedBy), database.NullTime(&c.ProposedAt), database.NullInt(&c.SignedOffBy),
		database.NullTime(&c.SignedOffAt), database.Int(&c.Version), database.Time(&c.CreatedAt), database.Time(&c.UpdatedAt),
	}
}

// claimsAfter reads the next chunk of the export of every claim: the claims after id
// after, in id order, with the columns the export shows, scanned by hand. Reading them
// through bun's reflection (FindClaims) was most of an export's time.
func (s *Store) claimsAfter(ctx context.Context, after int64) ([]*claims.Claim, error) {
	rows, err := s.scope.QueryPrepared(ctx, exportedClaim(s.scope.DB().Dialect()), after)
	if err != nil {
		return nil, fmt.Errorf("list claims: %w", database.Translate(err))
	}
	defer rows.Close()
	var c claims.Claim
	var quantities sql.RawBytes
	dest := claimDest(&c, &quantities)
	out := make([]*claims.Claim, 0, ExportChunk)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list claims: %w", database.Translate(err))
		}
		claim := c
		claim.Quantities = nil
		if len(quantities) > 0 { // as bun reads a json column
			if claim.Quantities, err = claims.DecodeQuantities(quantities); err != nil {
				return nil, fmt.Errorf("read the quantities of claim %d: %w", c.ID, err)
			}
		}
		out = append(out, &claim)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list claims: %w", database.Translate(err))
	}
	return out, nil
}

// claimRows completes a chunk of claims with five lookups, whatever the chunk's size.
func (s *Store) claimRows(ctx context.Context, list []*claims.Claim) ([]*ClaimRow, error) {
	ids := make([]int64, len(list))
	articles, users := map[int64]bool{}, map[int64]bool{}
	addUser := func(id *int64) {
		if id != nil {
			users[*id] = true
		}
	}
	for i, c := range list {
		ids[i] = c.ID
		articles[c.ArticleID] = true
		addUser(c.AssigneeID)
		addUser(c.ProposedBy)
		addUser(c.SignedOffBy)
	}
	titles, err := s.claims.ArticleTitles(ctx, slices.Collect(maps.Keys(articles)))
	if err != nil {
		return nil, err
	}
	cits, err := s.citationsToExport(ctx, ids)
	if err != nil {
		return nil, err
	}
	evidence, err := s.claims.EvidenceByClaims(ctx, ids)
	if err != nil {
		return nil, err
	}
	last, err := s.claims.LastReviewEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range list { // last may hold claims beyond the chunk (QueryAmong reads ranges)
		if e := last[c.ID]; e != nil {
			addUser(e.ActorID)
		}
	}
	people, err := s.identity.FindUsersByIDs(ctx, slices.Collect(maps.Keys(users)))
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(people))
	for id, u := range people {
		names[id] = u.Name
	}
	rows := make([]*ClaimRow, len(list))
	for i, c := range list {
		rows[i] = &ClaimRow{
			Claim: c, ArticleTitle: titles[c.ArticleID], Names: names,
			Citations: cits[c.ID], Evidence: evidence[c.ID], LastReview: last[c.ID],
		}
	}
	return rows, nil
}

// citationsToExport reads the citations of a chunk of claims as the export shows them: by
// claim, oldest first, each with its source's name alone, scanned by hand. Like the claims'
// own lookups it reads by a range when the ids are dense (database.Scope.QueryAmong), so
// the map may hold claims between them that are not among ids. The sources' names are read
// apart, once each: a chunk's citations name a few hundred sources at most, and joining
// them cost a lookup and a copy of the name per citation.
func (s *Store) citationsToExport(ctx context.Context, claimIDs []int64) (map[int64][]*Citation, error) {
	out := map[int64][]*Citation{}
	if len(claimIDs) == 0 {
		return out, nil
	}
	rows, err := s.scope.QueryAmong(ctx, "SELECT claim_id, source_id, attribution, relation FROM citations WHERE %s ORDER BY claim_id ASC, id ASC",
		"claim_id", claimIDs) // the index's order; see claims/batch.go
	if err != nil {
		return nil, fmt.Errorf("list citations of %d claims: %w", len(claimIDs), database.Translate(err))
	}
	defer rows.Close()
	var c Citation
	dest := []any{database.Int(&c.ClaimID), database.Int(&c.SourceID), &c.Attribution, (*string)(&c.Relation)}
	sources := map[int64]*Source{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list citations of %d claims: %w", len(claimIDs), database.Translate(err))
		}
		cit := c
		src := sources[c.SourceID]
		if src == nil {
			src = &Source{ID: c.SourceID}
			sources[c.SourceID] = src
		}
		cit.Source = src
		out[c.ClaimID] = append(out[c.ClaimID], &cit)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list citations of %d claims: %w", len(claimIDs), database.Translate(err))
	}
	rows.Close()
	if len(sources) == 0 {
		return out, nil
	}
	if rows, err = s.scope.QueryAmong(ctx, "SELECT id, name FROM sources WHERE %s", "id", slices.Collect(maps.Keys(sources))); err != nil {
		return nil, fmt.Errorf("name the sources of %d claims: %w", len(claimIDs), database.Translate(err))
	}
	defer rows.Close()
	var id int64
	var name string
	named := map[int64]bool{}
	for rows.Next() {
		if err := rows.Scan(database.Int(&id), &name); err != nil {
			return nil, fmt.Errorf("name the sources of %d claims: %w", len(claimIDs), database.Translate(err))
		}
		if src := sources[id]; src != nil {
			src.Name = name
			named[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("name the sources of %d claims: %w", len(claimIDs), database.Translate(err))
	}
	if len(named) < len(sources) { // a source that is not there any more: named by its id
		for _, cits := range out {
			for _, cit := range cits {
				if !named[cit.SourceID] {
					cit.Source = nil
				}
			}
		}
	}
	return out, nil
}
