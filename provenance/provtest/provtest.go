// Package provtest builds the provenance fixtures that the tests of several packages share:
// the provenance domain's own, and those of the formats that write a graph out (PROV-JSON,
// ClaimReview). It is imported by tests only.
package provtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/provenance"
	"verity/provenance/audit"
)

// Graph is a claim citing a person (attributed_to) and a report (quoted_from); the report
// draws on a government briefing and a dataset, the dataset on a document, the government
// on a news agency. One more source, the outsider, draws on the agency but stands outside
// the claim's graph.
type Graph struct {
	Claim *claims.Claim
	// Sources by role: person, report, government, dataset, document, agency, outsider.
	Sources map[string]*provenance.Source
}

// Roles are the keys of Graph.Sources, each a source named after its role.
var Roles = []struct {
	Key  string
	Kind provenance.SourceKind
}{
	{"person", provenance.KindNamedPerson},
	{"report", provenance.KindReport},
	{"government", provenance.KindGovernment},
	{"dataset", provenance.KindDataset},
	{"document", provenance.KindDocument},
	{"agency", provenance.KindNewsAgency},
	{"outsider", provenance.KindOrganisation},
}

// NewGraph builds the fixture's sources, citations and derivations around c.
func NewGraph(t testing.TB, st *provenance.Store, c *claims.Claim) Graph {
	t.Helper()
	ctx := context.Background()
	g := Graph{Claim: c, Sources: map[string]*provenance.Source{}}
	for _, r := range Roles {
		g.Sources[r.Key] = Source(t, st, r.Kind, r.Key)
	}
	for _, n := range []provenance.NewCitation{
		{ClaimID: c.ID, SourceID: g.Sources["person"].ID, Attribution: "said Jane Doe", Relation: provenance.AttributedTo},
		{ClaimID: c.ID, SourceID: g.Sources["report"].ID, Locator: "p. 12", Relation: provenance.QuotedFrom},
	} {
		if _, err := st.CreateCitation(ctx, identity.System(), n); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range [][2]string{
		{"report", "government"}, {"report", "dataset"}, {"dataset", "document"}, {"government", "agency"}, {"outsider", "agency"},
	} {
		if _, err := st.AddDerivation(ctx, identity.System(), g.Sources[e[0]].ID, g.Sources[e[1]].ID, e[0]+" draws on "+e[1]); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// Source creates a source of kind named name.
func Source(t testing.TB, st *provenance.Store, kind provenance.SourceKind, name string) *provenance.Source {
	t.Helper()
	src, err := st.CreateSource(context.Background(), identity.System(), provenance.SourceFields{Kind: kind, Name: name})
	if err != nil {
		t.Fatalf("create source %q: %v", name, err)
	}
	return src
}

// Claim creates an article with body and a claim quoting quote in it.
func Claim(t testing.TB, db *database.DB, body, quote string) *claims.Claim {
	t.Helper()
	ctx := context.Background()
	cs := claims.NewStore(db)
	a, err := cs.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "t", Body: body})
	if err != nil {
		t.Fatalf("create article: %v", err)
	}
	c, err := cs.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: quote})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	return c
}

// BulkAudit extends db's audit chain by n events about claims, bypassing database.Write and
// audit.Append (one multi-row insert per 1,000 events, in one transaction), for fixtures of
// a million events that Append would take minutes to write. The chain is real: each hash
// covers its predecessor's, and the head row ends at the last event. The index of the users
// behind each event is not written, so the actor filter does not find these events.
func BulkAudit(t testing.TB, db *database.DB, n int) {
	t.Helper()
	ctx := context.Background()
	seq, prev, err := audit.Head(ctx, db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	actions := []string{"claim.create", "claim.start", "claim.propose", "claim.sign_off"}
	stages := []string{"open", "in_review", "awaiting_signoff", "closed"}
	state := func(i, step int) string {
		return fmt.Sprintf(`{"anchor_end":%d,"anchor_start":%d,"article_id":1,"id":%d,"kind":"casualty_count","quantities":[{"as_of":"2026-11-02","unit":"families","value":%d}],"quote":"district %04d officials counted %d displaced families","stage":%q,"status":"unverified","text":"Officials counted the displaced families in the district.","version":%d}`,
			60+i%400, 3+i%400, 1+i/4, 100+i%9000, i%400, 100+i%9000, stages[step], step+1)
	}
	err = db.Bun().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		batch := make([]audit.Event, 0, 1000)
		for i := range n {
			step := i % len(actions)
			e := audit.Event{
				Seq: seq + 1, At: at.Add(time.Duration(i) * time.Millisecond), Actor: fmt.Sprintf("user:%d", 1+i%5),
				Action: actions[step], EntityType: "claim", EntityID: fmt.Sprint(1 + i/4), After: state(i, step), PrevHash: prev,
			}
			if step > 0 {
				e.Before = state(i, step-1)
			}
			e.Hash = audit.Hash(e)
			seq, prev = e.Seq, e.Hash
			batch = append(batch, e)
			if len(batch) == cap(batch) || i == n-1 {
				if err := audit.InsertEvents(ctx, tx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		_, err := tx.NewUpdate().Table("audit_head").Set("seq = ?, hash = ?", seq, prev).Where("id = 1").Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("bulk-insert %d audit events: %v", n, err)
	}
}
