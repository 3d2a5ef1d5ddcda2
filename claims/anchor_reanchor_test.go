package claims

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
	"verity/claims/text"
)

func mustLocate(t testing.TB, body, quote string, start int) Anchor {
	t.Helper()
	a, err := Locate(body, quote, &start)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReanchorAll(t *testing.T) {
	old := "Intro. The group had 2,200 fighters, the UN said in June. Later, 2,200 fighters were cited again by officials in Kabul."
	first := mustLocate(t, old, "2,200 fighters", 21)
	second := mustLocate(t, old, "2,200 fighters", 65)
	lede := "A new lede, long enough to push every anchor well along the text. "
	tests := []struct {
		name    string
		body    string
		anchor  Anchor
		want    int // the new start; -1 when the quote is not found
		changed bool
	}{
		{"unchanged", old, first, 21, false},
		{"text inserted before shifts it", lede + old, second, 65 + utf8.RuneCountInString(lede), false},
		{"an edit far after leaves it", strings.Replace(old, "Kabul", "Kandahar", 1), first, 21, false},
		{"an edit in the prefix changes it", strings.Replace(old, "group had", "group then had", 1), first, 26, true},
		{"an edit in the suffix changes it", strings.Replace(old, "the UN said", "the U.N. said", 1), first, 21, true},
		{"an edit in the prefix of a quote that repeats", strings.Replace(old, "Later,", "Afterwards,", 1), second, 70, true},
		{"the other occurrence removed, cutting the suffix", "Intro. The group had 2,200 fighters, the UN said in June.", first, 21, true},
		{"the quote edited falls back to the other occurrence", strings.Replace(old, "had 2,200", "had 2,300", 1), first, 65, true},
		{"context picks the right occurrence when both move",
			"Later, 2,200 fighters were cited again by officials in Kabul. Intro. The group had 2,200 fighters, the UN said in June.", first, 83, true},
		{"quote gone", "Intro. The group had many fighters.", first, -1, true},
		{"a digit added makes the quote part of another number", strings.Replace(old, "had 2,200 fighters", "had 2,2000 fighters", 1), first, 66, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ReanchorAll(context.Background(), old, tt.body, []Anchor{tt.anchor})
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			if r.Found != (tt.want >= 0) || r.Changed != tt.changed {
				t.Fatalf("found %v changed %v, want found %v changed %v (%+v)", r.Found, r.Changed, tt.want >= 0, tt.changed, r.Anchor)
			}
			if !r.Found {
				if r.Anchor != tt.anchor {
					t.Errorf("an orphan's anchor changed: %+v", r.Anchor)
				}
				return
			}
			if r.Anchor.Start != tt.want {
				t.Errorf("start = %d, want %d", r.Anchor.Start, tt.want)
			}
			checkAnchor(t, tt.body, r.Anchor)
		})
	}
}

func TestReanchorAllMapsEveryClaimOfAMultibyteBody(t *testing.T) {
	var b strings.Builder
	var quotes []string
	var starts []int
	for i := range 200 {
		q := "مقاتل " + string(rune('a'+i%26)) + strings.Repeat("é", i%7) + " 联合国" + string(rune('0'+i%10))
		b.WriteString("— «")
		starts = append(starts, utf8.RuneCountInString(b.String()))
		quotes = append(quotes, q)
		b.WriteString(q)
		b.WriteString("» 👩‍👩‍👧 said officials. ")
	}
	old := b.String()
	olds := make([]Anchor, len(quotes))
	for i := range quotes {
		olds[i] = mustLocate(t, old, quotes[i], starts[i])
	}
	// An edit in the middle: claims before stay, claims after shift by the edit's length.
	mid := strings.Index(old, "— «"+quotes[100])
	insert := "Inserted: 🇺🇸 ثلاثة. "
	body := old[:mid] + insert + old[mid:]
	rs, err := ReanchorAll(context.Background(), old, body, olds)
	if err != nil {
		t.Fatal(err)
	}
	shift := utf8.RuneCountInString(insert)
	check := newBodyCheck(body)
	for i, r := range rs {
		want := olds[i].Start
		if i >= 100 {
			want += shift
		}
		if !r.Found || r.Anchor.Start != want {
			t.Fatalf("claim %d: %+v, want start %d", i, r, want)
		}
		// Only the claims just before and after the insertion have it in their context.
		if r.Changed != (i == 99 || i == 100) {
			t.Errorf("claim %d: changed = %v", i, r.Changed)
		}
		check.anchor(t, r.Anchor)
	}
}

