package claims

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

var quantitiesSeeds = []string{
	`[]`, `null`, ``, `[`, `[{}]`, ` []`, `[] `,
	`[{"value":79,"lower":79,"upper":null,"qualifier":"at least","unit":"Afghans killed","as_of":"2021-08-26"}]`,
	`[{"value":null,"lower":-0.5,"upper":1e21,"qualifier":"","unit":"x","as_of":""},{"value":1.5e-7,"lower":null,"upper":null,"qualifier":"ü <&>","unit":"people","as_of":""}]`,
	`[{"value": 79,"lower":79,"upper":null,"qualifier":"at least","unit":"Afghans killed","as_of":"2021-08-26"}]`,
	`[{"lower":79,"value":79,"upper":null,"qualifier":"at least","unit":"Afghans killed","as_of":"2021-08-26"}]`,
	`[{"value":79,"lower":79,"upper":null,"qualifier":"at \"least\"","unit":"\u003cb\u003e","as_of":""}]`,
	`[{"value":1e400,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	`[{"value":01,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	`[{"value":1.,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	`[{"value":-,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	`[{"value":Infinity,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	`[{"value":0x10,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]`,
	"[{\"value\":1,\"lower\":null,\"upper\":null,\"qualifier\":\"\xff\",\"unit\":\"x\",\"as_of\":\"\"}]",
	"[{\"value\":1,\"lower\":null,\"upper\":null,\"qualifier\":\"\t\",\"unit\":\"x\",\"as_of\":\"\"}]",
	`[{"value":1,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""},]`,
	`[{"value":1,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":""}]]`,
	`[{"value":1,"lower":null,"upper":null,"qualifier":"","unit":"x","as_of":"","extra":1}]`,
}

// checkQuantities checks that Scan reads s as json.Unmarshal reads it into a []Quantity:
// the same quantities, or an error where it fails.
func checkQuantities(t *testing.T, s string) {
	t.Helper()
	var want []Quantity
	wantErr := json.Unmarshal([]byte(s), &want)
	var got Quantities
	err := got.Scan(s)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Scan(%q): error %v, json.Unmarshal's %v", s, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual([]Quantity(got), want) {
		t.Fatalf("Scan(%q) = %#v, json.Unmarshal = %#v", s, got, want)
	}
}

func TestQuantitiesScanAsJSON(t *testing.T) {
	for _, s := range quantitiesSeeds {
		checkQuantities(t, s)
	}
	var q Quantities = Quantities{{Unit: "old"}}
	if err := q.Scan(nil); err != nil || q != nil {
		t.Fatalf("Scan(nil) = %v, %v; want nil", q, err)
	}
	if err := q.Scan([]byte(quantitiesSeeds[7])); err != nil || len(q) != 1 || *q[0].Value != 79 {
		t.Fatalf("Scan(bytes) = %v, %v", q, err)
	}
}

// TestQuantitiesScanReadsWhatMarshalWrites checks that what Verity stores, json.Marshal of
// the quantities, takes the direct path.
func TestQuantitiesScanReadsWhatMarshalWrites(t *testing.T) {
	v, w, x := 79.0, -0.25, math.MaxFloat64
	for _, qs := range []Quantities{
		{},
		{{Value: &v, Lower: &v, Qualifier: "at least", Unit: "Afghans killed", AsOf: "2021-08-26"}},
		{{Upper: &x, Unit: "ü", Qualifier: "a / b"}, {Value: &w, Lower: &w, Upper: &v, Unit: "people"}},
	} {
		b, err := json.Marshal(qs)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseQuantities(string(b))
		if !ok || !reflect.DeepEqual(got, qs) {
			t.Fatalf("parseQuantities(%s) = %#v, %v; want %#v", b, got, ok, qs)
		}
	}
}

func FuzzQuantitiesScan(f *testing.F) {
	for _, s := range quantitiesSeeds {
		f.Add(s)
	}
	f.Fuzz(checkQuantities)
}
