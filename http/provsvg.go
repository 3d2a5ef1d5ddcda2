package http

import (
	"fmt"
	"strings"

	"verity/claims"
	"verity/provenance"
)

// diagram is a provenance graph laid out for a server-rendered SVG: the claim on top, the
// article and the cited sources below it, and what those sources draw on further down,
// one row per step upstream.
type diagram struct {
	Width, Height int
	Nodes         []diagramNode
	Edges         []diagramEdge
	// Description says in words what the drawing shows, for screen readers.
	Description string
}

type diagramNode struct {
	X, Y, W, H int
	Class      string
	Href       string
	Lines      []diagramText
}

type diagramText struct {
	X, Y  int
	Text  string
	Class string
}

type diagramEdge struct {
	Path  string
	Class string
	Label *diagramText
}

// Sizes of the drawing, in SVG units (CSS pixels at natural size).
const (
	nodeW, nodeH     = 232, 64
	gapX, gapY       = 26, 64
	diagramMargin    = 12
	labelChars       = 27
	labelLines       = 2
	maxNodesInARow   = 8
	maxUpstreamDepth = 6
)

// layoutProvenance places the graph's nodes in rows and routes its edges.
func layoutProvenance(g *provenance.Graph) diagram {
	type ref struct {
		kind string // "claim", "article", "source"
		id   int64
	}
	rows := [][]ref{{{"claim", g.Claim.ID}}, {{"article", g.Article.ID}}}
	placed := map[ref]bool{}
	depth := map[int64]int{}
	for _, ct := range g.Citations {
		r := ref{"source", ct.SourceID}
		if !placed[r] && len(rows[1]) < maxNodesInARow {
			placed[r] = true
			depth[ct.SourceID] = 1
			rows[1] = append(rows[1], r)
		}
	}
	// Upstream edges come breadth-first from the cited sources, so a source first met at
	// some depth lands on that row.
	for _, e := range g.Upstream {
		d, ok := depth[e.SourceID]
		if !ok {
			continue
		}
		r := ref{"source", e.DerivedFromID}
		if placed[r] || d+1 > maxUpstreamDepth {
			continue
		}
		for len(rows) <= d+1 {
			rows = append(rows, nil)
		}
		if len(rows[d+1]) >= maxNodesInARow {
			continue
		}
		placed[r] = true
		depth[e.DerivedFromID] = d + 1
		rows[d+1] = append(rows[d+1], r)
	}

	widest := 0
	for _, row := range rows {
		widest = max(widest, len(row))
	}
	d := diagram{Width: widest*nodeW + (widest-1)*gapX + 2*diagramMargin}
	d.Height = len(rows)*nodeH + (len(rows)-1)*gapY + 2*diagramMargin
	at := map[ref][2]int{}
	for i, row := range rows {
		rowW := len(row)*nodeW + (len(row)-1)*gapX
		x0 := (d.Width - rowW) / 2
		y := diagramMargin + i*(nodeH+gapY)
		for j, r := range row {
			x := x0 + j*(nodeW+gapX)
			at[r] = [2]int{x, y}
			var kind, name, class, href string
			switch r.kind {
			case "claim":
				kind, name, class = fmt.Sprintf("Claim #%d · %s", g.Claim.ID, labelOf(string(g.Claim.Status))), g.Claim.Text, "claim"
			case "article":
				kind, name, class, href = fmt.Sprintf("Article · revision %d", g.Claim.ArticleRevision), g.Article.Title, "article", fmt.Sprintf("/articles/%d", g.Article.ID)
			default:
				src := g.Sources[r.id]
				name, class, href = fmt.Sprintf("source %d", r.id), "upstream", fmt.Sprintf("/sources/%d", r.id)
				kind = "Upstream"
				if i == 1 {
					kind, class = "Cited", "cited"
				}
				if src != nil {
					name = src.Name
					kind += fmt.Sprintf(" · %s · %s", labelOf(string(src.Kind)), src.Reliability)
				}
			}
			n := diagramNode{X: x, Y: y, W: nodeW, H: nodeH, Class: class, Href: href}
			n.Lines = append(n.Lines, diagramText{X: x + 12, Y: y + 20, Text: clip(kind, labelChars+5), Class: "node-kind"})
			for k, line := range wrap(name, labelChars, labelLines) {
				n.Lines = append(n.Lines, diagramText{X: x + 12, Y: y + 39 + k*16, Text: line, Class: "node-label"})
			}
			d.Nodes = append(d.Nodes, n)
		}
	}

	edge := func(from, to ref, label, class string) {
		a, ok1 := at[from]
		b, ok2 := at[to]
		if !ok1 || !ok2 {
			return
		}
		x1, y1 := a[0]+nodeW/2, a[1]+nodeH
		x2, y2 := b[0]+nodeW/2, b[1]
		if b[1] <= a[1] {
			// Drawn on the same row or above (a cited source drawing on another): leave
			// from the side and come back in from above.
			x1, y1 = a[0]+nodeW, a[1]+nodeH/2
		}
		mid := (y1 + y2) / 2
		e := diagramEdge{Path: fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, x1, mid, x2, mid, x2, y2-2), Class: class}
		if label != "" {
			e.Label = &diagramText{X: (x1 + x2) / 2, Y: mid + 4, Text: label}
		}
		d.Edges = append(d.Edges, e)
	}
	claimRef := ref{"claim", g.Claim.ID}
	edge(claimRef, ref{"article", g.Article.ID}, "quoted in", "quote")
	var words []string
	words = append(words, fmt.Sprintf("Claim %d is a passage of the article %s.", g.Claim.ID, g.Article.Title))
	drawn := map[int64]bool{}
	for _, ct := range g.Citations {
		if drawn[ct.SourceID] {
			continue
		}
		drawn[ct.SourceID] = true
		edge(claimRef, ref{"source", ct.SourceID}, labelOf(string(ct.Relation)), "cites")
		if src := g.Sources[ct.SourceID]; src != nil {
			words = append(words, fmt.Sprintf("It cites %s (%s).", src.Name, labelOf(string(ct.Relation))))
		}
	}
	for _, e := range g.Upstream {
		edge(ref{"source", e.SourceID}, ref{"source", e.DerivedFromID}, "draws on", "derives")
		from, to := g.Sources[e.SourceID], g.Sources[e.DerivedFromID]
		if from != nil && to != nil {
			words = append(words, fmt.Sprintf("%s draws on %s.", from.Name, to.Name))
		}
	}
	if len(g.Citations) == 0 {
		words = append(words, "It cites no source.")
	}
	d.Description = strings.Join(words, " ")
	return d
}

