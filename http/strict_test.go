package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// bodyRoute is a route that takes a JSON body, with one field of its request to repeat or
// miscase, and a body that is valid apart from what each test does to it.
type bodyRoute struct {
	method, path string
	field        string // a key of the body, as its DTO names it
	value        string // its JSON value
}

// bodyRoutes lists every route with a JSON body; TestEveryJSONBodyRefusesRepeatedAndMiscasedKeys
// fails when a route is missing from it.
func bodyRoutes(e *env) map[string]bodyRoute {
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	article := fmt.Sprint(e.seed.ArticleID)
	user := fmt.Sprint(e.users[viewer].ID)
	return map[string]bodyRoute{
		"POST /api/v1/articles":                {"POST", "/api/v1/articles", "title", `"T"`},
		"PUT /api/v1/articles/:id":             {"PUT", "/api/v1/articles/" + article, "title", `"T"`},
		"POST /api/v1/claims":                  {"POST", "/api/v1/claims", "article_id", `"` + article + `"`},
		"PATCH /api/v1/claims/:id":             {"PATCH", "/api/v1/claims/" + claim, "text", `"T"`},
		"POST /api/v1/claims/:id/transitions":  {"POST", "/api/v1/claims/" + claim + "/transitions", "action", `"start"`},
		"POST /api/v1/claims/:id/evidence":     {"POST", "/api/v1/claims/" + claim + "/evidence", "stance", `"supports"`},
		"POST /api/v1/claims/:id/citations":    {"POST", "/api/v1/claims/" + claim + "/citations", "source_id", `"1"`},
		"POST /api/v1/evidence/:id/withdraw":   {"POST", "/api/v1/evidence/1/withdraw", "reason", `"R"`},
		"POST /api/v1/sources":                 {"POST", "/api/v1/sources", "name", `"N"`},
		"PATCH /api/v1/sources/:id":            {"PATCH", "/api/v1/sources/1", "name", `"N"`},
		"POST /api/v1/sources/:id/derivations": {"POST", "/api/v1/sources/1/derivations", "derived_from_id", `"2"`},
		"POST /api/v1/users":                   {"POST", "/api/v1/users", "email", `"x@example.org"`},
		"PATCH /api/v1/users/:id":              {"PATCH", "/api/v1/users/" + user, "name", `"N"`},
		"POST /api/v1/users/:id/tokens":        {"POST", "/api/v1/users/" + user + "/tokens", "name", `"N"`},
	}
}

// TestEveryJSONBodyRefusesRepeatedAndMiscasedKeys: encoding/json lets the last of two equal
// keys win and matches keys in any letter case; every JSON body refuses both, naming the key,
// and changes nothing.
func TestEveryJSONBodyRefusesRepeatedAndMiscasedKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := bodyRoutes(e)
	for _, rt := range apiRoutes(e) {
		key := rt.Method + " " + rt.Path
		if rt.Method == "GET" || rt.Method == "HEAD" || rt.Method == "DELETE" {
			continue
		}
		if _, ok := routes[key]; !ok {
			t.Errorf("route %s takes a body but is not in bodyRoutes", key)
		}
	}
	for key, r := range routes {
		miscased := strings.ToUpper(r.field[:1]) + r.field[1:]
		for _, tc := range []struct {
			name, body, field string
		}{
			{"repeated", fmt.Sprintf(`{%q:%s,%q:%s}`, r.field, r.value, r.field, r.value), r.field},
			{"miscased", fmt.Sprintf(`{%q:%s}`, miscased, r.value), miscased},
			{"both spellings", fmt.Sprintf(`{%q:%s,%q:%s}`, r.field, r.value, strings.ToUpper(r.field), r.value), strings.ToUpper(r.field)},
		} {
			t.Run(key+"/"+tc.name, func(t *testing.T) {
				before := e.auditCount()
				w := e.do(req{method: r.method, path: r.path, body: tc.body, token: e.tokens[admin], header: map[string]string{"If-Match": `"1"`}})
				wantProblem(t, w, http.StatusUnprocessableEntity, tc.field)
				if e.auditCount() != before {
					t.Error("a refused body changed the audit trail")
				}
			})
		}
	}
}

