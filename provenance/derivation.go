package provenance

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Derivation records that one source draws on another: SourceID derives from DerivedFromID
// (a UN report from member states' briefings, an agency story from an official's statement).
// The derivations form a graph without cycles. Its JSON form is the snapshot the audit trail
// records.
type Derivation struct {
	bun.BaseModel `bun:"table:source_derivations"`

	SourceID      int64     `bun:"source_id,pk" json:"source_id"`
	DerivedFromID int64     `bun:"derived_from_id,pk" json:"derived_from_id"`
	Note          string    `bun:"note" json:"note"`
	CreatedBy     *int64    `bun:"created_by" json:"created_by"`
	CreatedAt     time.Time `bun:"created_at" json:"created_at"`
}

// derivationID is how the audit trail names an edge: "3<-5" reads "source 3 derives from
// source 5".
func derivationID(sourceID, derivedFromID int64) string {
	return fmt.Sprintf("%d<-%d", sourceID, derivedFromID)
}

func checkDerivation(sourceID, derivedFromID int64, note *string) error {
	errs := fault.Fields{}
	switch {
	case derivedFromID <= 0:
		errs.Add("derived_from_id", "is required")
	case derivedFromID == sourceID:
		errs.Add("derived_from_id", "a source cannot derive from itself")
	}
	text.Clean(errs, "note", note, MaxText, false)
	return errs.Err()
}

// AddDerivation records that source sourceID derives from source derivedFromID. It needs
// the edit right. It returns NotFound when sourceID does not exist; Invalid (on
// derived_from_id) when derivedFromID does not exist or equals sourceID, or the note is bad;
// Conflict when the edge already exists or would close a cycle, with the existing path in
// the message.
//
// The cycle check reads the graph and inserts the edge in one write transaction. Writes are
// serial (SQLite's one writer; on PostgreSQL every write transaction first locks the audit
// head), so two transactions adding 1<-2 and 2<-1 cannot each miss the other's edge.
func (s *Store) AddDerivation(ctx context.Context, actor identity.Actor, sourceID, derivedFromID int64, note string) (*Derivation, error) {
	if err := actor.Require(identity.Edit, "deriving a source from another"); err != nil {
		return nil, err
	}
	if err := checkDerivation(sourceID, derivedFromID, &note); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Derivation, error) {
		in := s.In(tx)
		if _, err := in.FindSourceByID(ctx, sourceID); err != nil {
			return nil, err
		}
		if _, err := in.FindSourceByID(ctx, derivedFromID); err != nil {
			if fault.Is(err, fault.NotFound) {
				return nil, fault.Field("derived_from_id", fmt.Sprintf("source %d does not exist", derivedFromID))
			}
			return nil, err
		}
		exists, err := tx.NewSelect().Model((*Derivation)(nil)).
			Where("source_id = ? AND derived_from_id = ?", sourceID, derivedFromID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("look for derivation %s: %w", derivationID(sourceID, derivedFromID), err)
		}
		if exists {
			return nil, fault.New(fault.Conflict, "source %d already derives from source %d", sourceID, derivedFromID)
		}
		edges, err := in.reachableUpstream(ctx, []int64{derivedFromID})
		if err != nil {
			return nil, err
		}
		if path := upstreamPath(edges, derivedFromID, sourceID); path != nil {
			// The path runs upstream from derivedFromID to sourceID; shown reversed it reads
			// the way information flowed, from sourceID down to derivedFromID.
			slices.Reverse(path)
			steps := make([]string, len(path))
			for i, id := range path {
				steps[i] = fmt.Sprint(id)
			}
			return nil, fault.New(fault.Conflict,
				"source %d already derives from source %d via %s; deriving %d from %d would make a cycle",
				derivedFromID, sourceID, strings.Join(steps, " → "), sourceID, derivedFromID)
		}
		d := &Derivation{
			SourceID: sourceID, DerivedFromID: derivedFromID, Note: note,
			CreatedBy: actor.UserRef(), CreatedAt: tx.Now,
		}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert derivation %s: %w", derivationID(sourceID, derivedFromID), err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "source.derive", EntityType: "source_derivation",
			EntityID: derivationID(sourceID, derivedFromID), After: d,
		}); err != nil {
			return nil, err
		}
		return d, nil
	})
}

