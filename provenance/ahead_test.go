package provenance

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"testing"

	"verity/claims/fault"
)

// chunksOf yields the numbers 0..n-1 as chunks, then failure if it is not nil, counting
// the chunks made and noting when the reader has returned.
func chunksOf(n int, failure error, made *atomic.Int32, returned *atomic.Bool) func(context.Context) iter.Seq2[[]int, error] {
	return func(ctx context.Context) iter.Seq2[[]int, error] {
		return func(yield func([]int, error) bool) {
			defer returned.Store(true)
			for i := range n {
				made.Add(1)
				if !yield([]int{i}, ctx.Err()) {
					return
				}
			}
			if failure != nil {
				yield(nil, failure)
			}
		}
	}
}

func TestAhead(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		chunks  int
		failure error
		take    int // rows to read before stopping; -1 reads all
		want    []int
		wantErr error
	}{
		{"every chunk in order", 5, nil, -1, []int{0, 1, 2, 3, 4}, nil},
		{"an error after the rows", 3, boom, -1, []int{0, 1, 2}, boom},
		{"nothing", 0, nil, -1, nil, nil},
		{"stopped early", 1000, nil, 2, []int{0, 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var made atomic.Int32
			var returned atomic.Bool
			var got []int
			var gotErr error
			for v, err := range rowsOf(ahead(context.Background(), chunksOf(tc.chunks, tc.failure, &made, &returned))) {
				if err != nil {
					gotErr = err
					break
				}
				got = append(got, v)
				if len(got) == tc.take {
					break
				}
			}
			if !returned.Load() {
				t.Error("the reader was still running when the iteration ended")
			}
			if len(got) != len(tc.want) || !errors.Is(gotErr, tc.wantErr) {
				t.Fatalf("got %v, %v; want %v, %v", got, gotErr, tc.want, tc.wantErr)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			// Read ahead by at most the chunk being handed over.
			if tc.take >= 0 && int(made.Load()) > tc.take+1 {
				t.Errorf("%d chunks made for %d rows read", made.Load(), tc.take)
			}
		})
	}
}

// TestAheadCancelled: an export whose context ends while it is read ends with the
// context's error, not as if every chunk had been read.
func TestAheadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Chunks that never report the context's end themselves, as a reader that stops
	// quietly would not.
	quiet := func(context.Context) iter.Seq2[[]int, error] {
		return func(yield func([]int, error) bool) {
			for i := range 1000 {
				if !yield([]int{i}, nil) {
					return
				}
			}
		}
	}
	var got []int
	var gotErr error
	for v, err := range rowsOf(ahead(ctx, quiet)) {
		if err != nil {
			gotErr = err
			break
		}
		if got = append(got, v); len(got) == 2 {
			cancel()
		}
	}
	if !errors.Is(gotErr, context.Canceled) || len(got) >= 1000 {
		t.Fatalf("%d rows, then %v; want the export cut short with context.Canceled", len(got), gotErr)
	}
}

func TestAheadPanic(t *testing.T) {
	chunks := func(context.Context) iter.Seq2[[]int, error] {
		return func(yield func([]int, error) bool) {
			if yield([]int{1}, nil) {
				panic("no more")
			}
		}
	}
	var got []int
	var gotErr error
	for v, err := range rowsOf(ahead(context.Background(), chunks)) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, v)
	}
	if len(got) != 1 || !fault.Is(gotErr, fault.Internal) {
		t.Fatalf("got %v, %v; want [1] and an internal error", got, gotErr)
	}
}
