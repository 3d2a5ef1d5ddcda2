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
	if qs, ok := parseQuantities(string(b)); ok {
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
// need no escape (JSONAsIs); ok is false otherwise.
func appendQuantity(dst []byte, q Quantity) ([]byte, bool) {
	ok := true
	num := func(key string, v *float64) {
		dst = append(dst, key...)
		if v == nil {
			dst = append(dst, "null"...)
			return
		}
		if math.IsInf(*v, 0) || math.IsNaN(*v) {
			ok = false
			return
		}
		dst = AppendJSONFloat(dst, *v)
	}
	str := func(key, s string) {
		if !JSONAsIs(s) {
			ok = false
			return
		}
		dst = append(dst, key...)
		dst = append(dst, '"')
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

// AppendJSONFloat appends f as encoding/json writes a finite float64: like %g, with ES6's
// exponent cutoffs, and exponents unpadded.
func AppendJSONFloat(dst []byte, f float64) []byte {
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
	return dst
}

// JSONAsIs reports whether encoding/json writes s unchanged between its quotes: no quote,
// backslash, control character, <, > or & (which it escapes for HTML), no invalid UTF-8, no
// U+2028 or U+2029. The hand-written JSON writes such strings as they are and hands every
// other to encoding/json, so that its escaping rules stay its own.
func JSONAsIs(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}