// FindUpstream returns every derivation reachable upstream from a source, transitively: what
// it derives from, what those derive from, and so on. Edges come in breadth-first order, each
// once, nearest first. It returns NotFound for a missing source.
func (s *Store) FindUpstream(ctx context.Context, sourceID int64) ([]Derivation, error) {
	if _, err := s.FindSourceByID(ctx, sourceID); err != nil {
		return nil, err
	}
	edges, err := s.reachableUpstream(ctx, []int64{sourceID})
	if err != nil {
		return nil, err
	}
	return breadthFirst(edges, []int64{sourceID}), nil
}

// FindDownstream returns the derivations that draw directly on a source, by deriving source.
// It returns NotFound for a missing source.
func (s *Store) FindDownstream(ctx context.Context, sourceID int64) ([]Derivation, error) {
	if _, err := s.FindSourceByID(ctx, sourceID); err != nil {
		return nil, err
	}
	edges := []Derivation{}
	if err := s.scope.Read().NewSelect().Model(&edges).Where("derived_from_id = ?", sourceID).Order("source_id ASC").Scan(ctx); err != nil {
		return nil, database.Translate(err)
	}
	return edges, nil
}

// upstreamSQL collects every edge reachable upstream from the roots in one statement, so the
// walk sees one snapshot. UNION (not UNION ALL) keeps each edge once and ends the recursion
// even if a cycle had slipped in.
const upstreamSQL = `WITH RECURSIVE up (source_id, derived_from_id) AS (
	SELECT source_id, derived_from_id FROM source_derivations WHERE source_id IN (?)
	UNION
	SELECT d.source_id, d.derived_from_id FROM source_derivations AS d JOIN up ON d.source_id = up.derived_from_id
)
SELECT d.source_id, d.derived_from_id, d.note, d.created_by, d.created_at
FROM source_derivations AS d JOIN up ON d.source_id = up.source_id AND d.derived_from_id = up.derived_from_id`

// reachableUpstream returns the edges reachable upstream from roots, in no particular order.
func (s *Store) reachableUpstream(ctx context.Context, roots []int64) ([]Derivation, error) {
	edges := []Derivation{}
	if len(roots) == 0 {
		return edges, nil
	}
	if err := s.scope.Read().NewRaw(upstreamSQL, bun.List(roots)).Scan(ctx, &edges); err != nil {
		return nil, fmt.Errorf("walk derivations upstream of %v: %w", roots, database.Translate(err))
	}
	return edges, nil
}

// bySource indexes edges by their deriving source, each list ordered by upstream source so
// that walks do not depend on the order the database returned rows in.
func bySource(edges []Derivation) map[int64][]Derivation {
	from := make(map[int64][]Derivation)
	for _, e := range edges {
		from[e.SourceID] = append(from[e.SourceID], e)
	}
	for _, list := range from {
		slices.SortFunc(list, func(a, b Derivation) int { return cmp.Compare(a.DerivedFromID, b.DerivedFromID) })
	}
	return from
}

// breadthFirst orders edges as a breadth-first walk upstream from roots meets them. Each
// source is expanded once, so each edge appears once even where paths join again.
func breadthFirst(edges []Derivation, roots []int64) []Derivation {
	from := bySource(edges)
	seen := make(map[int64]bool)
	var queue []int64
	for _, r := range roots {
		if !seen[r] {
			seen[r] = true
			queue = append(queue, r)
		}
	}
	out := make([]Derivation, 0, len(edges))
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range from[n] {
			out = append(out, e)
			if !seen[e.DerivedFromID] {
				seen[e.DerivedFromID] = true
				queue = append(queue, e.DerivedFromID)
			}
		}
	}
	return out
}

// upstreamPath returns the shortest chain of sources from start upstream to target, both
// included, or nil when target is not upstream of start.
func upstreamPath(edges []Derivation, start, target int64) []int64 {
	from := bySource(edges)
	parent := map[int64]int64{start: start}
	queue := []int64{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range from[n] {
			up := e.DerivedFromID
			if _, ok := parent[up]; ok {
				continue
			}
			parent[up] = n
			if up == target {
				path := []int64{target}
				for p := n; ; p = parent[p] {
					path = append(path, p)
					if p == start {
						break
					}
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, up)
		}
	}
	return nil
}
