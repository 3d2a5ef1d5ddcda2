package http

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance"
)

type articleView struct {
	pageBase
	Article   *claims.Article
	Revisions []claims.Revision
	Total     int
	// Truncated says that the article has more claims than the page marks.
	Truncated bool
	Bars      []barView
	Statuses  []claims.Status
	// Text is the body with every anchored claim's passage marked; built by highlight, which
	// escapes every character of the body.
	Text      template.HTML
	Orphaned  []*claims.Claim
	CanCreate bool
	Kinds     []claims.Kind
	Form      *form
}

type barView struct {
	Name, Summary string
	Parts         []barPart
}

type barPart struct {
	Value, Class, Icon, Href string
	Count                    int
	X, W                     float64
}

// maxArticleClaims bounds how many claims the article page marks up; an article of 2 MiB
// could hold more than a page can show usefully.
const maxArticleClaims = 5000

func (s *Server) articlePage(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	return s.showArticle(c, id, http.StatusOK, nil)
}

func (s *Server) showArticle(c *gin.Context, id int64, status int, f *form) error {
	ctx := c.Request.Context()
	a, err := s.claims.FindArticleByID(ctx, id)
	if err != nil {
		return err
	}
	// The newest revisions first; an article with more than a page of them shows the first
	// page's worth, which is every article a desk keeps.
	revs, _, err := s.claims.FindRevisions(ctx, id, 0, 200)
	if err != nil {
		return err
	}
	slices.Reverse(revs)
	// Every page of the claims belongs to one moment, so that none is marked twice or missed
	// while claims are added.
	snap, err := s.claims.SnapshotClaims(ctx, id)
	if err != nil {
		return err
	}
	var all []*claims.Claim
	truncated := false
	filter := provenance.ClaimFilter{Filter: claims.Filter{ArticleID: id, Order: claims.ByPosition, Snapshot: &snap, Limit: 200}}
	for {
		page, more, err := s.provenance.FindClaims(ctx, filter)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if !more {
			break
		}
		if len(all) >= maxArticleClaims {
			truncated = true
			break
		}
		k := claims.KeyOf(page[len(page)-1], claims.ByPosition)
		filter.After = &k
	}
	v := articleView{
		pageBase: s.base(c, a.Title, "article"), Article: a, Revisions: revs, Total: len(all), Truncated: truncated,
		Statuses: claims.Statuses(), Kinds: claims.Kinds(), Form: f,
		CanCreate: actorOf(c).Role.Can(identity.Edit),
	}
	if f == nil {
		v.Form = &form{}
	}
	v.Notice = claimNotices[c.Query("done")]
	var anchored []*claims.Claim
	for _, cl := range all {
		if cl.AnchorState == claims.Anchored && cl.ArticleRevision == a.Revision {
			anchored = append(anchored, cl)
		} else {
			v.Orphaned = append(v.Orphaned, cl)
		}
	}
	v.Text = highlight(a.Body, anchored)
	v.Bars = []barView{
		countBar("status", strs(claims.Statuses()), all, func(c *claims.Claim) string { return string(c.Status) }, "s-", id),
		countBar("stage", strs(claims.Stages()), all, func(c *claims.Claim) string { return string(c.Stage) }, "g-", id),
	}
	return s.renderPage(c, status, "article", v)
}

// countBar counts claims by a field, in the field's own order, as the parts of a bar.
func countBar(name string, values []string, list []*claims.Claim, of func(*claims.Claim) string, class string, articleID int64) barView {
	counts := map[string]int{}
	for _, c := range list {
		counts[of(c)]++
	}
	b := barView{Name: name}
	var words []string
	x := 0.0
	for _, val := range values {
		n := counts[val]
		if n == 0 {
			continue
		}
		w := 1000 * float64(n) / float64(max(1, len(list)))
		p := barPart{Value: val, Class: class + val, Count: n, X: x, W: w,
			Href: "/claims?" + url.Values{"article": {strconv.FormatInt(articleID, 10)}, name: {val}}.Encode()}
		if name == "status" {
			p.Icon = statusIcon(val)
		}
		b.Parts = append(b.Parts, p)
		words = append(words, fmt.Sprintf("%d %s", n, labelOf(val)))
		x += w
	}
	b.Summary = "Claims by " + name + ": " + strings.Join(words, ", ")
	return b
}

// statusIcon is the symbol each verdict carries besides its colour, so that readers who
// cannot tell the colours apart still tell the verdicts apart.
func statusIcon(status string) string {
	switch status {
	case "verified":
		return "✓"
	case "false":
		return "✗"
	case "misleading":
		return "!"
	case "disputed":
		return "⇄"
	case "outdated":
		return "◷"
	case "unverifiable":
		return "?"
	}
	return "○"
}

