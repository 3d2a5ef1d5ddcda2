package claims

import (
	"context"
	"index/suffixarray"
	"slices"
	"strings"
	"unicode/utf8"
)

// Reanchored is where an anchor of an old revision of a body stands in a new revision.
type Reanchored struct {
	// Anchor is the anchor in the new body when Found, else the old anchor as it was.
	Anchor Anchor
	// Found reports whether the quote occurs in the new body, starting and ending at
	// boundaries (see Locate).
	Found bool
	// Changed reports whether the passage a reviewer saw is no longer the same: the quote
	// was not found, or found at another occurrence, or its prefix or suffix differs. A
	// passage that merely shifted, because text elsewhere changed, is not changed.
	Changed bool
}

// ReanchorAll re-anchors anchors of oldBody in newBody, in the order given. Both bodies must
// be normalized (text.Normalize); an anchor that does not match oldBody (a claim orphaned in
// an earlier revision) is searched for like one whose passage was edited.
//
// Its cost is near-linear in the bodies and the anchors, so that it can run for every claim
// of an article on each new revision. The bodies' common prefix and suffix are found once;
// an anchor whose quote lies in either is moved by offset arithmetic, and keeps its place
// even if the edit reached into its context (then it is Changed, and it must still start
// and end at boundaries). Only the other anchors are searched for, outward from where they
// are expected, each with work bounded by the body: the occurrence whose prefix and suffix
// both match first (the full TextQuoteSelector), then one whose prefix or suffix matches,
// then the quote alone; the nearest of the best kind wins, and only occurrences that start
// and end at boundaries count. It is a pure function: the caller runs it before taking the
// writer, and it returns ctx.Err() when ctx is done before it is.
func ReanchorAll(ctx context.Context, oldBody, newBody string, olds []Anchor) ([]Reanchored, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := newReanchorer(oldBody, newBody)
	out := make([]Reanchored, len(olds))
	for i, a := range olds {
		if i%16 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var err error
		if out[i], err = r.reanchor(ctx, a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reanchorer holds what ReanchorAll computes once per pair of bodies.
type reanchorer struct {
	old, new     string
	oldIx, newIx *runeIndex
	bounds       *boundaries
	oldBounds    *boundaries // made only if needed
	// wideSearches counts the searches that went past the neighbourhood of a quote; once
	// there are enough of them, sa indexes the new body to answer the rest.
	wideSearches int
	sa           *suffixarray.Index
	// wholeOcc memoises, per distinct quote searched for more than once or far, the byte
	// offsets of its occurrences in the new body that start and end at boundaries, sorted:
	// many claims quoting one string that occurs everywhere, but nowhere whole (2 MiB of
	// "abab…" and 200 claims quoting "b"), cost one pass of the body, not one each.
	// wholeEntries counts what it holds, bounded by maxMemoised.
	wholeOcc     map[string][]int32
	wholeEntries int
	searched     map[string]int
	// work counts the bytes and occurrences the searches went through, for the tests that
	// check the cost stays near-linear.
	work int
	// The bodies agree on code points [0, samePrefix) and from oldChangeEnd in the old body
	// (oldChangeEnd+delta in the new one) to the end.
	samePrefix, oldChangeEnd, delta int
}

func newReanchorer(oldBody, newBody string) *reanchorer {
	r := &reanchorer{
		old: oldBody, new: newBody, oldIx: newRuneIndex(oldBody), newIx: newRuneIndex(newBody), bounds: newBoundaries(newBody),
		wholeOcc: map[string][]int32{}, searched: map[string]int{},
	}
	p := commonPrefixBytes(oldBody, newBody)
	s := commonSuffixBytes(oldBody[p:], newBody[p:])
	r.samePrefix = r.oldIx.cpOf(p)
	r.oldChangeEnd = r.oldIx.cpOf(len(oldBody) - s)
	r.delta = r.newIx.runes - r.oldIx.runes
	return r
}

// commonPrefixBytes returns the length of the longest common prefix of a and b that ends
// between code points in both.
func commonPrefixBytes(a, b string) int {
	n := min(len(a), len(b))
	p := 0
	for p+64 <= n && a[p:p+64] == b[p:p+64] {
		p += 64
	}
	for p < n && a[p] == b[p] {
		p++
	}
	for p > 0 && !(runeStartAt(a, p) && runeStartAt(b, p)) {
		p--
	}
	return p
}

// commonSuffixBytes returns the length of the longest common suffix of a and b that starts
// between code points in both.
func commonSuffixBytes(a, b string) int {
	n := min(len(a), len(b))
	s := 0
	for s+64 <= n && a[len(a)-s-64:len(a)-s] == b[len(b)-s-64:len(b)-s] {
		s += 64
	}
	for s < n && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	for s > 0 && !(runeStartAt(a, len(a)-s) && runeStartAt(b, len(b)-s)) {
		s--
	}
	return s
}

func runeStartAt(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

func (r *reanchorer) reanchor(ctx context.Context, a Anchor) (Reanchored, error) {
	n := utf8.RuneCountInString(a.Exact)
	inOld := false
	if a.Exact != "" && a.Start >= 0 && a.End == a.Start+n && a.End <= r.oldIx.runes {
		b := r.oldIx.byteOf(a.Start)
		inOld = len(r.old)-b >= len(a.Exact) && r.old[b:b+len(a.Exact)] == a.Exact
	}
	var hint int
	switch {
	case inOld && (a.End <= r.samePrefix || a.Start >= r.oldChangeEnd):
		at := a.Start
		if a.Start >= r.oldChangeEnd {
			at += r.delta
		}
		b := r.newIx.byteOf(at)
		moved := anchorAt(r.new, b, b+len(a.Exact), at)
		if moved.Prefix == a.Prefix && moved.Suffix == a.Suffix {
			// The same passage in the same context. It can cut into a word only if the old
			// one did (a claim made before quotes had to), or through a sequence longer than
			// the context, such as a run of flags; only the latter is searched for.
			if sameSegmentation(a) || r.whole(b, len(a.Exact)) || !r.wholeInOld(a) {
				return Reanchored{Anchor: moved, Found: true}, nil
			}
		} else if r.whole(b, len(a.Exact)) {
			// The edit reached into the context: the quote stays if it is still whole there.
			return Reanchored{Anchor: moved, Found: true, Changed: true}, nil
		}
		hint = b
	case inOld && a.Start >= r.samePrefix:
		// Inside the edit: expect it as far into the new text as it was into the old.
		oldLen, newLen := r.oldChangeEnd-r.samePrefix, r.oldChangeEnd+r.delta-r.samePrefix
		at := r.samePrefix
		if oldLen > 0 {
			at += (a.Start - r.samePrefix) * newLen / oldLen
		}
		hint = r.newIx.byteOf(min(r.newIx.runes, at))
	default:
		hint = r.newIx.byteOf(min(r.newIx.runes, max(0, a.Start)))
	}
	b, ok, err := r.search(ctx, a, hint)
	if err != nil || !ok {
		return Reanchored{Anchor: a, Changed: true}, err
	}
	found := anchorAt(r.new, b, b+len(a.Exact), r.newIx.cpOf(b))
	// An anchor of the old body that had to be searched for had its own occurrence edited.
	changed := inOld || found.Prefix != a.Prefix || found.Suffix != a.Suffix
	return Reanchored{Anchor: found, Found: true, Changed: changed}, nil
}

// whole reports whether the quote of n bytes at byte offset b of the new body starts and ends
// at boundaries.
func (r *reanchorer) whole(b, n int) bool { return r.bounds.valid(b) && r.bounds.valid(b+n) }

// sameSegmentation reports whether a quote keeps its boundaries wherever its prefix and
// suffix are the same, without segmenting anything: when the prefix holds a code point that
// restarts segmentation (or reaches the start of the body) and so does the suffix (or it
// reaches the end), the rules decide its start and end from that text alone.
func sameSegmentation(a Anchor) bool {
	return (utf8.RuneCountInString(a.Prefix) < ContextLength || strings.ContainsFunc(a.Prefix, restartsSegmentation)) &&
		(utf8.RuneCountInString(a.Suffix) < ContextLength || strings.ContainsFunc(a.Suffix, restartsSegmentation))
}

// wholeInOld reports whether a, which lies in the old body, starts and ends at boundaries
// there.
func (r *reanchorer) wholeInOld(a Anchor) bool {
	if r.oldBounds == nil {
		r.oldBounds = newBoundaries(r.old)
	}
	b := r.oldIx.byteOf(a.Start)
	return r.oldBounds.valid(b) && r.oldBounds.valid(b+len(a.Exact))
}

// Bounds of the search for a quote. It scans outward from where the quote is expected, in
// windows of doubling width from searchRadius bytes each side; past nearRadius the quote may
// be anywhere, and once more than suffixArrayAfter quotes were searched for that far (an
// article rewritten, every quote gone), a suffix array of the new body, built once in linear
// time, lists the occurrences of the rest instead of a scan of the body for each. Building
// it costs about as much as 64 scans (some 45 against 0.7 ns a byte), so waiting for 64
// wide searches before building it never costs more than twice the better of the two. A quote
// that occurs more than maxIndexed times is scanned for all the same; once maxExaminedNear
// of its occurrences nearest the expected place are ranked, and one of them counts, the best
// of those is taken, so that a quote occurring everywhere in a repetitive body costs bounded
// work however many claims quote it. A quote searched for a second time, or past nearRadius,
// has its whole occurrences listed once (see reanchorer.wholeOcc) and later searches for it
// rank the nearest of those alone; maxMemoised bounds the offsets kept over all quotes
// (4 bytes each; a quote of a 2 MiB body has at most a million whole occurrences).
const (
	searchRadius     = 4096
	nearRadius       = 64 << 10
	suffixArrayAfter = 64
	maxIndexed       = 4096
	maxExaminedNear  = 4096
	maxMemoised      = 2 << 20
)

// search returns the byte offset in the new body of the best occurrence of a's quote (see
// ReanchorAll) for one expected at byte offset hint.
func (r *reanchorer) search(ctx context.Context, a Anchor, hint int) (int, bool, error) {
	text, q := r.new, a.Exact
	starts := len(text) - len(q) + 1 // occurrences start in [0, starts)
	if q == "" || starts <= 0 {
		return 0, false, nil
	}
	sel := newSelector(a)
	r.searched[q]++
	if occ, ok := r.wholeOcc[q]; ok || r.searched[q] > 1 {
		if !ok {
			occ = r.listWhole(q)
		}
		b, found := r.nearestBest(occ, sel, len(q), hint)
		return b, found, nil
	}
	best, bestFull, bestScore, bestDist, found := 0, false, 0, 0, false
	consider := func(j int) {
		if !r.bounds.valid(j) || !r.bounds.valid(j+len(q)) {
			return
		}
		full, score := sel.rank(text, j, j+len(q))
		d := abs(j - hint)
		if !found || better(full, score, d, j, bestFull, bestScore, bestDist, best) {
			best, bestFull, bestScore, bestDist, found = j, full, score, d, true
		}
	}
	examined := 0
	scan := func(from, to int) {
		r.work += max(0, to-from)
		// A window wider than the ones before can hold many more occurrences: stop inside it.
		for i := from; i < to && !(found && examined >= 2*maxExaminedNear); {
			j := indexIn(text, q, i, to)
			if j < 0 {
				return
			}
			examined++
			if j > 0 && isASCIIAlnum(text[j-1]) && isASCIIAlnum(text[j]) {
				// Inside a run of ASCII letters and digits no occurrence can start (see
				// asciiBoundary): skip to its end, which keeps a long word quick to pass.
				for j++; j < to && isASCIIAlnum(text[j]); j++ {
				}
				i = j
				continue
			}
			consider(j)
			i = j + 1
		}
	}
	lo, hi := hint, hint
	for radius := searchRadius; ; radius *= 2 {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		if radius > nearRadius && radius/2 <= nearRadius {
			b, found := r.nearestBest(r.listWhole(q), sel, len(q), hint)
			return b, found, nil
		}
		nlo, nhi := max(0, hint-radius), min(starts, hint+radius)
		scan(nlo, lo)
		scan(max(hi, nlo), nhi)
		lo, hi = nlo, max(hi, nhi)
		leftDone := lo == 0 || bestFull && hint-lo >= bestDist
		rightDone := hi >= starts || bestFull && hi-hint > bestDist
		if leftDone && rightDone || found && examined >= maxExaminedNear {
			// The whole body is scanned, or no nearer full match can lie outside the window,
			// or the quote is everywhere and the best of its nearest occurrences will do.
			break
		}
	}
	return best, found, nil
}

// indexed returns every occurrence of q in the new body from the suffix array, building it
// when enough searches went wide to pay for it; ok is false when there is no suffix array
// yet or q occurs too often to list.
func (r *reanchorer) indexed(q string) ([]int, bool) {
	r.wideSearches++
	if r.sa == nil {
		if r.wideSearches <= suffixArrayAfter {
			return nil, false
		}
		r.sa = suffixarray.New([]byte(r.new))
	}
	occ := r.sa.Lookup([]byte(q), maxIndexed+1)
	return occ, len(occ) <= maxIndexed
}

// listWhole returns the byte offsets, sorted, of the occurrences of q in the new body that
// start and end at boundaries: from the memo, else from the suffix array when q is rare
// enough for it, else from one scan of the body that skips runs of ASCII letters and digits
// (no occurrence starts inside one). It keeps the list for the next claim quoting q while
// the memo has room.
func (r *reanchorer) listWhole(q string) []int32 {
	if occ, ok := r.wholeOcc[q]; ok {
		return occ
	}
	text := r.new
	var out []int32
	keep := func(j int) {
		if r.bounds.valid(j) && r.bounds.valid(j+len(q)) {
			out = append(out, int32(j))
		}
	}
	if occ, ok := r.indexed(q); ok {
		r.work += len(occ)
		for _, j := range occ {
			keep(j)
		}
		slices.Sort(out)
	} else {
		r.work += len(text)
		for i := 0; i <= len(text)-len(q); {
			j := indexIn(text, q, i, len(text))
			if j < 0 {
				break
			}
			if j > 0 && isASCIIAlnum(text[j-1]) && isASCIIAlnum(text[j]) {
				for j++; j < len(text) && isASCIIAlnum(text[j]); j++ {
				}
				i = j
				continue
			}
			keep(j)
			i = j + 1
		}
	}
	if r.wholeEntries+len(out) <= maxMemoised {
		r.wholeOcc[q] = out
		r.wholeEntries += len(out)
	}
	return out
}

// nearestBest ranks the whole occurrences occ of a quote n bytes long, nearest to hint first,
// and returns the best (see better): all of them when there are at most maxIndexed, else the
// maxExaminedNear nearest. It stops early once a full match is nearer than what is left.
func (r *reanchorer) nearestBest(occ []int32, sel selector, n, hint int) (int, bool) {
	limit := len(occ)
	if limit > maxIndexed {
		limit = maxExaminedNear
	}
	right, _ := slices.BinarySearch(occ, int32(hint))
	left := right - 1
	best, bestFull, bestScore, bestDist, found := 0, false, 0, 0, false
	for examined := 0; examined < limit && (left >= 0 || right < len(occ)); examined++ {
		var j int
		if right >= len(occ) || left >= 0 && hint-int(occ[left]) <= int(occ[right])-hint {
			j = int(occ[left])
			left--
		} else {
			j = int(occ[right])
			right++
		}
		d := abs(j - hint)
		if bestFull && d > bestDist {
			break // every occurrence left is farther than a full match
		}
		r.work++
		full, score := sel.rank(r.new, j, j+n)
		if !found || better(full, score, d, j, bestFull, bestScore, bestDist, best) {
			best, bestFull, bestScore, bestDist, found = j, full, score, d, true
		}
	}
	return best, found
}

// better reports whether an occurrence at offset j, at distance d from where it is expected,
// ranks before the best one so far: a full match first, then more matching context, then
// nearer, then earlier.
func better(full bool, score, d, j int, bestFull bool, bestScore, bestDist, best int) bool {
	if full != bestFull {
		return full
	}
	if score != bestScore {
		return score > bestScore
	}
	if d != bestDist {
		return d < bestDist
	}
	return j < best
}

// indexIn returns the first offset in [from, to) at which q starts in text, or -1.
func indexIn(text, q string, from, to int) int {
	end := min(len(text), to+len(q)-1)
	if end-from < len(q) {
		return -1
	}
	i := strings.Index(text[from:end], q)
	if i < 0 {
		return -1
	}
	return from + i
}

// selector ranks occurrences of an anchor's quote by their context: first those whose
// prefix and suffix both match (the full TextQuoteSelector), then by how many bytes of the
// prefix (next to the quote) and of the suffix match. A prefix or suffix shorter than
// ContextLength code points was cut by the start or end of the body, so it matches in full
// only there.
type selector struct {
	prefix, suffix       string
	prefixCut, suffixCut bool
}

func newSelector(a Anchor) selector {
	return selector{
		prefix: a.Prefix, suffix: a.Suffix,
		prefixCut: utf8.RuneCountInString(a.Prefix) < ContextLength,
		suffixCut: utf8.RuneCountInString(a.Suffix) < ContextLength,
	}
}

// rank returns whether the occurrence at byte offsets [b, e) of text matches the full
// selector, and how many bytes of context match.
func (s selector) rank(text string, b, e int) (full bool, score int) {
	pre := 0
	for pre < len(s.prefix) && pre < b && text[b-1-pre] == s.prefix[len(s.prefix)-1-pre] {
		pre++
	}
	suf := 0
	for suf < len(s.suffix) && e+suf < len(text) && text[e+suf] == s.suffix[suf] {
		suf++
	}
	full = pre == len(s.prefix) && (!s.prefixCut || b == pre) &&
		suf == len(s.suffix) && (!s.suffixCut || e+suf == len(text))
	return full, pre + suf
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
