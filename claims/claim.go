package claims

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/text"
)

// Kind is what sort of fact a claim states.
type Kind string

// The claim kinds of DESIGN.md.
const (
	KindCasualtyCount Kind = "casualty_count"
	KindEstimate      Kind = "estimate"
	KindReportFinding Kind = "report_finding"
	KindQuote         Kind = "quote"
	KindAttribution   Kind = "attribution"
	KindEvent         Kind = "event"
	KindDate          Kind = "date"
	KindAffiliation   Kind = "affiliation"
	KindOther         Kind = "other"
)

// Kinds lists every claim kind.
func Kinds() []Kind {
	return []Kind{KindCasualtyCount, KindEstimate, KindReportFinding, KindQuote, KindAttribution, KindEvent, KindDate, KindAffiliation, KindOther}
}

// Stage is where a claim is in the review workflow.
type Stage string

// The workflow stages.
const (
	StageOpen            Stage = "open"
	StageInReview        Stage = "in_review"
	StageAwaitingSignoff Stage = "awaiting_signoff"
	StageClosed          Stage = "closed"
)

// Stages lists every stage in workflow order.
func Stages() []Stage {
	return []Stage{StageOpen, StageInReview, StageAwaitingSignoff, StageClosed}
}

// Status is the verification status a reviewer attaches to a claim.
type Status string

// The verification statuses.
const (
	StatusUnverified   Status = "unverified"
	StatusVerified     Status = "verified"
	StatusMisleading   Status = "misleading"
	StatusFalse        Status = "false"
	StatusDisputed     Status = "disputed"
	StatusOutdated     Status = "outdated"
	StatusUnverifiable Status = "unverifiable"
)

// Statuses lists every status.
func Statuses() []Status {
	return []Status{StatusUnverified, StatusVerified, StatusMisleading, StatusFalse, StatusDisputed, StatusOutdated, StatusUnverifiable}
}

// AnchorState tells whether a claim's quote still stands in its article's current revision.
type AnchorState string

// The anchor states.
const (
	Anchored AnchorState = "anchored"
	// Orphaned claims lost their quote in a later revision; they keep their last anchor.
	Orphaned AnchorState = "orphaned"
)

// Quantity is a number a claim states: "at least 79 Afghans" is Value 79, Lower 79,
// Qualifier "at least", Unit "Afghans killed".
type Quantity struct {
	Value     *float64 `json:"value"`
	Lower     *float64 `json:"lower"`
	Upper     *float64 `json:"upper"`
	Qualifier string   `json:"qualifier"`
	Unit      string   `json:"unit"`
	// AsOf is the date the quantity refers to, YYYY-MM-DD, or "".
	AsOf string `json:"as_of"`
}

// Claim is one checkable statement anchored to a passage of an article. Its JSON form is the
// snapshot the audit trail records: every stored column under its own name.
type Claim struct {
	bun.BaseModel `bun:"table:claims"`

	ID              int64       `bun:"id,pk,autoincrement" json:"id"`
	ArticleID       int64       `bun:"article_id" json:"article_id"`
	ArticleRevision int         `bun:"article_revision" json:"article_revision"`
	Quote           string      `bun:"quote" json:"quote"`
	AnchorStart     int         `bun:"anchor_start" json:"anchor_start"`
	AnchorEnd       int         `bun:"anchor_end" json:"anchor_end"`
	AnchorPrefix    string      `bun:"anchor_prefix" json:"anchor_prefix"`
	AnchorSuffix    string      `bun:"anchor_suffix" json:"anchor_suffix"`
	AnchorState     AnchorState `bun:"anchor_state" json:"anchor_state"`
	Text            string      `bun:"text" json:"text"`
	Kind            Kind        `bun:"kind" json:"kind"`
	Quantities      Quantities  `bun:"quantities,type:json" json:"quantities"`
	Stage           Stage       `bun:"stage" json:"stage"`
	// Status is the verdict in force: the one a second person signed off, while the claim is
	// closed; unverified otherwise. A proposal never changes it, only a sign-off does, and a
	// reopen withdraws it (the review events keep every verdict there was).
	Status Status `bun:"status" json:"status"`
	// Rationale is the reasoning behind Status, from the proposal that was signed off.
	Rationale  string `bun:"rationale" json:"rationale"`
	AssigneeID *int64 `bun:"assignee_id" json:"assignee_id"`
	// ProposedStatus and ProposedRationale are the proposal awaiting sign-off, if any: a
	// sign-off makes it the verdict, a reject discards it.
	ProposedStatus    *Status `bun:"proposed_status" json:"proposed_status"`
	ProposedRationale string  `bun:"proposed_rationale" json:"proposed_rationale"`
	// ProposedBy, ProposedVia and ProposedAt say who proposed the pending proposal, or the
	// verdict in force, and when.
	ProposedBy *int64 `bun:"proposed_by" json:"proposed_by"`
	// ProposedVia is the admin who made the token the proposer acted through, if not the
	// proposer: they may not sign the verdict off either.
	ProposedVia *int64     `bun:"proposed_via" json:"proposed_via"`
	ProposedAt  *time.Time `bun:"proposed_at" json:"proposed_at"`
	// SignedOffBy and SignedOffAt say who signed Status off, and when.
	SignedOffBy *int64     `bun:"signed_off_by" json:"signed_off_by"`
	SignedOffAt *time.Time `bun:"signed_off_at" json:"signed_off_at"`
	Version     int64      `bun:"version" json:"version"`
	CreatedBy   *int64     `bun:"created_by" json:"created_by"`
	CreatedAt   time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updated_at"`
}

