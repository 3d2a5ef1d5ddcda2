package http_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/identity"
)

// The claim page's forms, each shown only to those the workflow allows, and every refusal
// explained on the page with what was typed kept.

func TestPageClaimShowsTheClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	p := e.signIn(viewer).get("/claims/" + itoa(id))
	wantPage(t, p, http.StatusOK)
	if got := p.text("mark.quote"); got != "Last year’s UN report estimated that Isis-K had just 2,200 fighters in Afghanistan" {
		t.Errorf("the highlighted quote is %q", got)
	}
	if ctx := p.text(".passage .ctx"); !strings.Contains(ctx, "Nangarhar") {
		t.Errorf("the passage's context is %q", ctx)
	}
	if got := p.text(".quantities"); !strings.Contains(got, "2,200") {
		t.Errorf("quantities %q", got)
	}
	// The provenance chain is drawn: the claim, its article and each cited source, linked.
	if n := p.doc.Find("svg.prov g.node").Length(); n < 3 {
		t.Errorf("the diagram has %d nodes", n)
	}
	if !p.has(`svg.prov a[href^="/sources/"]`) || !p.has(`svg.prov a[href="/articles/1"]`) || !p.has("svg.prov path[marker-end]") {
		t.Error("the diagram lacks links to the sources and the article, or arrows")
	}
	if !p.has(`.citations a[href^="/sources/"]`) {
		t.Error("no citation links to its source")
	}
	// A viewer reads, and is told why there is nothing to do.
	if got := p.buttons(); len(got) != 1 || got[0] != "Sign out" {
		t.Errorf("a viewer sees the buttons %v", got)
	}
	if !strings.Contains(p.text(".moves-note"), "viewer") {
		t.Errorf("the note says %q", p.text(".moves-note"))
	}
	wantPage(t, e.signIn(viewer).get("/claims/999999"), http.StatusNotFound)
}

// TestPageClaimFormsFollowTheWorkflow walks a claim through every stage and checks which
// buttons each role is offered: the moves AllowedActions gives, and never Sign off to the
// proposer.
func TestPageClaimFormsFollowTheWorkflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	e.addUser(identity.RoleEditor, "ed2@example.org")
	second := e.visitor()
	wantRedirect(t, second.post("/login", url.Values{"email": {"ed2@example.org"}, "password": {"correct horse battery"}}), "/claims")
	visitors := map[string]*visitor{
		"viewer": e.signIn(viewer), "reviewer": e.signIn(reviewer), "editor": e.signIn(editor),
		"auditor": e.signIn(identity.RoleAuditor), "second editor": second,
	}
	want := func(stage string, offers map[string][]string) {
		t.Helper()
		for name, v := range visitors {
			p := v.get(path)
			wantPage(t, p, http.StatusOK)
			var got []string
			for _, b := range p.buttons() {
				if b != "Sign out" {
					got = append(got, b)
				}
			}
			wanted := slices.Clone(offers[name])
			slices.Sort(got)
			slices.Sort(wanted)
			if !slices.Equal(got, wanted) {
				t.Errorf("%s claim, %s is offered %v, want %v", stage, name, got, offers[name])
			}
		}
	}
	want("an open", map[string][]string{
		"reviewer": {"Take into review", "Add evidence"}, "editor": {"Take into review", "Add citation", "Add evidence"},
		"second editor": {"Take into review", "Add citation", "Add evidence"},
	})
	rev := visitors["reviewer"]
	rev.get(path)
	wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(id)}}), path+"?done=start")
	want("an in-review", map[string][]string{
		"reviewer": {"Propose", "Add evidence"}, "editor": {"Propose", "Add citation", "Add evidence"},
		"second editor": {"Propose", "Add citation", "Add evidence"},
	})
	wantRedirect(t, rev.post(path+"/evidence", url.Values{"url": {"https://undocs.org/S/2020/415"}, "stance": {"supports"}}), path)
	wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"verified"}, "rationale": {"The UN report says so."}}), path)
	want("an awaiting", map[string][]string{
		"editor": {"Sign off", "Reject"}, "second editor": {"Sign off", "Reject"},
	})

	// An editor who proposes may only reject their own proposal: a second editor signs.
	ed := visitors["editor"]
	ed.get(path)
	wantRedirect(t, ed.post(path+"/transitions", url.Values{"action": {"reject"}, "version": {e.version(id)}, "rationale": {"Needs a second source."}}), path)
	ed.get(path)
	wantRedirect(t, ed.post(path+"/transitions", url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"verified"}, "rationale": {"Two sources now."}}), path)
	want("an awaiting (the editor's proposal)", map[string][]string{
		"editor": {"Reject"}, "second editor": {"Sign off", "Reject"},
	})
	p := ed.get(path)
	if !strings.Contains(p.text(".proposal-box"), "Verified") || !strings.Contains(p.text(".proposal-box"), "The editor") {
		t.Errorf("the proposal box says %q", p.text(".proposal-box"))
	}
	if got := p.text(".moves-note"); got != "" {
		t.Errorf("an editor who may reject is told %q", got)
	}
	second.get(path)
	wantRedirect(t, second.post(path+"/transitions", url.Values{"action": {"sign_off"}, "version": {e.version(id)}}), path+"?done=sign_off")
	want("a closed", map[string][]string{"editor": {"Reopen"}, "second editor": {"Reopen"}})
	p = second.get(path + "?done=sign_off")
	if !strings.Contains(p.text(".notice"), "Signed off") || p.text(".facts .status") != "✓ Verified" {
		t.Errorf("after the sign-off: notice %q, verdict %q", p.text(".notice"), p.text(".facts .status"))
	}
	history := p.text(".history")
	for _, step := range []string{"took the claim into review", "proposed the verdict verified", "rejected the proposal verified", "signed off the verdict verified", "Needs a second source."} {
		if !strings.Contains(history, step) {
			t.Errorf("the history lacks %q: %s", step, history)
		}
	}
}

