package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims"
)

// TransitionRequest is the body of POST /api/v1/claims/{id}/transitions.
type TransitionRequest struct {
	Action     string `json:"action" validate:"required,action"`
	Status     string `json:"status" validate:"omitempty,status"`
	Rationale  string `json:"rationale"`
	AssigneeID *ID    `json:"assignee_id"`
}

// ReviewEventResponse is one transition of a claim.
type ReviewEventResponse struct {
	ID           ID     `json:"id"`
	ClaimID      ID     `json:"claim_id"`
	ActorID      *ID    `json:"actor_id"`
	Action       string `json:"action"`
	FromStage    string `json:"from_stage"`
	ToStage      string `json:"to_stage"`
	Status       string `json:"status"`
	Rationale    string `json:"rationale"`
	AssigneeID   *ID    `json:"assignee_id"`
	ClaimVersion int64  `json:"claim_version"`
	CreatedAt    Time   `json:"created_at"`
}

func reviewEventResponse(e *claims.ReviewEvent) ReviewEventResponse {
	return ReviewEventResponse{
		ID: ID(e.ID), ClaimID: ID(e.ClaimID), ActorID: ptrID(e.ActorID), Action: string(e.Action),
		FromStage: string(e.FromStage), ToStage: string(e.ToStage), Status: string(e.Status), Rationale: e.Rationale,
		AssigneeID: ptrID(e.AssigneeID), ClaimVersion: e.ClaimVersion, CreatedAt: Time{e.CreatedAt},
	}
}

func (s *Server) transition(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	var req TransitionRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	// A caller who may never take this action hears that before anything about ETags.
	if err := claims.CheckAction(actorOf(c), claims.Action(req.Action)); err != nil {
		return err
	}
	version, err := ifMatch(c, true, s.claimVersion(c, id))
	if err != nil {
		return err
	}
	t := claims.Transition{Action: claims.Action(req.Action), Status: claims.Status(req.Status), Rationale: req.Rationale}
	if req.AssigneeID != nil {
		a := int64(*req.AssigneeID)
		t.AssigneeID = &a
	}
	cl, _, err := s.claims.Transition(c.Request.Context(), actorOf(c), id, *version, t)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(cl.Version))
	c.JSON(http.StatusOK, claimResponse(cl))
	return nil
}

func (s *Server) listTransitions(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	// FindReviewEvents answers NotFound for a missing claim itself.
	events, more, err := s.claims.FindReviewEvents(c.Request.Context(), id, p.afterID(), p.limit)
	if err != nil {
		return err
	}
	out := make([]ReviewEventResponse, len(events))
	for i := range events {
		out[i] = reviewEventResponse(&events[i])
	}
	c.JSON(http.StatusOK, newPage(p, out, more, func(r ReviewEventResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}
