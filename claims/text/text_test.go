package text_test

import (
	"strings"
	"testing"

	"verity/claims/fault"
	"verity/claims/text"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want, fault string
	}{
		{"plain", "at least 79 Afghans", "at least 79 Afghans", ""},
		{"CRLF becomes LF", "one\r\ntwo\r\n", "one\ntwo\n", ""},
		{"lone CR becomes LF", "one\rtwo", "one\ntwo", ""},
		{"CR CR LF", "a\r\r\nb", "a\n\nb", ""},
		{"NFC", "cafe\u0301", "caf\u00e9", ""},
		{"invalid UTF-8", "caf\xe9", "", "must be valid UTF-8"},
		{"NUL", "a\x00b", "", "must not contain NUL characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := text.Normalize("f", tt.in)
			if tt.fault != "" {
				if fault.As(err).Fields["f"] != tt.fault {
					t.Fatalf("err = %v, want %q on f", err, tt.fault)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCleanCountsCharacters(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		required bool
		want     string
		msg      string
	}{
		{"4000 é fit 4000", strings.Repeat("é", 4000), false, strings.Repeat("é", 4000), ""},
		{"4001 é do not", strings.Repeat("é", 4001), false, "", "must be at most 4000 characters"},
		{"a decomposed é counts once", strings.Repeat("e\u0301", 4000), false, strings.Repeat("é", 4000), ""},
		{"trimmed", "  x \n", false, "x", ""},
		{"required and blank", " \t", true, "", "is required"},
		{"optional and blank", "", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := fault.Fields{}
			v := tt.in
			text.Clean(errs, "f", &v, 4000, tt.required)
			if errs["f"] != tt.msg {
				t.Fatalf("message = %q, want %q", errs["f"], tt.msg)
			}
			if tt.msg == "" && v != tt.want {
				t.Errorf("value = %q, want %q", v, tt.want)
			}
		})
	}
}