// TestPageClaimRefusals posts every kind of refused form and checks that the page says why,
// beside the field or at the top, keeps what was typed, answers with the status the error's
// kind maps to, and changes nothing.
func TestPageClaimRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	rev, ed := e.signIn(reviewer), e.signIn(editor)
	rev.get(path)
	wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(id)}}), path)

	unchanged := func(t *testing.T, before int64, version string) {
		t.Helper()
		if got := e.auditCount(); got != before {
			t.Errorf("audit events %d -> %d", before, got)
		}
		if got := e.version(id); got != version {
			t.Errorf("claim version %s -> %s", version, got)
		}
	}
	refused := func(t *testing.T, v *visitor, status int, form url.Values) page {
		t.Helper()
		before, version := e.auditCount(), e.version(id)
		v.get(path)
		p := v.post(path+"/transitions", form)
		wantPage(t, p, status)
		unchanged(t, before, version)
		return p
	}

	t.Run("a proposal without rationale", func(t *testing.T) {
		p := refused(t, rev, http.StatusUnprocessableEntity, url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"unverifiable"}, "rationale": {"  "}})
		if msg := p.errorOf("Rationale"); !strings.Contains(msg, "required") {
			t.Errorf("beside Rationale: %q", msg)
		}
		if sel := p.labelled("Status").Find("option[selected]").AttrOr("value", ""); sel != "unverifiable" {
			t.Errorf("the status chosen is not kept: %q", sel)
		}
		if p.labelled("Rationale").AttrOr("aria-invalid", "") != "true" {
			t.Error("the rationale field is not marked invalid")
		}
	})

	t.Run("a verified proposal without evidence", func(t *testing.T) {
		p := refused(t, rev, http.StatusUnprocessableEntity, url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"verified"}, "rationale": {"I am sure."}})
		if msg := p.errorOf("Status"); !strings.Contains(msg, "evidence") {
			t.Errorf("beside Status: %q", msg)
		}
		if got := p.labelled("Rationale").Text(); got != "I am sure." {
			t.Errorf("the rationale typed is not kept: %q", got)
		}
	})

	t.Run("a stale version", func(t *testing.T) {
		p := refused(t, rev, http.StatusPreconditionFailed, url.Values{"action": {"propose"}, "version": {"1"}, "status": {"unverifiable"}, "rationale": {"Written in an old tab."}})
		alert := p.text(".alert")
		if !strings.Contains(alert, "Someone changed this claim") || !strings.Contains(alert, "version 2") || !strings.Contains(alert, "in review") {
			t.Errorf("the alert says %q", alert)
		}
		// The form is still offered, at the new version, with the text kept.
		form := p.labelled("Rationale").Closest("form")
		if got := p.labelled("Rationale").Text(); got != "Written in an old tab." {
			t.Errorf("kept %q", got)
		}
		if v := form.Find(`input[name="version"]`).AttrOr("value", ""); v != e.version(id) {
			t.Errorf("the form now carries version %q, want %s", v, e.version(id))
		}
	})

	t.Run("a move the stage does not allow", func(t *testing.T) {
		p := refused(t, ed, http.StatusConflict, url.Values{"action": {"sign_off"}, "version": {e.version(id)}})
		if alert := p.text(".alert"); !strings.Contains(alert, "in_review") || !strings.Contains(alert, "awaiting_signoff") {
			t.Errorf("the alert says %q", alert)
		}
	})

	t.Run("a move the role does not allow", func(t *testing.T) {
		p := refused(t, rev, http.StatusForbidden, url.Values{"action": {"reopen"}, "version": {e.version(id)}, "rationale": {"let me"}})
		if alert := p.text(".alert"); !strings.Contains(alert, "editor") {
			t.Errorf("the alert says %q", alert)
		}
		if got := p.doc.Find("#typed").Text(); got != "let me" {
			t.Errorf("what was typed is not kept: %q", got)
		}
	})

	t.Run("someone else's claim", func(t *testing.T) {
		e.addUser(identity.RoleReviewer, "rafa@example.org")
		v := e.visitor()
		wantRedirect(t, v.post("/login", url.Values{"email": {"rafa@example.org"}, "password": {"correct horse battery"}}), "/claims")
		p := refused(t, v, http.StatusForbidden, url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"unverifiable"}, "rationale": {"mine now"}})
		if !strings.Contains(p.text(".alert"), "only the assignee or an editor") {
			t.Errorf("the alert says %q", p.text(".alert"))
		}
	})

	t.Run("an unknown action or no version", func(t *testing.T) {
		p := refused(t, rev, http.StatusUnprocessableEntity, url.Values{"action": {"publish"}, "version": {e.version(id)}})
		if !strings.Contains(p.Body.String(), "must be one of") {
			t.Errorf("an unknown action: %s", clipBody(p.Body.String()))
		}
		refused(t, rev, http.StatusBadRequest, url.Values{"action": {"propose"}})
	})

	t.Run("a rejection without a reason, beside its own field", func(t *testing.T) {
		wantRedirect(t, rev.post(path+"/evidence", url.Values{"url": {"https://undocs.org/S/2020/415"}, "stance": {"supports"}}), path)
		rev.get(path)
		wantRedirect(t, rev.post(path+"/transitions", url.Values{"action": {"propose"}, "version": {e.version(id)}, "status": {"verified"}, "rationale": {"The UN says so."}}), path)
		p := refused(t, ed, http.StatusUnprocessableEntity, url.Values{"action": {"reject"}, "version": {e.version(id)}, "rationale": {""}})
		if msg := p.errorOf("Reason for rejecting"); !strings.Contains(msg, "required") {
			t.Errorf("beside Reason for rejecting: %q", msg)
		}
		if p.errorOf("Rationale") != "" {
			t.Error("the error also shows beside another form's field")
		}
	})

	t.Run("forms without the anti-forgery token or from another site", func(t *testing.T) {
		before, version := e.auditCount(), e.version(id)
		ed.get(path)
		p := ed.post(path+"/transitions", url.Values{"action": {"sign_off"}, "version": {e.version(id)}, "csrf": {"forged"}})
		wantPage(t, p, http.StatusForbidden)
		r := newFormRequest(path+"/transitions", url.Values{"action": {"sign_off"}, "version": {e.version(id)}, "csrf": {ed.csrf}})
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		w := ed.send(r)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "another site") {
			t.Errorf("a cross-site post: %d %s", w.Code, clipBody(w.Body.String()))
		}
		// An older browser that sends no Sec-Fetch-Site is judged by its Origin.
		r = newFormRequest(path+"/transitions", url.Values{"action": {"sign_off"}, "version": {e.version(id)}, "csrf": {ed.csrf}})
		r.Header.Set("Sec-Fetch-Site", "")
		r.Header.Set("Origin", "https://evil.example")
		r.Host = "verity.example"
		if w := ed.sendRaw(r); w.Code != http.StatusForbidden {
			t.Errorf("a post from another origin: %d", w.Code)
		}
		unchanged(t, before, version)
	})
}

