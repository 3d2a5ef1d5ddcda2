package claims

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"verity/claims/fault"
)

// ContextLength is how many code points of prefix and suffix an anchor keeps on each side.
const ContextLength = 32

// Anchor locates a quote in an article body as a W3C Web Annotation TextPositionSelector
// (Start, End: code point offsets, End exclusive) plus TextQuoteSelector (Exact, Prefix,
// Suffix).
type Anchor struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Exact  string `json:"exact"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
}

// Locate anchors quote in body. With start nil the quote must occur exactly once; with start
// set it must occur at that code point offset. body and quote must already be NFC.
//
// Errors are Invalid with a message on field "quote" or "start" that tells the caller how to
// fix the request (where the quote does occur, when it occurs more than once).
func Locate(body, quote string, start *int) (Anchor, error) {
	if strings.TrimSpace(quote) == "" {
		return Anchor{}, fault.Field("quote", "must not be empty")
	}
	if !utf8.ValidString(quote) {
		return Anchor{}, fault.Field("quote", "must be valid UTF-8")
	}
	if !utf8.ValidString(body) {
		return Anchor{}, fault.New(fault.Invalid, "the article body is not valid UTF-8")
	}
	text := []rune(body)
	q := []rune(quote)
	if start != nil {
		s := *start
		if s < 0 || s > len(text) {
			return Anchor{}, fault.Field("start", fmt.Sprintf("must be between 0 and %d, the body's length in code points", len(text)))
		}
		if s+len(q) > len(text) || string(text[s:s+len(q)]) != quote {
			at := occurrences(body, quote, 5)
			if len(at) == 0 {
				return Anchor{}, fault.Field("quote", "does not occur in the article body")
			}
			return Anchor{}, fault.Field("start", fmt.Sprintf("the quote does not start at code point %d; it occurs at %s", s, listOffsets(at)))
		}
		return anchorAt(text, s, len(q)), nil
	}
	at := occurrences(body, quote, 5)
	switch len(at) {
	case 0:
		return Anchor{}, fault.Field("quote", "does not occur in the article body")
	case 1:
		return anchorAt(text, at[0], len(q)), nil
	default:
		return Anchor{}, fault.Field("quote", fmt.Sprintf("occurs more than once (at code points %s); give start to choose one", listOffsets(at)))
	}
}

func anchorAt(text []rune, start, n int) Anchor {
	end := start + n
	return Anchor{
		Start:  start,
		End:    end,
		Exact:  string(text[start:end]),
		Prefix: string(text[max(0, start-ContextLength):start]),
		Suffix: string(text[end:min(len(text), end+ContextLength)]),
	}
}

// occurrences returns up to limit code point offsets at which q occurs in text, overlapping
// occurrences included. It searches the UTF-8 bytes with strings.Index, which is linear in
// practice, and counts code points only up to each match, so that a long body and a long
// quote cannot hold the writer for seconds.
func occurrences(text, q string, limit int) []int {
	if q == "" {
		return nil
	}
	var at []int
	byteOff, runeOff := 0, 0
	for len(at) < limit {
		i := strings.Index(text[byteOff:], q)
		if i < 0 {
			break
		}
		runeOff += utf8.RuneCountInString(text[byteOff : byteOff+i])
		at = append(at, runeOff)
		// Step one code point past the match's start, to find overlapping occurrences too.
		_, size := utf8.DecodeRuneInString(text[byteOff+i:])
		byteOff += i + size
		runeOff++
	}
	return at
}

func listOffsets(at []int) string {
	parts := make([]string, len(at))
	for i, a := range at {
		parts[i] = fmt.Sprint(a)
	}
	s := strings.Join(parts, ", ")
	if len(at) == 5 {
		s += ", …"
	}
	return s
}

// Reanchor finds where a quote anchored in an old revision stands in a new body. It prefers
// the occurrence whose surrounding text matches the old prefix and suffix best, then the one
// nearest the old position; ok is false when the quote is gone.
func Reanchor(old Anchor, body string) (a Anchor, ok bool) {
	text := []rune(body)
	q := []rune(old.Exact)
	at := occurrences(body, old.Exact, len(text)+1)
	if len(at) == 0 {
		return Anchor{}, false
	}
	best, bestScore, bestDist := at[0], -1, 0
	for _, s := range at {
		cand := anchorAt(text, s, len(q))
		score := commonSuffix(cand.Prefix, old.Prefix) + commonPrefix(cand.Suffix, old.Suffix)
		dist := abs(s - old.Start)
		if score > bestScore || score == bestScore && dist < bestDist {
			best, bestScore, bestDist = s, score, dist
		}
	}
	return anchorAt(text, best, len(q)), true
}

func commonPrefix(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[n] == rb[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[len(ra)-1-n] == rb[len(rb)-1-n] {
		n++
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
