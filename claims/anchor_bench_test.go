package claims

import (
	"strings"
	"testing"
)

// BenchmarkLocateWorstCase anchors a long quote that almost matches everywhere in the
// largest body Verity accepts: the case that once held the writer for seconds.
func BenchmarkLocateWorstCase(b *testing.B) {
	body := strings.Repeat("a", MaxBodyBytes)
	quote := strings.Repeat("a", MaxClaimText-1) + "b"
	for b.Loop() {
		if _, err := Locate(body, quote, nil); err == nil {
			b.Fatal("the quote is not in the body")
		}
	}
}
