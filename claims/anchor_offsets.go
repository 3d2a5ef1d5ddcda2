package claims

import (
	"math/bits"
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
	for i := 0; i < len(text); {
		if len(text)-i >= 8 && n+8 <= len(x.marks)*runeIndexStep {
			// No checkpoint falls in these 8 bytes.
			n += runeStarts8(text, i)
			i += 8
			continue
		}
		if utf8.RuneStart(text[i]) {
			if n == len(x.marks)*runeIndexStep {
				x.marks = append(x.marks, i)
			}
			n++
		}
		i++
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

// forwardRunes returns the byte offset n code points after byte offset b, which must be at
// the start of a code point (or len(text)). It counts 8 bytes at a time, so that finding a
// client's start offset in a 2 MiB body takes a fraction of a millisecond.
func forwardRunes(text string, b, n int) int {
	for n > 8 && len(text)-b >= 8 {
		n -= runeStarts8(text, b)
		b += 8
	}
	for ; b < len(text); b++ {
		if utf8.RuneStart(text[b]) {
			if n == 0 {
				return b
			}
			n--
		}
	}
	return len(text)
}

// runeStarts8 returns how many of the 8 bytes of text from i start a code point: all but
// the continuation bytes, 10xxxxxx.
func runeStarts8(text string, i int) int {
	x := uint64(text[i]) | uint64(text[i+1])<<8 | uint64(text[i+2])<<16 | uint64(text[i+3])<<24 |
		uint64(text[i+4])<<32 | uint64(text[i+5])<<40 | uint64(text[i+6])<<48 | uint64(text[i+7])<<56
	const high = 0x8080808080808080
	continuation := x & high &^ (x << 1 & high)
	return 8 - bits.OnesCount64(continuation)
}
