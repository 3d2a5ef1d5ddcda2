package claims

import (
	"fmt"
	"strings"
	"unicode"
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

// Locate anchors quote in body. With start nil the quote must occur exactly once where it
// starts and ends at boundaries; with start set it must occur at that code point offset.
// body and quote must already be normalized (text.Normalize).
//
// A quote must start and end both at a grapheme cluster boundary and at a word boundary of
// Unicode text segmentation (UAX #29): never inside a word, a number or a user-perceived
// character, so "7" is not a quote of "79", nor "q" of "q̃"; punctuation and white space
// are boundaries on both sides. Occurrences that break that rule do not count.
//
// Errors are Invalid with a message on field "quote" or "start" that tells the caller how to
// fix the request: where the quote does occur when it occurs more than once, and the
// nearest boundaries (as code point offsets) when it starts or ends inside something.
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
	bs := newBoundaries(body)
	if start != nil {
		return locateAt(body, bs, quote, *start)
	}
	var first occurrence
	var valid []occurrence
	seen, capped := 0, false
	for o := range occurrencesOf(body, quote) {
		if seen == maxExamined {
			capped = true
			break
		}
		if seen == 0 {
			first = o
		}
		seen++
		if bs.valid(o.b) && bs.valid(o.b+len(quote)) {
			if valid = append(valid, o); len(valid) == maxListed {
				break
			}
		}
	}
	switch {
	case seen == 0:
		return Anchor{}, fault.Field("quote", "does not occur in the article body")
	case len(valid) == 1 && !capped:
		return anchorAt(body, valid[0].b, valid[0].b+len(quote), valid[0].cp), nil
	case len(valid) > 1:
		return Anchor{}, fault.Field("quote", fmt.Sprintf("occurs more than once (at code points %s); give start to choose one", listOffsets(valid)))
	case capped:
		return Anchor{}, fault.Field("quote", fmt.Sprintf("occurs more than %d times; give start to choose one", maxExamined))
	}
	msg := strings.Join(edgeProblems(body, bs, first, quote), "; it also ")
	if seen > 1 {
		msg = fmt.Sprintf("occurs %d times but never at word boundaries; at code point %d it %s", seen, first.cp, msg)
	}
	return Anchor{}, fault.Field("quote", msg)
}

// Bounds of the work Locate does for a quote that occurs very often (a short quote in a
// repetitive body), and of what its messages list.
const (
	maxExamined = 1000
	maxListed   = 5
	// maxReach is how far, in code points, a message looks for the nearest boundaries.
	maxReach = 256
)

func locateAt(body string, bs *boundaries, quote string, s int) (Anchor, error) {
	sb := 0
	if s >= 0 {
		sb = forwardRunes(body, 0, s)
	}
	if s < 0 || sb == len(body) && s > 0 && utf8.RuneCountInString(body) < s {
		n := utf8.RuneCountInString(body)
		return Anchor{}, fault.Field("start", fmt.Sprintf("must be between 0 and %d, the body's length in code points", n))
	}
	if !strings.HasPrefix(body[sb:], quote) {
		var at []occurrence
		for o := range occurrencesOf(body, quote) {
			if at = append(at, o); len(at) == maxListed {
				break
			}
		}
		if len(at) == 0 {
			return Anchor{}, fault.Field("quote", "does not occur in the article body")
		}
		return Anchor{}, fault.Field("start", fmt.Sprintf("the quote does not start at code point %d; it occurs at %s", s, listOffsets(at)))
	}
	o := occurrence{b: sb, cp: s}
	startOK, endOK := bs.valid(sb), bs.valid(sb+len(quote))
	if startOK && endOK {
		return anchorAt(body, sb, sb+len(quote), s), nil
	}
	problems := edgeProblems(body, bs, o, quote)
	errs := fault.Fields{}
	if !startOK {
		errs.Add("start", problems[0])
		problems = problems[1:]
	}
	if !endOK {
		errs.Add("quote", problems[0])
	}
	return Anchor{}, errs.Err()
}

// anchorAt returns the anchor of the quote at byte offsets [b, e) of text, whose first code
// point is code point cp.
func anchorAt(text string, b, e, cp int) Anchor {
	return Anchor{
		Start:  cp,
		End:    cp + utf8.RuneCountInString(text[b:e]),
		Exact:  text[b:e],
		Prefix: text[backRunes(text, b, ContextLength):b],
		Suffix: text[e:forwardRunes(text, e, ContextLength)],
	}
}

// occurrence is where a quote occurs: b in bytes, cp in code points.
type occurrence struct{ b, cp int }

