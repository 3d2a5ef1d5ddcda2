package audit

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

// TestSortedKeysMatchesTheRoundTrip checks the fast canonical encoding against the round
// trip it stands in for (decode into generic values, encode again) on values of every shape
// the snapshots hold, and on the strings and keys where the two could differ: for each, the
// fast path gives the same text or steps aside.
func TestSortedKeysMatchesTheRoundTrip(t *testing.T) {
	t.Parallel()
	v := 2.5
	at := time.Date(2026, 12, 1, 15, 4, 5, 123456000, time.UTC)
	type quantity struct {
		Value *float64 `json:"value"`
		Unit  string   `json:"unit"`
		AsOf  string   `json:"as_of"`
	}
	type snapshot struct {
		ID         int64           `json:"id"`
		Text       string          `json:"text"`
		Quantities []quantity      `json:"quantities"`
		Assignee   *int64          `json:"assignee_id"`
		At         time.Time       `json:"created_at"`
		Extra      map[string]any  `json:"extra"`
		Raw        json.RawMessage `json:"raw"`
		Big        float64         `json:"big"`
	}
	values := map[string]any{
		"a snapshot": snapshot{ID: 7, Text: "79 Afghans killed", Quantities: []quantity{{Value: &v, Unit: "people"}, {}},
			At: at, Extra: map[string]any{"b": 1, "a": []any{"x", map[string]any{"z": nil, "y": true}}}, Raw: json.RawMessage(`{"k": [1, 2]}`), Big: 1e21},
		"html and quotes":      map[string]string{"text": `<b>"Tom" & 'Jerry'</b> \ back`},
		"control characters":   map[string]string{"text": "tab\tline\nnul\x00bell\x07\u007f"},
		"line separators":      map[string]string{"text": "a\u2028b\u2029c"},
		"invalid utf-8":        map[string]string{"text": "bad \xff byte"},
		"replacement char":     map[string]string{"text": "already \ufffd here"},
		"unicode":              map[string]string{"text": "Kabul — كابل ✓ 😀"},
		"keys that sort oddly": map[string]int{"a": 1, "a!": 2, "a b": 3, "A": 4, "é": 5, "_": 6, "": 7},
		"escaped keys":         map[string]int{"a\"b": 1, "c\\d": 2, "new\nline": 3, "<tag>": 4},
		"empty":                map[string]any{"list": []int{}, "object": map[string]int{}, "nil list": []int(nil)},
		"numbers":              []any{0, -1, 1.5, math.MaxInt64, 1e-7, -0.0, 123456789.125},
		"top-level array":      []string{"b", "a"},
		"a string":             "just text",
	}
	slow := []string{"invalid utf-8", "line separators", "escaped keys", "control characters"}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			got, err := canonicalValue(v)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := canonicalJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("canonical\n%s\nround trip\n%s", got, want)
			}
			// The snapshots writers record take the fast path; the odd strings may not.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if _, ok := sortedKeys(bytes.TrimRight(buf.Bytes(), "\n")); !ok && !slices.Contains(slow, name) {
				t.Errorf("the fast path stepped aside")
			}
		})
	}
}

// FuzzSortedKeys checks that the fast path, whenever it answers, answers as the round trip
// does, for any JSON text encoding/json would write.
func FuzzSortedKeys(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":{"d":[1,{"f":2,"e":3}],"c":null}}`, `[{"a!":1,"a":2}]`, `"x"`, `{"a":"\u003c"}`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var generic any
		if json.Unmarshal([]byte(in), &generic) != nil {
			return
		}
		raw, err := json.Marshal(json.RawMessage(in)) // compact, as encoding/json writes
		if err != nil {
			return
		}
		want, err := canonicalJSON(raw)
		if err != nil {
			return
		}
		if got, ok := sortedKeys(raw); ok && got != want {
			t.Fatalf("sortedKeys(%s) = %s, the round trip gives %s", raw, got, want)
		}
	})
}

// BenchmarkCanonicalValue encodes a claim-sized snapshot canonically, as every append does
// for its after (and a transition for its before too): the fast path, and the round trip
// through generic values that it stands in for.
//
//	go test -run '^$' -bench CanonicalValue -count 5 ./provenance/audit/
func BenchmarkCanonicalValue(b *testing.B) {
	v := 79.0
	type quantity struct {
		Value     *float64 `json:"value"`
		Lower     *float64 `json:"lower"`
		Upper     *float64 `json:"upper"`
		Qualifier string   `json:"qualifier"`
		Unit      string   `json:"unit"`
		AsOf      string   `json:"as_of"`
	}
	snap := struct {
		ID, ArticleID                int64
		Quote, Prefix, Suffix, Text  string
		Kind, Stage, Status, Anchor  string
		Start, End, Revision         int
		Quantities                   []quantity
		Assignee, ProposedBy, Signer *int64
		Version                      int64
		CreatedAt, UpdatedAt         time.Time
	}{
		ID: 4711, ArticleID: 12, Quote: "at least 79 Afghans were killed in the blast at the airport's Abbey Gate",
		Prefix: "Officials said that ", Suffix: ", among them 13 US troops.", Text: "At least 79 Afghans were killed at Abbey Gate.",
		Kind: "casualty_count", Stage: "open", Status: "unverified", Anchor: "anchored", Start: 1200, End: 1272, Revision: 1,
		Quantities: []quantity{{Value: &v, Lower: &v, Qualifier: "at least", Unit: "Afghans killed", AsOf: "2021-08-26"}},
		Version:    1, CreatedAt: time.Date(2026, 12, 1, 15, 4, 5, 123456000, time.UTC), UpdatedAt: time.Date(2026, 12, 1, 15, 4, 5, 123456000, time.UTC),
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := canonicalValue(snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("round trip", func(b *testing.B) {
		for b.Loop() {
			raw, err := json.Marshal(snap)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := canonicalJSON(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
