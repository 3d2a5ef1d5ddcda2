package claims_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"verity/claims"
)

// FuzzQuantitiesJSON: DecodeQuantities reads any text as json.Unmarshal does (the same
// quantities, or an error where it errs), and AppendQuantitiesJSON writes what json.Marshal
// writes, fast path or not. Run it with go test -run '^$' -fuzz FuzzQuantitiesJSON
// -fuzztime 5m ./claims/.
func FuzzQuantitiesJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, ``, `[{"value":79,"lower":79,"upper":null,"qualifier":"at least","unit":"Afghans killed","as_of":"2021-08-26"}]`,
		`[{"value":1.5e-7,"lower":-0,"upper":1e21,"qualifier":"","unit":"","as_of":""},{"value":null,"lower":null,"upper":null,"qualifier":"q","unit":"é <&>","as_of":""}]`,
		`[{"value":01,"lower":null,"upper":null,"qualifier":"","unit":"","as_of":""}]`,
		`[{"Value":2,"lower":null,"upper":null,"qualifier":"","unit":"","as_of":""}]`,
		`[ {"value":2} ]`, `[{"value":1e400,"lower":null,"upper":null,"qualifier":"","unit":"","as_of":""}]`,
		`[{"value":2,"lower":null,"upper":null,"qualifier":"a\"b","unit":"\u2028","as_of":"\xff"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want []claims.Quantity
		wantErr := json.Unmarshal(b, &want)
		got, err := claims.DecodeQuantities(b)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, json.Unmarshal's %v", b, err, wantErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: read %+v, json.Unmarshal reads %+v", b, got, want)
		}
		checkQuantitiesJSON(t, got)
	})
}

func checkQuantitiesJSON(t *testing.T, qs []claims.Quantity) {
	t.Helper()
	want, err := json.Marshal(qs)
	if qs == nil {
		want = []byte("[]")
	} else if err != nil {
		return // a number json.Marshal refuses; none can be stored
	}
	if got := claims.AppendQuantitiesJSON([]byte("x"), qs); string(got) != "x"+string(want) {
		t.Fatalf("%+v: wrote %s, json.Marshal writes %s", qs, got[1:], want)
	}
}

func TestAppendQuantitiesJSON(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, qs := range [][]claims.Quantity{
		nil, {},
		{{Value: f(79), Lower: f(79), Qualifier: "at least", Unit: "Afghans killed", AsOf: "2021-08-26"}},
		{{Value: f(1e-7)}, {Lower: f(1e21), Upper: f(-1.25e-9)}, {Value: f(123456789.125), Unit: "km²"}},
		{{Unit: `a "b" <c> & \d`}, {Qualifier: "\n\u2028"}},
		{{Value: f(math.Copysign(0, -1))}, {Value: f(0.000001)}, {Value: f(999999999999999999999)}},
	} {
		checkQuantitiesJSON(t, qs)
	}
}