func newFormRequest(path string, form url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestPageEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	rev := e.signIn(reviewer)
	p := rev.get(path)
	for _, name := range []string{"URL", "Title", "Excerpt", "Stance", "Attachment"} {
		if p.labelled(name).Length() != 1 {
			t.Errorf("the evidence form has no field labelled %s", name)
		}
	}

	t.Run("a file, opened with the session as a download", func(t *testing.T) {
		content := []byte("%PDF-1.4 report page 12: 2,200 fighters")
		w := rev.postFile(path+"/evidence", url.Values{"title": {"Report page 12"}, "stance": {"supports"}, "excerpt": {"ISIL-K … 2,200 fighters"}}, "page12.pdf", content)
		loc := wantRedirect(t, w, path+"?done=evidence#evidence-")
		p := rev.get(strings.Split(loc, "#")[0])
		item := p.doc.Find(".evidence li").Last()
		href := item.Find(".attachment a").AttrOr("href", "")
		if !strings.HasPrefix(href, "/attachments/") || !strings.Contains(item.Text(), "page12.pdf") || !strings.Contains(item.Text(), "The reviewer") {
			t.Fatalf("the evidence item: %q (link %q)", item.Text(), href)
		}
		a := rev.get(href)
		if a.Code != http.StatusOK || a.Body.String() != string(content) || a.Header().Get("Content-Disposition") != "attachment" ||
			a.Header().Get("Content-Security-Policy") != "sandbox" || a.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("opening the attachment: %d %v", a.Code, a.Header())
		}
		wantRedirect(t, e.visitor().get(href), "/login")
	})

	t.Run("refusals keep what was typed", func(t *testing.T) {
		before := e.auditCount()
		p := rev.post(path+"/evidence", url.Values{"url": {"javascript:alert(1)"}, "title": {"A title"}, "stance": {"supports"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if msg := p.errorOf("URL"); !strings.Contains(msg, "http") {
			t.Errorf("beside URL: %q", msg)
		}
		if got := p.labelled("Title").AttrOr("value", ""); got != "A title" {
			t.Errorf("the title is not kept: %q", got)
		}
		p = rev.post(path+"/evidence", url.Values{"stance": {"supports"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if msg := p.errorOf("URL"); !strings.Contains(msg, "url, an excerpt or an attachment") {
			t.Errorf("an empty item: %q", msg)
		}
		p = rev.post(path+"/evidence", url.Values{"url": {"https://example.org"}, "stance": {"agrees"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if msg := p.errorOf("Stance"); !strings.Contains(msg, "supports") {
			t.Errorf("a bad stance: %q", msg)
		}
		if e.auditCount() != before {
			t.Error("a refused item was stored")
		}
	})

	t.Run("withdrawing needs a reason and keeps the item, marked", func(t *testing.T) {
		p := rev.get(path)
		form := p.doc.Find("form.withdraw-form").First()
		action := form.AttrOr("action", "")
		if action == "" {
			t.Fatal("no withdraw form for the reviewer's own evidence")
		}
		if e.signIn(viewer).get(path).has("form.withdraw-form") {
			t.Error("a viewer is offered Withdraw")
		}
		p = rev.post(action, url.Values{"reason": {""}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if msg := p.errorOf("Reason for withdrawing"); !strings.Contains(msg, "required") {
			t.Errorf("beside Reason for withdrawing: %q", msg)
		}
		wantRedirect(t, rev.post(action, url.Values{"reason": {"The link is to a draft."}}), path+"?done=withdraw")
		p = rev.get(path)
		withdrawn := p.doc.Find(".ev-withdrawn")
		if withdrawn.Length() != 1 || !strings.Contains(withdrawn.Text(), "Withdrawn") || !strings.Contains(withdrawn.Text(), "The link is to a draft.") {
			t.Errorf("the withdrawn item: %q", withdrawn.Text())
		}
		if withdrawn.Find("form").Length() != 0 {
			t.Error("a withdrawn item still offers Withdraw")
		}
	})
}

func TestPageCitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	if e.signIn(reviewer).get(path).has(`form[action$="/citations"]`) {
		t.Error("a reviewer is offered Add citation")
	}
	ed := e.signIn(editor)
	p := ed.get(path)
	n := p.doc.Find(".citations li").Length()
	p = ed.post(path+"/citations", url.Values{"source_id": {""}, "attribution": {"said the UN"}, "relation": {"attributed_to"}})
	wantPage(t, p, http.StatusUnprocessableEntity)
	if msg := p.errorOf("Cited source"); msg == "" {
		t.Error("no error beside Cited source")
	}
	if got := p.labelled("Attribution as written").AttrOr("value", ""); got != "said the UN" {
		t.Errorf("the attribution is not kept: %q", got)
	}
	wantRedirect(t, ed.post(path+"/citations", url.Values{"source_id": {"5"}, "attribution": {"a Reuters report"}, "relation": {"attributed_to"}}), path+"?done=citation")
	p = ed.get(path)
	if got := p.doc.Find(".citations li").Length(); got != n+1 || !strings.Contains(p.text(".citations"), "a Reuters report") {
		t.Errorf("%d citations after adding one to %d: %s", got, n, p.text(".citations"))
	}
}

func TestPageClaimOfOrphanedPassage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cs := claims.NewStore(e.db)
	a, err := cs.CreateArticle(ctx, identity.System(), claims.ArticleFields{Title: "Short", Body: "The minister said 40 people died. Others disagree."})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cs.CreateClaim(ctx, identity.System(), claims.NewClaim{ArticleID: a.ID, Quote: "40 people died"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.ReplaceArticle(ctx, identity.System(), a.ID, nil, claims.ArticleFields{Title: "Short", Body: "The minister said many people died."}); err != nil {
		t.Fatal(err)
	}
	v := e.signIn(viewer)
	p := v.get("/claims/" + itoa(c.ID))
	wantPage(t, p, http.StatusOK)
	if got := p.text("mark.quote"); got != "40 people died" || !strings.Contains(p.text(".badge.warn"), "gone") {
		t.Errorf("an orphaned claim shows %q", got)
	}
	p = v.get("/articles/" + itoa(a.ID))
	if !strings.Contains(p.text(".orphans"), "40 people died") {
		t.Errorf("the article does not list the orphaned claim: %q", p.text(".orphans"))
	}
}

func TestPageEditorAssigns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	if e.signIn(reviewer).get(path).labelled("Assign to").Length() != 0 {
		t.Error("a reviewer is offered Assign to")
	}
	ed := e.signIn(editor)
	p := ed.get(path)
	choices := p.labelled("Assign to").Find("option").Text()
	if !strings.Contains(choices, "The reviewer") || strings.Contains(choices, "The viewer") || strings.Contains(choices, "The editor") {
		t.Errorf("Assign to offers %q", choices)
	}
	// A viewer cannot be assigned: the domain says so beside the field.
	p = ed.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(id)}, "assignee_id": {itoa(e.users[viewer].ID)}})
	wantPage(t, p, http.StatusUnprocessableEntity)
	if msg := p.errorOf("Assign to"); !strings.Contains(msg, "cannot review") {
		t.Errorf("beside Assign to: %q", msg)
	}
	wantRedirect(t, ed.post(path+"/transitions", url.Values{"action": {"start"}, "version": {e.version(id)}, "assignee_id": {itoa(e.users[reviewer].ID)}}), path)
	p = ed.get(path)
	if got := p.text(".facts"); !strings.Contains(got, "The reviewer") {
		t.Errorf("after assigning: %q", got)
	}
	if !strings.Contains(p.text(".history"), "assigned the claim to The reviewer") {
		t.Errorf("the history says %q", p.text(".history"))
	}
	if rows := e.signIn(reviewer).get("/claims?view=mine").rows(); !slices.Equal(rows, []string{itoa(id)}) {
		t.Errorf("assigned to the reviewer: %v", rows)
	}
}

func TestPageEvidenceTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // uploads up to 1 MiB
	id := e.claimID("just 2,200 fighters")
	path := "/claims/" + itoa(id)
	rev := e.signIn(reviewer)
	rev.get(path)
	before := e.auditCount()
	// Over the attachment limit but within the form's: said beside the field, typed kept.
	p := rev.postFile(path+"/evidence", url.Values{"title": {"The full report"}, "stance": {"supports"}}, "report.pdf", make([]byte, 1<<20+1))
	wantPage(t, p, http.StatusUnprocessableEntity)
	if msg := p.errorOf("Attachment"); !strings.Contains(msg, "larger than") {
		t.Errorf("beside Attachment: %q", msg)
	}
	if got := p.labelled("Title").AttrOr("value", ""); got != "The full report" {
		t.Errorf("the title is not kept: %q", got)
	}
	// A body larger than any form: refused before it is read, with a page that says so.
	p = rev.postFile(path+"/evidence", url.Values{"stance": {"supports"}}, "huge.bin", make([]byte, 3<<20))
	wantPage(t, p, http.StatusRequestEntityTooLarge)
	if !strings.Contains(p.text(".error-page"), "larger than") {
		t.Errorf("the 413 page says %q", p.text(".error-page"))
	}
	if e.auditCount() != before {
		t.Error("an oversized upload was stored")
	}
}
