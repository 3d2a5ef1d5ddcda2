package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/provenance"
)

type sourceView struct {
	pageBase
	Source               *provenance.Source
	Reliability          string
	Upstream, Downstream []derivationView
	Rows                 []sourceRow
	NextHref, FirstHref  string
}

type sourceRow struct {
	Claim     *claims.Claim
	Citations []*provenance.Citation
}

// reliabilityMeaning is what each Admiralty grade says of a source.
var reliabilityMeaning = map[provenance.Reliability]string{
	provenance.ReliabilityA: "Completely reliable",
	provenance.ReliabilityB: "Usually reliable",
	provenance.ReliabilityC: "Fairly reliable",
	provenance.ReliabilityD: "Not usually reliable",
	provenance.ReliabilityE: "Unreliable",
	provenance.ReliabilityF: "Reliability cannot be judged",
}

func (s *Server) sourcePage(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "source")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	src, err := s.provenance.FindSourceByID(ctx, id)
	if err != nil {
		return err
	}
	v := sourceView{pageBase: s.base(c, src.Name, "source"), Source: src, Reliability: reliabilityMeaning[src.Reliability]}
	up, err := s.provenance.FindUpstream(ctx, id)
	if err != nil {
		return err
	}
	down, err := s.provenance.FindDownstream(ctx, id)
	if err != nil {
		return err
	}
	var ids []int64
	for _, e := range append(append([]provenance.Derivation{}, up...), down...) {
		ids = append(ids, e.SourceID, e.DerivedFromID)
	}
	byID := map[int64]*provenance.Source{id: src}
	for _, sid := range ids {
		if _, ok := byID[sid]; !ok {
			if other, err := s.provenance.FindSourceByID(ctx, sid); err == nil {
				byID[sid] = other
			}
		}
	}
	for _, e := range up {
		v.Upstream = append(v.Upstream, derivationView{From: byID[e.SourceID], To: byID[e.DerivedFromID], Note: e.Note})
	}
	for _, e := range down {
		v.Downstream = append(v.Downstream, derivationView{From: byID[e.SourceID], To: byID[e.DerivedFromID], Note: e.Note})
	}
	fields := fault.Fields{}
	f := provenance.ClaimFilter{Filter: claims.Filter{Limit: queuePage}, SourceID: id}
	after := formID(fields, "after", c.Query("after"))
	if err := fields.Err(); err != nil {
		return err
	}
	if after > 0 {
		f.After = &claims.Key{ID: after}
		v.FirstHref = "/sources/" + itoa(id)
	}
	list, more, err := s.provenance.FindClaims(ctx, f)
	if err != nil {
		return err
	}
	claimIDs := make([]int64, len(list))
	for i, cl := range list {
		claimIDs[i] = cl.ID
	}
	cits, err := s.provenance.FindCitationsByClaims(ctx, claimIDs)
	if err != nil {
		return err
	}
	for _, cl := range list {
		row := sourceRow{Claim: cl}
		for _, ct := range cits[cl.ID] {
			if ct.SourceID == id {
				row.Citations = append(row.Citations, ct)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	if more {
		v.NextHref = "/sources/" + itoa(id) + "?after=" + itoa(list[len(list)-1].ID)
	}
	return s.renderPage(c, http.StatusOK, "source", v)
}
