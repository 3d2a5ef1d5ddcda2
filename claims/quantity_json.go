package claims

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// A claim's quantities are stored as the JSON json.Marshal writes of them, and the claims
// export reads and writes them for every row: through encoding/json's reflection that was
// a tenth of an export's time. DecodeQuantities and AppendQuantitiesJSON do the same
// without it for the form Verity writes, and hand everything else to encoding/json, so
// that what they return is always exactly what encoding/json would.

// DecodeQuantities returns what json.Unmarshal reads from b into a []Quantity.
func DecodeQuantities(b []byte) ([]Quantity, error) {
	if qs, ok := decodeCanonical(b); ok {
		return qs, nil
	}
	var qs []Quantity
	if err := json.Unmarshal(b, &qs); err != nil {
		return nil, err
	}
	return qs, nil
}

// AppendQuantitiesJSON appends to dst what json.Marshal writes of qs, or "[]" for nil.
func AppendQuantitiesJSON(dst []byte, qs []Quantity) []byte {
	if qs == nil {
		return append(dst, "[]"...)
	}
	start := len(dst)
	dst = append(dst, '[')
	for i, q := range qs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = appendQuantity(dst, q); !ok {
			b, _ := json.Marshal(qs) // numbers and strings always encode
			return append(dst[:start], b...)
		}
	}
	return append(dst, ']')
}

// appendQuantity writes q as json.Marshal does when its numbers are finite and its strings
// printable ASCII that needs no escape; ok is false otherwise.
func appendQuantity(dst []byte, q Quantity) ([]byte, bool) {
	ok := true
	num := func(key string, v *float64) {
		dst = append(dst, key...)
		if v == nil {
			dst = append(dst, "null"...)
			return
		}
		f := *v
		if math.IsInf(f, 0) || math.IsNaN(f) {
			ok = false
			return
		}
		// encoding/json's float64 encoder: ES6 number formatting.
		format := byte('f')
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			format = 'e'
		}
		dst = strconv.AppendFloat(dst, f, format, -1, 64)
		if format == 'e' {
			if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
				dst[n-2] = dst[n-1]
				dst = dst[:n-1]
			}
		}
	}
	str := func(key, s string) {
		dst = append(dst, key...)
		dst = append(dst, '"')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				ok = false
				return
			}
		}
		dst = append(dst, s...)
		dst = append(dst, '"')
	}
	num(`{"value":`, q.Value)
	num(`,"lower":`, q.Lower)
	num(`,"upper":`, q.Upper)
	str(`,"qualifier":`, q.Qualifier)
	str(`,"unit":`, q.Unit)
	str(`,"as_of":`, q.AsOf)
	return append(dst, '}'), ok
}

// decodeCanonical reads b when it is exactly json.Marshal's form of a []Quantity (no
// spaces, every key in order, strings without escapes); ok is false for any other text.
func decodeCanonical(b []byte) (qs []Quantity, ok bool) {
	d := canonical{b: b}
	if !d.lit("[") {
		return nil, false
	}
	qs = []Quantity{}
	if d.lit("]") {
		return qs, d.end()
	}
	for {
		var q Quantity
		if !d.lit(`{"value":`) || !d.num(&q.Value) || !d.lit(`,"lower":`) || !d.num(&q.Lower) || !d.lit(`,"upper":`) || !d.num(&q.Upper) ||
			!d.lit(`,"qualifier":`) || !d.str(&q.Qualifier) || !d.lit(`,"unit":`) || !d.str(&q.Unit) || !d.lit(`,"as_of":`) || !d.str(&q.AsOf) || !d.lit("}") {
			return nil, false
		}
		qs = append(qs, q)
		if d.lit("]") {
			return qs, d.end()
		}
		if !d.lit(",") {
			return nil, false
		}
	}
}

type canonical struct {
	b []byte
	i int
}

func (d *canonical) end() bool { return d.i == len(d.b) }

func (d *canonical) lit(s string) bool {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return false
	}
	d.i += len(s)
	return true
}

// num reads null or a number in JSON's grammar, parsed as encoding/json parses it.
func (d *canonical) num(v **float64) bool {
	if d.lit("null") {
		*v = nil
		return true
	}
	start := d.i
	digits := func() bool {
		n := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		return d.i > n
	}
	d.skip('-')
	if d.skip('0') {
		if d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			return false
		}
	} else if !digits() {
		return false
	}
	if d.skip('.') && !digits() {
		return false
	}
	if d.skip('e') || d.skip('E') {
		if !d.skip('+') {
			d.skip('-')
		}
		if !digits() {
			return false
		}
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return false
	}
	*v = &f
	return true
}

func (d *canonical) skip(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (d *canonical) str(s *string) bool {
	if !d.skip('"') {
		return false
	}
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			if !utf8.Valid(d.b[start:d.i]) {
				return false
			}
			*s = string(d.b[start:d.i])
			d.i++
			return true
		case c == '\\' || c < 0x20:
			return false
		}
		d.i++
	}
	return false
}
