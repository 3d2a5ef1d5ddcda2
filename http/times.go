package http

import (
	"encoding/json"
	"reflect"
	"time"
)

// Time is a timestamp in a request or response: RFC 3339 on output; on input RFC 3339 or a
// plain date (YYYY-MM-DD, taken as midnight UTC).
type Time struct{ time.Time }

// MarshalJSON writes RFC 3339 in UTC.
func (t Time) MarshalJSON() ([]byte, error) { return appendTime(nil, t), nil }

// UnmarshalJSON reads RFC 3339 or YYYY-MM-DD.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if parsed, err := time.Parse(layout, s); err == nil && parsed.UTC().Year() >= 1 && parsed.UTC().Year() <= 9999 {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Time]()}
}

func timePtr(t *Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

func fromTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	return &Time{*t}
}
