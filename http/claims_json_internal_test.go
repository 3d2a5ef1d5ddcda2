package http

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin/render"
)

// jsonStrings are strings encoding/json treats specially: every escape, HTML characters,
// invalid UTF-8, U+2028 and U+2029, and text that needs none.
var jsonStrings = []string{
	"", "plain text", `quote "and" back\slash`, "<script>&amp;</script>", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"ü ß 中文 😀", "\xff\xfe broken \xc3", "line\u2028para\u2029", "\u00e9\u0301", strings.Repeat("a<", 40),
}

var jsonFloats = []float64{0, math.Copysign(0, -1), 1, -1, 79, 0.5, 1e-6, 9.99e-7, 1e-7, 123456789.125, 1e20, 1e21,
	-1e21, 1.5e300, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 0.1 + 0.2, 1e-10}

// randomClaimResponse makes a claim response with every field drawn from the values above.
func randomClaimResponse(rng *rand.Rand) ClaimResponse {
	str := func() string { return jsonStrings[rng.IntN(len(jsonStrings))] }
	num := func() *float64 {
		if rng.IntN(3) == 0 {
			return nil
		}
		f := jsonFloats[rng.IntN(len(jsonFloats))]
		return &f
	}
	id := func() *ID {
		if rng.IntN(2) == 0 {
			return nil
		}
		v := ID(rng.Int64())
		return &v
	}
	zones := []*time.Location{time.UTC, time.FixedZone("X", 3600), time.FixedZone("", -5*3600-1800)}
	at := func() Time {
		if rng.IntN(6) == 0 {
			return Time{}
		}
		return Time{time.Unix(rng.Int64N(1e11), rng.Int64N(1e9)*int64(rng.IntN(2))).In(zones[rng.IntN(len(zones))])}
	}
	r := ClaimResponse{
		ID: ID(rng.Int64()), ArticleID: ID(rng.IntN(1000) + 1), ArticleRevision: rng.IntN(10) - 1,
		Quote: str(), Text: str(), Anchor: AnchorDTO{Start: rng.IntN(1e6), End: rng.IntN(1e6), Exact: str(), Prefix: str(), Suffix: str()},
		AnchorState: str(), Kind: str(), Stage: str(), Status: str(), Rationale: str(),
		AssigneeID: id(), SignedOffBy: id(), Version: rng.Int64() - rng.Int64(), CreatedAt: at(), UpdatedAt: at(),
	}
	if n := rng.IntN(4); n > 0 {
		r.Quantities = make([]QuantityDTO, n-1)
		for i := range r.Quantities {
			r.Quantities[i] = QuantityDTO{Value: num(), Lower: num(), Upper: num(), Qualifier: str(), Unit: str(), AsOf: str()}
		}
	}
	if rng.IntN(2) == 0 {
		r.Proposal = &ProposalDTO{Status: str(), Rationale: str(), ProposedBy: id(), ProposedAt: at()}
	}
	if rng.IntN(2) == 0 {
		t := at()
		r.SignedOffAt = &t
	}
	return r
}

// TestClaimJSONAsEncodingJSON checks that a claim's hand-written JSON is byte for byte
// what json.Marshal writes of its ClaimResponse, over claims whose every field takes values
// that encoding/json writes in its own ways.
func TestClaimJSONAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for range 5000 {
		r := randomClaimResponse(rng)
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON wrote\n%s\njson.Marshal\n%s", got, want)
		}
	}
}

// FuzzClaimJSONStrings checks any string and number the same way.
func FuzzClaimJSONStrings(f *testing.F) {
	for i, s := range jsonStrings {
		f.Add(s, jsonFloats[i%len(jsonFloats)])
	}
	f.Fuzz(func(t *testing.T, s string, v float64) {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return // the validation keeps quantities finite; encoding/json refuses them
		}
		r := ClaimResponse{Quote: s, Text: s, Quantities: []QuantityDTO{{Value: &v, Unit: s}}}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON wrote\n%s\njson.Marshal\n%s", got, want)
		}
	})
}

