package claims

import (
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// boundaryChunk is how many bytes of text one segmentation fills in: small enough that one
// check costs microseconds, large enough that checking every offset of a text is one pass.
const boundaryChunk = 1024

type chunkBits struct {
	// valid has bit i set when offset i of the chunk is a grapheme cluster and a word boundary.
	valid [boundaryChunk / 64]uint64
	// cluster has bit i set when offset i of the chunk is a grapheme cluster boundary.
	cluster [boundaryChunk / 64]uint64
}

func (c *chunkBits) set(bits *[boundaryChunk / 64]uint64, i int) { bits[i/64] |= 1 << (i % 64) }

func has(bits *[boundaryChunk / 64]uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }

// boundaries tells, for byte offsets of one text, whether a quote may start or end there:
// whether the offset is both a grapheme cluster boundary and a word boundary of Unicode text
// segmentation (UAX #29, as github.com/rivo/uniseg implements it). It segments lazily,
// starting from a code point after which the rules remember nothing of the text before (see
// restartsSegmentation). The first few offsets asked about are each decided from the few
// code points around them (point): creating a claim asks about the quote's two ends only,
// and segmenting a chunk for each was most of its anchoring. After that it segments one
// chunk around each offset and keeps what it segmented, so that asking about every offset
// (a quote that occurs often, the nearest boundaries of a message) is one pass.
type boundaries struct {
	text   string
	chunks []*chunkBits
	// size is the chunk size in bytes: boundaryChunk, or less in tests that make every
	// text span many chunks.
	size int
	// points counts the offsets decided by point, up to maxPoints.
	points int
}

// maxPoints is how many offsets of one text point decides before chunks take over;
// pointReach bounds, in bytes, how far it looks for a restart on each side.
const (
	maxPoints  = 16
	pointReach = 128
)

func newBoundaries(text string) *boundaries { return newBoundariesIn(text, boundaryChunk) }

func newBoundariesIn(text string, size int) *boundaries {
	return &boundaries{text: text, size: size}
}

// valid reports whether byte offset b is a grapheme cluster boundary and a word boundary.
func (bs *boundaries) valid(b int) bool {
	if b <= 0 || b >= len(bs.text) {
		return b == 0 || b == len(bs.text)
	}
	if v, ok := asciiBoundary(bs.text, b); ok {
		return v
	}
	if _, v, ok := bs.point(b); ok {
		return v
	}
	return has(&bs.chunk(b).valid, b%bs.size)
}

// cluster reports whether byte offset b is a grapheme cluster boundary.
func (bs *boundaries) cluster(b int) bool {
	if b <= 0 || b >= len(bs.text) {
		return b == 0 || b == len(bs.text)
	}
	if x, y := bs.text[b-1], bs.text[b]; x < utf8.RuneSelf && y < utf8.RuneSelf && x != '\r' {
		return true // GB999: no ASCII code point but CR joins the next one
	}
	if c, _, ok := bs.point(b); ok {
		return c
	}
	return has(&bs.chunk(b).cluster, b%bs.size)
}

// point decides byte offset b (inside the text) by segmenting only from the last restart
// before it to the first after it (see fill, which cuts chunks the same way), unless a chunk
// holding b is already segmented, maxPoints offsets were decided so already, or no restart
// lies within pointReach bytes on either side (ok is false then).
func (bs *boundaries) point(b int) (cluster, valid, ok bool) {
	if bs.points == maxPoints || bs.chunks != nil && bs.chunks[b/bs.size] != nil {
		return false, false, false
	}
	text := bs.text
	from, okFrom := restartWithin(text, b, max(0, b-pointReach))
	to, okTo := restartAfterWithin(text, b, min(len(text), b+pointReach))
	if !okFrom || !okTo {
		return false, false, false
	}
	bs.points++
	p, state := from, -1
	for rest := text[from:to]; p < b; {
		var cl string
		cl, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		p += len(cl)
	}
	if p != b {
		return false, false, true
	}
	p, state = from, -1
	for rest := text[from:to]; p < b; {
		var w string
		w, rest, state = uniseg.FirstWordInString(rest, state)
		p += len(w)
	}
	return true, p == b, true
}

// asciiBoundary decides the offset between two ASCII letters, digits or spaces without
// segmenting: letters and digits hold together (WB5, WB8-WB10), so do two spaces (WB3d), and
// a space next to a letter or digit is a boundary (WB999, GB999). These pairs are decided by
// the two code points alone, because after a letter, a digit or a space the word and
// grapheme rules carry no state from further back. It covers the common cases and keeps a
// long run of letters (the pathological "abab…" body) from being segmented at all.
func asciiBoundary(text string, b int) (valid, ok bool) {
	x, y := text[b-1], text[b]
	switch {
	case isASCIIAlnum(x) && isASCIIAlnum(y), x == ' ' && y == ' ':
		return false, true
	case x == ' ' && isASCIIAlnum(y), isASCIIAlnum(x) && y == ' ':
		return true, true
	}
	return false, false
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// restartsSegmentation reports whether the grapheme and word rules of UAX #29 are in the
// same state after r whatever text came before r: then segmenting from r on gives the same
// boundaries after r as segmenting the whole text. The rules that look further back are
// those for Extend, Format and ZWJ (WB4, GB9, GB11), spacing marks (GB9a), regional
// indicators (WB15, WB16, GB12, GB13), mid-word punctuation (WB6, WB7, WB11, WB12) and
// CR LF (GB3, WB3). A line feed, a space, a digit or a letter is none of those, unless the
// letter joins what comes before it as a mark does (a few letters are spacing marks or
// extenders, such as Thai SARA AM); uniseg itself tells those apart, so no table of our own
// is needed. TestRestartRunesForgetTheTextBefore checks every member against uniseg.
func restartsSegmentation(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '\n' || r == ' ' || isASCIIAlnum(byte(r))
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return false
	}
	// A letter that attaches to a space before it extends the space's cluster or word.
	s := " " + string(r)
	cl, _, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
	w, _, _ := uniseg.FirstWordInString(s, -1)
	return len(cl) == 1 && len(w) == 1
}

// restartBefore returns the byte offset of the last code point starting before b after which
// segmentation may start afresh, or 0 when there is none (the start of the text is one).
func restartBefore(text string, b int) int {
	at, _ := restartWithin(text, b, 0)
	return at
}

// restartWithin is restartBefore looking no further back than byte offset lo: ok is false
// when no restart starts at or after lo (the start of the text counts as one).
func restartWithin(text string, b, lo int) (at int, ok bool) {
	for b > lo {
		r, size := utf8.DecodeLastRuneInString(text[:b])
		b -= size
		if restartsSegmentation(r) {
			return b, true
		}
	}
	return 0, b <= 0
}

// restartAfter returns the byte offset just after the first code point starting at or after
// b after which segmentation may start afresh, or len(text). Segmenting a text cut there
// gives the same boundaries before the cut as the whole text: the rules that look ahead
// (WB6, WB7b, WB12) look past Extend, Format and ZWJ only, and that code point is none.
func restartAfter(text string, b int) int {
	at, _ := restartAfterWithin(text, b, len(text))
	return at
}

// restartAfterWithin is restartAfter looking at the code points starting before byte offset
// hi only: ok is false when none of them is a restart and hi is not the end of the text.
func restartAfterWithin(text string, b, hi int) (at int, ok bool) {
	for b < hi {
		r, size := utf8.DecodeRuneInString(text[b:])
		b += size
		if restartsSegmentation(r) {
			return b, true
		}
	}
	return len(text), b >= len(text)
}

// chunk returns the boundaries of the chunk holding byte offset b, segmenting it first.
func (bs *boundaries) chunk(b int) *chunkBits {
	k := b / bs.size
	if bs.chunks == nil {
		bs.chunks = make([]*chunkBits, len(bs.text)/bs.size+1)
	}
	if bs.chunks[k] == nil {
		bs.fill(k)
	}
	return bs.chunks[k]
}

// fill segments chunk k, and keeps every other chunk the same segmentation covers whole.
func (bs *boundaries) fill(k int) {
	text, size := bs.text, bs.size
	from := restartBefore(text, k*size)
	to := restartAfter(text, min(len(text), (k+1)*size))
	first, last := from/size, to/size
	bits := make([]chunkBits, last-first+1)
	at := func(p int) (*chunkBits, int) { return &bits[p/size-first], p % size }

	p, state := from, -1
	for rest := text[from:to]; rest != ""; {
		var cl string
		cl, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		p += len(cl)
		c, i := at(p)
		c.set(&c.cluster, i)
	}
	p, state = from, -1
	for rest := text[from:to]; rest != ""; {
		var w string
		w, rest, state = uniseg.FirstWordInString(rest, state)
		p += len(w)
		if c, i := at(p); has(&c.cluster, i) {
			c.set(&c.valid, i)
		}
	}
	// Offsets after from and before to are exact; the end of the cut text (to) is not,
	// unless it is the end of the text too.
	for j := first; j <= last; j++ {
		covered := (from == 0 || j*size > from) && (to == len(text) || (j+1)*size <= to)
		if covered && bs.chunks[j] == nil {
			bs.chunks[j] = &bits[j-first]
		}
	}
}
