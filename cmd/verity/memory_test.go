package main

import (
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"80MiB", 80 << 20, true},
		{"1GiB", 1 << 30, true},
		{"1TiB", 1 << 40, true},
		{"512KiB", 512 << 10, true},
		{"1000000B", 1000000, true},
		{"1000000", 1000000, true},
		{" 80MiB ", 80 << 20, true},
		{"off", math.MaxInt64, true},
		{"0", 0, false},
		{"-5MiB", 0, false},
		{"80MB", 0, false},
		{"eighty", 0, false},
		{"", 0, false},
		{"9999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseMemoryLimit(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLimitMemoryPutsThePreviousLimitBack(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := limitMemory(before / 2)
	if got := debug.SetMemoryLimit(-1); got != before/2 {
		t.Fatalf("limit while serving = %d, want %d", got, before/2)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("limit after = %d, want %d", got, before)
	}
}

func TestServingMemoryLimitPrecedence(t *testing.T) {
	const flagDefault = "80MiB"
	tests := []struct {
		name    string
		changed bool
		value   string
		env     map[string]string
		want    int64
		set     bool
		errHas  string
	}{
		{"nothing given: the default", false, flagDefault, nil, 80 << 20, true, ""},
		{"GOMEMLIMIT stands", false, flagDefault, map[string]string{"GOMEMLIMIT": "1GiB"}, 0, false, ""},
		{"VERITY_MEMORY_LIMIT over GOMEMLIMIT", false, "64MiB", map[string]string{"GOMEMLIMIT": "1GiB", "VERITY_MEMORY_LIMIT": "64MiB"}, 64 << 20, true, ""},
		{"the flag over both", true, "32MiB", map[string]string{"GOMEMLIMIT": "1GiB", "VERITY_MEMORY_LIMIT": "64MiB"}, 32 << 20, true, ""},
		{"off", true, "off", nil, math.MaxInt64, true, ""},
		{"a bad flag is named", true, "12parsecs", nil, 0, false, `(not "12parsecs")`},
		{"a bad variable is named", false, "lots", map[string]string{"VERITY_MEMORY_LIMIT": "lots"}, 0, false, `(not "lots", from VERITY_MEMORY_LIMIT)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, set, err := servingMemoryLimit(tt.changed, tt.value, func(k string) string { return tt.env[k] })
			if got != tt.want || set != tt.set || (err == nil) != (tt.errHas == "") {
				t.Fatalf("= %d, %v, %v; want %d, %v, error %q", got, set, err, tt.want, tt.set, tt.errHas)
			}
			if err != nil && !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not name %s", err, tt.errHas)
			}
		})
	}
}
