package export

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"verity/provenance"
	"verity/provenance/audit"
)

// AuditColumns are the columns of the audit export, in order. The hash of each event covers
// seq, at, actor, action, entity_type, entity_id, before and after (AuditChainColumns), and
// prev_hash; the other columns explain the event and are read from it or looked up.
var AuditColumns = []string{
	"seq", "at", "actor", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
	"claim_id", "article_id", "article_title", "stage_before", "status_before", "stage_after", "status_after",
	"proposal_after", "evidence_url", "rationale", "before", "after", "prev_hash", "hash",
}

// AuditChainColumns are the columns a check of the chain reads: what the hash covers and the
// hash. A file that lacks one of them cannot be checked.
var AuditChainColumns = []string{"seq", "at", "actor", "action", "entity_type", "entity_id", "before", "after", "prev_hash", "hash"}

// AuditTimeLayout is how the at column writes a time: RFC 3339 in UTC to the microsecond,
// exactly the text the canonical encoding of the event holds.
const AuditTimeLayout = "2006-01-02T15:04:05.000000Z"

// AuditRecord returns the cells of one audit export row, in AuditColumns order.
func AuditRecord(e *provenance.AuditEntry) []string {
	return []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(AuditTimeLayout), e.Actor, optionalID(e.ActorID), e.ActorName, string(e.ActorRole),
		e.Action, e.EntityType, e.EntityID,
		optionalID(e.ClaimID), optionalID(e.ArticleID), e.ArticleTitle, e.StageBefore, e.StatusBefore, e.StageAfter, e.StatusAfter,
		e.ProposalAfter, e.EvidenceURL, e.Rationale, e.Before, e.After, e.PrevHash, e.Hash,
	}
}

func optionalID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// ReadAuditCSV reads the events of an audit export back, for a check of the chain from the
// file alone (audit.CheckRun). It finds the chain's columns by name in the header, so that
// a file whose other columns were removed or reordered in a spreadsheet still checks. An
// error names the line and column of a cell that cannot be what the export wrote.
func ReadAuditCSV(r io.Reader) (iter.Seq2[audit.Event, error], error) {
	cr, err := NewCSVReader(r)
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, name := range cr.Header() {
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("the header names column %s twice", name)
		}
		col[name] = i
	}
	var missing []string
	for _, name := range AuditChainColumns {
		if _, ok := col[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not an audit export: the header lacks %s (it needs %s)", strings.Join(missing, ", "), strings.Join(AuditChainColumns, ", "))
	}
	return func(yield func(audit.Event, error) bool) {
		for {
			rec, line, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(audit.Event{}, fmt.Errorf("not a CSV file the export wrote: %w", err))
				return
			}
			e, err := auditEvent(rec, col)
			if err != nil {
				yield(audit.Event{}, fmt.Errorf("line %d: %w", line, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}, nil
}

func auditEvent(rec []string, col map[string]int) (audit.Event, error) {
	cell := func(name string) string { return rec[col[name]] }
	seq, err := strconv.ParseInt(cell("seq"), 10, 64)
	if err != nil || seq < 1 || strconv.FormatInt(seq, 10) != cell("seq") {
		return audit.Event{}, fmt.Errorf("seq %q is not an event's number", cell("seq"))
	}
	at, err := time.Parse(time.RFC3339Nano, cell("at"))
	if err != nil {
		return audit.Event{}, fmt.Errorf("event %d: at %q is not an RFC 3339 time", seq, cell("at"))
	}
	e := audit.Event{
		Seq: seq, At: at, Actor: cell("actor"), Action: cell("action"), EntityType: cell("entity_type"), EntityID: cell("entity_id"),
		Before: cell("before"), After: cell("after"), PrevHash: cell("prev_hash"), Hash: cell("hash"),
	}
	return e, nil
}
