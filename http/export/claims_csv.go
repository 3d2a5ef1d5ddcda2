package export

import (
	"strconv"
	"time"

	"verity/claims"
	"verity/provenance"
)

// ClaimColumns are the columns of the claims export, in order. status is the verdict in
// force, signed off by two people; a proposal awaiting sign-off is only ever in the
// proposed_* columns.
var ClaimColumns = []string{
	"id", "article_id", "article_title", "article_revision", "quote", "anchor_start", "anchor_end", "anchor_state",
	"text", "kind", "quantities", "quantities_json", "stage", "status", "verdict_rationale", "signed_off_by", "signed_off_at",
	"proposed_status", "proposed_rationale", "proposed_by", "proposed_at", "assignee_id", "assignee",
	"sources", "evidence", "last_action", "last_reviewer", "last_reviewed_at", "last_rationale",
	"version", "created_at", "updated_at",
}

// ClaimRecord writes the cells of one claims export row, in ClaimColumns order. Lists
// (sources, evidence) hold one item per line.
func ClaimRecord(rec *Record, r *provenance.ClaimRow) {
	c := r.Claim
	rec.Int(c.ID)
	rec.Int(c.ArticleID)
	rec.Text(r.ArticleTitle)
	rec.Int(int64(c.ArticleRevision))
	rec.Text(c.Quote)
	rec.Int(int64(c.AnchorStart))
	rec.Int(int64(c.AnchorEnd))
	rec.Text(string(c.AnchorState))
	rec.Text(c.Text)
	rec.Text(string(c.Kind))
	rec.buf = appendQuantities(rec.buf, c.Quantities)
	rec.End()
	rec.buf = claims.AppendQuantitiesJSON(rec.buf, c.Quantities)
	rec.End()
	rec.Text(string(c.Stage))
	rec.Text(string(c.Status))
	rec.Text(c.Rationale)
	rec.Text(r.Name(c.SignedOffBy))
	rec.stamp(c.SignedOffAt)
	if c.ProposedStatus != nil {
		rec.Add(string(*c.ProposedStatus))
	}
	rec.End()
	rec.Text(c.ProposedRationale)
	rec.Text(r.Name(c.ProposedBy))
	rec.stamp(c.ProposedAt)
	if c.AssigneeID != nil {
		rec.AddInt(*c.AssigneeID)
	}
	rec.End()
	rec.Text(r.Name(c.AssigneeID))
	for i, ct := range r.Citations {
		if i > 0 {
			rec.Add("\n")
		}
		if ct.Source != nil {
			rec.Add(ct.Source.Name)
		} else {
			rec.Add("source ")
			rec.AddInt(ct.SourceID)
		}
		rec.Add(" (")
		rec.Add(string(ct.Relation))
		rec.Add(")")
		if ct.Attribution != "" {
			rec.Add(": ")
			rec.Add(ct.Attribution)
		}
	}
	rec.End()
	for i, e := range r.Evidence {
		if i > 0 {
			rec.Add("\n")
		}
		rec.Add(string(e.Stance))
		if e.URL != "" {
			rec.Add(" ")
			rec.Add(e.URL)
		} else if e.AttachmentName != "" {
			rec.Add(" attachment ")
			rec.Add(e.AttachmentName)
		}
		if e.WithdrawnAt != nil {
			rec.Add(" (withdrawn)")
		}
	}
	rec.End()
	if l := r.LastReview; l != nil {
		rec.Text(string(l.Action))
		if l.ActorID == nil {
			rec.Text("Verity")
		} else {
			rec.Text(r.Name(l.ActorID))
		}
		rec.stamp(&l.CreatedAt)
		rec.Text(l.Rationale)
	} else {
		rec.End()
		rec.End()
		rec.End()
		rec.End()
	}
	rec.Int(c.Version)
	rec.stamp(&c.CreatedAt)
	rec.stamp(&c.UpdatedAt)
}

// stamp writes a cell holding a time as the exports do: RFC 3339 in UTC, to the
// microsecond; nil is empty.
func (r *Record) stamp(t *time.Time) {
	if t != nil {
		r.buf = t.UTC().AppendFormat(r.buf, AuditTimeLayout)
	}
	r.End()
}

// appendQuantities appends a claim's quantities for a reader, one after another: "at least
// 79 Afghans killed (as of 2021-08-26); 13 American soldiers killed".
func appendQuantities(dst []byte, qs []claims.Quantity) []byte {
	for i, q := range qs {
		if i > 0 {
			dst = append(dst, "; "...)
		}
		dst = appendQuantity(dst, q)
	}
	return dst
}

// appendQuantity appends one quantity as a phrase: its qualifier, value, bounds, unit and
// date.
func appendQuantity(dst []byte, q claims.Quantity) []byte {
	start := len(dst)
	word := func(parts ...string) { // a word, after a space unless it is the first
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		for _, p := range parts {
			dst = append(dst, p...)
		}
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if q.Qualifier != "" {
		word(q.Qualifier)
	}
	switch {
	case q.Value != nil:
		word(num(*q.Value))
		if q.Lower != nil && q.Upper != nil {
			word("(between ", num(*q.Lower), " and ", num(*q.Upper), ")")
		}
	case q.Lower != nil && q.Upper != nil:
		word("between ", num(*q.Lower), " and ", num(*q.Upper))
	case q.Lower != nil:
		word("at least ", num(*q.Lower))
	case q.Upper != nil:
		word("at most ", num(*q.Upper))
	}
	if q.Unit != "" {
		word(q.Unit)
	}
	if q.AsOf != "" {
		dst = append(dst, " (as of "...)
		dst = append(dst, q.AsOf...)
		dst = append(dst, ')')
	}
	return dst
}
