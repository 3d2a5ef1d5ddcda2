package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit is serve's soft limit on the Go runtime's memory. The server's live heap
// stays within some 40 MiB (bounded caches, exports in chunks), but the collector lets the
// heap grow to twice what was live at the last collection before it runs again, and keeps
// freed pages a while: eight concurrent exports took the process's resident memory past
// 150 MB. Under the limit the collector runs sooner and returns pages as the heap nears it.
// What lies outside the Go heap (SQLite's page caches, about 2 MiB per connection; the
// binary itself, some 28 MiB resident) comes on top.
const defaultMemoryLimit = 80 << 20

// servingMemoryLimit decides serve's memory limit: --memory-limit when given (changed), else
// VERITY_MEMORY_LIMIT, else GOMEMLIMIT's, which the runtime has applied already (set is
// false), else defaultMemoryLimit. value is the flag's value, whose default is
// VERITY_MEMORY_LIMIT's or defaultMemoryLimit. A bad value is named with where it came from.
func servingMemoryLimit(changed bool, value string, getenv func(string) string) (limit int64, set bool, err error) {
	from := ""
	switch {
	case changed:
	case getenv("VERITY_MEMORY_LIMIT") != "":
		from = ", from VERITY_MEMORY_LIMIT"
	case getenv("GOMEMLIMIT") != "":
		return 0, false, nil
	}
	limit, err = parseMemoryLimit(value)
	if err != nil {
		return 0, false, fmt.Errorf("--memory-limit: %w (not %q%s)", err, value, from)
	}
	return limit, true, nil
}

// parseMemoryLimit reads --memory-limit: a number of bytes with an optional B, KiB, MiB, GiB
// or TiB, as GOMEMLIMIT takes it, or off for no limit (math.MaxInt64).
func parseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return math.MaxInt64, nil
	}
	unit := int64(1)
	for _, u := range []struct {
		suffix string
		bytes  int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = n, u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("want a positive size such as 80MiB or 1GiB, or off")
	}
	return n * unit, nil
}

// limitMemory sets the Go runtime's soft memory limit for as long as serve runs and returns
// the function that puts the previous limit back (tests run serve inside their own process).
func limitMemory(limit int64) (restore func()) {
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}
