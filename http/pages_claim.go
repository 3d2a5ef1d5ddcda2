package http

import (
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance"
)

type claimView struct {
	pageBase
	Claim     *claims.Claim
	Article   *claims.Article
	Passage   passageView
	Citations []*provenance.Citation
	Upstream  []derivationView
	Diagram   diagram
	Evidence  []evidenceView
	History   []historyView
	// Allowed holds the workflow actions the viewer may take now, by name.
	Allowed                 map[string]bool
	CanAddEvidence, CanCite bool
	NoMoves                 string
	Assignee, ProposedBy    string
	SignedOffBy             string
	Sources                 []*provenance.Source
	ProposeStatuses         []claims.Status
	Stances                 []claims.Stance
	Relations               []provenance.Relation
	MaxUpload               string
	Alert                   *alert
	// Assignable lists who an editor may hand the claim to when taking it into review.
	Assignable []*identity.User
	forms      map[string]*form
}

// Form returns the state of the named form: what was typed and its errors after a refusal,
// or an empty form.
func (v *claimView) Form(name string) *form {
	if f, ok := v.forms[name]; ok {
		return f
	}
	return &form{}
}

// alert explains at the top of a page why a form was refused, when the form alone cannot:
// the claim changed under it, or the form is no longer offered.
type alert struct {
	Title, Message string
	// Typed is what the person wrote in the refused form, kept so that nothing is lost.
	Typed string
}

type evidenceView struct {
	Item        *claims.Evidence
	AddedBy     string
	WithdrawnBy string
	Source      *provenance.Source
	CanWithdraw bool
}

type historyView struct {
	Event claims.ReviewEvent
	Actor string
	Verb  string
}

type derivationView struct {
	From, To *provenance.Source
	Note     string
}

// claimNotices are what a successful form post says on the page it leads back to.
var claimNotices = map[string]string{
	"start":    "You took the claim into review; you are its assignee.",
	"propose":  "Your proposal is recorded. It becomes the verdict when a second person signs it off.",
	"sign_off": "Signed off: the verdict is now in force.",
	"reject":   "The proposal is rejected; the claim is back in review.",
	"reopen":   "The claim is reopened: its verdict is withdrawn and it is back in review.",
	"evidence": "Evidence added.",
	"withdraw": "Evidence withdrawn; it stays on record, marked.",
	"citation": "Citation added.",
	"created":  "Claim created.",
}

func (s *Server) claimPage(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	return s.showClaim(c, id, http.StatusOK, nil, "", nil)
}

// showClaim renders a claim page: after a refusal, with the refused form's state under
// formName and the status its error maps to.
func (s *Server) showClaim(c *gin.Context, id int64, status int, f *form, formName string, refused error) error {
	ctx := c.Request.Context()
	actor := actorOf(c)
	g, err := s.provenance.ClaimGraph(ctx, id)
	if err != nil {
		return err
	}
	cl := g.Claim
	v := &claimView{
		pageBase: s.base(c, "Claim #"+itoa(cl.ID), "claim"),
		Claim:    cl, Article: g.Article, Citations: g.Citations, Diagram: layoutProvenance(g),
		Allowed: map[string]bool{}, forms: map[string]*form{},
		Stances: claims.Stances(), Relations: provenance.Relations(),
		MaxUpload: fmt.Sprintf("%d MB", s.maxUpload/1_000_000),
	}
	v.Notice = claimNotices[c.Query("done")]
	body := g.Article.Body
	if cl.ArticleRevision != g.Article.Revision {
		// An orphaned claim keeps the anchor of the revision its quote was last found in.
		rev, err := s.claims.FindRevision(ctx, g.Article.ID, cl.ArticleRevision)
		if err != nil {
			return err
		}
		body = rev.Body
	}
	v.Passage = passage(body, cl)
	for _, e := range g.Upstream {
		v.Upstream = append(v.Upstream, derivationView{From: g.Sources[e.SourceID], To: g.Sources[e.DerivedFromID], Note: e.Note})
	}
	for _, a := range claims.AllowedActions(actor, cl) {
		v.Allowed[string(a)] = true
	}
	if len(v.Allowed) == 0 {
		v.NoMoves = noMovesNote(actor, cl)
	}
	if v.Allowed[string(claims.ActionStart)] && actor.Role.Can(identity.Edit) {
		if v.Assignable, err = s.assignable(c); err != nil {
			return err
		}
	}
	v.CanAddEvidence = claims.CheckAddEvidence(actor, cl) == nil
	v.CanCite = provenance.CheckCitable(actor, cl) == nil
	for _, st := range claims.Statuses() {
		if st != claims.StatusUnverified {
			v.ProposeStatuses = append(v.ProposeStatuses, st)
		}
	}
	if v.CanAddEvidence || v.CanCite {
		if v.Sources, _, err = s.provenance.FindSources(ctx, provenance.SourceFilter{Limit: 500}); err != nil {
			return err
		}
	}
	who := s.names(c)
	if cl.AssigneeID != nil {
		v.Assignee = who.of(cl.AssigneeID)
	}
	if cl.ProposedStatus != nil {
		v.ProposedBy = who.of(cl.ProposedBy)
	}
	if cl.SignedOffBy != nil {
		v.SignedOffBy = who.of(cl.SignedOffBy)
	}
	for _, e := range g.Evidence {
		ev := evidenceView{Item: e, AddedBy: who.of(e.AddedBy), CanWithdraw: claims.CheckWithdraw(actor, e, cl) == nil}
		if e.WithdrawnAt != nil {
			ev.WithdrawnBy = who.of(e.WithdrawnBy)
		}
		if e.SourceID != nil {
			ev.Source = g.Sources[*e.SourceID]
			if ev.Source == nil {
				if src, err := s.provenance.FindSourceByID(ctx, *e.SourceID); err == nil {
					ev.Source = src
				}
			}
		}
		v.Evidence = append(v.Evidence, ev)
	}
	// The whole history: a claim's review is a handful of events, read a page at a time.
	for after := int64(0); ; {
		events, more, err := s.claims.FindReviewEvents(ctx, id, after, 200)
		if err != nil {
			return err
		}
		for _, e := range events {
			v.History = append(v.History, historyView{Event: e, Actor: who.of(e.ActorID), Verb: verbOf(e, who)})
		}
		if !more {
			break
		}
		after = events[len(events)-1].ID
	}
	if f != nil {
		v.forms[formName] = f
		v.Alert = refusalAlert(refused, f, formName, v)
	}
	return s.renderPage(c, status, "claim", v)
}

