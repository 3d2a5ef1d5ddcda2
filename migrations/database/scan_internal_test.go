package database

import (
	"testing"
	"time"
)

// storedLayout is the layout bun and the SQLite driver read a stored time with.
const storedLayout = "2006-01-02 15:04:05.999999999-07:00"

// TestParseStoredTime checks that parseStoredTime reads what time.Parse reads, to the
// location, and leaves to it whatever it does not take.
func TestParseStoredTime(t *testing.T) {
	for _, s := range parseStoredTimeSeeds {
		checkParseStoredTime(t, s)
	}
}

var parseStoredTimeSeeds = []string{
	"2026-12-01 18:01:53.476959+00:00", "2026-12-01 18:01:53+00:00", "2026-12-01 18:01:53.4+00:00",
	"2026-12-01 18:01:53.123456789+00:00", "2026-12-01 18:01:53.1234567891+00:00", "0001-01-01 00:00:00+00:00",
	"9999-12-31 23:59:59.999999+00:00", "2024-02-29 12:00:00+00:00", "2023-02-29 12:00:00+00:00",
	"2026-13-01 00:00:00+00:00", "2026-00-01 00:00:00+00:00", "2026-04-31 00:00:00+00:00", "2026-01-01 24:00:00+00:00",
	"2026-01-01 23:60:00+00:00", "2026-01-01 23:59:60+00:00", "2026-12-01 18:01:53.+00:00", "2026-12-01 18:01:53,5+00:00",
	"2026-12-01 18:01:53.476959+01:00", "2026-12-01 18:01:53.476959-00:00", "2026-12-01T18:01:53.476959+00:00",
	"2026-12-01 18:01:53.476959Z", "2026-1-01 18:01:53+00:00", "+026-12-01 18:01:53+00:00", "2026-12-01 18:01:5a+00:00",
	"", "2026-12-01", "2026-12-01 18:01:53.47a959+00:00",
}

func checkParseStoredTime(t *testing.T, s string) {
	t.Helper()
	got, ok := parseStoredTime(s)
	want, err := time.Parse(storedLayout, s)
	if !ok {
		return // bun's parser reads it, as before
	}
	if err != nil {
		t.Fatalf("parseStoredTime(%q) = %v, but time.Parse fails: %v", s, got, err)
	}
	if got != want {
		t.Fatalf("parseStoredTime(%q) = %#v, time.Parse = %#v", s, got, want)
	}
}

func FuzzParseStoredTime(f *testing.F) {
	for _, s := range parseStoredTimeSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParseStoredTime)
}

// TestParseStoredTimeTakesStoredTimes checks that the times Verity stores take the fast
// path, which is what it is for.
func TestParseStoredTimeTakesStoredTimes(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 12, 1, 18, 1, 53, 476959000, time.UTC), time.Date(2026, 12, 1, 18, 1, 53, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	} {
		s := at.Format(storedTime)
		got, ok := parseStoredTime(s)
		if !ok || !got.Equal(at) {
			t.Fatalf("parseStoredTime(%q) = %v, %v; want %v", s, got, ok, at)
		}
	}
}
