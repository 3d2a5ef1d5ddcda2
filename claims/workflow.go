package claims

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
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
// right it takes.
type move struct {
	from, to Stage
	right    identity.Right
}

// moves is the one table of legal transitions.
func moves() map[Action]move {
	return map[Action]move{
		ActionStart:   {from: StageOpen, to: StageInReview, right: identity.Review},
		ActionPropose: {from: StageInReview, to: StageAwaitingSignoff, right: identity.Review},
		ActionSignOff: {from: StageAwaitingSignoff, to: StageClosed, right: identity.Edit},
		ActionReject:  {from: StageAwaitingSignoff, to: StageInReview, right: identity.Edit},
		ActionReopen:  {from: StageClosed, to: StageInReview, right: identity.Edit},
	}
}

// CheckAction reports whether actor's role may ever take action: Forbidden if not, Invalid
// for an unknown action. Callers check it before asking for anything else, such as an ETag.
func CheckAction(actor identity.Actor, action Action) error {
	m, ok := moves()[action]
	if !ok {
		return fault.Field("action", fault.OneOf(Actions()))
	}
	return actor.Require(m.right, string(action))
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

	ID           int64     `bun:"id,pk,autoincrement" json:"id"`
	ClaimID      int64     `bun:"claim_id" json:"claim_id"`
	ActorID      *int64    `bun:"actor_id" json:"actor_id"`
	Action       Action    `bun:"action" json:"action"`
	FromStage    Stage     `bun:"from_stage" json:"from_stage"`
	ToStage      Stage     `bun:"to_stage" json:"to_stage"`
	Status       Status    `bun:"status" json:"status"`
	Rationale    string    `bun:"rationale" json:"rationale"`
	AssigneeID   *int64    `bun:"assignee_id" json:"assignee_id"`
	ClaimVersion int64     `bun:"claim_version" json:"claim_version"`
	CreatedAt    time.Time `bun:"created_at" json:"created_at"`
}

// Transition moves claim id from its stage by t.Action. version must be the claim's current
// version. It returns NotFound for no such claim, PreconditionFailed for a stale version,
// Conflict for an action not allowed from the claim's stage, Forbidden when the actor may not
// take it (too little role; proposing on someone else's claim as a reviewer; signing off one's
// own proposal, even as admin), and Invalid for a missing rationale or status, or a proposal
// without evidence. Nothing changes unless it succeeds.
func (s *Store) Transition(ctx context.Context, actor identity.Actor, id, version int64, t Transition) (*Claim, *ReviewEvent, error) {
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
	errs := fault.Fields{}
	text.Clean(errs, "rationale", &t.Rationale, MaxLongText, false)
	if err := errs.Err(); err != nil {
		return nil, nil, err
	}
	var c *Claim
	var ev *ReviewEvent
	err := s.scope.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		in := s.In(tx)
		old, err := in.lockClaim(ctx, id, version)
		if err != nil {
			return err
		}
		if old.Stage != m.from {
			return fault.New(fault.Conflict, "cannot %s claim %d: it is %s, and %s applies only to %s claims", t.Action, id, old.Stage, t.Action, m.from)
		}
		next := *old
		if err := in.apply(ctx, actor, &next, t); err != nil {
			return err
		}
		next.Stage = m.to
		next.Version++
		next.UpdatedAt = tx.Now
		if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("%s claim %d: %w", t.Action, id, err)
		}
		ev = &ReviewEvent{
			ClaimID: id, ActorID: actor.UserRef(), Action: t.Action, FromStage: old.Stage, ToStage: next.Stage,
			Status: next.Status, Rationale: t.Rationale, AssigneeID: next.AssigneeID, ClaimVersion: next.Version, CreatedAt: tx.Now,
		}
		if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
			return fmt.Errorf("record %s of claim %d: %w", t.Action, id, err)
		}
		c = &next
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "claim." + string(t.Action), EntityType: "claim", EntityID: fmt.Sprint(id),
			People: actor.People(),
			Before: old, After: c,
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, ev, nil
}

// apply checks the action's own rules and sets the fields it changes on c.
func (s *Store) apply(ctx context.Context, actor identity.Actor, c *Claim, t Transition) error {
	switch t.Action {
	case ActionStart:
		assignee := actor.UserID
		if t.AssigneeID != nil && *t.AssigneeID != actor.UserID {
			if err := actor.Require(identity.Edit, "assigning a claim to someone else"); err != nil {
				return err
			}
			assignee = *t.AssigneeID
		}
		if assignee == 0 {
			return fault.Field("assignee_id", "is required when Verity itself starts a review")
		}
		if err := s.checkReviewer(ctx, assignee); err != nil {
			return err
		}
		c.AssigneeID = &assignee
	case ActionPropose:
		isAssignee := c.AssigneeID != nil && *c.AssigneeID == actor.UserID
		if !isAssignee && !actor.Role.Can(identity.Edit) {
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
			n, err := s.scope.Read().NewSelect().Model((*Evidence)(nil)).Where("claim_id = ? AND withdrawn_at IS NULL", c.ID).Count(ctx)
			if err != nil {
				return fmt.Errorf("count evidence of claim %d: %w", c.ID, err)
			}
			if n == 0 {
				return fault.Field("status", fmt.Sprintf("a %s verdict needs at least one evidence item that is not withdrawn", t.Status))
			}
		}
		c.Status, c.Rationale, c.ProposedBy, c.ProposedVia = t.Status, t.Rationale, actor.UserRef(), actor.TokenFromRef()
		c.SignedOffBy = nil
	case ActionSignOff:
		// Four eyes: nobody behind the proposal (the proposer, or the admin whose token they
		// used) may be behind the sign-off, directly or through a token.
		proposers := []*int64{c.ProposedBy, c.ProposedVia}
		if c.ProposedBy == nil && !actor.Person() {
			return fault.New(fault.Forbidden, "Verity proposed this verdict itself; a person must sign it off")
		}
		for _, p := range proposers {
			if p != nil && slices.Contains(actor.People(), *p) {
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
func (s *Store) checkReviewer(ctx context.Context, userID int64) error {
	u, err := s.users.FindUserByID(ctx, userID)
	if fault.Is(err, fault.NotFound) {
		return fault.Field("assignee_id", fmt.Sprintf("user %d does not exist", userID))
	}
	if err != nil {
		return err
	}
	if u.DisabledAt != nil || !u.Role.Can(identity.Review) {
		return fault.Field("assignee_id", fmt.Sprintf("user %d cannot review claims", userID))
	}
	return nil
}

// FindReviewEvents lists a claim's transitions, oldest first.
func (s *Store) FindReviewEvents(ctx context.Context, claimID int64) ([]ReviewEvent, error) {
	events := []ReviewEvent{}
	err := s.scope.Read().NewSelect().Model(&events).Where("claim_id = ?", claimID).Order("id ASC").Scan(ctx)
	return events, database.Translate(err)
}
