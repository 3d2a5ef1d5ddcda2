package claims

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// loop runs op b.N times and reports, besides ns/op, the CPU time the process spent per op:
// on a machine shared with other work the wall time per op grows with the load, the CPU time
// much less.
func loop(b *testing.B, op func()) {
	b.Helper()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var began time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			began = cpu()
		}
		op()
		n++
	}
	b.ReportMetric(float64(cpu()-began)/float64(n), "cpu-ns/op")
}

// benchProse returns a body of about n bytes of news prose: sentences of common words, n/40
// of them carrying a numbered claim, in paragraphs unless breaks is false. It returns the
// claims' quotes and code point starts too.
func benchProse(n int, breaks bool) (body string, quotes []string, starts []int) {
	words := strings.Fields(`the minister said that officials were killed in an attack on airport while
		estimated fighters remained province reporters could not verify a report by border hospital
		election budget refugees troops village drought court verdict protest convoy checkpoint`)
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	cp := 0
	write := func(s string) {
		b.WriteString(s)
		cp += utf8.RuneCountInString(s)
	}
	for i := 0; b.Len() < n; i++ {
		if i%40 == 0 {
			q := fmt.Sprintf("district %05d officials counted %d displaced families", i/40, 100+i%9000)
			write("In ")
			quotes, starts = append(quotes, q), append(starts, cp)
			write(q + ", the governor said. ")
			continue
		}
		for j := range 8 + rng.IntN(10) {
			if j > 0 {
				write(" ")
			}
			write(words[rng.IntN(len(words))])
		}
		write([]string{". ", ", ", "; ", " — ", ". “", "” "}[rng.IntN(6)])
		if breaks && i%7 == 6 {
			write("\n\n")
		}
	}
	return b.String(), quotes, starts
}

// pickClaims returns n anchors spread evenly over the quotes.
func pickClaims(b *testing.B, body string, quotes []string, starts []int, n int) []Anchor {
	olds := make([]Anchor, n)
	for i := range olds {
		k := i * len(quotes) / n
		olds[i] = mustLocate(b, body, quotes[k], starts[k])
	}
	return olds
}

