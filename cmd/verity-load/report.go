package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one workload's figures, as the report prints them and --json writes them.
type result struct {
	Name              string           `json:"name"`
	Skipped           string           `json:"skipped,omitempty"`
	Operations        int64            `json:"operations"`
	FailedOperations  int64            `json:"failed_operations"`
	Requests          int64            `json:"requests"`
	Statuses          map[string]int64 `json:"statuses"`
	ConnectionErrors  int64            `json:"connection_errors"`
	Unexpected        int64            `json:"unexpected_failures"`
	Seconds           float64          `json:"seconds"`
	OpsPerSecond      float64          `json:"operations_per_second"`
	RequestsPerSecond float64          `json:"requests_per_second"`
	LatencyMS         latency          `json:"latency_ms"`
	Rows              int64            `json:"rows,omitempty"`
	Bytes             int64            `json:"bytes,omitempty"`
	RowsPerSecond     float64          `json:"rows_per_second,omitempty"`
	BytesPerSecond    float64          `json:"bytes_per_second,omitempty"`
	Actions           map[string]int64 `json:"actions,omitempty"`
	FirstFailures     []string         `json:"first_failures,omitempty"`
	elapsed           time.Duration
}

// latency holds percentiles of operation latency in milliseconds.
type latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (r *result) fill(rec *recorder) {
	r.Operations, r.FailedOperations, r.Requests = rec.ops, rec.failedOps, rec.requests
	r.Statuses = map[string]int64{}
	for s, n := range rec.statuses {
		r.Statuses[strconv.Itoa(s)] = n
	}
	r.ConnectionErrors, r.Unexpected = rec.noAnswer, rec.unexpected
	r.Seconds = r.elapsed.Seconds()
	if r.Seconds > 0 {
		r.OpsPerSecond = float64(rec.ops) / r.Seconds
		r.RequestsPerSecond = float64(rec.requests) / r.Seconds
		r.RowsPerSecond = float64(rec.rows) / r.Seconds
		r.BytesPerSecond = float64(rec.bytes) / r.Seconds
	}
	r.Rows, r.Bytes = rec.rows, rec.bytes
	r.LatencyMS = latencies(rec.latencies)
	if len(rec.actions) > 0 {
		r.Actions = rec.actions
	}
	r.FirstFailures = rec.failures
}

