package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"verity/claims/fault"
	"verity/migrations/database"

	"github.com/uptrace/bun"
)

// Session is a person signed in to the web pages. Only the SHA-256 of its secret is stored,
// as for API tokens; the secret lives in the browser's cookie. The user is read afresh with
// the session on every request, so that signing out, disabling the user or changing their
// role takes effect on the next request.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	TokenHash string `bun:"token_hash,pk" json:"-"`
	UserID    int64  `bun:"user_id" json:"user_id"`
	// CSRFToken is the session's anti-forgery token, which every form the session posts
	// must carry.
	CSRFToken string    `bun:"csrf_token" json:"-"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`
	ExpiresAt time.Time `bun:"expires_at" json:"expires_at"`
	// LastSeenAt is when the session was last used; a row stored without it counts as last
	// used when it was made.
	LastSeenAt time.Time `bun:"last_seen_at,nullzero" json:"last_seen_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id" json:"-"`
}

// SessionPolicy bounds how long a session lasts.
type SessionPolicy struct {
	// Idle ends a session this long after its last use.
	Idle time.Duration
	// Absolute ends a session this long after sign-in, however busy.
	Absolute time.Duration
}

// DefaultSessionPolicy is a desk's working day: two hours without use sign a person out,
// and nobody stays signed in longer than twelve hours.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{Idle: 2 * time.Hour, Absolute: 12 * time.Hour}
}

// sessionPrefix marks session secrets, as tokenPrefix marks API tokens; the two never
// stand in for each other.
const sessionPrefix = "vrs_"

// lastSeenGranularity bounds how often using a session writes its last-seen time; idle
// expiry is therefore exact to within this.
const lastSeenGranularity = time.Minute

func randomSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// CreateSession signs user in: it stores a new session and returns it with its secret,
// which is not stored and goes to the browser alone. The caller has checked the user's
// password (Authenticate). It returns NotFound for no such user and Unauthorized for a
// disabled one. Sessions that have expired are deleted on the way, so the table holds
// only live ones and those not yet swept.
func (s *Store) CreateSession(ctx context.Context, userID int64, p SessionPolicy) (*Session, string, error) {
	secret, err := randomSecret()
	if err != nil {
		return nil, "", err
	}
	csrf, err := randomSecret()
	if err != nil {
		return nil, "", err
	}
	secret = sessionPrefix + secret
	sess, err := database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Session, error) {
		u, err := s.In(tx).FindUserByID(ctx, userID)
		if err != nil {
			return nil, err
		}
		if u.DisabledAt != nil {
			return nil, fault.New(fault.Unauthorized, "this account is disabled")
		}
		if _, err := tx.NewDelete().Model((*Session)(nil)).
			Where("expires_at <= ? OR last_seen_at <= ?", tx.Now, tx.Now.Add(-p.Idle)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("delete expired sessions: %w", err)
		}
		sess := &Session{
			TokenHash: hashToken(secret), UserID: u.ID, CSRFToken: csrf,
			CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(p.Absolute), LastSeenAt: tx.Now, User: u,
		}
		if _, err := tx.NewInsert().Model(sess).Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert session for user %d: %w", u.ID, err)
		}
		return sess, nil
	})
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// AuthorizeSession returns the session a secret names, with its user as stored now (with
// what a page needs of them, as Authorize returns a token's user). An
// unknown secret, a session past its absolute end or idle for longer than p.Idle, and a
// disabled user are all Unauthorized, with a message that says which, since the person
// holds the cookie anyway. It only reads; TouchSession records the use.
func (s *Store) AuthorizeSession(ctx context.Context, secret string, p SessionPolicy) (*Session, error) {
	if !strings.HasPrefix(secret, sessionPrefix) {
		return nil, fault.New(fault.Unauthorized, "you are not signed in")
	}
	sess := &Session{TokenHash: hashToken(secret)}
	var u liveUser
	var lastSeen sql.NullTime
	dest := append([]any{&sess.UserID, &sess.CSRFToken, &sess.CreatedAt, &sess.ExpiresAt, &lastSeen}, u.dests()...)
	found, err := s.readOne(ctx, "session", authorizeSessionQuery, sess.TokenHash, dest...)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fault.New(fault.Unauthorized, "your session has ended; sign in again")
	}
	sess.User = u.user(sess.UserID)
	now := s.scope.DB().Now()
	// A row made without the column (by hand, or by the first schema's tools) counts as
	// last used when it was made.
	sess.LastSeenAt = sess.CreatedAt
	if lastSeen.Valid && !lastSeen.Time.IsZero() {
		sess.LastSeenAt = lastSeen.Time
	}
	switch {
	case !now.Before(sess.ExpiresAt):
		return nil, fault.New(fault.Unauthorized, "your session has expired; sign in again")
	case now.Sub(sess.LastSeenAt) >= p.Idle:
		return nil, fault.New(fault.Unauthorized, "you were signed out after %s without activity; sign in again", p.Idle)
	case sess.User.DisabledAt != nil:
		return nil, fault.New(fault.Unauthorized, "this account is disabled")
	}
	return sess, nil
}

// authorizeSessionQuery reads a session by its hash with its user, as Authorize reads a token.
const authorizeSessionQuery = `SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, ` + liveUserColumns + `
FROM sessions AS s JOIN users AS u ON u.id = s.user_id
WHERE s.token_hash = `

// TouchDue reports whether TouchSession would write sess's use now, as UseDue does for a
// token.
func (s *Store) TouchDue(sess *Session) bool {
	return s.scope.DB().Now().Sub(sess.LastSeenAt) >= lastSeenGranularity
}

// TouchSession records that sess was just used, at most once a minute, which is what keeps
// it from ending idle. Like a token's last use it is bookkeeping: not audited, and a caller
// may run it in the background and only log its failure.
func (s *Store) TouchSession(ctx context.Context, sess *Session) error {
	if !s.TouchDue(sess) {
		return nil
	}
	return s.scope.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", tx.Now).
			Where("token_hash = ?", sess.TokenHash).Exec(ctx)
		return err
	})
}

// DeleteSession signs a session out; a secret that names no session is not an error, since
// the outcome, no session, is the same.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	return s.scope.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashToken(secret)).Exec(ctx)
		return err
	})
}