func BenchmarkReanchorAll(b *testing.B) {
	ctx := context.Background()
	b.Run("prose, one edit near the start", func(b *testing.B) {
		old, quotes, starts := benchProse(MaxBodyBytes, true)
		olds := pickClaims(b, old, quotes, starts, 200)
		body := strings.Replace(old, "In district 00000", "On Monday in district 00000", 1)
		loop(b, func() {
			rs, err := ReanchorAll(ctx, old, body, olds)
			if err != nil || !rs[199].Found || !rs[0].Found {
				b.Fatal(err)
			}
		})
	})
	b.Run("ab repeated, the first two characters changed", func(b *testing.B) {
		old := strings.Repeat("ab", MaxBodyBytes/2)
		olds := make([]Anchor, 200)
		for i := range olds {
			s := i * (len(old) / 200) &^ 1
			olds[i] = anchorAt(old, s, s+2, s)
		}
		body := "XY" + old[2:]
		loop(b, func() {
			rs, err := ReanchorAll(ctx, old, body, olds)
			if err != nil || rs[0].Found || !rs[199].Found {
				b.Fatal(err)
			}
		})
	})
	b.Run("ab and a space repeated, every space doubled", func(b *testing.B) {
		old := strings.Repeat("ab ", MaxBodyBytes/6)
		olds := make([]Anchor, 200)
		for i := range olds {
			olds[i] = mustLocate(b, old, "ab", i*(len(old)/200)/3*3)
		}
		body := strings.ReplaceAll(old, " ", "  ")
		loop(b, func() {
			rs, err := ReanchorAll(ctx, old, body, olds)
			if err != nil || !rs[0].Found || !rs[199].Found {
				b.Fatal(err)
			}
		})
	})
	// Many claims quoting one short string that the new body holds a million times, never at
	// a boundary: each must not scan every occurrence again.
	for _, q := range []string{"b", "ba"} {
		b.Run("a body rewritten as ab repeated, 200 claims quoting "+q, func(b *testing.B) {
			old, olds := manyClaimsQuoting(q, 200)
			body := strings.Repeat("ab", MaxBodyBytes/2)
			loop(b, func() {
				rs, err := ReanchorAll(ctx, old, body, olds)
				if err != nil || rs[0].Found || rs[199].Found {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("a body rewritten as ab repeated and one whole b at its end, 200 claims quoting b", func(b *testing.B) {
		old, olds := manyClaimsQuoting("b", 200)
		body := strings.Repeat("ab", MaxBodyBytes/2-2) + " b"
		loop(b, func() {
			rs, err := ReanchorAll(ctx, old, body, olds)
			if err != nil || !rs[0].Found || !rs[199].Found {
				b.Fatal(err)
			}
		})
	})
	b.Run("every quote removed", func(b *testing.B) {
		old, quotes, starts := benchProse(MaxBodyBytes, true)
		olds := pickClaims(b, old, quotes, starts, 200)
		body := old
		for _, a := range olds {
			body = strings.Replace(body, a.Exact, "a district whose figures were withdrawn", 1)
		}
		loop(b, func() {
			rs, err := ReanchorAll(ctx, old, body, olds)
			if err != nil || rs[0].Found || rs[199].Found {
				b.Fatal(err)
			}
		})
	})
}

func BenchmarkLocate(b *testing.B) {
	// A long quote that almost matches everywhere in the largest body Verity accepts: the
	// case that once held the writer for seconds.
	b.Run("absent, almost everywhere", func(b *testing.B) {
		body := strings.Repeat("a", MaxBodyBytes)
		quote := strings.Repeat("a", MaxClaimText-1) + "b"
		loop(b, func() {
			if _, err := Locate(body, quote, nil); err == nil {
				b.Fatal("the quote is not in the body")
			}
		})
	})
	// The boundary check in the middle of 2 MiB of prose without a line break, at a quote
	// ending at a comma (no shortcut for it).
	b.Run("prose without line breaks", func(b *testing.B) {
		body, quotes, starts := benchProse(MaxBodyBytes, false)
		k := len(quotes) / 2
		loop(b, func() {
			if _, err := Locate(body, quotes[k]+",", &starts[k]); err != nil {
				b.Fatal(err)
			}
		})
	})
	// 2 MiB of flags: no code point to restart segmentation from, and whether an offset is a
	// boundary depends on how many regional indicators come before it, so the check must
	// segment the whole body. The worst case of the boundary check.
	b.Run("no restart point", func(b *testing.B) {
		body := strings.Repeat("🇺🇸", MaxBodyBytes/8)
		start := utf8.RuneCountInString(body) / 4 * 2
		loop(b, func() {
			if _, err := Locate(body, "🇺🇸", &start); err != nil {
				b.Fatal(err)
			}
		})
	})
	// What creating a claim does: a quote ending at a comma in a news article of about 8 KiB
	// (the load corpus's mean), once with the start the load gives and once without.
	b.Run("news article", func(b *testing.B) {
		body, quotes, starts := benchProse(8<<10, true)
		k := len(quotes) / 2
		loop(b, func() {
			if _, err := Locate(body, quotes[k]+",", &starts[k]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("news article, no start", func(b *testing.B) {
		body, quotes, _ := benchProse(8<<10, true)
		k := len(quotes) / 2
		loop(b, func() {
			if _, err := Locate(body, quotes[k]+",", nil); err != nil {
				b.Fatal(err)
			}
		})
	})
	// A short quote occurring a million times, never at a boundary.
	b.Run("ab repeated", func(b *testing.B) {
		body := strings.Repeat("ab", MaxBodyBytes/2)
		loop(b, func() {
			if _, err := Locate(body, "ab", nil); err == nil {
				b.Fatal("accepted")
			}
		})
	})
}

// manyClaimsQuoting returns a body of about MaxBodyBytes in which q is a whole word every
// few hundred bytes, and n anchors of q spread evenly over it.
func manyClaimsQuoting(q string, n int) (string, []Anchor) {
	var b strings.Builder
	var starts []int
	for b.Len() < MaxBodyBytes-512 {
		b.WriteString(strings.Repeat("some words of filler text ", 12))
		starts = append(starts, b.Len())
		b.WriteString(q + " ")
	}
	body := b.String()
	olds := make([]Anchor, n)
	for i := range olds {
		s := starts[i*len(starts)/n]
		olds[i] = anchorAt(body, s, s+len(q), s)
	}
	return body, olds
}
