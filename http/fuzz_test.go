package http_test

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"verity/migrations/database"
	"verity/provenance/audit"
)

// fuzzEnv is one server for every input of a fuzz run (each fuzzing process has its own).
// Its database commits with --sync normal, since a fuzz run writes thousands of times and
// durability is not what it tests.
func fuzzEnv(f *testing.F) *env {
	return newEnvWith(f, database.WithSync(database.SyncNormal))
}

// head reads the audit chain's head: what changes exactly when something was changed.
func (e *env) head() int64 {
	e.t.Helper()
	seq, _, err := audit.Head(context.Background(), e.db.Reader())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// FuzzHandlerBodies sends any body to every JSON write of the API through the real engine:
// the answer is never a 5xx; a refusal is a problem document and changes nothing (the audit
// head stays); an acceptance is JSON. The corpus is in testdata/fuzz/FuzzHandlerBodies.
func FuzzHandlerBodies(f *testing.F) {
	for _, seed := range []string{
		`{"slug":"s","title":"T","outlet":"O","url":"https://example.org/a","author":"A","published_at":"2021-08-27","body":"Officials said at least 12 people died."}`,
		`{"title":"T","body":"The group had 2,200 fighters."}`,
		`{"article_id":"1","quote":"just 2,200 fighters","kind":"estimate","quantities":[{"value":2200,"unit":"fighters"}]}`,
		`{"text":"A new text.","quantities":[{"lower":1,"upper":2,"unit":"x","as_of":"2021-02-29"}]}`,
		`{"action":"start"}`,
		`{"action":"propose","status":"verified","rationale":"r"}`,
		`{"action":"start","assignee_id":"3"}`,
		`{"url":"https://example.org/e","title":"E","excerpt":"x","stance":"supports","source_id":"1"}`,
		`{"source_id":"1","attribution":"said an official","relation":"attributed_to","locator":"p. 2"}`,
		`{"kind":"news_agency","name":"Reuters","reliability":"B","published_at":"2021-08-26T14:00:00Z"}`,
		`{"name":null}`,
		`{"derived_from_id":"4"}`,
		`{"email":"new@example.org","name":"New","role":"viewer"}`,
		`{"role":"viewer","disabled":true}`,
		`{"name":"ci"}`,
		`{"reason":"withdrawn"}`,
		`{}`, `[]`, `null`, `{"a":`, `{"Name":"x"}`, `{"name":"x","name":"y"}`,
	} {
		for i := range 14 {
			f.Add(uint8(i), []byte(seed))
		}
	}
	e := fuzzEnv(f)
	// Every route with a JSON body (the list TestEveryJSONBodyRefusesRepeatedAndMiscasedKeys
	// keeps complete), in a fixed order, sent with an admin's token, who has every right.
	byKey := bodyRoutes(e)
	keys := slices.Sorted(maps.Keys(byKey))
	e.as(reviewer, "POST", "/api/v1/claims/1/evidence", map[string]any{"stance": "supports", "url": "https://example.org/1"})
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		e.t = t
		r := byKey[keys[int(route)%len(keys)]]
		before := e.head()
		w := e.do(req{method: r.method, path: r.path, token: e.tokens[admin], body: body, header: map[string]string{"If-Match": "*"}})
		switch {
		case w.Code >= 500:
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, w.Code, w.Body.String())
		case w.Code >= 400:
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("%s %s %q: %d with Content-Type %q", r.method, r.path, body, w.Code, ct)
			}
			if after := e.head(); after != before {
				t.Fatalf("%s %s %q: refused with %d, yet the audit head moved from %d to %d", r.method, r.path, body, w.Code, before, after)
			}
		case !json.Valid(w.Body.Bytes()):
			t.Fatalf("%s %s %q: %d with a body that is not JSON: %q", r.method, r.path, body, w.Code, w.Body.String())
		}
	})
}

