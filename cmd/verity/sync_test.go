package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesAnUnknownSync checks --sync and VERITY_SYNC before anything else: the error
// names the flag and the accepted values, and no database is created.
func TestServeRefusesAnUnknownSync(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"--sync", "fast"}, nil},
		{"upper case", []string{"--sync", "FULL"}, nil},
		{"environment", nil, map[string]string{"VERITY_SYNC": "off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "verity.db")
			args := append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, tt.args...)
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), "--sync") || !strings.Contains(err.Error(), `use "full" or "normal"`) {
				t.Errorf("err = %v, want it to name --sync and the accepted values", err)
			}
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exit status %d, want %d: a bad flag value is a usage error", code, exitUsage)
			}
			if _, statErr := os.Stat(dbPath); !os.IsNotExist(statErr) {
				t.Errorf("a bad --sync created the database (%v)", statErr)
			}
		})
	}
}
