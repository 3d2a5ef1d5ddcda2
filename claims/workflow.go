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

// AllowedActions lists, in workflow order, the actions actor may take on c now: the role's
// right (CheckAction), the claim's stage (the table of moves) and the action's rules about
// who (checkActor) all allow it. Rules about what the request carries (a rationale, a
// status, evidence) are not asked here; the transition itself reports them. Pages use it
// to show only the moves a person may make.
func AllowedActions(actor identity.Actor, c *Claim) []Action {
	var out []Action
	for _, a := range Actions() {
		if CheckAction(actor, a) == nil && c.Stage == moves()[a].from && checkActor(actor, c, a) == nil && checkPassage(c, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

// checkActor applies the rules of an action about who takes it, beyond the right its move
// needs: only the assignee or an editor proposes; nobody behind a proposal signs it off
// (four eyes); a verdict Verity proposed itself needs a person to sign it. It returns
// Forbidden, or Conflict for a sign-off without a proposal.
func checkActor(actor identity.Actor, c *Claim, a Action) error {
	switch a {
	case ActionPropose:
		isAssignee := c.AssigneeID != nil && *c.AssigneeID == actor.UserID
		if !isAssignee && !actor.Role.Can(identity.Edit) {
			return fault.New(fault.Forbidden, "only the assignee or an editor may propose a verdict for this claim")
		}
	case ActionSignOff:
		// Four eyes: nobody behind the proposal (the proposer, or the admin whose token they
		// used) may be behind the sign-off, directly or through a token.
		if c.ProposedBy == nil && !actor.Person() {
			return fault.New(fault.Forbidden, "Verity proposed this verdict itself; a person must sign it off")
		}
		for _, p := range []*int64{c.ProposedBy, c.ProposedVia} {
			if p != nil && slices.Contains(actor.People(), *p) {
				return fault.New(fault.Forbidden, "the proposer cannot sign off their own verdict, nor through a token made for someone else; a second editor must")
			}
		}
		if c.ProposedStatus == nil {
			return fault.New(fault.Conflict, "claim %d has no proposal to sign off", c.ID)
		}
	}
	return nil
}

// checkPassage returns Conflict when the action would give a verdict to a claim whose
// passage a later revision removed: a verdict judges a passage as published, and an
// orphaned claim has none to judge (nor would it ever be published).
func checkPassage(c *Claim, a Action) error {
	if (a == ActionPropose || a == ActionSignOff) && c.AnchorState == Orphaned {
		return fault.New(fault.Conflict, "claim %d's quote is no longer in the article (it was last found in revision %d): there is no passage for a verdict to judge", c.ID, c.ArticleRevision)
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
	if _, ok := moves()[t.Action]; !ok {
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
		c, ev, err = in.move(ctx, tx, actor, old, t)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, ev, nil
}

// move takes old through t inside tx: the stage rule, the action's own rules, the claim's
// next version, its review event and its audit event.
func (s *Store) move(ctx context.Context, tx *database.Tx, actor identity.Actor, old *Claim, t Transition) (*Claim, *ReviewEvent, error) {
	m := moves()[t.Action]
	if old.Stage != m.from {
		return nil, nil, fault.New(fault.Conflict, "cannot %s claim %d: it is %s, and %s applies only to %s claims", t.Action, old.ID, old.Stage, t.Action, m.from)
	}
	next := *old
	concerns, err := s.apply(ctx, actor, &next, t, tx.Now)
	if err != nil {
		return nil, nil, err
	}
	next.Stage = m.to
	next.Version++
	next.UpdatedAt = tx.Now
	// Only the columns the move changes: the claim's indexes on the others and its
	// full-text entry stay as they are.
	if err := tx.UpdateChangedPrepared(ctx, old, &next); err != nil {
		return nil, nil, fmt.Errorf("%s claim %d: %w", t.Action, old.ID, err)
	}
	ev := &ReviewEvent{
		ClaimID: old.ID, ActorID: actor.UserRef(), Action: t.Action, FromStage: old.Stage, ToStage: next.Stage,
		Status: concerns, Rationale: t.Rationale, AssigneeID: next.AssigneeID, ClaimVersion: next.Version, CreatedAt: tx.Now,
	}
	if err := tx.InsertPrepared(ctx, ev); err != nil {
		return nil, nil, fmt.Errorf("record %s of claim %d: %w", t.Action, old.ID, err)
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.Audit(), Action: "claim." + string(t.Action), EntityType: "claim", EntityID: fmt.Sprint(old.ID),
		Before: old, After: &next,
	}); err != nil {
		return nil, nil, err
	}
	return &next, ev, nil
}

// apply checks the action's own rules and sets the fields it changes on c. It returns the
// verdict the action concerns, which its review event records: the proposal made, signed
// off or rejected, or the verdict in force for start and reopen.
func (s *Store) apply(ctx context.Context, actor identity.Actor, c *Claim, t Transition, now time.Time) (Status, error) {
	switch t.Action {
	case ActionStart:
		assignee := actor.UserID
		if t.AssigneeID != nil && *t.AssigneeID != actor.UserID {
			if err := actor.Require(identity.Edit, "assigning a claim to someone else"); err != nil {
				return "", err
			}
			assignee = *t.AssigneeID
		}
		if assignee == 0 {
			return "", fault.Field("assignee_id", "is required when Verity itself starts a review")
		}
		if err := s.checkReviewer(ctx, assignee); err != nil {
			return "", err
		}
		c.AssigneeID = &assignee
		return c.Status, nil
	case ActionPropose:
		if err := checkActor(actor, c, t.Action); err != nil {
			return "", err
		}
		if err := checkPassage(c, t.Action); err != nil {
			return "", err
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
			return "", err
		}
		if t.Status != StatusUnverifiable {
			n, err := s.countEvidence(ctx, c.ID, true)
			if err != nil {
				return "", fmt.Errorf("count evidence of claim %d: %w", c.ID, err)
			}
			if n == 0 {
				return "", fault.Field("status", fmt.Sprintf("a %s verdict needs at least one evidence item that is not withdrawn", t.Status))
			}
		}
		proposed := t.Status
		c.ProposedStatus, c.ProposedRationale, c.ProposedAt = &proposed, t.Rationale, &now
		c.ProposedBy, c.ProposedVia = actor.UserRef(), actor.TokenFromRef()
		return proposed, nil
	case ActionSignOff:
		if err := checkActor(actor, c, t.Action); err != nil {
			return "", err
		}
		if err := checkPassage(c, t.Action); err != nil {
			return "", err
		}
		// The proposal becomes the verdict; who proposed it stays on record beside who signed.
		c.Status, c.Rationale = *c.ProposedStatus, c.ProposedRationale
		c.ProposedStatus, c.ProposedRationale = nil, ""
		c.SignedOffBy, c.SignedOffAt = actor.UserRef(), &now
		return c.Status, nil
	case ActionReject:
		if t.Rationale == "" {
			return "", fault.Field("rationale", "is required to reject a proposal")
		}
		var rejected Status
		if c.ProposedStatus != nil {
			rejected = *c.ProposedStatus
		}
		c.withdrawVerdict()
		return rejected, nil
	case ActionReopen:
		if t.Rationale == "" {
			return "", fault.Field("rationale", "is required to reopen a claim")
		}
		// Reopening withdraws the verdict: it stops being published and no longer counts as
		// the claim's status until a new one is signed off. The review events keep it.
		withdrawn := c.Status
		c.withdrawVerdict()
		return withdrawn, nil
	}
	return "", fault.Field("action", fault.OneOf(Actions()))
}

// withdrawVerdict discards a pending proposal and the verdict in force: a reject or a reopen
// leaves a claim with neither.
func (c *Claim) withdrawVerdict() {
	c.ProposedStatus, c.ProposedRationale, c.ProposedBy, c.ProposedVia, c.ProposedAt = nil, "", nil, nil, nil
	c.Status, c.Rationale, c.SignedOffBy, c.SignedOffAt = StatusUnverified, "", nil, nil
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

// FindReviewEvents lists a claim's transitions in id order (oldest first), after afterID
// and at most limit of them; more reports whether another page follows. It returns
// NotFound for a missing claim and Invalid for a limit that is not positive.
func (s *Store) FindReviewEvents(ctx context.Context, claimID, afterID int64, limit int) (events []ReviewEvent, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	events = []ReviewEvent{}
	err = s.scope.Read().NewSelect().Model(&events).Where("claim_id = ? AND id > ?", claimID, afterID).
		Order("id ASC").Limit(int64(limit + 1)).Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list transitions of claim %d: %w", claimID, database.Translate(err))
	}
	if len(events) == 0 {
		return events, false, s.checkClaim(ctx, claimID)
	}
	events, more = database.Trim(events, limit)
	return events, more, nil
}
