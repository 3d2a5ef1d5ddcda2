package http

import (
	"math"
	"sync"
	"time"
)

// LoginLimits bound failed sign-ins: each account and each client address has a bucket of
// attempts that refills steadily, and a sign-in is refused, before any password is checked,
// while either bucket is empty.
type LoginLimits struct {
	// PerAccount is how many failures in a row an email address may take.
	PerAccount int
	// PerAddress is how many failures a client address may make, across accounts.
	PerAddress int
	// Refill is how long a bucket takes to fill again from empty.
	Refill time.Duration
	// MaxTracked bounds the memory of each table of buckets.
	MaxTracked int
}

// DefaultLoginLimits allow five failures per account and twenty per address in fifteen
// minutes: enough for someone who mistypes, far too few to guess a password.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{PerAccount: 5, PerAddress: 20, Refill: 15 * time.Minute, MaxTracked: 10000}
}

// loginLimiter holds the buckets. The server owns one; nothing of it is global.
type loginLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	limits    LoginLimits
	accounts  buckets
	addresses buckets
}

type bucket struct {
	tokens float64
	at     time.Time
}

// buckets is a bounded table of buckets by key.
type buckets map[string]bucket

func newLoginLimiter(l LoginLimits, now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, limits: l, accounts: buckets{}, addresses: buckets{}}
}

// level returns how many attempts key has left now.
func (b buckets) level(key string, capacity int, refill time.Duration, now time.Time) float64 {
	bk, ok := b[key]
	if !ok {
		return float64(capacity)
	}
	rate := float64(capacity) / refill.Seconds()
	return math.Min(float64(capacity), bk.tokens+now.Sub(bk.at).Seconds()*rate)
}

// take spends one attempt of key, making room when the table is full: buckets that have
// filled up again are forgotten first (a full bucket is the same as none); if every bucket
// is still in use, one is dropped, so that memory stays bounded under any load.
func (b buckets) take(key string, capacity int, refill time.Duration, now time.Time, max int) {
	left := b.level(key, capacity, refill, now)
	if _, ok := b[key]; !ok && len(b) >= max {
		for k := range b {
			if b.level(k, capacity, refill, now) >= float64(capacity) {
				delete(b, k)
			}
		}
		for k := range b {
			if len(b) < max {
				break
			}
			delete(b, k)
		}
	}
	b[key] = bucket{tokens: math.Max(0, left-1), at: now}
}

// wait returns how long until account may try again from address; zero means now.
func (l *loginLimiter) wait(account, address string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, t := range []struct {
		b        buckets
		key      string
		capacity int
	}{{l.accounts, account, l.limits.PerAccount}, {l.addresses, address, l.limits.PerAddress}} {
		left := t.b.level(t.key, t.capacity, l.limits.Refill, now)
		if left >= 1 {
			continue
		}
		perToken := l.limits.Refill / time.Duration(t.capacity)
		if d := time.Duration((1 - left) * float64(perToken)); d > longest {
			longest = d
		}
	}
	return longest
}

// failed records a failed sign-in.
func (l *loginLimiter) failed(account, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.accounts.take(account, l.limits.PerAccount, l.limits.Refill, now, l.limits.MaxTracked)
	l.addresses.take(address, l.limits.PerAddress, l.limits.Refill, now, l.limits.MaxTracked)
}

// succeeded forgets an account's failures: its owner knows the password. The address's stay,
// so that one known password does not reset the guessing of others.
func (l *loginLimiter) succeeded(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.accounts, account)
}