func TestReanchorAllOnARepetitiveBody(t *testing.T) {
	old := strings.Repeat("ab", 50_000)
	var olds []Anchor
	// These anchors cut into the one long word: claims made before quotes had to be whole.
	for s := 0; s < len(old); s += 5000 {
		olds = append(olds, anchorAt(old, s, s+2, s))
	}
	body := "XY" + old[2:]
	rs, err := ReanchorAll(context.Background(), old, body, olds)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		// The claim at 0 lost its quote, and no other "ab" is a whole word; the others are
		// the same passage in the same context, and stay where they were.
		if i == 0 {
			if r.Found || !r.Changed {
				t.Errorf("claim at 0: %+v", r)
			}
			continue
		}
		if !r.Found || r.Changed || r.Anchor != olds[i] {
			t.Errorf("claim %d: %+v, want %+v unchanged", i, r, olds[i])
		}
	}

	// When the words are separate, the claim at 0 finds the nearest whole "ab".
	old = strings.Repeat("ab ", 50_000)
	olds = []Anchor{mustLocate(t, old, "ab", 0), mustLocate(t, old, "ab", 3000)}
	body = "XY" + old[2:]
	rs, err = ReanchorAll(context.Background(), old, body, olds)
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].Found || rs[0].Anchor.Start != 3 || !rs[0].Changed {
		t.Errorf("claim at 0: %+v", rs[0])
	}
	if !rs[1].Found || rs[1].Anchor != olds[1] || rs[1].Changed {
		t.Errorf("claim at 3000: %+v", rs[1])
	}
}

func TestReanchorAllOnARepetitiveBodyRewrittenEverywhere(t *testing.T) {
	old := strings.Repeat("ab ", 100_000)
	var olds []Anchor
	for s := 0; s < 300_000; s += 1500 {
		olds = append(olds, mustLocate(t, old, "ab", s))
	}
	// Every space doubled: every claim lies in the edit and is searched for, among 100,000
	// occurrences of its quote, none with its old context.
	body := strings.ReplaceAll(old, " ", "  ")
	rs, err := ReanchorAll(context.Background(), old, body, olds)
	if err != nil {
		t.Fatal(err)
	}
	check := newBodyCheck(body)
	for i, r := range rs {
		if !r.Found || !r.Changed {
			t.Fatalf("claim %d: %+v", i, r)
		}
		check.anchor(t, r.Anchor)
		// Found where the proportion of the edit puts it, give or take an occurrence.
		if want := olds[i].Start * 4 / 3; abs(r.Anchor.Start-want) > 4 {
			t.Errorf("claim %d at %d, want about %d", i, r.Anchor.Start, want)
		}
	}
}

// TestReanchorAllWorkIsNearLinearForOneQuoteOfManyClaims counts the bytes and occurrences
// the searches go through when 200 claims quote one short string that the new body holds
// everywhere but rarely or never whole: one pass of the body for them all, not one each.
func TestReanchorAllWorkIsNearLinearForOneQuoteOfManyClaims(t *testing.T) {
	const claims = 200
	abab := strings.Repeat("ab", MaxBodyBytes/2-2)
	tests := []struct {
		name, quote, body string
		at                int // the byte offset every claim is found at, or -1
	}{
		{"b, never whole", "b", abab + "ab", -1},
		{"ba, never whole", "ba", abab + "ab", -1},
		{"b, whole once at the end", "b", abab + " b", len(abab) + 1},
		{"ba, whole once at the start", "ba", "ba " + abab[3:], 0},
		{"b, whole once in the middle", "b", abab[:len(abab)/2] + " b " + abab[len(abab)/2+3:], len(abab)/2 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, olds := manyClaimsQuoting(tt.quote, claims)
			r := newReanchorer(old, tt.body)
			for i, a := range olds {
				got, err := r.reanchor(context.Background(), a)
				if err != nil {
					t.Fatal(err)
				}
				if got.Found != (tt.at >= 0) || !got.Changed {
					t.Fatalf("claim %d: %+v", i, got)
				}
				if got.Found && got.Anchor.Start != tt.at {
					t.Fatalf("claim %d found at %d, want %d", i, got.Anchor.Start, tt.at)
				}
			}
			// A scan of the body for every claim would be 200 times its length.
			if limit := 4*len(tt.body) + 100*claims; r.work > limit {
				t.Errorf("the searches went through %d bytes and occurrences, want at most %d (%.1f bodies)",
					r.work, limit, float64(r.work)/float64(len(tt.body)))
			}
		})
	}
}

