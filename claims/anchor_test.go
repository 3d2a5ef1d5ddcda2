package claims

import (
	"strings"
	"testing"
	"unicode/utf8"

	"verity/claims/fault"
	"verity/claims/text"
)

func TestLocate(t *testing.T) {
	body := "“Afghanistan collapsed in a weekend,” he said — and Isis-K grew. Isis-K again."
	tests := []struct {
		name      string
		quote     string
		start     *int
		wantStart int
		wantField string
	}{
		{name: "unique with curly quotes", quote: "“Afghanistan collapsed", wantStart: 0},
		{name: "offsets count code points after a dash", quote: "and Isis-K grew", wantStart: utf8.RuneCountInString(body[:strings.Index(body, "and Isis-K")])},
		{name: "ambiguous without start", quote: "Isis-K", wantField: "quote"},
		{name: "ambiguous with start", quote: "Isis-K", start: intp(65), wantStart: 65},
		{name: "start not at the quote", quote: "Isis-K", start: intp(3), wantField: "start"},
		{name: "start past the end", quote: "Isis-K", start: intp(1000), wantField: "start"},
		{name: "negative start", quote: "Isis-K", start: intp(-1), wantField: "start"},
		{name: "absent", quote: "Taliban", wantField: "quote"},
		{name: "empty", quote: "  ", wantField: "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Locate(body, tt.quote, tt.start)
			if tt.wantField != "" {
				e := fault.As(err)
				if e.Kind != fault.Invalid || e.Fields[tt.wantField] == "" {
					t.Fatalf("err = %v, want invalid %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Start != tt.wantStart {
				t.Errorf("start = %d, want %d", a.Start, tt.wantStart)
			}
			checkAnchor(t, body, a)
			if a.Exact != tt.quote {
				t.Errorf("exact = %q, want %q", a.Exact, tt.quote)
			}
		})
	}
}

// checkAnchor fails unless a slices back to its quote by code points in body, its prefix and
// suffix are the ContextLength code points around it, and it starts and ends at boundaries
// of the whole body's segmentation.
func checkAnchor(t *testing.T, body string, a Anchor) {
	t.Helper()
	newBodyCheck(body).anchor(t, a)
}

// bodyCheck is checkAnchor for many anchors of one body, segmenting it once.
type bodyCheck struct {
	runes []rune
	valid []bool
	// byteAt[i] is the byte offset of code point i.
	byteAt []int
}

func newBodyCheck(body string) *bodyCheck {
	c := &bodyCheck{runes: []rune(body)}
	c.valid, _ = wholeTextBoundaries(body)
	for i := range body {
		c.byteAt = append(c.byteAt, i)
	}
	c.byteAt = append(c.byteAt, len(body))
	return c
}

func (c *bodyCheck) anchor(t *testing.T, a Anchor) {
	t.Helper()
	runes := c.runes
	if a.Start < 0 || a.End > len(runes) || a.Start >= a.End {
		t.Fatalf("anchor %d..%d out of range for %d code points", a.Start, a.End, len(runes))
	}
	if got := string(runes[a.Start:a.End]); got != a.Exact {
		t.Fatalf("body[%d:%d] = %q, not the quote %q", a.Start, a.End, got, a.Exact)
	}
	if want := string(runes[max(0, a.Start-ContextLength):a.Start]); a.Prefix != want {
		t.Fatalf("prefix = %q, want %q", a.Prefix, want)
	}
	if want := string(runes[a.End:min(len(runes), a.End+ContextLength)]); a.Suffix != want {
		t.Fatalf("suffix = %q, want %q", a.Suffix, want)
	}
	if !c.valid[c.byteAt[a.Start]] || !c.valid[c.byteAt[a.End]] {
		t.Fatalf("anchor %d..%d %q does not start and end at boundaries", a.Start, a.End, a.Exact)
	}
}

func TestLocateContextIsAtMost32CodePoints(t *testing.T) {
	body := strings.Repeat("é ", 50) + "QUOTE" + strings.Repeat(" —", 50)
	a, err := Locate(body, "QUOTE", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Start != 100 || a.End != 105 {
		t.Errorf("anchor = %d..%d, want 100..105", a.Start, a.End)
	}
	if n := utf8.RuneCountInString(a.Prefix); n != ContextLength {
		t.Errorf("prefix has %d code points", n)
	}
	if n := utf8.RuneCountInString(a.Suffix); n != ContextLength {
		t.Errorf("suffix has %d code points", n)
	}
}

func TestLocateBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		quote string
		start *int
		// wantStart is the anchor's start when the quote is accepted (wantField empty).
		wantStart int
		wantField string
		// wantMessage, when set, is the whole message on wantField.
		wantMessage string
	}{
		{name: "ASCII words", body: "The group grew stronger.", quote: "group grew", wantStart: 4},
		{name: "inside a word at the end", body: "The group grew stronger.", quote: "grew strong", wantField: "quote",
			wantMessage: `ends inside the word "stronger"; the nearest boundaries are at code points 15 and 23`},
		{name: "inside a word at the start", body: "The group grew stronger.", quote: "roup", wantField: "quote",
			wantMessage: `starts inside the word "group"; the nearest boundaries are at code points 4 and 9`},
		{name: "a number cut short", body: "Officials said they killed at least 79 fighters.", quote: "killed at least 7", wantField: "quote",
			wantMessage: `ends inside the number "79"; the nearest boundaries are at code points 36 and 38`},
		{name: "a whole number", body: "Officials said they killed at least 79 fighters.", quote: "killed at least 79", wantStart: 20},
		{name: "thousands separator", body: "The UN estimated 2,200 fighters.", quote: "2,200 fighters", wantStart: 17},
		{name: "half of 2,200", body: "The UN estimated 2,200 fighters.", quote: "200 fighters", wantField: "quote",
			wantMessage: `starts inside the number "2,200"; the nearest boundaries are at code points 17 and 22`},
		{name: "2, out of 2,200", body: "The UN estimated 2,200 fighters.", quote: "estimated 2,", wantField: "quote"},
		{name: "decimal point", body: "About 3.5 million people.", quote: "3", wantField: "quote"},
		{name: "ends at punctuation", body: "“Afghanistan collapsed in a weekend,” he said.", quote: "collapsed in a weekend", wantStart: 13},
		{name: "starts and ends with punctuation", body: "“Afghanistan collapsed in a weekend,” he said.", quote: "“Afghanistan collapsed in a weekend,”", wantStart: 0},
		{name: "hyphen is a boundary", body: "Isis-K grew.", quote: "Isis", wantStart: 0},
		{name: "leading space", body: "he said — and grew", quote: " and grew", wantStart: 9},
		{name: "between two spaces", body: "he said  so", quote: " so", wantField: "quote",
			wantMessage: `starts inside the text "  "; the nearest boundaries are at code points 7 and 9`},
		{name: "combining mark", body: "the letter q\u0303 is rare", quote: "letter q", wantField: "quote",
			wantMessage: "ends inside the character \"q\u0303\"; the nearest boundaries are at code points 11 and 13"},
		{name: "letter with its mark", body: "the letter q\u0303 is rare", quote: "q\u0303", wantStart: 11},
		{name: "ZWJ family", body: "a family 👩‍👩‍👧 emoji", quote: "family 👩", wantField: "quote",
			wantMessage: `ends inside the character "👩‍👩‍👧"; the nearest boundaries are at code points 9 and 14`},
		{name: "whole ZWJ family", body: "a family 👩‍👩‍👧 emoji", quote: "👩‍👩‍👧", wantStart: 9},
		{name: "half a flag", body: "flags 🇺🇸🇫🇷 here", quote: "🇺", wantField: "quote"},
		{name: "second half of a flag", body: "flags 🇺🇸🇫🇷 here", quote: "🇸🇫", wantField: "quote"},
		{name: "a whole flag next to another", body: "flags 🇺🇸🇫🇷 here", quote: "🇫🇷", wantStart: 8},
		{name: "CJK ideographs are words of their own", body: "联合国估计有2200名战士。", quote: "联合国", wantStart: 0},
		{name: "CJK number", body: "联合国估计有2200名战士。", quote: "有220", wantField: "quote"},
		{name: "katakana", body: "テレビで見た", quote: "テレ", wantField: "quote"},
		{name: "Arabic word", body: "قال المسؤولون إن 79 شخصا قتلوا", quote: "المسؤولون", wantStart: 4},
		{name: "Arabic word cut", body: "قال المسؤولون إن 79 شخصا قتلوا", quote: "المسؤول", wantField: "quote"},
		{name: "Arabic harakat", body: "هو كَتَبَ الرسالة", quote: "كَ", wantField: "quote"},
		{name: "start inside a number", body: "at least 79 people", quote: "9 people", start: intp(10), wantField: "start",
			wantMessage: `starts inside the number "79"; the nearest boundaries are at code points 9 and 11`},
		{name: "start given, end inside a word", body: "at least 79 people", quote: "79 peo", start: intp(9), wantField: "quote"},
		{name: "only the whole occurrence counts", body: "79 dead, then 7 more", quote: "7", wantStart: 14},
		{name: "never at boundaries", body: "79 and 79", quote: "7", wantField: "quote",
			wantMessage: `occurs 2 times but never at word boundaries; at code point 0 it ends inside the number "79"; the nearest boundaries are at code points 0 and 2`},
		{name: "inside a word too long to show", body: "x " + strings.Repeat("ab", 400), quote: "ba", start: intp(3), wantField: "start",
			wantMessage: `starts inside a word longer than 256 code points; the nearest boundary is at code point 2, and none is within 256 code points after`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Locate(tt.body, tt.quote, tt.start)
			if tt.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a.Start != tt.wantStart {
					t.Errorf("start = %d, want %d", a.Start, tt.wantStart)
				}
				checkAnchor(t, tt.body, a)
				return
			}
			e := fault.As(err)
			if e.Kind != fault.Invalid || e.Fields[tt.wantField] == "" {
				t.Fatalf("err = %v, want invalid %s", err, tt.wantField)
			}
			if tt.wantMessage != "" && e.Fields[tt.wantField] != tt.wantMessage {
				t.Errorf("message = %s\n want   %s", e.Fields[tt.wantField], tt.wantMessage)
			}
		})
	}
}

