package http_test

// End-to-end tests of the reviewer pages in a real headless Chromium, driven with chromedp.
// Locally they skip, saying why, when no browser is installed; CI sets VERITY_BROWSER=required
// so that a missing browser fails them instead. .ci/run installs Debian's chromium and the
// axe-core accessibility checker and says where they are:
//
//	VERITY_CHROMIUM    the browser (default /usr/bin/chromium)
//	VERITY_AXE         axe.min.js; without it the accessibility checks are skipped, or fail
//	                   when VERITY_BROWSER=required
//	VERITY_SCREENSHOTS a folder to write screenshots of every page to, at 1280 and 390 px
//	                   (the README's are made with VERITY_SCREENSHOTS=../.docs/screenshots);
//	                   VERITY_SCREENSHOTS_FULL=1 captures whole pages instead of the window

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"verity/claims"
	"verity/claims/identity"
)

// browser is one headless Chromium for a test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	dir  string
}

// browserPath returns the browser to drive, or skips the test (fails it in CI) without one.
func browserPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("VERITY_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("VERITY_BROWSER") == "required" {
			t.Fatalf("VERITY_BROWSER=required but there is no browser at %s: %v", path, err)
		}
		t.Skipf("no browser at %s (apt-get install chromium, or set VERITY_CHROMIUM); skipping the browser tests", path)
	}
	return path
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := browserPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless, chromedp.DisableGPU, chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1000),
	}
	// One bound for the whole test: a browser that hangs fails it instead of the suite.
	root, cancelRoot := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancelRoot)
	alloc, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dir: os.Getenv("VERITY_SCREENSHOTS")}
	if p := os.Getenv("VERITY_AXE"); p != "" {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("VERITY_AXE: %v", err)
		}
		b.axe = string(src)
	} else if os.Getenv("VERITY_BROWSER") == "required" {
		t.Fatal("VERITY_BROWSER=required but VERITY_AXE names no axe.min.js")
	}
	return b
}

// tab opens another tab in the same browser, sharing its cookies.
func (b *browser) tab() *browser {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatal(err)
	}
	nb := *b
	nb.ctx = ctx
	return &nb
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to a path of the server.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// submit clicks a button that posts a form and waits for the page the post leads to,
// returning its status.
func (b *browser) submit(button string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(buttonNamed(button)))
	if err != nil {
		b.t.Fatalf("click %q: %v", button, err)
	}
	return resp.Status
}

// buttonNamed selects a button by its accessible name, as a person or a screen reader
// finds it.
func buttonNamed(name string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//button[normalize-space()=%q]`, name))
}

// field selects the control whose visible label says name.
func field(name string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//*[@id=//label[normalize-space()=%q]/@for]`, name))
}

func (b *browser) text(sel chromedp.CSS) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) eval(expr string, opts ...chromedp.EvaluateOption) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// sessionCookie returns the browser's session cookie, after checking how it is kept: out of
// scripts' reach and not sent with other sites' requests.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base}})
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "verity_session" {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
				b.t.Errorf("the session cookie is HttpOnly=%v SameSite=%q, want HttpOnly and Lax", c.HTTPOnly, c.SameSite)
			}
			return c
		}
	}
	b.t.Fatal("the browser holds no session cookie")
	return nil
}

func (b *browser) signIn(email string) {
	b.t.Helper()
	b.open("/login")
	b.do("type the credentials",
		chromedp.SendKeys(field("Email"), email),
		chromedp.SendKeys(field("Password"), "correct horse battery"))
	if status := b.submit("Sign in"); status != http.StatusOK {
		b.t.Fatalf("sign in as %s: status %d", email, status)
	}
}

