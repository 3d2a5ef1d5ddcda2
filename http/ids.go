package http

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"verity/claims/fault"
)

// ID is an identifier as clients see it: an opaque string. Requests may also give a number.
type ID int64

// MarshalJSON writes the id as a string, so that clients never do arithmetic on it.
func (id ID) MarshalJSON() ([]byte, error) { return appendID(nil, id), nil }

// UnmarshalJSON accepts an id as a string ("12") or a number (12), spelled canonically.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, ok := canonicalID(s)
	if !ok {
		// A type error lets the decoder name the field, so the client learns which id is bad.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = ID(n)
	return nil
}

// idRule says how an id is spelled, for the messages that refuse one.
const idRule = "the digits of a positive number, without sign or leading zeros"

// canonicalID reads s as an id: the decimal digits of a positive int64 without sign or
// leading zeros. Every id has that one spelling, so "043" and "+43" name nothing rather
// than claim 43: two spellings of one resource would make caches, logs and audit filters
// disagree about what was asked for.
func canonicalID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// ptrID converts a nullable stored reference.
func ptrID(p *int64) *ID {
	if p == nil {
		return nil
	}
	id := ID(*p)
	return &id
}

// parseID reads an id from a path; anything that is not an id, canonically spelled, names
// nothing that exists.
func parseID(raw, what string) (int64, error) {
	n, ok := canonicalID(raw)
	if !ok {
		return 0, fault.New(fault.NotFound, "%s %q not found", what, raw)
	}
	return n, nil
}

func sortByID[T any](items []T, id func(T) ID) {
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
}
