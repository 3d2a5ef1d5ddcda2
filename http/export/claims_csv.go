package export

import (
	"encoding/json"
	"strconv"
	"strings"
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

// ClaimRecord returns the cells of one claims export row, in ClaimColumns order. Lists
// (sources, evidence) hold one item per line.
func ClaimRecord(r *provenance.ClaimRow) []string {
	c := r.Claim
	qs, _ := json.Marshal(c.Quantities) // numbers and strings always encode
	if c.Quantities == nil {
		qs = []byte("[]")
	}
	var proposed string
	if c.ProposedStatus != nil {
		proposed = string(*c.ProposedStatus)
	}
	sources := make([]string, len(r.Citations))
	for i, ct := range r.Citations {
		name := "source " + strconv.FormatInt(ct.SourceID, 10)
		if ct.Source != nil {
			name = ct.Source.Name
		}
		sources[i] = name + " (" + string(ct.Relation) + ")"
		if ct.Attribution != "" {
			sources[i] += ": " + ct.Attribution
		}
	}
	evidence := make([]string, 0, len(r.Evidence))
	for _, e := range r.Evidence {
		item := string(e.Stance)
		if e.URL != "" {
			item += " " + e.URL
		} else if e.AttachmentName != "" {
			item += " attachment " + e.AttachmentName
		}
		if e.WithdrawnAt != nil {
			item += " (withdrawn)"
		}
		evidence = append(evidence, item)
	}
	var lastAction, lastReviewer, lastAt, lastRationale string
	if l := r.LastReview; l != nil {
		lastAction, lastReviewer, lastAt, lastRationale = string(l.Action), r.Name(l.ActorID), stamp(&l.CreatedAt), l.Rationale
		if l.ActorID == nil {
			lastReviewer = "Verity"
		}
	}
	return []string{
		strconv.FormatInt(c.ID, 10), strconv.FormatInt(c.ArticleID, 10), r.ArticleTitle, strconv.Itoa(c.ArticleRevision),
		c.Quote, strconv.Itoa(c.AnchorStart), strconv.Itoa(c.AnchorEnd), string(c.AnchorState),
		c.Text, string(c.Kind), Quantities(c.Quantities), string(qs), string(c.Stage), string(c.Status), c.Rationale,
		r.Name(c.SignedOffBy), stamp(c.SignedOffAt),
		proposed, c.ProposedRationale, r.Name(c.ProposedBy), stamp(c.ProposedAt), idOf(c.AssigneeID), r.Name(c.AssigneeID),
		strings.Join(sources, "\n"), strings.Join(evidence, "\n"), lastAction, lastReviewer, lastAt, lastRationale,
		strconv.FormatInt(c.Version, 10), stamp(&c.CreatedAt), stamp(&c.UpdatedAt),
	}
}

func idOf(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// stamp writes a time as the exports do: RFC 3339 in UTC, to the microsecond; nil is empty.
func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(AuditTimeLayout)
}

// Quantities writes a claim's quantities for a reader, one after another: "at least 79
// Afghans killed (as of 2021-08-26); 13 American soldiers killed".
func Quantities(qs []claims.Quantity) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = Quantity(q)
	}
	return strings.Join(parts, "; ")
}

// Quantity writes one quantity as a phrase: its qualifier, value, bounds, unit and date.
func Quantity(q claims.Quantity) string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	var words []string
	if q.Qualifier != "" {
		words = append(words, q.Qualifier)
	}
	switch {
	case q.Value != nil:
		words = append(words, num(*q.Value))
		if q.Lower != nil && q.Upper != nil {
			words = append(words, "(between "+num(*q.Lower)+" and "+num(*q.Upper)+")")
		}
	case q.Lower != nil && q.Upper != nil:
		words = append(words, "between "+num(*q.Lower)+" and "+num(*q.Upper))
	case q.Lower != nil:
		words = append(words, "at least "+num(*q.Lower))
	case q.Upper != nil:
		words = append(words, "at most "+num(*q.Upper))
	}
	if q.Unit != "" {
		words = append(words, q.Unit)
	}
	s := strings.Join(words, " ")
	if q.AsOf != "" {
		s += " (as of " + q.AsOf + ")"
	}
	return s
}
