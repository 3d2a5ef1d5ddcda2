package database

import (
	"testing"
	"time"
)

// FuzzParseStoredTime: parseStoredTime reads any text as time.Parse reads it with the layout
// bun stores times in: the same instant, or an error where it errs. Run it with go test
// -run '^$' -fuzz FuzzParseStoredTime -fuzztime 2m ./migrations/database/.
func FuzzParseStoredTime(f *testing.F) {
	for _, s := range []string{
		"2026-12-01 17:58:00.0925+00:00", "2026-12-01 17:58:00+00:00", "2026-12-01 17:58:00.123456789+05:30",
		"2026-02-29 00:00:00+00:00", "2024-02-29 23:59:59.999999-11:45", "2026-12-01 24:00:00+00:00",
		"2026-12-01 17:58:60+00:00", "2026-12-01T17:58:00+00:00", "2026-12-01 17:58:00.+00:00", "2026-12-01 17:58:00.1234567891+00:00",
		"2026-12-01 17:58:00Z", "", "0000-01-01 00:00:00+00:00", "2026-13-01 00:00:00+00:00", "2026-12-01 17:58:00.5+24:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := time.Parse(storedTime, s)
		got, err := parseStoredTime(s)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, time.Parse's %v", s, err, wantErr)
		}
		if err == nil && (!got.Equal(want) || got.UTC().Format(time.RFC3339Nano) != want.UTC().Format(time.RFC3339Nano)) {
			t.Fatalf("%q: read %v, time.Parse reads %v", s, got, want)
		}
	})
}
