package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"verity/claims/fault"
)

// requestSchemas pairs every JSON request DTO with its schema in openapi.json.
var requestSchemas = []struct {
	dto    any
	schema string
}{
	{&ArticleRequest{}, "ArticleInput"},
	{&QuantityDTO{}, "QuantityInput"},
	{&ClaimRequest{}, "ClaimInput"},
	{&ClaimPatch{}, "ClaimPatch"},
	{&TransitionRequest{}, "TransitionInput"},
	{&EvidenceRequest{}, "EvidenceInput"},
	{&WithdrawRequest{}, "WithdrawInput"},
	{&SourceRequest{}, "SourceInput"},
	{&SourcePatch{}, "SourcePatch"},
	{&DerivationRequest{}, "DerivationInput"},
	{&CitationRequest{}, "CitationInput"},
	{&UserRequest{}, "UserInput"},
	{&UserPatch{}, "UserPatch"},
	{&TokenRequest{}, "TokenInput"},
}

// TestDecoderAgreesWithTheDocument: the decoder knows a DTO's fields and which take null by
// reflection, the document by hand; they must name the same fields and the same nullable
// ones, and mark exactly the patches with minProperties 1.
func TestDecoderAgreesWithTheDocument(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatal(err)
	}
	nullable := func(prop map[string]any) bool {
		if types, ok := prop["type"].([]any); ok && slices.Contains(types, any("null")) {
			return true
		}
		for _, alt := range append(asList(prop["anyOf"]), asList(prop["oneOf"])...) {
			if m, ok := alt.(map[string]any); ok && m["type"] == "null" {
				return true
			}
		}
		return false
	}
	for _, rs := range requestSchemas {
		schema := doc.Components.Schemas[rs.schema]
		if schema == nil {
			t.Errorf("no schema %s", rs.schema)
			continue
		}
		props, _ := schema["properties"].(map[string]any)
		fields := jsonFields(reflect.TypeOf(rs.dto))
		for name, f := range fields {
			prop, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("%T field %s is not in %s", rs.dto, name, rs.schema)
				continue
			}
			if f.nullable != nullable(prop) {
				t.Errorf("%T field %s: the decoder takes null %v, %s says %v", rs.dto, name, f.nullable, rs.schema, nullable(prop))
			}
		}
		for name := range props {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s property %s is not a field of %T", rs.schema, name, rs.dto)
			}
		}
		_, isPatch := rs.dto.(patch)
		if min, _ := schema["minProperties"].(float64); (min == 1) != isPatch {
			t.Errorf("%s: minProperties %v, but patch %v", rs.schema, schema["minProperties"], isPatch)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// fuzzTargets are the DTOs FuzzDecodeJSON decodes into: nested lists of objects, pointers,
// ids and times, and a patch with an Optional.
var fuzzTargets = []func() any{
	func() any { return new(ClaimRequest) },
	func() any { return new(SourcePatch) },
	func() any { return new(TransitionRequest) },
}

// FuzzDecodeJSON checks decodeBody on any input: it never panics, answers only malformed
// (400) or invalid (422); what it accepts decodes to exactly what encoding/json makes of it;
// and an accepted body with its first key repeated, or that key's letters changed, is refused.
// The corpus is in testdata/fuzz/FuzzDecodeJSON.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"article_id":"1","quote":"just 2,200 fighters","start":3,"quantities":[{"value":2200,"unit":"fighters","upper":null,"as_of":"2020-06-01"}]}`,
		`{"article_id":1,"quote":"q","text":"t","kind":"estimate"}`,
		`{"name":"UN","published_at":null,"reliability":"B"}`,
		`{"published_at":"2021-08-26T14:00:00Z"}`,
		`{"action":"start","assignee_id":"2"}`,
		`{"action":"start","Action":"propose"}`,
		`{"quantities":[{"unit":"a","unit":"b"}]}`,
		`{"notes":null}`,
		`{}`,
		`{"a":{"b":{"c":[1,{"d":null}]}}}`,
		`{"article_id":"01"}`,
		`{"article_id":"1"} {"quote":"x"}`,
		` {"quote":"\u0071\ud83d\ude00"} `,
	} {
		for i := range fuzzTargets {
			f.Add([]byte(seed), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, target uint8) {
		mk := fuzzTargets[int(target)%len(fuzzTargets)]
		got := mk()
		err := decodeBody(body, got)
		if err != nil {
			if k := fault.As(err).Kind; k != kindMalformed && k != fault.Invalid {
				t.Fatalf("decodeBody(%q) = %v, of kind %s", body, err, k)
			}
			return
		}
		plain := mk()
		if err := json.Unmarshal(body, plain); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		if !reflect.DeepEqual(got, plain) {
			t.Fatalf("accepted %q as %+v; encoding/json reads %+v", body, got, plain)
		}
		key, value, rest, ok := firstMember(body)
		if !ok {
			return
		}
		repeated := []byte(`{"` + key + `":` + string(value) + `,` + string(rest))
		if err := decodeBody(repeated, mk()); err == nil {
			t.Fatalf("accepted %q, which repeats %q", repeated, key)
		}
		if other := otherCase(key); other != key {
			miscased := []byte(`{"` + other + `":` + string(value) + string(rest))
			if err := decodeBody(miscased, mk()); err == nil {
				t.Fatalf("accepted %q, which spells %q as %q", miscased, key, other)
			}
		}
	})
}

