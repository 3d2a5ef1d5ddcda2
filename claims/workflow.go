package claims

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Action is a workflow transition.
type Action string

// The workflow actions.
const (
	ActionStart   Action = "start"
	ActionPropose Action = "propose"
	ActionSignOff Action = "sign_off"
	ActionReject  Action = "reject"
	ActionReopen  Action = "reopen"
)

// Actions lists every action.
func Actions() []Action {
	return []Action{ActionStart, ActionPropose, ActionSignOff, ActionReject, ActionReopen}
}

// move is one row of the workflow table: from which stage an action leads where, and the
// least role that may take it.
type move struct {
	from, to Stage
	minRole  Role
}

// moves is the one table of legal transitions.
func moves() map[Action]move {
	return map[Action]move{
		ActionStart:   {from: StageOpen, to: StageInReview, minRole: RoleReviewer},
		ActionPropose: {from: StageInReview, to: StageAwaitingSignoff, minRole: RoleReviewer},
		ActionSignOff: {from: StageAwaitingSignoff, to: StageClosed, minRole: RoleEditor},
		ActionReject:  {from: StageAwaitingSignoff, to: StageInReview, minRole: RoleEditor},
		ActionReopen:  {from: StageClosed, to: StageInReview, minRole: RoleEditor},
	}
}

// CheckAction reports whether actor's role may ever take action: Forbidden if not, Invalid
// for an unknown action. Callers check it before asking for anything else, such as an ETag.
func CheckAction(actor Actor, action Action) error {
	m, ok := moves()[action]
	if !ok {
		return fault.Field("action", fault.OneOf(Actions()))
	}
	if !actor.Role.AtLeast(m.minRole) {
		return fault.New(fault.Forbidden, "%s needs the %s role or above", action, m.minRole)
	}
	return nil
}

// Transition is a request to move a claim through the workflow.
type Transition struct {
	Action Action
	// Status is the verdict a proposal attaches.
	Status Status
	// Rationale explains a proposal, a rejection or a reopening.
	Rationale string
	// AssigneeID, on start, names the reviewer who takes the claim; it defaults to the actor,
	// and only editors may assign someone else.
	AssigneeID *int64
}

// ReviewEvent records one transition of a claim.
type ReviewEvent struct {
	bun.BaseModel `bun:"table:review_events"`

	ID           int64     `bun:"id,pk,autoincrement"`
	ClaimID      int64     `bun:"claim_id"`
	ActorID      *int64    `bun:"actor_id"`
	Action       Action    `bun:"action"`
	FromStage    Stage     `bun:"from_stage"`
	ToStage      Stage     `bun:"to_stage"`
	Status       Status    `bun:"status"`
	Rationale    string    `bun:"rationale"`
	AssigneeID   *int64    `bun:"assignee_id"`
	ClaimVersion int64     `bun:"claim_version"`
	CreatedAt    time.Time `bun:"created_at"`
}

// Transition moves claim id from its stage by t.Action. version must be the claim's current
// version. It returns NotFound for no such claim, PreconditionFailed for a stale version,
// Conflict for an action not allowed from the claim's stage, Forbidden when the actor may not
// take it (too little role; proposing on someone else's claim as a reviewer; signing off one's
// own proposal, even as admin), and Invalid for a missing rationale or status, or a proposal
// without evidence. Nothing changes unless it succeeds.
func (s *Store) Transition(ctx context.Context, actor Actor, id, version int64, t Transition) (*Claim, *ReviewEvent, error) {
	m, ok := moves()[t.Action]
	if !ok {
		return nil, nil, fault.Field("action", fault.OneOf(Actions()))
	}
	// A field that the action does not use is refused rather than ignored: a status sent
	// with start, say, would look recorded when it is not.
	if t.Status != "" && t.Action != ActionPropose {
		return nil, nil, fault.Field("status", fmt.Sprintf("is set by propose, not by %s", t.Action))
	}
	if t.AssigneeID != nil && t.Action != ActionStart {
		return nil, nil, fault.Field("assignee_id", fmt.Sprintf("is set by start, not by %s", t.Action))
	}
	// A missing right is reported before anything about the claim, so that a caller who may
	// not take this action learns that and nothing else.
	if err := CheckAction(actor, t.Action); err != nil {
		return nil, nil, err
	}
	rationale, err := NormalizeText("rationale", t.Rationale)
	if err != nil {
		return nil, nil, err
	}
	t.Rationale = strings.TrimSpace(rationale)
	if len(t.Rationale) > maxEvidenceText {
		return nil, nil, fault.Field("rationale", fmt.Sprintf("must be at most %d bytes", maxEvidenceText))
	}
	var c *Claim
	var ev *ReviewEvent
	err = s.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		old, err := lockClaim(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if old.Stage != m.from {
			return fault.New(fault.Conflict, "cannot %s claim %d: it is %s, and %s applies only to %s claims", t.Action, id, old.Stage, t.Action, m.from)
		}
		next := *old
		if err := apply(ctx, tx, actor, &next, t); err != nil {
			return err
		}
		next.Stage = m.to
		next.Version++
		next.UpdatedAt = tx.Now
		if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
			return err
		}
		ev = &ReviewEvent{
			ClaimID: id, ActorID: actor.UserRef(), Action: t.Action, FromStage: old.Stage, ToStage: next.Stage,
			Status: next.Status, Rationale: t.Rationale, AssigneeID: next.AssigneeID, ClaimVersion: next.Version, CreatedAt: tx.Now,
		}
		if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
			return err
		}
		c = &next
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "claim." + string(t.Action), EntityType: "claim", EntityID: fmt.Sprint(id),
			Before: claimAudit(old), After: claimAudit(c),
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, ev, nil
}

