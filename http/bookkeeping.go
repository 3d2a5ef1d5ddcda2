package http

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// bookkeeping runs the writes that only record that a token or a session was used. A read
// must not wait for the single writer to learn who read, so these run in the background, at
// most one at a time per key (so a burst of requests through one token starts one write),
// and a failure is logged, never the request's.
type bookkeeping struct {
	logger  *slog.Logger
	mu      sync.Mutex
	pending map[string]bool
	running sync.WaitGroup
}

func newBookkeeping(logger *slog.Logger) *bookkeeping {
	return &bookkeeping{logger: logger, pending: map[string]bool{}}
}

// bookkeepingTimeout bounds one bookkeeping write.
const bookkeepingTimeout = 10 * time.Second

// note runs record in the background unless a record for key is already running.
func (b *bookkeeping) note(key string, record func(ctx context.Context) error) {
	b.mu.Lock()
	if b.pending[key] {
		b.mu.Unlock()
		return
	}
	b.pending[key] = true
	b.mu.Unlock()
	b.running.Add(1)
	go func() {
		defer b.running.Done()
		ctx, cancel := context.WithTimeout(context.Background(), bookkeepingTimeout)
		defer cancel()
		if err := record(ctx); err != nil {
			b.logger.Warn("could not record a use", "what", key, "error", err)
		}
		b.mu.Lock()
		delete(b.pending, key)
		b.mu.Unlock()
	}()
}

// wait returns once every bookkeeping write started so far has finished.
func (b *bookkeeping) wait() { b.running.Wait() }