// occurrencesOf yields the occurrences of q in text in order, overlapping ones included. It
// searches the UTF-8 bytes with strings.Index, which is linear in practice, and counts code
// points only up to each match, so that a long body and a long quote cannot hold the caller
// for seconds.
func occurrencesOf(text, q string) func(yield func(occurrence) bool) {
	return func(yield func(occurrence) bool) {
		if q == "" {
			return
		}
		b, cp := 0, 0
		for {
			i := strings.Index(text[b:], q)
			if i < 0 {
				return
			}
			cp += utf8.RuneCountInString(text[b : b+i])
			if !yield(occurrence{b: b + i, cp: cp}) {
				return
			}
			// Step one code point past the match's start, to find overlapping occurrences too.
			_, size := utf8.DecodeRuneInString(text[b+i:])
			b += i + size
			cp++
		}
	}
}

func listOffsets(at []occurrence) string {
	parts := make([]string, len(at))
	for i, a := range at {
		parts[i] = fmt.Sprint(a.cp)
	}
	s := strings.Join(parts, ", ")
	if len(at) == maxListed {
		s += ", …"
	}
	return s
}

// edgeProblems describes each end of the quote at o that is not a boundary, the start first:
// what it cuts into and the nearest boundaries around that end, as code point offsets.
func edgeProblems(text string, bs *boundaries, o occurrence, quote string) []string {
	var out []string
	if !bs.valid(o.b) {
		out = append(out, edgeProblem(text, bs, o.b, o.cp, "starts"))
	}
	if e := o.b + len(quote); !bs.valid(e) {
		out = append(out, edgeProblem(text, bs, e, o.cp+utf8.RuneCountInString(quote), "ends"))
	}
	return out
}

// edgeProblem says that the quote starts or ends (verb) inside something at byte offset b,
// code point cp, which is not a boundary, and where the nearest boundaries are.
func edgeProblem(text string, bs *boundaries, b, cp int, verb string) string {
	lo, loCP, loOK := nearestBoundary(text, bs.valid, b, -1)
	hi, hiCP, hiOK := nearestBoundary(text, bs.valid, b, +1)
	loCP, hiCP = cp-loCP, cp+hiCP
	var what string
	if !bs.cluster(b) {
		cs, _, csOK := nearestBoundary(text, bs.cluster, b, -1)
		ce, _, ceOK := nearestBoundary(text, bs.cluster, b, +1)
		if csOK && ceOK {
			what = "the character " + quoted(text[cs:ce])
		} else {
			what = "a character longer than " + fmt.Sprint(maxReach) + " code points"
		}
	} else if loOK && hiOK {
		what = describeSegment(text[lo:hi])
	} else {
		what = "a word longer than " + fmt.Sprint(maxReach) + " code points"
	}
	var where string
	switch {
	case loOK && hiOK:
		where = fmt.Sprintf("the nearest boundaries are at code points %d and %d", loCP, hiCP)
	case loOK:
		where = fmt.Sprintf("the nearest boundary is at code point %d, and none is within %d code points after", loCP, maxReach)
	case hiOK:
		where = fmt.Sprintf("the nearest boundary is at code point %d, and none is within %d code points before", hiCP, maxReach)
	default:
		where = fmt.Sprintf("no boundary is within %d code points", maxReach)
	}
	return fmt.Sprintf("%s inside %s; %s", verb, what, where)
}

// nearestBoundary walks from byte offset b, one code point at a time in direction dir (-1
// or +1), to the nearest offset where is holds, at most maxReach code points away. It
// returns that offset and its distance in code points.
func nearestBoundary(text string, is func(int) bool, b, dir int) (at, dist int, ok bool) {
	for dist = 0; dist <= maxReach; dist++ {
		if is(b) {
			return b, dist, true
		}
		if dir < 0 {
			if b == 0 {
				break
			}
			_, size := utf8.DecodeLastRuneInString(text[:b])
			b -= size
		} else {
			if b == len(text) {
				break
			}
			_, size := utf8.DecodeRuneInString(text[b:])
			b += size
		}
	}
	return 0, 0, false
}

// describeSegment names the text between two boundaries for a message: a word when it holds
// letters, a number when it holds digits, else just text (such as two spaces).
func describeSegment(s string) string {
	letters, digits := false, false
	for _, r := range s {
		letters = letters || unicode.IsLetter(r)
		digits = digits || unicode.IsDigit(r)
	}
	switch {
	case letters:
		return "the word " + quoted(s)
	case digits:
		return "the number " + quoted(s)
	}
	return "the text " + quoted(s)
}

// quoted returns s in double quotes, cut to 40 code points.
func quoted(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = s[:forwardRunes(s, 0, 39)] + "…"
	}
	return `"` + s + `"`
}
