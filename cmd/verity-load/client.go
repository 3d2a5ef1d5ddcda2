package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// maxBody bounds a buffered answer (a page of 200 claims is well under 1 MiB); streamed
// exports are not buffered.
const maxBody = 16 << 20

// maxKeptFailures is how many failure descriptions a run keeps to print.
const maxKeptFailures = 5

// client sends requests to one Verity server over keep-alive connections.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int, timeout time.Duration) *client {
	tr := &http.Transport{
		Proxy:               nil, // the server is on loopback: never through a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     90 * time.Second,
		// Bytes counted are the bytes on the wire.
		DisableCompression: true,
	}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: timeout}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// request is one API call.
type request struct {
	method, path, token string
	body                any // sent as JSON when not nil
	ifMatch             string
	// want lists the statuses the caller handles; nil means any 2xx. Any other status is a
	// failure.
	want []int
	// stream reads a wanted answer's body instead of buffering it, and returns the rows it
	// counted.
	stream func(io.Reader) (int64, error)
}

// response is a wanted answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode reads the JSON body into v.
func (r *response) decode(v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("cannot read the answer (%d, %d bytes): %w", r.status, len(r.body), err)
	}
	return nil
}

// failure is an answer the caller does not handle, or no answer at all (status 0). Every
// failure counts against the run: a 5xx, a connection error, or a 4xx that says the load
// command's own requests are wrong. Statuses a workload handles (412 on a stale ETag) are
// wanted, not failures.
type failure struct {
	method, path string
	status       int
	detail       string
}

func (f *failure) Error() string {
	if f.status == 0 {
		return fmt.Sprintf("%s %s: no answer: %s", f.method, f.path, f.detail)
	}
	return fmt.Sprintf("%s %s: %d %s", f.method, f.path, f.status, f.detail)
}

// call sends r and records it in rec. It returns the response when its status is wanted; a
// *failure otherwise; ctx's error when the run is being stopped.
func (c *client) call(ctx context.Context, rec *recorder, r request) (*response, error) {
	var body io.Reader
	if r.body != nil {
		raw, err := json.Marshal(r.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.ifMatch != "" {
		hr.Header.Set("If-Match", r.ifMatch)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, rec.fail(&failure{method: r.method, path: r.path, detail: err.Error()})
	}
	defer resp.Body.Close()
	rec.answered(resp.StatusCode)
	wanted := slices.Contains(r.want, resp.StatusCode) || r.want == nil && resp.StatusCode/100 == 2
	if !wanted {
		// Keep the start of the body for the report, and drain a bounded rest so that the
		// connection can be reused.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, rec.fail(&failure{method: r.method, path: r.path, status: resp.StatusCode, detail: oneLine(head)})
	}
	out := &response{status: resp.StatusCode, header: resp.Header}
	if r.stream != nil && resp.StatusCode/100 == 2 {
		counted := &countingReader{r: resp.Body}
		rows, err := r.stream(counted)
		rec.bytes += counted.n
		rec.rows += rows
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, rec.fail(&failure{method: r.method, path: r.path, status: resp.StatusCode, detail: "reading the body: " + err.Error()})
		}
		return out, nil
	}
	out.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, rec.fail(&failure{method: r.method, path: r.path, status: resp.StatusCode, detail: "reading the body: " + err.Error()})
	}
	return out, nil
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// asFailure returns err as a *failure, if it is one.
func asFailure(err error) (*failure, bool) {
	var f *failure
	ok := errors.As(err, &f)
	return f, ok
}

// live is what the progress line shows while a phase runs; workers update it atomically.
type live struct {
	ops      atomic.Int64
	failures atomic.Int64
}

// recorder counts what one worker sent and saw. Each worker has its own, so that recording
// takes no lock; they are merged when the workload ends.
type recorder struct {
	requests   int64
	statuses   map[int]int64
	noAnswer   int64
	unexpected int64
	failures   []string
	bytes      int64
	rows       int64
	ops        int64
	failedOps  int64
	latencies  []time.Duration
	actions    map[string]int64
	live       *live
}

func newRecorder(l *live) *recorder {
	return &recorder{statuses: map[int]int64{}, actions: map[string]int64{}, live: l}
}

func (r *recorder) answered(status int) {
	r.requests++
	r.statuses[status]++
}

func (r *recorder) fail(f *failure) error {
	if f.status == 0 {
		r.requests++
		r.noAnswer++
	}
	r.unexpected++
	if len(r.failures) < maxKeptFailures {
		r.failures = append(r.failures, f.Error())
	}
	return f
}

// op records one operation's outcome and latency.
func (r *recorder) op(d time.Duration, err error) {
	r.ops++
	r.latencies = append(r.latencies, d)
	if err != nil {
		r.failedOps++
		if r.live != nil {
			r.live.failures.Add(1)
		}
	}
	if r.live != nil {
		r.live.ops.Add(1)
	}
}

func (r *recorder) action(name string) { r.actions[name]++ }

// merge adds o's counts to r.
func (r *recorder) merge(o *recorder) {
	r.requests += o.requests
	for s, n := range o.statuses {
		r.statuses[s] += n
	}
	r.noAnswer += o.noAnswer
	r.unexpected += o.unexpected
	for _, f := range o.failures {
		if len(r.failures) < maxKeptFailures {
			r.failures = append(r.failures, f)
		}
	}
	r.bytes += o.bytes
	r.rows += o.rows
	r.ops += o.ops
	r.failedOps += o.failedOps
	r.latencies = append(r.latencies, o.latencies...)
	for a, n := range o.actions {
		r.actions[a] += n
	}
}