// shoot writes screenshots of the page at desk and phone widths, when VERITY_SCREENSHOTS
// names a folder, and checks that nothing is wider than a phone's screen.
func (b *browser) shoot(name string) {
	b.t.Helper()
	for _, size := range []struct {
		label         string
		width, height int64
	}{{"1280", 1280, 1100}, {"390", 390, 1500}} {
		b.do("resize", chromedp.EmulateViewport(size.width, size.height))
		if size.width == 390 {
			overflow := b.eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`)
			if overflow != "0" {
				culprits := b.eval(`Array.from(document.querySelectorAll("body *")).filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
					.slice(0, 4).map(el => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : "")).join(", ")`)
				b.t.Errorf("%s at 390 px is %s px wider than the screen: %s", name, overflow, culprits)
			}
		}
		if b.dir == "" {
			continue
		}
		shot := chromedp.CaptureScreenshot()
		if os.Getenv("VERITY_SCREENSHOTS_FULL") != "" {
			shot = chromedp.FullScreenshot(100) // the whole page, however long
		}
		png, err := chromedp.Run(b.ctx, shot)
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.MkdirAll(b.dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.dir, name+"-"+size.label+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("resize back", chromedp.EmulateViewport(1280, 1000))
}

// axeViolation is one finding of axe-core.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAccessibility runs axe-core on the page and fails on serious or critical findings.
func (b *browser) checkAccessibility(page string) {
	b.t.Helper()
	if b.axe == "" {
		b.t.Logf("VERITY_AXE is not set: no accessibility check of %s", page)
		return
	}
	b.do("load axe", chromedp.Evaluate[chromedp.Void](b.axe))
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		 .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	var found []axeViolation
	if err := json.Unmarshal([]byte(raw), &found); err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range found {
		b.t.Errorf("axe on %s: %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
	}
}

// TestBrowserReviewFlow takes a claim from the queue to a signed-off verdict in a real
// browser, as the reviewer and then the editor would, and checks what the pages show.
func TestBrowserReviewFlow(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	b := newBrowser(t, ts.URL)

	// The reviewer signs in and finds the UN estimate of 2,200 fighters by searching.
	b.signIn("reviewer@example.org")
	if got := b.eval(`location.pathname`); got != "/claims" {
		t.Fatalf("after sign-in the browser is at %s, want /claims", got)
	}
	b.shoot("queue")
	b.checkAccessibility("the queue")
	b.do("search", chromedp.SendKeys(field("Search"), "2,200 fighters"))
	b.submit("Apply filters")
	hrefs := b.eval(`Array.from(document.querySelectorAll(".queue-quote a")).map(a => a.getAttribute("href")).join(" ")`)
	links := strings.Fields(hrefs)
	if len(links) != 1 {
		t.Fatalf("searching 2,200 fighters found %v, want one claim", links)
	}
	claimPath := links[0]
	var id int64
	if _, err := fmt.Sscanf(claimPath, "/claims/%d", &id); err != nil {
		t.Fatalf("claim link %q: %v", claimPath, err)
	}
	b.open(claimPath)
	if !strings.Contains(b.text(`h1`), "2,200") {
		t.Fatalf("claim page heading %q", b.text(`h1`))
	}
	if n := b.eval(`String(document.querySelectorAll("svg.prov .node").length)`); n < "3" {
		t.Errorf("the provenance diagram draws %s nodes, want the claim, its article and its sources", n)
	}

	// Take it, add evidence with a file, propose "verified".
	if status := b.submit("Take into review"); status != http.StatusOK {
		t.Fatalf("take into review: %d", status)
	}
	// A second tab opens the claim now, at the version after the start.
	stale := b.tab()
	stale.open(claimPath)

	attachment := filepath.Join(t.TempDir(), "monitoring-team-page-12.pdf")
	if err := os.WriteFile(attachment, []byte("%PDF-1.4 the report gives 2,200 fighters"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("fill the evidence form",
		chromedp.SendKeys(field("URL"), "https://undocs.org/S/2020/415"),
		chromedp.SendKeys(field("Title"), "Eleventh report of the Monitoring Team"),
		chromedp.SendKeys(field("Excerpt"), "ISIL-K … 2,200 fighters"),
		chromedp.SetValue(field("Stance"), "supports"),
		chromedp.SetUploadFiles(field("Attachment"), []string{attachment}))
	if status := b.submit("Add evidence"); status != http.StatusOK {
		t.Fatalf("add evidence: %d", status)
	}
	// The attachment opens with the session, as a download that never renders in Verity's
	// origin.
	if href := b.eval(`(document.querySelector(".attachment a") || {getAttribute: () => ""}).getAttribute("href")`); !strings.HasPrefix(href, "/attachments/") {
		t.Errorf("the evidence shows no attachment link (%q)", href)
	} else {
		cookie := b.sessionCookie()
		r, _ := http.NewRequest(http.MethodGet, ts.URL+href, nil)
		r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != "attachment" || !strings.Contains(string(body), "2,200 fighters") {
			t.Errorf("opening the attachment with the session: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
	}
	b.do("fill the proposal",
		chromedp.SetValue(field("Status"), "verified"),
		chromedp.SendKeys(field("Rationale"), "The June 2020 UN Monitoring Team report gives 2,200 fighters."))
	if status := b.submit("Propose"); status != http.StatusOK {
		t.Fatalf("propose: %d", status)
	}
	if buttons := b.eval(`Array.from(document.querySelectorAll("button")).map(b => b.textContent.trim()).join("|")`); strings.Contains(buttons, "Sign off") {
		t.Errorf("the proposer is offered Sign off: %s", buttons)
	}
	b.shoot("claim")
	b.checkAccessibility("the claim page")

	// The stale tab still shows the form of version 2 and tries to propose: it is told that
	// someone changed the claim, sees the new state, and keeps what it typed.
	stale.do("fill the stale proposal",
		chromedp.SetValue(field("Status"), "false"),
		chromedp.SendKeys(field("Rationale"), "typed in the old tab"))
	if status := stale.submit("Propose"); status != http.StatusPreconditionFailed {
		t.Errorf("a stale proposal: status %d, want 412", status)
	}
	if alert := stale.text(`.alert`); !strings.Contains(alert, "Someone changed this claim") || !strings.Contains(alert, "awaiting signoff") {
		t.Errorf("the stale tab's explanation: %q", alert)
	}
	if kept := stale.eval(`document.getElementById("typed").value`); kept != "typed in the old tab" {
		t.Errorf("the stale tab kept %q of what was typed", kept)
	}

	b.do("sign out", chromedp.Click(buttonNamed("Sign out")))
	b.do("wait for the sign-in page", chromedp.WaitVisible(field("Email")))

	// The editor signs it off; the article marks the passage as verified.
	b.signIn("editor@example.org")
	b.open(claimPath)
	if status := b.submit("Sign off"); status != http.StatusOK {
		t.Fatalf("sign off: %d", status)
	}
	c, err := claims.NewStore(e.db).FindClaimByID(context.Background(), id)
	if err != nil || c.Stage != claims.StageClosed || c.Status != claims.StatusVerified {
		t.Fatalf("after the sign-off the claim is %+v (%v)", c, err)
	}
	// A few more verdicts, reached through the domain as the forms reach them, so that the
	// article shows how each one looks.
	verdicts := giveVerdicts(t, e, map[string]claims.Status{
		"killed at least 79 Afghans": claims.StatusFalse, "13 American soldiers": claims.StatusMisleading,
		"first became active there in 2015": claims.StatusDisputed, "It came despite multiple intelligence warnings": claims.StatusOutdated,
		"a criminal group linked to the Taliban": claims.StatusUnverifiable,
	})
	b.open(fmt.Sprintf("/articles/%d", c.ArticleID))
	for vid, st := range verdicts {
		if got := b.eval(fmt.Sprintf(`document.querySelector('[data-status="%s"] a[href="/claims/%d"]') ? "found" : "none"`, st, vid)); got != "found" {
			t.Errorf("claim %d is not shown as %s on the article page", vid, st)
		}
	}
	link := b.eval(fmt.Sprintf(`document.querySelector('[data-status="verified"] a[href="/claims/%d"]') ? "found" : "none"`, id))
	if link != "found" {
		t.Errorf("the article page has no data-status=verified passage linking to claim %d", id)
	}
	b.shoot("article")
	b.checkAccessibility("the article page")

	// Selecting words in the text fills in the new claim's quote and start.
	b.do("select a passage", chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector("#article-text span[data-offset]");
		const node = el.firstChild, r = document.createRange();
		r.setStart(node, 4); r.setEnd(node, 20);
		const s = getSelection(); s.removeAllRanges(); s.addRange(r);
		document.getElementById("article-text").dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
	})()`))
	if got := b.eval(`document.getElementById("nc-quote").value + "@" + document.getElementById("nc-start").value`); !strings.HasSuffix(got, "@4") || len(got) < 10 {
		t.Errorf("selecting text filled the form with %q", got)
	}

	b.open("/sources/1")
	b.shoot("source")

	// A form posted from another site is refused, and changes nothing.
	before := e.auditCount()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/claims/%d/transitions">
			<input name="action" value="reopen"><input name="version" value="%d"><input name="rationale" value="forged">
			</form><script>document.getElementById("f").submit()</script>`, ts.URL, id, c.Version)
	}))
	defer evil.Close()
	b.do("visit another site", chromedp.Navigate(evil.URL))
	b.do("wait for the forged post", chromedp.WaitVisible(chromedp.CSS(`.error-page`)))
	if msg := b.text(`.error-page`); !strings.Contains(msg, "another site") {
		t.Errorf("the forged post was answered with %q", msg)
	}
	after, err := claims.NewStore(e.db).FindClaimByID(context.Background(), id)
	if err != nil || after.Version != c.Version || after.Stage != claims.StageClosed || e.auditCount() != before {
		t.Errorf("the forged post changed the claim: %+v (%v)", after, err)
	}

	// The sign-in page, signed out.
	b.do("sign out", chromedp.Navigate(ts.URL+"/claims"), chromedp.Click(buttonNamed("Sign out")), chromedp.WaitVisible(field("Email")))
	b.shoot("login")
	if err := chromedp.Cancel(b.ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Logf("close the browser: %v", err)
	}
}

// giveVerdicts takes the seeded claims whose quotes contain the keys through review to the
// verdicts given, as the reviewer proposes and the editor signs off, and returns them by id.
func giveVerdicts(t *testing.T, e *env, verdicts map[string]claims.Status) map[int64]claims.Status {
	t.Helper()
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	rev, ed := e.users[reviewer].Actor(), e.users[editor].Actor()
	out := map[int64]claims.Status{}
	for quote, st := range verdicts {
		id := e.claimID(quote)
		c, err := cs.FindClaimByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AddEvidence(ctx, rev, claims.NewEvidence{ClaimID: id, URL: "https://example.org/check", Stance: claims.StanceContext}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			who identity.Actor
			tr  claims.Transition
		}{
			{rev, claims.Transition{Action: claims.ActionStart}},
			{rev, claims.Transition{Action: claims.ActionPropose, Status: st, Rationale: "Checked against the sources."}},
			{ed, claims.Transition{Action: claims.ActionSignOff}},
		} {
			if c, _, err = cs.Transition(ctx, step.who, id, c.Version, step.tr); err != nil {
				t.Fatalf("%s claim %d: %v", step.tr.Action, id, err)
			}
		}
		out[id] = st
	}
	return out
}
