package claims

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/rivo/uniseg"
)

// wholeTextBoundaries segments all of text from its start: the reference that the windowed
// segmentation of boundaries must agree with at every byte offset.
func wholeTextBoundaries(text string) (valid, cluster []bool) {
	valid, cluster = make([]bool, len(text)+1), make([]bool, len(text)+1)
	valid[0], cluster[0] = true, true
	p, state := 0, -1
	for rest := text; rest != ""; {
		var cl string
		cl, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		p += len(cl)
		cluster[p] = true
	}
	p, state = 0, -1
	for rest := text; rest != ""; {
		var w string
		w, rest, state = uniseg.FirstWordInString(rest, state)
		p += len(w)
		valid[p] = cluster[p]
	}
	return valid, cluster
}

// Contexts that leave the grapheme and word rules in each of their states: inside a word
// after mid-word punctuation, after an odd regional indicator, an emoji and a ZWJ, a
// combining mark, a virama, CR, a Hebrew letter and a quote, a prepended format character…
var (
	stateContexts = []string{"", "a", "1", "a.", "1,", "a'", "\u05d0", "\u05d0\"", "🇺", "🇺🇸🇫",
		"👩\u200d", "e\u0301", "\u0915\u094d", "\r", " ", "ア", "_", "\u200d", "\u0600", "\u1100", "\u0e01\u0e33"}
	followers = []string{"", "a", "'a", ".1", "\u0301", " ", "👩", "\u200d👩", "🇺🇸", "\u1161", "\r\n"}
)

func TestRestartRunesForgetTheTextBefore(t *testing.T) {
	check := func(r rune, pres, posts []string) {
		for _, pre := range pres {
			for _, post := range posts {
				tail := string(r) + post
				whole, wholeCl := wholeTextBoundaries(pre + tail)
				alone, aloneCl := wholeTextBoundaries(tail)
				for k := 1; k <= len(tail); k++ {
					if whole[len(pre)+k] != alone[k] || wholeCl[len(pre)+k] != aloneCl[k] {
						t.Fatalf("%U after %+q, before %+q: offset %d differs when segmenting from %U", r, pre, post, k, r)
					}
				}
			}
		}
	}
	n := 0
	for r := rune(0); r < 0x80; r++ {
		if restartsSegmentation(r) {
			check(r, stateContexts, followers)
			n++
		}
	}
	if n != 64 {
		t.Errorf("%d ASCII restart code points, want 64 (LF, space, letters, digits)", n)
	}
	// Every other letter and digit, against the contexts whose rules look furthest back.
	hard, hardAfter := []string{"a.", "1,", "🇺", "👩\u200d", "e\u0301", "\u05d0\"", "\u0600", "\u1100"}, []string{".a", "\u0301"}
	members := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if restartsSegmentation(r) {
			check(r, hard, hardAfter)
			members++
		}
	}
	t.Logf("%d code points past ASCII restart segmentation", members)
}

// pieces are what random texts are made of: every kind of code point the rules treat apart.
var pieces = []string{"a", "b", "Z", "7", "0", " ", "  ", "\n", ",", ".", "'", "\"", ":", "-", "(", "_",
	"\u0301", "\u0303", "\u200d", "\u200b", "👩", "👧", "👍🏽", "🇺", "🇸", "🇫🇷", "\u05d0", "\u05d1",
	"ア", "カ", "联", "合", "国", "\u0e01", "\u0e33", "\u0915", "\u094d", "\u0937", "\u1100", "\u1161",
	"\u11a8", "\uac00", "\u0600", "ك", "َ", "\u00a0", "\u3000", "2,200", "at least 79", "q\u0303"}

// randomText returns a text of about n bytes, with long stretches that hold no code point to
// restart segmentation from, so that chunks must be segmented from far back.
func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		if rng.IntN(40) == 0 {
			// A run of marks, regional indicators or Thai, longer than a chunk.
			run := []string{"\u0301", "🇺", "\u0e01", "👩\u200d"}[rng.IntN(4)]
			b.WriteString(strings.Repeat(run, 300+rng.IntN(600)))
			continue
		}
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func TestBoundariesAgreeWithWholeTextSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 1))
	for i := range 30 {
		text := randomText(rng, 1+rng.IntN(6*boundaryChunk))
		valid, cluster := wholeTextBoundaries(text)
		// Ask in a random order, so that chunks are filled from every direction.
		for _, size := range []int{boundaryChunk, 64, 8} {
			bs := newBoundariesIn(text, size)
			for _, p := range rng.Perm(len(text) + 1) {
				if bs.valid(p) != valid[p] || bs.cluster(p) != cluster[p] {
					t.Fatalf("text %d, chunks of %d, offset %d of %d: valid %v cluster %v, want %v %v (around %+q)", i, size, p, len(text),
						bs.valid(p), bs.cluster(p), valid[p], cluster[p], text[max(0, p-12):min(len(text), p+12)])
				}
			}
		}
	}
}

func TestBoundariesOfALongWordSegmentNothing(t *testing.T) {
	text := strings.Repeat("ab", 1<<20)
	bs := newBoundaries(text)
	for p := range len(text) + 1 {
		if bs.valid(p) != (p == 0 || p == len(text)) {
			t.Fatalf("offset %d", p)
		}
	}
	for k, c := range bs.chunks {
		if c != nil {
			t.Fatalf("chunk %d was segmented; letters next to letters need no segmenting", k)
		}
	}
}

// Each offset asked about first is decided from the code points around it (point): every
// such answer must agree with segmenting the whole text, at every offset.
func TestBoundaryPointsAgreeWithWholeTextSegmentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	decided := 0
	for i := range 30 {
		text := randomText(rng, 1+rng.IntN(3*boundaryChunk))
		valid, cluster := wholeTextBoundaries(text)
		for p := range len(text) + 1 {
			bs, cs := newBoundaries(text), newBoundaries(text)
			if bs.valid(p) != valid[p] || cs.cluster(p) != cluster[p] {
				t.Fatalf("text %d, offset %d of %d: valid %v cluster %v, want %v %v (around %+q)", i, p, len(text),
					bs.valid(p), cs.cluster(p), valid[p], cluster[p], text[max(0, p-12):min(len(text), p+12)])
			}
			if bs.chunks == nil {
				decided++
			}
		}
	}
	if decided == 0 {
		t.Fatal("no offset was decided without segmenting a chunk")
	}
}

// Anchoring a quote checks its two ends, which needs no chunk segmented, even where the
// quote ends at punctuation (which the ASCII shortcut leaves to segmentation).
func TestLocateSegmentsNoChunkForTheQuoteEnds(t *testing.T) {
	body := strings.Repeat("Officials said the toll rose, and aid arrived (late). ", 200)
	quote := "the toll rose,"
	start := len("Officials said ") + 100*len("Officials said the toll rose, and aid arrived (late). ")
	bs := newBoundaries(body)
	if !bs.valid(start) || !bs.valid(start+len(quote)) {
		t.Fatal("the quote's ends are boundaries")
	}
	if bs.chunks != nil {
		t.Fatal("a chunk was segmented to decide two offsets")
	}
	if _, err := Locate(body, quote, &start); err != nil {
		t.Fatal(err)
	}
}