// firstMember splits a body that is one object into its first key (if it needs no
// escaping), that key's value, and the text after the value (the comma, the other members
// and the closing brace).
func firstMember(body []byte) (key string, value json.RawMessage, rest []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') || !dec.More() {
		return "", nil, nil, false
	}
	tok, err := dec.Token()
	if err != nil {
		return "", nil, nil, false
	}
	key, _ = tok.(string)
	if quoted, _ := json.Marshal(key); string(quoted) != `"`+key+`"` {
		return "", nil, nil, false
	}
	if err := dec.Decode(&value); err != nil {
		return "", nil, nil, false
	}
	rest = body[dec.InputOffset():]
	return key, value, rest, true
}

// otherCase flips the letter case of the first letter of s that has another case.
func otherCase(s string) string {
	r := []rune(s)
	for i, c := range r {
		switch {
		case unicode.IsLower(c) && unicode.ToUpper(c) != c:
			r[i] = unicode.ToUpper(c)
			return string(r)
		case unicode.IsUpper(c) && unicode.ToLower(c) != c:
			r[i] = unicode.ToLower(c)
			return string(r)
		}
	}
	return s
}

// FuzzDecodeCursor checks that a cursor has one spelling: whatever decodes re-encodes to
// exactly itself, and every cursor made decodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	for _, seed := range []struct {
		raw, list string
		k         int64
	}{
		{"e30", "/claims", 1},
		{"bnVsbA", "/articles/1/claims", 0},
		{encodeCursor(cursor{Version: 1, List: "/claims", Key: []int64{43}}), "/sources", 43},
		{encodeCursor(cursor{Version: 1, List: "/articles/1/claims", Filters: "abc", Key: []int64{2, 70, 123, 43}}), "/claims/43/evidence", 9},
		{"eyJ2IjoxLCJsIjoiL2NsYWltcyIsImsiOls0M119", "", -1},
		{"eyJsIjoiL2NsYWltcyIsInYiOjEsImsiOls0M119", "<\u2028>", 1 << 62},
	} {
		f.Add(seed.raw, seed.list, seed.k)
	}
	f.Fuzz(func(t *testing.T, raw, list string, k int64) {
		if c, err := decodeCursor(raw); err == nil {
			if again := encodeCursor(c); again != raw {
				t.Fatalf("decodeCursor(%q) = %+v, which encodes as %q", raw, c, again)
			}
		} else if !errors.Is(err, errNotACursor) && !strings.Contains(err.Error(), "another version") {
			t.Fatalf("decodeCursor(%q): unexpected error %v", raw, err)
		}
		made := cursor{Version: cursorVersion, List: list, Key: []int64{k, k / 2}}
		raw = encodeCursor(made)
		c, err := decodeCursor(raw)
		// Text that is not valid UTF-8 cannot survive JSON, so such a list name never
		// decodes; every list Verity names is ASCII.
		if err != nil && strings.ToValidUTF8(list, "\uFFFD") == list {
			t.Fatalf("a cursor made of %+v does not decode: %v", made, err)
		}
		if err == nil && !reflect.DeepEqual(c, made) {
			t.Fatalf("a cursor made of %+v decodes as %+v", made, c)
		}
	})
}
