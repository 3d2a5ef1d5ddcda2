// Package text holds the rules every stored text field follows: valid UTF-8 without NUL,
// line breaks as LF, Unicode NFC, and lengths counted in characters (Unicode code points,
// the unit of anchors too), so that a limit means the same for "e" and "é".
package text

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"verity/claims/fault"
)

// Normalize returns s in the form Verity stores text: CRLF and lone CR become LF, and the
// whole is Unicode NFC. Text that is not valid UTF-8 or holds NUL characters is refused as
// Invalid on field.
func Normalize(field, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fault.Field(field, "must be valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return "", fault.Field(field, "must not contain NUL characters")
	}
	s = LineFeeds(s)
	return norm.NFC.String(s), nil
}

// Len is the length of s in characters (code points).
func Len(s string) int { return utf8.RuneCountInString(s) }

// Limit records on errs that field holds more than max characters.
func Limit(errs fault.Fields, field, s string, max int) {
	if Len(s) > max {
		errs.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

// Clean normalizes the text field *v in place, trims surrounding white space and records on
// errs what is wrong with it: not acceptable text, empty when required, longer than max
// characters. Checking every field before failing lets a caller hear of all bad fields at
// once.
func Clean(errs fault.Fields, field string, v *string, max int, required bool) {
	s, err := Normalize(field, *v)
	if err != nil {
		errs.Add(field, fault.As(err).Fields[field])
		return
	}
	*v = strings.TrimSpace(s)
	if required && *v == "" {
		errs.Add(field, "is required")
		return
	}
	Limit(errs, field, *v, max)
}

// CleanURL is Clean for a web address: when not empty it must be an absolute http or https
// URL. URLs are rendered as links on the reviewer pages and published in ClaimReview and
// PROV documents, where a javascript: or a relative one would be dangerous or meaningless.
func CleanURL(errs fault.Fields, field string, v *string, max int) {
	Clean(errs, field, v, max, false)
	if *v == "" || errs[field] != "" {
		return
	}
	u, err := url.Parse(*v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs.Add(field, "must be an absolute http or https URL")
	}
}

// IsSHA256 reports whether s is a SHA-256 digest as Verity spells one, 64 lowercase hex
// digits: an attachment's name, an audit event's hash. Any other spelling names nothing.
func IsSHA256(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// LineFeeds returns s with its line breaks as LF: CR LF and a lone CR each become LF.
func LineFeeds(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