// latencies computes nearest-rank percentiles.
func latencies(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	return latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// corpusReport is phase one's figures.
type corpusReport struct {
	Articles          int     `json:"articles"`
	Claims            int     `json:"claims"`
	Sources           int     `json:"sources"`
	Derivations       int     `json:"derivations"`
	Citations         int64   `json:"citations"`
	InlineCitations   bool    `json:"inline_citations"`
	Requests          int64   `json:"requests"`
	Seconds           float64 `json:"seconds"`
	ClaimsPerSecond   float64 `json:"claims_per_second"`
	RequestsPerSecond float64 `json:"requests_per_second"`
}

// serverReport is what the run saw of the server process.
type serverReport struct {
	URL string `json:"url"`
	PID int    `json:"pid,omitempty"`
	// PeakRSSBytes is the highest VmRSS sampled during the run; VmHWMBytes is the kernel's
	// high-water mark over the process's whole life, which includes anything before the run.
	PeakRSSBytes int64  `json:"peak_rss_bytes,omitempty"`
	VmHWMBytes   int64  `json:"vm_hwm_bytes,omitempty"`
	Samples      int    `json:"rss_samples,omitempty"`
	MemoryNote   string `json:"memory_note,omitempty"`
}

// databaseReport is the size of the server's SQLite files after the run.
type databaseReport struct {
	Path  string           `json:"path"`
	Bytes int64            `json:"bytes"`
	Files map[string]int64 `json:"files,omitempty"`
	Note  string           `json:"note,omitempty"`
}

// report is the whole run, as --json writes it.
type report struct {
	Invocation string          `json:"invocation"`
	StartedAt  time.Time       `json:"started_at"`
	Clients    int             `json:"clients"`
	Server     serverReport    `json:"server"`
	Corpus     *corpusReport   `json:"corpus,omitempty"`
	Workloads  []result        `json:"workloads"`
	Database   *databaseReport `json:"database,omitempty"`
	Notes      []string        `json:"notes,omitempty"`
}

func printCorpus(w io.Writer, c *corpusReport) {
	fmt.Fprintf(w, "corpus: %s articles, %s claims, %s sources, %s derivations, %s citations (inline: %v)\n",
		number(c.Articles), number(c.Claims), number(c.Sources), number(c.Derivations), number(int(c.Citations)), yesNo(c.InlineCitations))
	fmt.Fprintf(w, "        seeded in %.1f s: %.0f claims/s, %s requests, %.0f req/s\n\n",
		c.Seconds, c.ClaimsPerSecond, number(int(c.Requests)), c.RequestsPerSecond)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

const tableHeader = "%-13s %9s %7s %9s %9s %9s %9s %9s %9s  %s\n"

func printTableHeader(w io.Writer) {
	fmt.Fprintf(w, tableHeader, "workload", "ops", "failed", "ops/s", "req/s", "p50", "p95", "p99", "max", "non-2xx")
}

func printResult(w io.Writer, r result) {
	if r.Skipped != "" {
		fmt.Fprintf(w, "%-13s skipped: %s\n", r.Name, r.Skipped)
		return
	}
	fmt.Fprintf(w, tableHeader, r.Name, number(int(r.Operations)), number(int(r.FailedOperations)),
		fmt.Sprintf("%.1f", r.OpsPerSecond), fmt.Sprintf("%.1f", r.RequestsPerSecond),
		msText(r.LatencyMS.P50), msText(r.LatencyMS.P95), msText(r.LatencyMS.P99), msText(r.LatencyMS.Max), non2xx(r))
	if r.Rows > 0 || r.Bytes > 0 {
		fmt.Fprintf(w, "%-13s %s rows, %s: %.0f rows/s, %s/s\n", "", number(int(r.Rows)), bytesText(r.Bytes), r.RowsPerSecond, bytesText(int64(r.BytesPerSecond)))
	}
	if len(r.Actions) > 0 {
		var parts []string
		for _, a := range slices.Sorted(maps.Keys(r.Actions)) {
			parts = append(parts, fmt.Sprintf("%s %s", a, number(int(r.Actions[a]))))
		}
		fmt.Fprintf(w, "%-13s %s; %s requests\n", "", strings.Join(parts, ", "), number(int(r.Requests)))
	}
}

// non2xx lists the answers that were not successes, and the requests that got none.
func non2xx(r result) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		if !strings.HasPrefix(s, "2") {
			parts = append(parts, fmt.Sprintf("%s×%s", s, number(int(r.Statuses[s]))))
		}
	}
	if r.ConnectionErrors > 0 {
		parts = append(parts, fmt.Sprintf("no answer×%s", number(int(r.ConnectionErrors))))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func msText(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func printTail(w io.Writer, rep *report) {
	fmt.Fprintln(w)
	s := rep.Server
	switch {
	case s.MemoryNote != "":
		fmt.Fprintf(w, "server memory: %s\n", s.MemoryNote)
	default:
		fmt.Fprintf(w, "server memory (pid %d): peak RSS %s over %d samples during the run; VmHWM %s (the process's whole life)\n",
			s.PID, bytesText(s.PeakRSSBytes), s.Samples, bytesText(s.VmHWMBytes))
	}
	if d := rep.Database; d != nil {
		if d.Note != "" {
			fmt.Fprintf(w, "database %s: %s\n", d.Path, d.Note)
		} else {
			var parts []string
			for _, f := range slices.Sorted(maps.Keys(d.Files)) {
				parts = append(parts, fmt.Sprintf("%s %s", f, bytesText(d.Files[f])))
			}
			fmt.Fprintf(w, "database on disk: %s (%s)\n", bytesText(d.Bytes), strings.Join(parts, ", "))
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	var failures []string
	for _, r := range rep.Workloads {
		for _, f := range r.FirstFailures {
			failures = append(failures, r.Name+": "+f)
		}
	}
	if len(failures) > 0 {
		fmt.Fprintln(w, "first failures:")
		for _, f := range failures[:min(len(failures), 2*maxKeptFailures)] {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
}

func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
