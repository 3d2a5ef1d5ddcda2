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
func DecodeQuantities(b []byte) ([]Quantity, error) { return decodeQuantities(string(b)) }

// decodeQuantities is DecodeQuantities of the stored text, for Quantities.Scan too.
func decodeQuantities(s string) ([]Quantity, error) {
	if qs, ok := parseQuantities(s); ok {
		return qs, nil
	}
	var qs []Quantity
	if err := json.Unmarshal([]byte(s), &qs); err != nil {
		return nil, err
	}
	return qs, nil
}

// AppendQuantitiesJSON appends to dst what json.Marshal writes of qs, or "[]" for nil.
func AppendQuantitiesJSON(dst []byte, qs []Quantity) []byte {
	if qs == nil {
		return append(dst, "[]"...)
	}
	for _, q := range qs {
		if !finite(q) {
			return dst
		}
	}
	dst = append(dst, '[')
	for i, q := range qs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendQuantityJSON(dst, q)
	}
	return append(dst, ']')
}

// AppendQuantityJSON appends to dst what json.Marshal writes of q. With a number that is
// not finite (which validation refuses, and stored JSON cannot hold) that is nothing:
// encoding/json refuses it.
func AppendQuantityJSON(dst []byte, q Quantity) []byte {
	if !finite(q) {
		return dst
	}
	num := func(key string, v *float64) {
		dst = append(dst, key...)
		if v == nil {
			dst = append(dst, "null"...)
		} else {
			dst = AppendJSONFloat(dst, *v)
		}
	}
	num(`{"value":`, q.Value)
	num(`,"lower":`, q.Lower)
	num(`,"upper":`, q.Upper)
	dst = AppendJSONString(append(dst, `,"qualifier":`...), q.Qualifier)
	dst = AppendJSONString(append(dst, `,"unit":`...), q.Unit)
	dst = AppendJSONString(append(dst, `,"as_of":`...), q.AsOf)
	return append(dst, '}')
}

// finite reports whether q's numbers are all finite, as encoding/json requires.
func finite(q Quantity) bool {
	for _, v := range [...]*float64{q.Value, q.Lower, q.Upper} {
		if v != nil && (math.IsInf(*v, 0) || math.IsNaN(*v)) {
			return false
		}
	}
	return true
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

// AppendJSONString appends s as encoding/json writes a string: as it is between quotes when
// that is how encoding/json writes it (jsonAsIs), else by encoding/json itself, so that its
// escaping rules stay its own.
func AppendJSONString(dst []byte, s string) []byte {
	if !jsonAsIs(s) {
		quoted, _ := json.Marshal(s) // a string always encodes
		return append(dst, quoted...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// jsonAsIs reports whether encoding/json writes s unchanged between its quotes: no quote,
// backslash, control character, <, > or & (which it escapes for HTML), no invalid UTF-8, no
// U+2028 or U+2029.
func jsonAsIs(s string) bool {
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