func TestLocateBoundsWorkOnRepetitiveBodies(t *testing.T) {
	body := strings.Repeat("ab", 1<<20)
	_, err := Locate(body, "ab", nil)
	if msg := fault.As(err).Fields["quote"]; !strings.Contains(msg, "occurs more than 1000 times") {
		t.Errorf("err = %v", err)
	}
	body = strings.Repeat("ab ", 100)
	_, err = Locate(body, "ab", nil)
	if msg := fault.As(err).Fields["quote"]; !strings.HasPrefix(msg, "occurs more than once (at code points 0, 3, 6, 9, 12, …)") {
		t.Errorf("err = %v", err)
	}
}

func TestLocateInACRLFBodyCountsNoCR(t *testing.T) {
	body, _ := text.Normalize("body", "First line.\r\nSecond line has 2,200 fighters.\r\n")
	quote, _ := text.Normalize("quote", "line.\r\nSecond")
	a, err := Locate(body, quote, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Start != 6 || a.End != 18 {
		t.Errorf("anchor = %d..%d, want 6..18", a.Start, a.End)
	}
	a, err = Locate(body, "2,200 fighters", nil)
	if err != nil || a.Start != 28 {
		t.Errorf("anchor = %+v, %v; want start 28", a, err)
	}
}

func intp(n int) *int { return &n }

func FuzzLocate(f *testing.F) {
	f.Add("“Isis-K” — at least 79 Afghans", "79", -1)
	f.Add("aaaa", "aa", 1)
	f.Add("é\u0301x", "x", 2)
	f.Add("a family 👩‍👩‍👧 emoji", "👩", -1)
	f.Add("flags 🇺🇸🇫🇷 here", "🇸🇫", 7)
	f.Add("The UN estimated 2,200 fighters.", "2,200", -1)
	f.Add("联合国估计有2200名战士。", "有", -1)
	f.Fuzz(func(t *testing.T, body, quote string, start int) {
		if utf8.ValidString(body) {
			// The chunked segmentation agrees with the whole text's, chunks of 8 bytes
			// making even a short text span many.
			valid, cluster := wholeTextBoundaries(body)
			bs := newBoundariesIn(body, 8)
			for p := len(body); p >= 0; p-- {
				if bs.valid(p) != valid[p] || bs.cluster(p) != cluster[p] {
					t.Fatalf("offset %d: valid %v cluster %v, want %v %v", p, bs.valid(p), bs.cluster(p), valid[p], cluster[p])
				}
			}
		}
		var sp *int
		if start >= 0 {
			sp = &start
		}
		a, err := Locate(body, quote, sp)
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("error of kind %s: %v", fault.KindOf(err), err)
			}
			return
		}
		if a.Exact != quote {
			t.Fatalf("exact = %q, want the quote %q", a.Exact, quote)
		}
		checkAnchor(t, body, a)
		if sp != nil && a.Start != start {
			t.Fatalf("start %d ignored: got %d", start, a.Start)
		}
	})
}

func TestLocateNamesBothEndsWhenBothCutIn(t *testing.T) {
	_, err := Locate("The group grew stronger.", "roup grew strong", nil)
	want := `starts inside the word "group"; the nearest boundaries are at code points 4 and 9; ` +
		`it also ends inside the word "stronger"; the nearest boundaries are at code points 15 and 23`
	if got := fault.As(err).Fields["quote"]; got != want {
		t.Errorf("message = %s\n want   %s", got, want)
	}
	_, err = Locate("The group grew stronger.", "roup grew strong", intp(5))
	if f := fault.As(err).Fields; f["start"] == "" || !strings.HasPrefix(f["quote"], "ends inside the word") {
		t.Errorf("with start: %v", err)
	}
}
