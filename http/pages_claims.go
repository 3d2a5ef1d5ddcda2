package http

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance"
)

// queuePage is how many claims one page of the queue shows.
const queuePage = 50

// The queue's views, in the query string as view=…
const (
	viewAll        = ""
	viewMine       = "mine"
	viewUnassigned = "unassigned"
	viewSignOff    = "signoff"
)

// queueFilter is the queue's query string: everything a bookmarked or shared view holds.
type queueFilter struct {
	View, Article, Stage, Status, Kind, Source, Q, After string
}

func (f queueFilter) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{
		"view": f.View, "article": f.Article, "stage": f.Stage, "status": f.Status,
		"kind": f.Kind, "source": f.Source, "q": f.Q, "after": f.After,
	} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

func (f queueFilter) href() string {
	if q := f.values().Encode(); q != "" {
		return "/claims?" + q
	}
	return "/claims"
}

type queueTab struct {
	Label, Href string
	Current     bool
}

type queueRow struct {
	Claim    *claims.Claim
	Sources  []*provenance.Source
	Assignee string
}

type queueView struct {
	pageBase
	View                       string
	Tabs                       []queueTab
	Filter                     queueFilter
	Filtered                   bool
	Articles                   []*claims.Article
	Sources                    []*provenance.Source
	Stages, Statuses, Kinds    []string
	Heading                    string
	Rows                       []queueRow
	NextHref, FirstHref, Error string
	ClearHref                  string
}

func (s *Server) queuePage(c *gin.Context) error {
	ctx := c.Request.Context()
	actor := actorOf(c)
	q := c.Request.URL.Query()
	in := queueFilter{
		View: q.Get("view"), Article: q.Get("article"), Stage: q.Get("stage"), Status: q.Get("status"),
		Kind: q.Get("kind"), Source: q.Get("source"), Q: q.Get("q"), After: q.Get("after"),
	}
	fields := fault.Fields{}
	f := provenance.ClaimFilter{Filter: claims.Filter{
		ArticleID: formID(fields, "article", in.Article), Stage: claims.Stage(in.Stage), Status: claims.Status(in.Status),
		Kind: claims.Kind(in.Kind), Q: in.Q, Limit: queuePage,
	}, SourceID: formID(fields, "source", in.Source)}
	if after := formID(fields, "after", in.After); after > 0 {
		f.After = &claims.Key{ID: after}
	}
	v := queueView{
		pageBase: s.base(c, "Claims", "claims"), View: in.View, Filter: in,
		Stages: strs(claims.Stages()), Statuses: strs(claims.Statuses()), Kinds: strs(claims.Kinds()),
		ClearHref: queueFilter{View: in.View}.href(),
	}
	v.Filtered = in.Article != "" || in.Stage != "" || in.Status != "" || in.Kind != "" || in.Source != "" || in.Q != ""
	tabs := []struct {
		view, label string
		right       identity.Right
	}{
		{viewAll, "All claims", identity.Read},
		{viewMine, "Assigned to me", identity.Review},
		{viewUnassigned, "Unassigned", identity.Read},
		{viewSignOff, "Awaiting my sign-off", identity.Edit},
	}
	known := false
	for _, t := range tabs {
		if t.view == in.View {
			known = true
			v.Heading = t.label
			if !actor.Role.Can(t.right) {
				return fault.New(fault.Forbidden, "the queue %q needs the %s right (%s); you are %s", t.label, t.right, t.right.Holders(), actor.Role)
			}
		}
		if actor.Role.Can(t.right) {
			tf := in
			tf.View, tf.After = t.view, ""
			v.Tabs = append(v.Tabs, queueTab{Label: t.label, Href: tf.href(), Current: t.view == in.View})
		}
	}
	if !known {
		fields.Add("view", "must be one of mine, unassigned, signoff, or absent")
	}
	switch in.View {
	case viewMine:
		f.AssigneeID = actor.UserID
	case viewUnassigned:
		f.Unassigned = true
	case viewSignOff:
		f.SignableBy = actor.UserID
	}

	var err error
	if v.Articles, _, err = s.claims.FindArticles(ctx, claims.ArticleFilter{Limit: 200}); err != nil {
		return err
	}
	if v.Sources, _, err = s.provenance.FindSources(ctx, provenance.SourceFilter{Limit: 500}); err != nil {
		return err
	}
	status := http.StatusOK
	var list []*claims.Claim
	var more bool
	if ferr := f.Validate(); ferr != nil && len(fields) > 0 {
		// Report the domain's objections along with the query string's, all at once.
		for name, msg := range fault.As(ferr).Fields {
			fields.Add(name, msg)
		}
	}
	err = fields.Err()
	if err == nil {
		list, more, err = s.provenance.FindClaims(ctx, f)
	}
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			return err
		}
		// A hand-edited or stale link: say what is wrong, and offer the filters to fix it.
		v.Error = "These filters cannot be used: " + explain(fault.As(err)) + "."
		status = http.StatusUnprocessableEntity
	}
	ids := make([]int64, len(list))
	for i, cl := range list {
		ids[i] = cl.ID
	}
	cits, err := s.provenance.FindCitationsByClaims(ctx, ids)
	if err != nil {
		return err
	}
	who := s.names(c)
	for _, cl := range list {
		row := queueRow{Claim: cl}
		seen := map[int64]bool{}
		for _, ct := range cits[cl.ID] {
			if ct.Source != nil && !seen[ct.SourceID] {
				seen[ct.SourceID] = true
				row.Sources = append(row.Sources, ct.Source)
			}
		}
		if cl.AssigneeID != nil {
			row.Assignee = who.of(cl.AssigneeID)
		}
		v.Rows = append(v.Rows, row)
	}
	if more {
		nf := in
		nf.After = itoa(list[len(list)-1].ID)
		v.NextHref = nf.href()
	}
	if in.After != "" {
		ff := in
		ff.After = ""
		v.FirstHref = ff.href()
	}
	return s.renderPage(c, status, "claims", v)
}