// TestClaimPageRendersAsJSON checks that a page of claims answers as c.JSON answered it: the
// same body, byte for byte, and the same Content-Type, with and without a next cursor and
// with no claims, and with a pooled buffer left from a longer page.
func TestClaimPageRendersAsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	var pool sync.Pool
	cursor := "eyJ2IjoxfQ<&>"
	for _, page := range []Page[ClaimResponse]{
		{Data: []ClaimResponse{randomClaimResponse(rng), randomClaimResponse(rng), randomClaimResponse(rng)}, NextCursor: &cursor},
		{Data: []ClaimResponse{randomClaimResponse(rng)}},
		{Data: []ClaimResponse{}},
		{},
	} {
		wantRenderedAsJSON(t, claimPageJSON{page: page, buffers: &pool}, page)
	}
}

// TestClaimDetailRendersAsJSON checks that a claim's detail answers as c.JSON answered it,
// with and without citations and evidence.
func TestClaimDetailRendersAsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	var pool sync.Pool
	withdrawn := Time{time.Date(2026, 12, 1, 10, 0, 0, 5, time.UTC)}
	by := ID(3)
	for _, detail := range []ClaimDetail{
		{ClaimResponse: randomClaimResponse(rng), Citations: []CitationResponse{}, Evidence: []EvidenceResponse{}},
		{ClaimResponse: randomClaimResponse(rng),
			Citations: []CitationResponse{{ID: 1, ClaimID: 2, SourceID: 3, Attribution: "<a>", Relation: "supports", CreatedAt: withdrawn},
				{ID: 4, Source: &SourceResponse{}}},
			Evidence: []EvidenceResponse{{ID: 5, Title: "t & u", WithdrawnAt: &withdrawn, WithdrawnBy: &by, WithdrawalReason: "x"}, {}}},
		{ClaimResponse: randomClaimResponse(rng)},
	} {
		wantRenderedAsJSON(t, claimDetailJSON{detail: &detail, buffers: &pool}, detail)
	}
}

// BenchmarkClaimPageJSON encodes a page of 50 claims as the load command's list workload
// reads them (one quantity each, plain text), through encoding/json as c.JSON did and by
// hand as the listings now do.
//
//	go test -run '^$' -bench ClaimPageJSON -benchmem ./http/
func BenchmarkClaimPageJSON(b *testing.B) {
	v := 79.0
	at := Time{time.Date(2026, 12, 1, 18, 1, 53, 476959000, time.UTC)}
	page := Page[ClaimResponse]{Data: make([]ClaimResponse, 50)}
	for i := range page.Data {
		page.Data[i] = ClaimResponse{
			ID: ID(107000 + i), ArticleID: 4004, ArticleRevision: 1,
			Quote: "The Kabul attacks claimed by an Afghan affiliate of Isis",
			Text:  "The Kabul attacks of 26 August 2021 were claimed by Isis-K, an Afghan affiliate of Isis (Islamic State).",
			Anchor: AnchorDTO{Start: 63, End: 119, Exact: "The Kabul attacks claimed by an Afghan affiliate of Isis",
				Prefix: "eptember 2021. ", Suffix: ", killed at least 170"},
			AnchorState: "anchored", Kind: "attribution", Stage: "open", Status: "unverified",
			Quantities: []QuantityDTO{{Value: &v, Lower: &v, Qualifier: "at least", Unit: "Afghans killed", AsOf: "2021-08-26"}},
			Version:    1, CreatedAt: at, UpdatedAt: at,
		}
	}
	b.Run("encoding-json", func(b *testing.B) {
		w := httptest.NewRecorder()
		for b.Loop() {
			w.Body.Reset()
			if err := (render.JSON{Data: page}).Render(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		var pool sync.Pool
		w := httptest.NewRecorder()
		for b.Loop() {
			w.Body.Reset()
			if err := (claimPageJSON{page: page, buffers: &pool}).Render(w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// wantRenderedAsJSON checks that r answers with the body and Content-Type that c.JSON
// answers with for data.
func wantRenderedAsJSON(t *testing.T, r render.Render, data any) {
	t.Helper()
	want := httptest.NewRecorder()
	if err := (render.JSON{Data: data}).Render(want); err != nil {
		t.Fatal(err)
	}
	got := httptest.NewRecorder()
	if err := r.Render(got); err != nil {
		t.Fatal(err)
	}
	if got.Body.String() != want.Body.String() {
		t.Fatalf("rendered\n%s\nc.JSON rendered\n%s", got.Body, want.Body)
	}
	if g, w := got.Header().Get("Content-Type"), want.Header().Get("Content-Type"); g != w {
		t.Fatalf("Content-Type %q, c.JSON's %q", g, w)
	}
}
