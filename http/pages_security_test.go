package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"verity/claims"
	"verity/claims/identity"
	"verity/provenance"
)

const wantCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// wantSafePage fails t unless a page has the security headers and runs nothing inline.
func wantSafePage(t *testing.T, name string, p page) {
	t.Helper()
	h := p.Header()
	if h.Get("Content-Security-Policy") != wantCSP || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: headers %v", name, h)
	}
	if p.doc == nil {
		t.Fatalf("%s is not a page", name)
	}
	p.doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
				t.Errorf("%s: <%s %s=%q>", name, goquery.NodeName(s), a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: a javascript: URL in %s", name, a.Key)
			}
		}
	})
	p.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/") || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("%s: a script that is not Verity's own file: %q %q", name, src, s.Text())
		}
	})
	if n := p.doc.Find("style").Length(); n != 0 {
		t.Errorf("%s: %d inline style elements", name, n)
	}
}

// TestPagesEscapeEverything puts markup into every text a page shows, from an article's body
// to an evidence excerpt, and checks that it comes out as text.
func TestPagesEscapeEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cs, ps := claims.NewStore(e.db), provenance.NewStore(e.db)
	editorActor := e.users[editor].Actor()
	const script, img = `<script>alert("x")</script>`, `<img src=x onerror=alert(1)>`
	body := "An official said " + script + " and then " + img + " before leaving."
	a, err := cs.CreateArticle(ctx, editorActor, claims.ArticleFields{Title: "Title " + script, Outlet: img, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cs.CreateClaim(ctx, editorActor, claims.NewClaim{ArticleID: a.ID, Quote: script, Text: "Text " + img,
		Quantities: []claims.Quantity{{Value: new(float64), Unit: img, Qualifier: script}}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := ps.CreateSource(ctx, editorActor, provenance.SourceFields{Kind: provenance.KindNamedPerson, Name: img, Affiliation: script, Notes: script})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.CreateCitation(ctx, editorActor, provenance.NewCitation{ClaimID: c.ID, SourceID: src.ID, Attribution: script, Locator: img}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddEvidence(ctx, e.users[reviewer].Actor(), claims.NewEvidence{ClaimID: c.ID, Title: img, Excerpt: script,
		URL: "https://example.org/?q=\"><script>", Stance: claims.StanceContext,
		Upload: &claims.Upload{Name: img + ".pdf", MediaType: "text/html", Content: []byte(script)}}); err != nil {
		t.Fatal(err)
	}
	ed := e.signIn(editor)
	for _, path := range []string{"/claims/" + itoa(c.ID), "/articles/" + itoa(a.ID), "/sources/" + itoa(src.ID), "/claims?q=alert"} {
		p := ed.get(path)
		wantPage(t, p, http.StatusOK)
		wantSafePage(t, path, p)
		if !strings.Contains(p.doc.Text(), script) && !strings.Contains(p.doc.Text(), img) {
			t.Errorf("%s does not show the markup as text", path)
		}
		if p.has("img") {
			t.Errorf("%s renders an img element", path)
		}
	}
	// A refused form shows what was typed as text too.
	p := ed.post("/articles/"+itoa(a.ID)+"/claims", url.Values{"quote": {img + " absent"}, "text": {script}})
	wantPage(t, p, http.StatusUnprocessableEntity)
	wantSafePage(t, "a refused form", p)
	if p.doc.Find("#nc-quote").Text() != img+" absent" {
		t.Errorf("the quote typed comes back as %q", p.doc.Find("#nc-quote").Text())
	}
}

// TestPageRoutes walks every page route: not signed in, each GET leads to the sign-in page
// and each POST too; signed in, a role without the route's right is refused; every page and
// error page carries the security headers; and no GET changes anything.
func TestPageRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := itoa(e.claimID("just 2,200 fighters"))
	sum := uploadEvidence(t, e, claim, []byte("route matrix attachment"))
	var evidence string
	if list, err := claims.NewStore(e.db).ClaimEvidence(context.Background(), e.claimID("just 2,200 fighters")); err == nil && len(list) > 0 {
		evidence = itoa(list[0].ID)
	}
	params := strings.NewReplacer("/claims/:id", "/claims/"+claim, "/articles/:id", "/articles/1", "/sources/:id", "/sources/1",
		"/evidence/:id", "/evidence/"+evidence, ":sha256", sum, "*file", "app.css")
	need := map[string]identity.Right{
		"POST /claims/:id/transitions": identity.Review, "POST /claims/:id/evidence": identity.Review,
		"POST /evidence/:id/withdraw": identity.Review, "POST /claims/:id/citations": identity.Edit,
		"POST /articles/:id/claims": identity.Edit,
	}
	before := e.auditCount()
	visitors := map[identity.Role]*visitor{}
	for _, r := range identity.Roles() {
		visitors[r] = e.signIn(r)
	}
	seen := 0
	for _, rt := range e.srv.Routes() {
		if isAPIRoute(rt.Path) {
			continue // the API's, behind tokens, and the probes
		}
		seen++
		key := rt.Method + " " + rt.Path
		path := params.Replace(rt.Path)
		switch {
		case rt.Path == "/static/*file":
			p := e.visitor().get("/static/app.css")
			if p.Code != http.StatusOK || !strings.HasPrefix(p.Header().Get("Content-Type"), "text/css") {
				t.Errorf("%s: %d %s", key, p.Code, p.Header().Get("Content-Type"))
			}
		case rt.Path == "/login":
		case rt.Path == "/" || rt.Method == http.MethodGet:
			anon := e.visitor().get(path)
			if rt.Path != "/" {
				wantRedirect(t, anon, "/login?next=")
			}
			for role, v := range visitors {
				p := v.get(path)
				if rt.Path == "/" {
					wantRedirect(t, p, "/claims")
					continue
				}
				if p.Code != http.StatusOK {
					t.Errorf("%s as %s: %d", key, role, p.Code)
				}
				if rt.Path != "/attachments/:sha256" {
					wantSafePage(t, key, p)
				}
			}
		default:
			wantRedirect(t, e.visitor().post(path, url.Values{}), "/login")
			right, ok := need[key]
			if !ok {
				continue // sign-out: any signed-in person
			}
			for role, v := range visitors {
				if role.Can(right) {
					continue
				}
				v.get("/claims")
				p := v.post(path, url.Values{"action": {"start"}, "version": {"1"}, "reason": {"r"}})
				wantPage(t, p, http.StatusForbidden)
				wantSafePage(t, key+" refused", p)
			}
		}
	}
	if seen < 14 {
		t.Errorf("walked %d page routes", seen)
	}
	if got := e.auditCount(); got != before {
		t.Errorf("walking the pages changed %d records", got-before)
	}
	// Error pages for browsers are pages, with the same headers.
	p := visitors[viewer].get("/no/such/page")
	wantPage(t, p, http.StatusNotFound)
	wantSafePage(t, "the 404 page", p)
	if !strings.Contains(p.text(".error-page"), "no route GET /no/such/page") {
		t.Errorf("the 404 page says %q", p.text(".error-page"))
	}
}