// apply checks the action's own rules and sets the fields it changes on c.
func apply(ctx context.Context, tx *database.Tx, actor Actor, c *Claim, t Transition) error {
	switch t.Action {
	case ActionStart:
		assignee := actor.UserID
		if t.AssigneeID != nil && *t.AssigneeID != actor.UserID {
			if !actor.Role.AtLeast(RoleEditor) {
				return fault.New(fault.Forbidden, "only editors may assign a claim to someone else")
			}
			assignee = *t.AssigneeID
		}
		if assignee == 0 {
			return fault.Field("assignee_id", "is required when Verity itself starts a review")
		}
		if err := checkReviewer(ctx, tx, assignee); err != nil {
			return err
		}
		c.AssigneeID = &assignee
	case ActionPropose:
		isAssignee := c.AssigneeID != nil && *c.AssigneeID == actor.UserID
		if !isAssignee && !actor.Role.AtLeast(RoleEditor) {
			return fault.New(fault.Forbidden, "only the assignee or an editor may propose a verdict for this claim")
		}
		errs := fault.Fields{}
		switch {
		case t.Status == "":
			errs.Add("status", "is required to propose a verdict")
		case !validStatus(t.Status):
			errs.Add("status", fault.OneOf(Statuses()))
		case t.Status == StatusUnverified:
			errs.Add("status", "a proposal needs a verdict other than unverified")
		}
		if t.Rationale == "" {
			errs.Add("rationale", "is required to propose a verdict")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if t.Status != StatusUnverifiable {
			n, err := tx.NewSelect().Model((*Evidence)(nil)).Where("claim_id = ? AND withdrawn_at IS NULL", c.ID).Count(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				return fault.Field("status", fmt.Sprintf("a %s verdict needs at least one evidence item that is not withdrawn", t.Status))
			}
		}
		c.Status, c.Rationale, c.ProposedBy, c.ProposedVia = t.Status, t.Rationale, actor.UserRef(), actor.tokenFrom()
		c.SignedOffBy = nil
	case ActionSignOff:
		// Four eyes: nobody behind the proposal (the proposer, or the admin whose token they
		// used) may be behind the sign-off, directly or through a token.
		proposers := []*int64{c.ProposedBy, c.ProposedVia}
		if c.ProposedBy == nil && actor.UserID == 0 {
			return fault.New(fault.Forbidden, "Verity proposed this verdict itself; a person must sign it off")
		}
		for _, p := range proposers {
			if p != nil && slices.Contains(actor.people(), *p) {
				return fault.New(fault.Forbidden, "the proposer cannot sign off their own verdict, nor through a token made for someone else; a second editor must")
			}
		}
		c.SignedOffBy = actor.UserRef()
	case ActionReject, ActionReopen:
		if t.Rationale == "" {
			return fault.Field("rationale", fmt.Sprintf("is required to %s a claim", t.Action))
		}
		c.SignedOffBy, c.ProposedBy, c.ProposedVia = nil, nil, nil
	}
	return nil
}

// checkReviewer makes sure a claim is assigned to an active user who may review.
func checkReviewer(ctx context.Context, tx *database.Tx, userID int64) error {
	var u struct {
		Role     Role       `bun:"role"`
		Disabled *time.Time `bun:"disabled_at"`
	}
	err := tx.NewSelect().Table("users").Column("role", "disabled_at").Where("id = ?", userID).Scan(ctx, &u)
	if fault.Is(database.Translate(err), fault.NotFound) {
		return fault.Field("assignee_id", fmt.Sprintf("user %d does not exist", userID))
	}
	if err != nil {
		return err
	}
	if u.Disabled != nil || !u.Role.AtLeast(RoleReviewer) {
		return fault.Field("assignee_id", fmt.Sprintf("user %d cannot review claims", userID))
	}
	return nil
}

// FindReviewEvents lists a claim's transitions, oldest first.
func (s *Store) FindReviewEvents(ctx context.Context, claimID int64) ([]ReviewEvent, error) {
	events := []ReviewEvent{}
	err := s.db.Reader().NewSelect().Model(&events).Where("claim_id = ?", claimID).Order("id ASC").Scan(ctx)
	return events, database.Translate(err)
}
