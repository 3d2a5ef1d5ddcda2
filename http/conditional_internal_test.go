package http

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// etagPattern is the OpenAPI document's pattern for If-Match and If-None-Match values.
func etagPattern(t testing.TB) *regexp.Regexp {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Pattern string `json:"pattern"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(doc.Components.Schemas["ETag"].Pattern)
}

// TestETagSchemaIsWhatTheServerReads checks that the document's ETag pattern accepts
// exactly the precondition values the server can read.
func TestETagSchemaIsWhatTheServerReads(t *testing.T) {
	re := etagPattern(t)
	for _, v := range []string{
		`*`, `"3"`, `W/"3"`, `"3", "4"`, `"3","4"`, `"3" , W/"4"`, `"3",`, `"3",, "4"`, `""`, `"a-b.c"`, `"é"`,
		`3`, `"3`, `"3" "4"`, `, "3"`, `W/3`, `w/"3"`, `* , "3"`, `"a b"`, "\"\t\"", `"3"x`, ``,
	} {
		_, _, ok := parseTags(v)
		if ok != re.MatchString(v) {
			t.Errorf("%q: the server reads it: %v; the document accepts it: %v", v, ok, re.MatchString(v))
		}
	}
}

func FuzzETagSyntax(f *testing.F) {
	for _, s := range []string{`*`, `"1"`, `W/"1", "2"`, `"1",`, `"1" "2"`, `"`, `W/`} {
		f.Add(s)
	}
	re := etagPattern(f)
	f.Fuzz(func(t *testing.T, s string) {
		// Header values reach the server trimmed, in ASCII.
		if s != strings.TrimSpace(s) || strings.ContainsFunc(s, func(r rune) bool { return r > 0x7e || r < 0x20 && r != '\t' }) {
			return
		}
		anyTag, tags, ok := parseTags(s)
		if ok != re.MatchString(s) {
			t.Fatalf("%q: the server reads it: %v; the document accepts it: %v", s, ok, re.MatchString(s))
		}
		if ok && anyTag == (len(tags) > 0) {
			t.Fatalf("%q: * and tags %v at once", s, tags)
		}
		for _, tag := range tags {
			if strings.ContainsAny(tag.opaque, "\" ") {
				t.Fatalf("%q: tag %q holds a quote or a space", s, tag.opaque)
			}
		}
	})
}
