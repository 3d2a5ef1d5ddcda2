package claims

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quantities are the numbers a claim states, stored as the JSON array json.Marshal makes
// of them.
type Quantities []Quantity

// Scan reads the stored JSON. Decoding it with encoding/json was the largest part of
// reading a page of claims (each row's array is validated, then decoded by reflection), so
// the form json.Marshal writes, and Verity stores, is read directly; any other spelling of
// the array (PostgreSQL's jsonb puts spaces in and orders the keys its own way, and text
// may hold escapes) goes to json.Unmarshal, so the result is always what it would decode.
func (q *Quantities) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*q = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("quantities: cannot scan %T", src)
	}
	out, err := decodeQuantities(s)
	if err != nil {
		return err
	}
	*q = out
	return nil
}

// parseQuantities reads an array exactly as json.Marshal writes a []Quantity: no spaces,
// the fields in their order, strings without escapes. It is not ok for anything else.
func parseQuantities(s string) (Quantities, bool) {
	if s == "[]" {
		return Quantities{}, true
	}
	p := quantityParser{s: s}
	if !p.take("[") {
		return nil, false
	}
	out := make(Quantities, 0, strings.Count(s, `{"value":`))
	for {
		var q Quantity
		ok := p.take(`{"value":`) && p.number(&q.Value) && p.take(`,"lower":`) && p.number(&q.Lower) &&
			p.take(`,"upper":`) && p.number(&q.Upper) && p.take(`,"qualifier":`) && p.str(&q.Qualifier) &&
			p.take(`,"unit":`) && p.str(&q.Unit) && p.take(`,"as_of":`) && p.str(&q.AsOf) && p.take("}")
		if !ok {
			return nil, false
		}
		out = append(out, q)
		if p.take("]") {
			return out, p.s == ""
		}
		if !p.take(",") {
			return nil, false
		}
	}
}

type quantityParser struct{ s string }

func (p *quantityParser) take(prefix string) bool {
	rest, ok := strings.CutPrefix(p.s, prefix)
	p.s = rest
	return ok
}

// number reads null or a JSON number that parses to a float64, as json.Unmarshal would.
func (p *quantityParser) number(v **float64) bool {
	if p.take("null") {
		*v = nil
		return true
	}
	n := jsonNumberLen(p.s)
	if n == 0 {
		return false
	}
	f, err := strconv.ParseFloat(p.s[:n], 64)
	if err != nil {
		return false
	}
	p.s = p.s[n:]
	*v = &f
	return true
}

// jsonNumberLen is the length of the JSON number s begins with: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
// or 0.
func jsonNumberLen(s string) int {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return 0
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}

// str reads a JSON string without escapes or control characters, in valid UTF-8, which
// means what it spells.
func (p *quantityParser) str(v *string) bool {
	if !p.take(`"`) {
		return false
	}
	end := strings.IndexByte(p.s, '"')
	if end < 0 {
		return false
	}
	s := p.s[:end]
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' {
			return false
		}
	}
	if !utf8.ValidString(s) {
		return false
	}
	*v, p.s = s, p.s[end+1:]
	return true
}