func TestKeysAreCheckedAtEveryDepth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	article := fmt.Sprint(e.seed.ArticleID)
	for _, tc := range []struct {
		name, body, field string
	}{
		{"repeated inside a quantity", `{"article_id":"` + article + `","quote":"just 2,200 fighters","quantities":[{"unit":"a","value":1},{"unit":"b","unit":"c"}]}`, "quantities[1].unit"},
		{"miscased inside a quantity", `{"article_id":"` + article + `","quote":"just 2,200 fighters","quantities":[{"Unit":"a","value":1}]}`, "quantities[0].Unit"},
		{"the issue's example", `{"article_id":"` + article + `","Article_ID":"999","quote":"just 2,200 fighters"}`, "Article_ID"},
		{"repeated inside an unknown field", `{"article_id":"` + article + `","quote":"just 2,200 fighters","extra":{"a":1,"a":2}}`, "extra.a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.auditCount()
			w := e.as(editor, "POST", "/api/v1/claims", tc.body)
			wantProblem(t, w, http.StatusUnprocessableEntity, tc.field)
			if e.auditCount() != before {
				t.Error("a refused body changed the audit trail")
			}
		})
	}
	// The same body with its keys once each and spelled right is taken.
	w := e.as(editor, "POST", "/api/v1/claims", `{"article_id":"`+article+`","quote":"just 2,200 fighters","quantities":[{"unit":"fighters","value":2200,"upper":null}]}`)
	wantStatus(t, w, http.StatusCreated)
}

// TestNullOnlyWhereNullable: null decodes to a zero value, so a field that cannot be null
// refuses it, naming the field, instead of reading it as "" or, in a patch, as absent.
func TestNullOnlyWhereNullable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	article := fmt.Sprint(e.seed.ArticleID)
	user := fmt.Sprint(e.users[viewer].ID)
	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"source name", "PATCH", "/api/v1/sources/1", `{"name":null}`, "name"},
		{"source name beside a nullable field", "PATCH", "/api/v1/sources/1", `{"published_at":null,"notes":null}`, "notes"},
		{"user name", "PATCH", "/api/v1/users/" + user, `{"name":null}`, "name"},
		{"user flag", "PATCH", "/api/v1/users/" + user, `{"disabled":null}`, "disabled"},
		{"claim text", "PATCH", "/api/v1/claims/" + claim, `{"text":null}`, "text"},
		{"claim quantities", "PATCH", "/api/v1/claims/" + claim, `{"quantities":null}`, "quantities"},
		{"a quote", "POST", "/api/v1/claims", `{"article_id":"` + article + `","quote":null}`, "quote"},
		{"an id", "POST", "/api/v1/claims", `{"article_id":null,"quote":"Isis-K"}`, "article_id"},
		{"a list", "POST", "/api/v1/claims", `{"article_id":"` + article + `","quote":"just 2,200 fighters","quantities":null}`, "quantities"},
		{"an item of a list", "POST", "/api/v1/claims", `{"article_id":"` + article + `","quote":"just 2,200 fighters","quantities":[null]}`, "quantities[0]"},
		{"a unit", "POST", "/api/v1/claims", `{"article_id":"` + article + `","quote":"just 2,200 fighters","quantities":[{"unit":null,"value":1}]}`, "quantities[0].unit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.auditCount()
			w := e.as(admin, tc.method, tc.path, tc.body, "If-Match", `"1"`)
			p := wantProblem(t, w, http.StatusUnprocessableEntity, tc.field)
			if !strings.Contains(fmt.Sprint(p.Errors), "null") {
				t.Errorf("errors %v do not say null is the matter", p.Errors)
			}
			if e.auditCount() != before {
				t.Error("a refused body changed the audit trail")
			}
		})
	}
	// Fields documented nullable take null: a source's date (clearing it), a quote's start,
	// a quantity's bounds, a transition's assignee.
	w := e.as(editor, "PATCH", "/api/v1/sources/1", `{"published_at":null}`, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	w = e.as(editor, "POST", "/api/v1/claims", `{"article_id":"`+article+`","quote":"just 2,200 fighters","start":null,"quantities":[{"unit":"fighters","value":2200,"lower":null,"upper":null}]}`)
	wantStatus(t, w, http.StatusCreated)
	w = e.as(reviewer, "POST", "/api/v1/claims/"+claim+"/transitions", `{"action":"start","assignee_id":null}`, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
}

// TestEmptyPatchIsNothingToChange: every PATCH refuses {} the same way, in the decoder.
func TestEmptyPatchIsNothingToChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	claim := e.claimByQuote("just 2,200 fighters")["id"].(string)
	for _, path := range []string{"/api/v1/claims/" + claim, "/api/v1/sources/1", fmt.Sprintf("/api/v1/users/%d", e.users[viewer].ID)} {
		t.Run(path, func(t *testing.T) {
			before := e.auditCount()
			w := e.as(admin, "PATCH", path, `{}`, "If-Match", `"1"`)
			p := wantProblem(t, w, http.StatusUnprocessableEntity, "")
			if !strings.HasPrefix(p.Detail, "nothing to change: give at least one of ") {
				t.Errorf("detail = %q", p.Detail)
			}
			if e.auditCount() != before {
				t.Error("an empty patch changed the audit trail")
			}
		})
	}
}
