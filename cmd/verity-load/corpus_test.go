package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestPassagesAreUnambiguousWholeSentences checks what the server will ask of every quote:
// it occurs once, where start says, and begins and ends between words.
func TestPassagesAreUnambiguousWholeSentences(t *testing.T) {
	var passages, mentions int
	// Search matches words as prefixes, so no longer word may start with SearchWord.
	longer := regexp.MustCompile(`(?i)\b` + SearchWord + `\w`)
	g := newGenerator(7)
	for i := range 40 {
		a := g.article(i)
		body := []rune(a.Body)
		all := append(append([]passage{}, a.Claimed...), a.Spare...)
		if len(a.Claimed) != ClaimsPerArticle || len(a.Spare) < ClaimsPerArticle {
			t.Fatalf("article %d: %d claimed and %d spare passages", i, len(a.Claimed), len(a.Spare))
		}
		for _, p := range all {
			q := []rune(p.Quote)
			if p.Start+len(q) > len(body) || string(body[p.Start:p.Start+len(q)]) != p.Quote {
				t.Fatalf("article %d: %q is not at code point %d", i, p.Quote, p.Start)
			}
			if n := strings.Count(a.Body, p.Quote); n != 1 {
				t.Errorf("article %d: %q occurs %d times", i, p.Quote, n)
			}
			if p.Start > 0 && !unicode.IsSpace(body[p.Start-1]) {
				t.Errorf("article %d: %q starts after %q, not after a space", i, p.Quote, body[p.Start-1])
			}
			if end := p.Start + len(q); end < len(body) && !unicode.IsSpace(body[end]) {
				t.Errorf("article %d: %q ends before %q, not before a space", i, p.Quote, body[end])
			}
			if first, _ := utf8.DecodeRuneInString(p.Quote); unicode.IsSpace(first) || !strings.HasSuffix(p.Quote, ".") {
				t.Errorf("article %d: %q is not a whole sentence", i, p.Quote)
			}
			if p.Kind == "" || p.Text == "" || strings.Contains(p.Text, SearchWord) {
				t.Errorf("article %d: passage %+v has no kind or text, or a text that mentions %s", i, p, SearchWord)
			}
			passages++
			switch n := strings.Count(p.Quote, SearchWord); n {
			case 0:
			case 1:
				mentions++
			default:
				t.Errorf("%q mentions %s %d times", p.Quote, SearchWord, n)
			}
		}
		if longer.MatchString(a.Body) {
			t.Errorf("article %d has a word that %s prefixes: %q", i, SearchWord, longer.FindString(a.Body))
		}
	}
	if share := float64(mentions) / float64(passages); share < SearchShare-0.05 || share > SearchShare+0.05 {
		t.Errorf("%s is in %.2f of the passages, want about %.2f", SearchWord, share, SearchShare)
	}
}

func TestCorpusIsReproducible(t *testing.T) {
	g, other := newGenerator(3), newGenerator(4)
	if !reflect.DeepEqual(g.article(11), newGenerator(3).article(11)) || !reflect.DeepEqual(g.source(5), g.source(5)) {
		t.Error("the same seed and index made different data")
	}
	if g.article(11).Body == g.article(12).Body || g.article(11).Body == other.article(11).Body {
		t.Error("different articles have the same body")
	}
}

func TestNumber(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 2200: "2,200", 1234567: "1,234,567"} {
		if got := number(n); got != want {
			t.Errorf("number(%d) = %q, want %q", n, got, want)
		}
	}
}