// labelOf turns an enum value into words, as the templates' label does.
func labelOf(v string) string { return strings.ReplaceAll(v, "_", " ") }

// wrap breaks s into at most n lines of about width characters, at spaces, ending the last
// with an ellipsis when s does not fit.
func wrap(s string, width, n int) []string {
	words := strings.Fields(s)
	var lines []string
	var cur []rune
	for i, w := range words {
		r := []rune(w)
		if len(cur) > 0 && len(cur)+1+len(r) > width {
			lines = append(lines, string(cur))
			cur = nil
			if len(lines) == n {
				lines[n-1] = clip(lines[n-1]+" "+strings.Join(words[i:], " "), width)
				return lines
			}
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, r...)
	}
	if len(cur) > 0 {
		lines = append(lines, clip(string(cur), width))
	}
	return lines
}

// clip shortens s to width characters, ending with an ellipsis when it had to cut.
func clip(s string, width int) string {
	r := []rune(s)
	if len(r) <= width {
		return s
	}
	return strings.TrimSpace(string(r[:width-1])) + "…"
}

// passageView is a claim's quote in its surroundings.
type passageView struct {
	Before, Quote, After string
	// CutBefore and CutAfter say whether the surroundings stop inside a paragraph.
	CutBefore, CutAfter bool
}

// passage cuts a claim's surroundings out of the article body: from the start of its
// paragraph (or at most contextChars before it) to the end of it (or at most contextChars
// after), cut at spaces.
func passage(body string, c *claims.Claim) passageView {
	text := []rune(body)
	start, end := min(max(c.AnchorStart, 0), len(text)), min(max(c.AnchorEnd, 0), len(text))
	start = min(start, end)
	const contextChars = 320
	p := passageView{Quote: string(text[start:end])}
	from := max(0, start-contextChars)
	lead := string(text[from:start])
	if i := strings.LastIndex(lead, "\n\n"); i >= 0 {
		lead = lead[i+2:]
	} else if from > 0 {
		p.CutBefore = true
		if sp := strings.IndexByte(lead, ' '); sp >= 0 {
			lead = lead[sp+1:]
		}
	}
	to := min(len(text), end+contextChars)
	tail := string(text[end:to])
	if i := strings.Index(tail, "\n\n"); i >= 0 {
		tail = tail[:i]
	} else if to < len(text) {
		p.CutAfter = true
		if sp := strings.LastIndexByte(tail, ' '); sp >= 0 {
			tail = tail[:sp]
		}
	}
	p.Before, p.After = strings.TrimLeft(lead, "\n"), strings.TrimRight(tail, "\n")
	return p
}