// highlight marks every claim's passage in body. Passages may overlap (one inside another,
// or two crossing), so the text is cut at every passage boundary into segments; each segment
// is wrapped in one mark per claim covering it, outermost (longest) first, and its text is a
// link to the innermost claim. A claim whose passage another covers entirely gets a link of
// its own, a small numbered marker at its end, so that every passage stays a link. Each
// element with text carries data-offset, its code point offset in the body, for the script
// that turns a selection into a quote and a start.
func highlight(body string, list []*claims.Claim) template.HTML {
	text := []rune(body)
	cuts := []int{0, len(text)}
	for _, c := range list {
		cuts = append(cuts, min(c.AnchorStart, len(text)), min(c.AnchorEnd, len(text)))
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	linked := map[int64]bool{}
	var b strings.Builder
	for i := 0; i+1 < len(cuts); i++ {
		from, to := cuts[i], cuts[i+1]
		var covering []*claims.Claim
		for _, c := range list {
			if c.AnchorStart <= from && to <= c.AnchorEnd {
				covering = append(covering, c)
			}
		}
		seg := html.EscapeString(string(text[from:to]))
		if len(covering) == 0 {
			fmt.Fprintf(&b, `<span data-offset="%d">%s</span>`, from, seg)
			continue
		}
		// Outermost first: the earliest start, then the latest end.
		slices.SortFunc(covering, func(x, y *claims.Claim) int {
			if x.AnchorStart != y.AnchorStart {
				return x.AnchorStart - y.AnchorStart
			}
			if x.AnchorEnd != y.AnchorEnd {
				return y.AnchorEnd - x.AnchorEnd
			}
			return int(x.ID - y.ID)
		})
		inner := covering[len(covering)-1]
		linked[inner.ID] = true
		for _, c := range covering {
			fmt.Fprintf(&b, `<mark class="hl s-%s%s" data-status="%s" data-claim="%d">`, c.Status, endClass(c, to), c.Status, c.ID)
		}
		fmt.Fprintf(&b, `<a href="/claims/%d" data-offset="%d" aria-describedby="st-%s">%s</a>`, inner.ID, from, inner.Status, seg)
		for j := len(covering) - 1; j >= 0; j-- {
			c := covering[j]
			if c.AnchorEnd == to && !linked[c.ID] {
				// Every segment of this passage linked to a claim inside it: give it its own.
				linked[c.ID] = true
				// The marker's number is drawn by CSS, so that the text holds only the body's
				// characters and a selection across it is still a quote.
				fmt.Fprintf(&b, `<a href="/claims/%d" class="also" data-n="%d" aria-label="Claim %d, %s"></a>`, c.ID, c.ID, c.ID, c.Status)
			}
			b.WriteString("</mark>")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every piece of the body is escaped above
}

func endClass(c *claims.Claim, to int) string {
	if c.AnchorEnd == to {
		return " end"
	}
	return ""
}

// articleClaimForm creates a claim on the article from the page's form.
func (s *Server) articleClaimForm(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "article")
	if err != nil {
		return err
	}
	fields := fault.Fields{}
	n := claims.NewClaim{ArticleID: id, Quote: c.PostForm("quote"), Text: c.PostForm("text"), Kind: claims.Kind(c.PostForm("kind"))}
	if raw := strings.TrimSpace(c.PostForm("start")); raw != "" {
		start, err := strconv.Atoi(raw)
		if err != nil {
			fields.Add("start", "must be a whole number of characters")
		} else {
			n.Start = &start
		}
	}
	if q, ok := formQuantity(c, fields); ok {
		n.Quantities = []claims.Quantity{q}
	}
	err = fields.Err()
	var cl *claims.Claim
	if err == nil {
		cl, err = s.claims.CreateClaim(c.Request.Context(), actorOf(c), n)
	}
	if err != nil {
		f, ok := refusal(err, c.Request.PostForm)
		if !ok {
			return err
		}
		return s.showArticle(c, id, statusOf(fault.KindOf(err)), f)
	}
	return seeOther(c, fmt.Sprintf("/claims/%d?done=created", cl.ID))
}

// formQuantity reads the form's one quantity row; ok is false when it is left empty.
func formQuantity(c *gin.Context, fields fault.Fields) (claims.Quantity, bool) {
	q := claims.Quantity{Qualifier: strings.TrimSpace(c.PostForm("q_qualifier")), Unit: strings.TrimSpace(c.PostForm("q_unit")), AsOf: strings.TrimSpace(c.PostForm("q_as_of"))}
	number := func(name, field string) *float64 {
		raw := strings.TrimSpace(strings.ReplaceAll(c.PostForm(name), ",", ""))
		if raw == "" {
			return nil
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			fields.Add("quantities[0]."+field, "must be a number")
			return nil
		}
		return &v
	}
	q.Value, q.Lower, q.Upper = number("q_value", "value"), number("q_lower", "lower"), number("q_upper", "upper")
	empty := q.Value == nil && q.Lower == nil && q.Upper == nil && q.Qualifier == "" && q.Unit == "" && q.AsOf == ""
	return q, !empty || len(fields) > 0
}
