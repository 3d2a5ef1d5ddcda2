package http

import (
	"cmp"
	"encoding/base64"
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
func (id ID) MarshalJSON() ([]byte, error) { return json.Marshal(strconv.FormatInt(int64(id), 10)) }

// UnmarshalJSON accepts "12" or 12.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		// A type error lets the decoder name the field, so the client learns which id is bad.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = ID(n)
	return nil
}

// ptrID converts a nullable stored reference.
func ptrID(p *int64) *ID {
	if p == nil {
		return nil
	}
	id := ID(*p)
	return &id
}

// parseID reads an id from a path; anything that is not an id names nothing that exists.
func parseID(raw, what string) (int64, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, fault.New(fault.NotFound, "%s %q not found", what, raw)
	}
	return n, nil
}

// encodeCursor makes an opaque cursor from a listing position.
func encodeCursor(key any) string {
	b, _ := json.Marshal(key) // cursor keys are plain structs of numbers
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor made by encodeCursor into key.
func decodeCursor(raw string, key any) error {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		err = dec.Decode(key)
	}
	if err != nil {
		return fault.Field("cursor", "is not a cursor this listing gave out")
	}
	return nil
}

func sortByID[T any](items []T, id func(T) ID) {
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
}
