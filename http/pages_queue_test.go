package http_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"verity/claims/identity"
)

// rows returns the claim ids a queue page lists, in order.
func (p page) rows() []string {
	var out []string
	p.doc.Find(".queue-item .queue-quote a").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimPrefix(s.AttrOr("href", ""), "/claims/"))
	})
	return out
}

func (p page) tabs() []string {
	var out []string
	p.doc.Find(".tabs a").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestPageQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rev, ed := e.signIn(reviewer), e.signIn(editor)

	t.Run("tabs by role", func(t *testing.T) {
		for role, want := range map[identity.Role][]string{
			viewer:               {"All claims", "Unassigned"},
			identity.RoleAuditor: {"All claims", "Unassigned"},
			reviewer:             {"All claims", "Assigned to me", "Unassigned"},
			editor:               {"All claims", "Assigned to me", "Unassigned", "Awaiting my sign-off"},
			identity.RoleAdmin:   {"All claims", "Assigned to me", "Unassigned", "Awaiting my sign-off"},
		} {
			p := e.signIn(role).get("/claims")
			wantPage(t, p, http.StatusOK)
			if got := p.tabs(); !slices.Equal(got, want) {
				t.Errorf("%s sees the tabs %v, want %v", role, got, want)
			}
		}
		wantPage(t, e.signIn(viewer).get("/claims?view=signoff"), http.StatusForbidden)
	})

	t.Run("search finds the claim, and a row shows what a reviewer needs", func(t *testing.T) {
		p := rev.get("/claims?" + url.Values{"q": {"2,200 fighters"}}.Encode())
		wantPage(t, p, http.StatusOK)
		if p.labelled("Search").AttrOr("value", "") != "2,200 fighters" {
			t.Error("the search field does not show the query")
		}
		rows := p.rows()
		if len(rows) != 1 {
			t.Fatalf("search found %v", rows)
		}
		item := p.doc.Find(".queue-item").First()
		for sel, want := range map[string]string{
			".queue-quote": "just 2,200 fighters", ".status": "Unverified", ".stage": "Open",
			".queue-meta": "UN Monitoring Team", ".queue-text": "2,200 fighters",
		} {
			if got := strings.TrimSpace(item.Find(sel).Text()); !strings.Contains(got, want) {
				t.Errorf("%s shows %q, want %q", sel, got, want)
			}
		}
		if !strings.Contains(item.Find(".queue-meta").Text(), "unassigned") {
			t.Error("the row does not say the claim is unassigned")
		}
	})

	// Take two claims: one for the reviewer, one the reviewer proposes and the editor is
	// to sign off.
	taken := e.claimID("just 2,200 fighters")
	proposed := e.claimID("killed at least 79 Afghans")
	for _, id := range []int64{taken, proposed} {
		path := "/claims/" + itoa(id)
		rev.get(path)
		wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(id)}}), path)
	}
	path := "/claims/" + itoa(proposed)
	rev.get(path)
	wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"propose"}, "version": {e.version(proposed)}, "status": {"unverifiable"}, "rationale": {"No count exists."}}), path)

	t.Run("assigned to me, unassigned, awaiting my sign-off", func(t *testing.T) {
		if got := rev.get("/claims?view=mine").rows(); !slices.Equal(got, []string{itoa(taken), itoa(proposed)}) && !slices.Equal(got, []string{itoa(proposed), itoa(taken)}) {
			t.Errorf("assigned to the reviewer: %v", got)
		}
		if got := ed.get("/claims?view=mine").rows(); len(got) != 0 {
			t.Errorf("assigned to the editor: %v", got)
		}
		un := rev.get("/claims?view=unassigned")
		if rows := un.rows(); slices.Contains(rows, itoa(taken)) || slices.Contains(rows, itoa(proposed)) || len(rows) == 0 {
			t.Errorf("unassigned lists %v", rows)
		}
		if got := ed.get("/claims?view=signoff").rows(); !slices.Equal(got, []string{itoa(proposed)}) {
			t.Errorf("awaiting the editor's sign-off: %v", got)
		}
		p := ed.get("/claims?view=signoff")
		if !strings.Contains(p.text(".queue-item .proposal"), "Unverifiable") || !strings.Contains(p.text(".queue-item .status"), "Unverified") {
			t.Errorf("a proposal shows as %q beside the verdict %q", p.text(".queue-item .proposal"), p.text(".queue-item .status"))
		}
	})

	t.Run("filters live in the query string", func(t *testing.T) {
		p := rev.get("/claims?stage=in_review&kind=estimate")
		if got := p.rows(); !slices.Equal(got, []string{itoa(taken)}) {
			t.Errorf("in review estimates: %v", got)
		}
		if p.labelled("Stage").Find("option[selected]").AttrOr("value", "") != "in_review" || p.labelled("Kind").Find("option[selected]").AttrOr("value", "") != "estimate" {
			t.Error("the filters shown are not the ones applied")
		}
		// A tab keeps the filters, and the filters keep the tab.
		if href := p.doc.Find(`.tabs a`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Assigned to me" }).AttrOr("href", ""); !strings.Contains(href, "stage=in_review") || !strings.Contains(href, "view=mine") {
			t.Errorf("the Assigned to me tab links to %q", href)
		}
		if got := rev.get("/claims?source=1").rows(); len(got) == 0 {
			t.Error("the source filter finds nothing for source 1")
		}
		if got := rev.get("/claims?article=1&status=verified").rows(); len(got) != 0 {
			t.Errorf("verified claims before any sign-off: %v", got)
		}
	})

	t.Run("pages follow one another without gaps or repeats", func(t *testing.T) {
		first := rev.get("/claims")
		next := first.doc.Find(".pager a").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Next page" }).AttrOr("href", "")
		if len(first.rows()) != 50 || !strings.Contains(next, "after=") {
			t.Fatalf("the first page has %d rows and next %q", len(first.rows()), next)
		}
		second := rev.get(next)
		all := append(first.rows(), second.rows()...)
		if len(all) != 69 || len(slices.Compact(slices.Clone(all))) != 69 || second.has(`.pager a[href*="after="]`) {
			t.Errorf("two pages list %d claims: %v", len(all), all)
		}
		if !second.has(`.pager a[href="/claims"]`) {
			t.Error("the second page has no link to the first")
		}
	})

	t.Run("bad filters are explained", func(t *testing.T) {
		p := rev.get("/claims?stage=finished&source=x")
		wantPage(t, p, http.StatusUnprocessableEntity)
		if msg := p.text(".form-alert"); !strings.Contains(msg, "stage") || !strings.Contains(msg, "source") {
			t.Errorf("the alert says %q", msg)
		}
	})
}
