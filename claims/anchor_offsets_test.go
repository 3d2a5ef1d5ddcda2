package claims

import (
	"math/rand/v2"
	"testing"
)

func TestRuneIndexAndForwardRunesAgreeWithRuneSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		text := randomText(rng, rng.IntN(3000))
		runes := []rune(text)
		x := newRuneIndex(text)
		if x.runes != len(runes) {
			t.Fatalf("runes = %d, want %d", x.runes, len(runes))
		}
		b := 0
		for cp := 0; cp <= len(runes); cp++ {
			if got := x.byteOf(cp); got != b {
				t.Fatalf("byteOf(%d) = %d, want %d", cp, got, b)
			}
			if got := x.cpOf(b); got != cp {
				t.Fatalf("cpOf(%d) = %d, want %d", b, got, cp)
			}
			for _, from := range []int{0, cp / 2} {
				fb := len(string(runes[:from]))
				if got := forwardRunes(text, fb, cp-from); got != b {
					t.Fatalf("forwardRunes(%d, %d) = %d, want %d", fb, cp-from, got, b)
				}
			}
			if got := backRunes(text, b, cp); got != 0 {
				t.Fatalf("backRunes(%d, %d) = %d", b, cp, got)
			}
			if cp < len(runes) {
				b += len(string(runes[cp]))
			}
		}
		if got := forwardRunes(text, 0, len(runes)+5); got != len(text) {
			t.Fatalf("past the end: %d", got)
		}
	}
}
