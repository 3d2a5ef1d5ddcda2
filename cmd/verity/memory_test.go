package main

import (
	"math"
	"runtime/debug"
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