// Anchor returns where the claim's quote stands in its article revision.
func (c *Claim) Anchor() Anchor {
	return Anchor{Start: c.AnchorStart, End: c.AnchorEnd, Exact: c.Quote, Prefix: c.AnchorPrefix, Suffix: c.AnchorSuffix}
}

func (c *Claim) setAnchor(a Anchor) {
	c.Quote, c.AnchorStart, c.AnchorEnd, c.AnchorPrefix, c.AnchorSuffix = a.Exact, a.Start, a.End, a.Prefix, a.Suffix
}

// Limits on claim, evidence and review fields, in characters.
const (
	MaxClaimText  = 4000
	MaxQuantities = 20
	MaxShortText  = 200
	MaxTitle      = 1000
	MaxURL        = 2000
	// MaxLongText bounds excerpts, rationales and withdrawal reasons.
	MaxLongText = 20000
)

func validKind(k Kind) bool     { return slices.Contains(Kinds(), k) }
func validStage(s Stage) bool   { return slices.Contains(Stages(), s) }
func validStatus(s Status) bool { return slices.Contains(Statuses(), s) }

// validateQuantities checks each quantity's bounds and date, reporting fields as
// quantities[i].name.
func validateQuantities(qs []Quantity, errs fault.Fields) {
	if len(qs) > MaxQuantities {
		errs.Add("quantities", fmt.Sprintf("must hold at most %d items", MaxQuantities))
		return
	}
	for i, q := range qs {
		field := func(name string) string { return fmt.Sprintf("quantities[%d].%s", i, name) }
		for name, v := range map[string]*float64{"value": q.Value, "lower": q.Lower, "upper": q.Upper} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				errs.Add(field(name), "must be a finite number")
			}
		}
		if q.Value == nil && q.Lower == nil && q.Upper == nil {
			errs.Add(field("value"), "a quantity needs a value, a lower or an upper bound")
		}
		if q.Lower != nil && q.Upper != nil && *q.Lower > *q.Upper {
			errs.Add(field("lower"), "must not exceed upper")
		}
		if q.Value != nil && q.Lower != nil && *q.Value < *q.Lower {
			errs.Add(field("value"), "must not be below lower")
		}
		if q.Value != nil && q.Upper != nil && *q.Value > *q.Upper {
			errs.Add(field("value"), "must not exceed upper")
		}
		if strings.TrimSpace(q.Unit) == "" {
			errs.Add(field("unit"), "is required")
		}
		text.Limit(errs, field("unit"), q.Unit, MaxShortText)
		text.Limit(errs, field("qualifier"), q.Qualifier, MaxShortText)
		if q.AsOf != "" {
			if _, err := time.Parse(time.DateOnly, q.AsOf); err != nil {
				errs.Add(field("as_of"), "must be a date as YYYY-MM-DD")
			}
		}
	}
}

// StoredTime returns t as the database stores it (UTC, to the microsecond), so that what a
// Create returns equals what a later Find reads. A time outside the years 1 to 9999, which
// JSON, SQL and the audit trail cannot all hold, is recorded as an error on field name.
func StoredTime(errs fault.Fields, name string, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	if u.Year() < 1 || u.Year() > 9999 || t.IsZero() {
		errs.Add(name, "must be a date after 0001-01-01T00:00:00Z and before the year 10000 (UTC), or absent")
		return t
	}
	return &u
}