// FuzzClaimQuantities sets a claim's quantity from any numbers and text through PATCH: it is
// accepted exactly as sent (in NFC) when it keeps the rules (a finite value or bound,
// lower ≤ value ≤ upper, a unit, as_of a date), and refused on its fields otherwise.
func FuzzClaimQuantities(f *testing.F) {
	f.Add(2200.0, 0.0, 0.0, uint8(1), "", "fighters", "2020-06-01")
	f.Add(79.0, 79.0, 0.0, uint8(3), "at least", "Afghans killed", "2021-08-26")
	f.Add(5.0, 7.0, 6.0, uint8(7), "between", "x", "")
	f.Add(0.0, 1000.0, 2000.0, uint8(6), "between", "fighters", "2021-02-29")
	f.Add(1e308, -1e308, 1e308, uint8(7), "", " ", "2021-13-01")
	f.Add(-0.0, 0.0, 0.0, uint8(0), "", "e\u0301", "20210826")
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, value, lower, upper float64, present uint8, qualifier, unit, asOf string) {
		e.t = t
		q := map[string]any{"qualifier": qualifier, "unit": unit, "as_of": asOf}
		var nums []float64
		for i, kv := range []struct {
			name string
			v    float64
		}{{"value", value}, {"lower", lower}, {"upper", upper}} {
			if present&(1<<i) != 0 {
				q[kv.name] = kv.v
				nums = append(nums, kv.v)
			}
		}
		body, err := json.Marshal(map[string]any{"quantities": []any{q}})
		if err != nil {
			return // NaN and infinities have no JSON spelling
		}
		w := e.as(editor, "PATCH", "/api/v1/claims/7", body, "If-Match", "*")
		if w.Code != http.StatusOK && w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", body, w.Code, w.Body.String())
		}
		if w.Code == http.StatusUnprocessableEntity {
			if !strings.Contains(w.Body.String(), `"field":"quantities`) {
				t.Fatalf("%s: refused, but not on a quantity field: %s", body, w.Body.String())
			}
			return
		}
		var got struct {
			Quantities []struct {
				Value, Lower, Upper *float64
				Qualifier, Unit     string
				AsOf                string `json:"as_of"`
			} `json:"quantities"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || len(got.Quantities) != 1 {
			t.Fatalf("%s: accepted as %s (%v)", body, w.Body.String(), err)
		}
		g := got.Quantities[0]
		// The text as the JSON carried it: encoding/json sends invalid UTF-8 as U+FFFD.
		var sent struct {
			Quantities []struct{ Qualifier, Unit string } `json:"quantities"`
		}
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatal(err)
		}
		unit, qualifier = sent.Quantities[0].Unit, sent.Quantities[0].Qualifier
		if g.Unit != norm.NFC.String(unit) || g.Qualifier != norm.NFC.String(qualifier) || g.AsOf != asOf {
			t.Fatalf("%s: stored as %+v", body, g)
		}
		for i, p := range []*float64{g.Value, g.Lower, g.Upper} {
			sent := present&(1<<i) != 0
			if (p != nil) != sent || p != nil && *p != []float64{value, lower, upper}[i] {
				t.Fatalf("%s: number %d stored as %v", body, i, p)
			}
		}
		// What was accepted keeps the rules.
		switch {
		case len(nums) == 0:
			t.Fatalf("%s: accepted without a number", body)
		case g.Lower != nil && g.Upper != nil && *g.Lower > *g.Upper,
			g.Value != nil && g.Lower != nil && *g.Value < *g.Lower,
			g.Value != nil && g.Upper != nil && *g.Value > *g.Upper:
			t.Fatalf("%s: accepted out of order", body)
		case strings.TrimSpace(unit) == "":
			t.Fatalf("%s: accepted without a unit", body)
		}
		for _, n := range nums {
			if math.IsNaN(n) || math.IsInf(n, 0) {
				t.Fatalf("%s: accepted %v", body, n)
			}
		}
		if asOf != "" {
			if _, err := time.Parse(time.DateOnly, asOf); err != nil {
				t.Fatalf("%s: accepted as_of %q", body, asOf)
			}
		}
	})
}
