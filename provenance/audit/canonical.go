package audit

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"
)

// sortedKeys gives the canonical encoding of raw, JSON as encoding/json writes it with
// SetEscapeHTML(false), by sorting the keys of its objects in place of canonicalJSON's
// decoding into generic values and encoding again, which was most of an append's time. It
// returns false, and canonicalJSON then decides, for anything whose encoding that round
// trip would change beyond the order of keys: an escape in a key, a duplicate key, the
// replacement character encoding/json writes for invalid UTF-8 (\ufffd, which the round
// trip writes back as the character itself), a string not spelled as encoding/json spells
// it, or text that is not compact JSON. For the rest, strings, numbers and literals come
// back from the round trip byte for byte, so only the order of keys is left to do.
func sortedKeys(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	out, rest, ok := sortValue(out, raw)
	if !ok || len(rest) != 0 {
		return "", false
	}
	return string(out), true
}

// sortValue appends the canonical form of the JSON value at the start of in to out and
// returns what follows it.
func sortValue(out, in []byte) ([]byte, []byte, bool) {
	if len(in) == 0 {
		return out, in, false
	}
	switch in[0] {
	case '{':
		return sortObject(out, in)
	case '[':
		out = append(out, '[')
		in = in[1:]
		if len(in) > 0 && in[0] == ']' {
			return append(out, ']'), in[1:], true
		}
		for {
			var ok bool
			if out, in, ok = sortValue(out, in); !ok || len(in) == 0 {
				return out, in, false
			}
			switch in[0] {
			case ',':
				out, in = append(out, ','), in[1:]
			case ']':
				return append(out, ']'), in[1:], true
			default:
				return out, in, false
			}
		}
	case '"':
		n, ok := stringEnd(in)
		if !ok {
			return out, in, false
		}
		return append(out, in[:n]...), in[n:], true
	default:
		// A number or a literal runs to the next delimiter.
		n := 0
		for n < len(in) && !delimiter(in[n]) {
			n++
		}
		if n == 0 {
			return out, in, false
		}
		return append(out, in[:n]...), in[n:], true
	}
}

// member is one key of an object and its value, both as they stand in the input.
type member struct{ key, value []byte }

func sortObject(out, in []byte) ([]byte, []byte, bool) {
	in = in[1:]
	if len(in) > 0 && in[0] == '}' {
		return append(out, "{}"...), in[1:], true
	}
	var room [32]member
	members := room[:0]
	for {
		if len(in) == 0 || in[0] != '"' {
			return out, in, false
		}
		n, ok := stringEnd(in)
		if !ok || bytes.IndexByte(in[:n], '\\') >= 0 || n >= len(in) || in[n] != ':' {
			return out, in, false
		}
		key := in[:n]
		in = in[n+1:]
		size, ok := skipValue(in)
		if !ok || size >= len(in) {
			return out, in, false
		}
		members = append(members, member{key: key, value: in[:size]})
		in = in[size:]
		if in[0] == '}' {
			in = in[1:]
			break
		}
		if in[0] != ',' {
			return out, in, false
		}
		in = in[1:]
	}
	// encoding/json sorts a map's keys as strings, byte by byte; without escapes a key's
	// text between its quotes is that string.
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key[1:len(a.key)-1], b.key[1:len(b.key)-1]) })
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			if bytes.Equal(m.key, members[i-1].key) {
				return out, in, false // the round trip would keep one of them
			}
			out = append(out, ',')
		}
		out = append(out, m.key...)
		out = append(out, ':')
		var ok bool
		if out, _, ok = sortValue(out, m.value); !ok {
			return out, in, false
		}
	}
	return append(out, '}'), in, true
}

// skipValue returns the length of the JSON value at the start of in, checking its strings
// as stringEnd does.
func skipValue(in []byte) (int, bool) {
	if len(in) == 0 {
		return 0, false
	}
	switch in[0] {
	case '"':
		return stringEnd(in)
	case '{', '[':
		closing := byte('}')
		if in[0] == '[' {
			closing = ']'
		}
		i := 1
		if i < len(in) && in[i] == closing {
			return i + 1, true
		}
		for {
			if in[0] == '{' {
				n, ok := stringEnd(in[i:])
				if !ok || i+n >= len(in) || in[i+n] != ':' {
					return 0, false
				}
				i += n + 1
			}
			n, ok := skipValue(in[i:])
			if !ok || i+n >= len(in) {
				return 0, false
			}
			i += n
			switch in[i] {
			case ',':
				i++
			case closing:
				return i + 1, true
			default:
				return 0, false
			}
		}
	default:
		n := 0
		for n < len(in) && !delimiter(in[n]) {
			n++
		}
		return n, n > 0
	}
}

// stringEnd returns the length of the JSON string at the start of in, quotes included, or
// false unless it is written as encoding/json writes strings (SetEscapeHTML(false)): only
// its own escapes (\" \\ \b \f \n \r \t, \u00XX for the other control characters, \u2028
// and \u2029), valid UTF-8 and no raw U+2028 or U+2029. Such a string comes back from the
// round trip byte for byte; any other spelling of it might not.
func stringEnd(in []byte) (int, bool) {
	for i := 1; i < len(in); {
		c := in[i]
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(in) {
				return 0, false
			}
			switch in[i+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(in) || !encoderEscape(string(in[i+2:i+6])) {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(in[i:])
			if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
				return 0, false
			}
			i += size
		}
	}
	return 0, false
}

// encoderEscape reports whether \uXXXX, with hex the XXXX, is how encoding/json writes its
// character: a control character without a short escape, or U+2028, U+2029.
func encoderEscape(hex string) bool {
	if hex == "2028" || hex == "2029" {
		return true
	}
	if len(hex) != 4 || hex[:2] != "00" || (hex[2] != '0' && hex[2] != '1') || !strings.ContainsRune("0123456789abcdef", rune(hex[3])) {
		return false
	}
	switch hex[2:] {
	case "08", "0c", "0a", "0d", "09": // written \b \f \n \r \t
		return false
	}
	return true
}

func delimiter(c byte) bool {
	switch c {
	case ',', ']', '}', ':', '"', '{', '[', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
