package claims

import (
	"sort"
	"unicode/utf8"
)

// runeIndexStep is how many code points lie between two checkpoints of a runeIndex: a
// conversion walks at most that many code points.
const runeIndexStep = 64

// runeIndex converts between the byte offsets Go strings use and the code point offsets
// anchors use, in O(log n) each after one O(n) pass, so that re-anchoring many claims never
// walks a whole body per claim.
type runeIndex struct {
	text  string
	ascii bool
	// marks[i] is the byte offset of code point i*runeIndexStep.
	marks []int
	// runes is the text's length in code points.
	runes int
}

func newRuneIndex(text string) *runeIndex {
	x := &runeIndex{text: text, runes: utf8.RuneCountInString(text)}
	if x.runes == len(text) {
		x.ascii = true
		return x
	}
	x.marks = make([]int, 0, x.runes/runeIndexStep+1)
	n := 0
	for i := 0; i < len(text); i++ {
		if utf8.RuneStart(text[i]) {
			if n%runeIndexStep == 0 {
				x.marks = append(x.marks, i)
			}
			n++
		}
	}
	return x
}

// byteOf returns the byte offset of code point cp, which must be in [0, runes].
func (x *runeIndex) byteOf(cp int) int {
	if x.ascii {
		return cp
	}
	if cp == x.runes {
		return len(x.text)
	}
	b := x.marks[cp/runeIndexStep]
	for range cp % runeIndexStep {
		_, size := utf8.DecodeRuneInString(x.text[b:])
		b += size
	}
	return b
}

// cpOf returns the code point offset of byte offset b, which must be in [0, len(text)] and
// at the start of a code point.
func (x *runeIndex) cpOf(b int) int {
	if x.ascii {
		return b
	}
	i := sort.Search(len(x.marks), func(i int) bool { return x.marks[i] > b }) - 1
	return i*runeIndexStep + utf8.RuneCountInString(x.text[x.marks[i]:b])
}

// backRunes returns the byte offset n code points before byte offset b (or 0).
func backRunes(text string, b, n int) int {
	for ; n > 0 && b > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:b])
		b -= size
	}
	return b
}

// forwardRunes returns the byte offset n code points after byte offset b (or len(text)).
func forwardRunes(text string, b, n int) int {
	for ; n > 0 && b < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[b:])
		b += size
	}
	return b
}