// assignable lists the active users whose role may review, whom an editor may assign.
func (s *Server) assignable(c *gin.Context) ([]*identity.User, error) {
	var out []*identity.User
	for _, role := range identity.RolesWith(identity.Review) {
		users, _, err := s.identity.FindUsers(c.Request.Context(), identity.UserFilter{Role: role, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.DisabledAt == nil {
				out = append(out, u)
			}
		}
	}
	slices.SortFunc(out, func(a, b *identity.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// noMovesNote says why someone sees no review action on a claim.
func noMovesNote(actor identity.Actor, c *claims.Claim) string {
	switch {
	case !actor.Role.Can(identity.Review):
		return fmt.Sprintf("You are a %s: you can read this claim but not review it.", actor.Role)
	case c.Stage == claims.StageInReview:
		return "Only the assignee or an editor may propose a verdict for this claim."
	case c.Stage == claims.StageAwaitingSignoff && actor.Role.Can(identity.Edit):
		return "You proposed this verdict, so a second editor must sign it off."
	case c.Stage == claims.StageAwaitingSignoff:
		return "The proposal awaits an editor’s sign-off."
	case c.Stage == claims.StageClosed:
		return "The claim is closed; an editor may reopen it."
	}
	return ""
}

// refusalAlert explains a refusal at the top of the page when the form cannot say it alone.
func refusalAlert(err error, f *form, formName string, v *claimView) *alert {
	e := fault.As(err)
	shown := v.Allowed[formName] ||
		(formName == "evidence" && v.CanAddEvidence) || (formName == "citation" && v.CanCite) ||
		(strings.HasPrefix(formName, "withdraw-") && v.withdrawable(formName))
	typed := strings.TrimSpace(f.V("rationale") + f.V("excerpt") + f.V("reason"))
	switch {
	case e.Kind == fault.PreconditionFailed:
		a := &alert{Title: "Someone changed this claim while you had it open",
			Message: fmt.Sprintf("Nothing was saved: %s. Below is the claim as it is now (version %d, %s, %s); check it before you try again.",
				e.Message, v.Claim.Version, labelOf(string(v.Claim.Stage)), labelOf(string(v.Claim.Status)))}
		if !shown {
			a.Typed = typed
		} else {
			f.Message = "" // said above
		}
		return a
	case !shown:
		return &alert{Title: "That could not be done", Message: explain(e), Typed: typed}
	}
	return nil
}

// explain is an error's message with its field messages, for a page that cannot show them
// beside their fields.
func explain(e *fault.Error) string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(e.Fields)) {
		parts = append(parts, name+" "+e.Fields[name])
	}
	return strings.Join(parts, "; ")
}

func (v *claimView) withdrawable(formName string) bool {
	for _, e := range v.Evidence {
		if formName == fmt.Sprintf("withdraw-%d", e.Item.ID) {
			return e.CanWithdraw
		}
	}
	return false
}

// verbOf says what a review event did, in words.
func verbOf(e claims.ReviewEvent, who *names) string {
	st := labelOf(string(e.Status))
	switch e.Action {
	case claims.ActionStart:
		if e.AssigneeID != nil && (e.ActorID == nil || *e.AssigneeID != *e.ActorID) {
			return "assigned the claim to " + who.of(e.AssigneeID)
		}
		return "took the claim into review"
	case claims.ActionPropose:
		return "proposed the verdict " + st
	case claims.ActionSignOff:
		return "signed off the verdict " + st
	case claims.ActionReject:
		return "rejected the proposal " + st
	case claims.ActionReopen:
		if e.Status == claims.StatusUnverified || e.Status == "" {
			return "reopened the claim"
		}
		return "reopened the claim, withdrawing the verdict " + st
	}
	return string(e.Action)
}

// refuse answers a refused claim form: the claim page again, with the status the error's
// kind maps to, the errors beside their fields and what was typed. Errors a page cannot
// explain beside a form go to writeError.
func (s *Server) refuse(c *gin.Context, claimID int64, formName string, err error) error {
	f, ok := refusal(err, c.Request.PostForm)
	if !ok {
		return err
	}
	return s.showClaim(c, claimID, statusOf(fault.KindOf(err)), f, formName, err)
}

func (s *Server) claimTransitionForm(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	action := c.PostForm("action")
	version, err := formVersion(c.PostForm("version"))
	if err != nil {
		return err
	}
	t := claims.Transition{Action: claims.Action(action), Status: claims.Status(c.PostForm("status")), Rationale: c.PostForm("rationale")}
	fields := fault.Fields{}
	if assignee := formID(fields, "assignee_id", c.PostForm("assignee_id")); assignee > 0 {
		t.AssigneeID = &assignee
	}
	if err := fields.Err(); err != nil {
		return s.refuse(c, id, action, err)
	}
	if _, _, err := s.claims.Transition(c.Request.Context(), actorOf(c), id, version, t); err != nil {
		return s.refuse(c, id, action, err)
	}
	return seeOther(c, fmt.Sprintf("/claims/%d?done=%s", id, url.QueryEscape(action)))
}

func (s *Server) claimEvidenceForm(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	req := EvidenceRequest{URL: c.PostForm("url"), Title: c.PostForm("title"), Excerpt: c.PostForm("excerpt"), Stance: c.PostForm("stance")}
	fields := fault.Fields{}
	if n := formID(fields, "source_id", c.PostForm("source_id")); n > 0 {
		sid := ID(n)
		req.SourceID = &sid
	}
	if err := fields.Err(); err != nil {
		return s.refuse(c, id, "evidence", err)
	}
	// The same request shape as the API's, checked by the same rules.
	if err := s.validateStruct(&req); err != nil {
		return s.refuse(c, id, "evidence", err)
	}
	upload, err := s.formUpload(c)
	if err != nil {
		return s.refuse(c, id, "evidence", err)
	}
	n := claims.NewEvidence{ClaimID: id, URL: req.URL, Title: req.Title, Excerpt: req.Excerpt, Stance: claims.Stance(req.Stance), Upload: upload}
	if req.SourceID != nil {
		sid := int64(*req.SourceID)
		n.SourceID = &sid
	}
	e, err := s.claims.AddEvidence(c.Request.Context(), actorOf(c), n)
	if err != nil {
		return s.refuse(c, id, "evidence", err)
	}
	return seeOther(c, fmt.Sprintf("/claims/%d?done=evidence#evidence-%d", id, e.ID))
}

// formUpload reads the file of an evidence form, if one was chosen: a browser sends an
// empty part without a name when none was.
func (s *Server) formUpload(c *gin.Context) (*claims.Upload, error) {
	if c.Request.MultipartForm == nil {
		return nil, nil
	}
	files := c.Request.MultipartForm.File["attachment"]
	if len(files) == 0 || (files[0].Filename == "" && files[0].Size == 0) {
		return nil, nil
	}
	if len(files) > 1 {
		return nil, fault.Field("attachment", "must be given once")
	}
	fh := files[0]
	if fh.Size > s.maxUpload {
		return nil, fault.Field("attachment", fmt.Sprintf("is larger than %d bytes", s.maxUpload))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "read the attachment")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, s.maxUpload+1))
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "read the attachment")
	}
	mediaType := fh.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(mediaType); err != nil {
		mediaType = "application/octet-stream"
	}
	return &claims.Upload{Name: fh.Filename, MediaType: mediaType, Content: content}, nil
}

func (s *Server) withdrawEvidenceForm(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "evidence")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	e, err := s.claims.FindEvidenceByID(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.claims.WithdrawEvidence(ctx, actorOf(c), id, c.PostForm("reason")); err != nil {
		return s.refuse(c, e.ClaimID, fmt.Sprintf("withdraw-%d", id), err)
	}
	return seeOther(c, fmt.Sprintf("/claims/%d?done=withdraw#evidence-%d", e.ClaimID, id))
}

func (s *Server) claimCitationForm(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	fields := fault.Fields{}
	n := provenance.NewCitation{
		ClaimID: id, SourceID: formID(fields, "source_id", c.PostForm("source_id")),
		Attribution: c.PostForm("attribution"), Locator: c.PostForm("locator"), Relation: provenance.Relation(c.PostForm("relation")),
	}
	if err := fields.Err(); err != nil {
		return s.refuse(c, id, "citation", err)
	}
	if _, err := s.provenance.CreateCitation(c.Request.Context(), actorOf(c), n); err != nil {
		return s.refuse(c, id, "citation", err)
	}
	return seeOther(c, fmt.Sprintf("/claims/%d?done=citation", id))
}