func TestReanchorAllSearchesForAnchorsOfEarlierRevisions(t *testing.T) {
	rev1 := "The group had 2,200 fighters in 2020."
	stale := mustLocate(t, rev1, "2,200 fighters", 14)
	rev2 := "The group had many fighters in 2020."
	rev3 := "Back: the group had 2,200 fighters in 2020."
	// The claim was orphaned by rev2; its anchor still points into rev1.
	rs, err := ReanchorAll(context.Background(), rev2, rev3, []Anchor{stale})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; !r.Found || r.Anchor.Start != 20 || !r.Changed {
		t.Errorf("%+v", r)
	}
}

func TestReanchorAllStopsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	old := "The group had 2,200 fighters."
	if _, err := ReanchorAll(ctx, old, old+" More.", []Anchor{mustLocate(t, old, "2,200", 14)}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// FuzzReanchorAll anchors a quote of an old body, edits the body (cut bytes at a byte offset
// replaced by an insertion, both clamped to code points) and re-anchors the quote.
func FuzzReanchorAll(f *testing.F) {
	f.Add("Intro. The group had 2,200 fighters. Later, 2,200 fighters.", 21, 14, "Later, 2,200 fighters. ", 0, 0)
	f.Add("ab ab ab ab", 3, 2, "XY", 0, 2)
	f.Add("at least 7 people", 9, 1, "9", 10, 0)
	f.Add("a 👩‍👩‍👧 b 🇺🇸 c", 2, 8, "🇫🇷", 14, 0)
	f.Add("联合国估计有2200名战士。", 0, 3, "3000", 18, 4)
	f.Add("line one\nline two\n", 5, 3, "line zero\n", 0, 0)
	f.Add("the 79 and the 7 and 79", 15, 1, "", 13, 6)
	f.Fuzz(func(t *testing.T, oldBody string, start, length int, insert string, at, cut int) {
		var err error
		if oldBody, err = text.Normalize("body", oldBody); err != nil {
			return
		}
		runes := []rune(oldBody)
		if start < 0 || length <= 0 || start+length > len(runes) || at < 0 || at > len(oldBody) || cut < 0 {
			return
		}
		old, err := Locate(oldBody, string(runes[start:start+length]), &start)
		if err != nil {
			return
		}
		for at > 0 && at < len(oldBody) && !utf8.RuneStart(oldBody[at]) {
			at--
		}
		end := min(len(oldBody), at+cut)
		for end < len(oldBody) && !utf8.RuneStart(oldBody[end]) {
			end++
		}
		newBody, err := text.Normalize("body", oldBody[:at]+insert+oldBody[end:])
		if err != nil {
			return
		}
		// The same anchor twice: the second search is answered from the first's list of whole
		// occurrences, and must agree with the first.
		rs, err := ReanchorAll(context.Background(), oldBody, newBody, []Anchor{old, old})
		if err != nil {
			t.Fatal(err)
		}
		r := rs[0]
		if rs[1] != r {
			t.Fatalf("the same anchor re-anchored twice: %+v, then %+v", r, rs[1])
		}
		if !r.Found {
			if r.Anchor != old || !r.Changed {
				t.Fatalf("orphan %+v, want the old anchor, changed", r)
			}
			if _, err := Locate(newBody, old.Exact, nil); err == nil || strings.Contains(err.Error(), "occurs more than") {
				t.Fatalf("quote %q not found, but Locate finds it: %v", old.Exact, err)
			}
			return
		}
		if r.Anchor.Exact != old.Exact {
			t.Fatalf("exact %q became %q", old.Exact, r.Anchor.Exact)
		}
		checkAnchor(t, newBody, r.Anchor)
		if !r.Changed && (r.Anchor.Prefix != old.Prefix || r.Anchor.Suffix != old.Suffix) {
			t.Fatalf("context changed but not Changed: %+v from %+v", r.Anchor, old)
		}
		if oldBody == newBody && (r.Changed || r.Anchor != old) {
			t.Fatalf("unchanged body moved the anchor: %+v from %+v", r, old)
		}
		// An edit wholly outside the passage and its context leaves it, shifted.
		editFrom, editTo := utf8.RuneCountInString(oldBody[:at]), utf8.RuneCountInString(oldBody[:end])
		if editTo < old.Start-ContextLength || editFrom > old.End+ContextLength {
			shift := 0
			if editTo < old.Start {
				shift = utf8.RuneCountInString(newBody) - len(runes)
			}
			// Unless it no longer starts and ends at boundaries there: a long run of flags
			// pairs differently after an edit far before.
			valid, _ := wholeTextBoundaries(newBody)
			nr := []rune(newBody)
			b := len(string(nr[:old.Start+shift]))
			whole := valid[b] && valid[b+len(old.Exact)]
			if whole && (r.Changed || r.Anchor.Start != old.Start+shift) {
				t.Fatalf("an edit at %d..%d moved %+v to %+v", editFrom, editTo, old, r)
			}
		}
	})
}
