package claims

import (
	"strings"
	"testing"
	"unicode/utf8"

	"verity/claims/fault"
)

func TestLocate(t *testing.T) {
	body := "“Afghanistan collapsed in a weekend,” he said — and Isis-K grew. Isis-K again."
	intp := func(n int) *int { return &n }
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
			runes := []rune(body)
			if got := string(runes[a.Start:a.End]); got != tt.quote {
				t.Errorf("body[start:end] = %q, want %q", got, tt.quote)
			}
			if !strings.HasSuffix(string(runes[:a.Start]), a.Prefix) || !strings.HasPrefix(string(runes[a.End:]), a.Suffix) {
				t.Errorf("prefix %q / suffix %q do not surround the quote", a.Prefix, a.Suffix)
			}
		})
	}
}

func TestLocateContextIsAtMost32CodePoints(t *testing.T) {
	body := strings.Repeat("é", 100) + "QUOTE" + strings.Repeat("—", 100)
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

func TestReanchor(t *testing.T) {
	old := "Intro. The group had 2,200 fighters. Later, 2,200 fighters were cited again."
	a, err := Locate(old, "2,200 fighters", intp(21))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		body    string
		want    int
		wantOK  bool
		comment string
	}{
		{"unchanged", old, 21, true, ""},
		{"text inserted before", "A new lede. " + old, 33, true, ""},
		{"the other occurrence is removed", "Intro. The group had 2,200 fighters.", 21, true, ""},
		{"context picks the right one", "Later, 2,200 fighters were cited again. The group had 2,200 fighters.", 54, true, ""},
		{"quote gone", "Intro. The group had many fighters.", 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Reanchor(a, tt.body)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v", ok)
			}
			if ok && got.Start != tt.want {
				t.Errorf("start = %d, want %d", got.Start, tt.want)
			}
		})
	}
}

func intp(n int) *int { return &n }

func FuzzLocate(f *testing.F) {
	f.Add("“Isis-K” — at least 79 Afghans", "79", -1)
	f.Add("aaaa", "aa", 1)
	f.Add("é\u0301x", "x", 2)
	f.Fuzz(func(t *testing.T, body, quote string, start int) {
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
		runes := []rune(body)
		if a.Start < 0 || a.End > len(runes) || a.Start >= a.End {
			t.Fatalf("anchor %d..%d out of range for %d code points", a.Start, a.End, len(runes))
		}
		if string(runes[a.Start:a.End]) != a.Exact || a.Exact != string([]rune(quote)) {
			t.Fatalf("anchor does not slice back to the quote")
		}
		if sp != nil && a.Start != start {
			t.Fatalf("start %d ignored: got %d", start, a.Start)
		}
	})
}
