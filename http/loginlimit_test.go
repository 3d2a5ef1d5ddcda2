package http

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l := newLoginLimiter(LoginLimits{PerAccount: 3, PerAddress: 5, Refill: 15 * time.Minute, MaxTracked: 4}, func() time.Time { return now })

	for i := range 3 {
		if w := l.wait("rita@example.org", "a"); w != 0 {
			t.Fatalf("attempt %d must wait %v", i+1, w)
		}
		l.failed("rita@example.org", "a")
	}
	w := l.wait("rita@example.org", "b")
	if w != 5*time.Minute {
		t.Errorf("after 3 failures the account waits %v, want the 5 minutes one attempt takes to refill", w)
	}
	now = now.Add(5 * time.Minute)
	if w := l.wait("rita@example.org", "b"); w != 0 {
		t.Errorf("after 5 minutes the account still waits %v", w)
	}
	l.failed("rita@example.org", "b")
	if w := l.wait("rita@example.org", "c"); w == 0 {
		t.Error("one refilled attempt, used, left the account open")
	}
	l.succeeded("rita@example.org")
	if w := l.wait("rita@example.org", "c"); w != 0 {
		t.Errorf("a success leaves the account waiting %v", w)
	}

	t.Run("memory stays bounded", func(t *testing.T) {
		for i := range 100 {
			l.failed(fmt.Sprintf("user%d@example.org", i), fmt.Sprintf("addr%d", i))
		}
		if len(l.accounts) > 4 || len(l.addresses) > 4 {
			t.Errorf("tracking %d accounts and %d addresses, want at most 4", len(l.accounts), len(l.addresses))
		}
		// The newest is always tracked.
		if _, ok := l.accounts["user99@example.org"]; !ok {
			t.Error("the newest failure was dropped")
		}
	})

	t.Run("one address across accounts", func(t *testing.T) {
		m := newLoginLimiter(LoginLimits{PerAccount: 3, PerAddress: 5, Refill: 15 * time.Minute, MaxTracked: 100}, func() time.Time { return now })
		for i := range 5 {
			m.failed(fmt.Sprintf("u%d@example.org", i), "guesser")
		}
		if w := m.wait("fresh@example.org", "guesser"); w != 3*time.Minute {
			t.Errorf("the address waits %v, want 3 minutes", w)
		}
		if w := m.wait("fresh@example.org", "someone else"); w != 0 {
			t.Errorf("another address waits %v", w)
		}
	})
}
