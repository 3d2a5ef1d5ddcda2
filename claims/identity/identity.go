// Package identity owns who acts in Verity: roles and the rights each has (the one table
// of them), the Actor that every domain call takes, users and their credentials (passwords
// hashed with argon2id), and API tokens that are random, shown once, stored only as a hash,
// revocable, and stamped with when they were last used. It turns a presented credential
// into an Actor.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/argon2"

	"verity/claims/fault"
	"verity/claims/text"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// User is a person who uses Verity, with one role. Its JSON form is the snapshot the audit
// trail records: never the password hash.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64      `bun:"id,pk,autoincrement" json:"id"`
	Email        string     `bun:"email" json:"email"`
	Name         string     `bun:"name" json:"name"`
	Role         Role       `bun:"role" json:"role"`
	PasswordHash string     `bun:"password_hash" json:"-"`
	CreatedAt    time.Time  `bun:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updated_at"`
	DisabledAt   *time.Time `bun:"disabled_at" json:"disabled_at"`
}

// Actor is the user as the domain sees them.
func (u *User) Actor() Actor { return Actor{UserID: u.ID, Role: u.Role} }

// active reports whether the user may sign in at all.
func (u *User) active() bool { return u != nil && u.DisabledAt == nil }

// ActorVia is the user acting through token t. Whoever made the token saw its secret, so
// the maker is recorded on the actor: another admin, whom the workflow then holds to the
// four-eyes rule too, or the command-line operator, whom the audit trail names.
func (u *User) ActorVia(t *Token) Actor {
	a := u.Actor()
	if t.CreatedBy != nil && *t.CreatedBy != u.ID {
		a.TokenFrom = *t.CreatedBy
	}
	if t.CreatedByCLI != nil {
		a.TokenFromCLI = *t.CreatedByCLI
	}
	return a
}

// Token is an API token. Only the SHA-256 of its secret is stored.
type Token struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID        int64  `bun:"id,pk,autoincrement" json:"id"`
	UserID    int64  `bun:"user_id" json:"user_id"`
	Name      string `bun:"name" json:"name"`
	TokenHash string `bun:"token_hash" json:"-"`
	// CreatedBy is the admin who made the token, or nil when the command line (or Verity
	// itself) made it. The token works only while that admin is active and may still make
	// tokens.
	CreatedBy *int64 `bun:"created_by" json:"created_by"`
	// CreatedByCLI is the operator (user@host) who made the token at the command line, or
	// who held the command-line token the making admin acted through; nil otherwise.
	CreatedByCLI *string    `bun:"created_by_cli" json:"created_by_cli"`
	CreatedAt    time.Time  `bun:"created_at" json:"created_at"`
	LastUsedAt   *time.Time `bun:"last_used_at" json:"last_used_at"`
	RevokedAt    *time.Time `bun:"revoked_at" json:"revoked_at"`
	// User is the token's user and Maker the user in CreatedBy, loaded with the token by
	// Authorize.
	User  *User `bun:"rel:belongs-to,join:user_id=id" json:"-"`
	Maker *User `bun:"rel:belongs-to,join:created_by=id" json:"-"`
}

// Store reads and writes users and tokens.
type Store struct {
	scope database.Scope
}

// NewStore returns a Store over db.
func NewStore(db *database.DB) *Store { return &Store{scope: db.Scope()} }

// In returns the store bound to tx: its writes join tx and its reads see what tx wrote.
func (s *Store) In(tx *database.Tx) *Store { return &Store{scope: s.scope.In(tx)} }

// NewUser is what an admin gives to create a user.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// MaxName bounds a user's or a token's name, in characters.
const MaxName = 200

// MaxEmail bounds an email address, in characters (RFC 5321's limit on a path).
const MaxEmail = 320

func normalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if text.Len(email) > MaxEmail {
		return "", fault.Field("email", fmt.Sprintf("must be at most %d characters", MaxEmail))
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", fault.Field("email", "must be an email address such as editor@example.org")
	}
	return email, nil
}

// CreateUser adds a user. It needs the administer right and returns Invalid for bad fields,
// a short password or an email already in use.
func (s *Store) CreateUser(ctx context.Context, actor Actor, n NewUser) (*User, error) {
	if err := actor.Require(Administer, "adding a user"); err != nil {
		return nil, err
	}
	errs := fault.Fields{}
	email, err := normalizeEmail(n.Email)
	if err != nil {
		errs.Add("email", fault.As(err).Fields["email"])
	}
	name := n.Name
	text.Clean(errs, "name", &name, MaxName, true)
	if !n.Role.Valid() {
		errs.Add("role", fault.OneOf(Roles()))
	}
	checkPassword(errs, n.Password)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*User, error) {
		u := &User{Email: email, Name: name, Role: n.Role, PasswordHash: hash, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if fault.Is(database.Translate(err), fault.Conflict) {
				return nil, fault.Field("email", "is already used by another user")
			}
			return nil, fmt.Errorf("insert user: %w", err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "user.create", EntityType: "user", EntityID: fmt.Sprint(u.ID), After: u,
		}); err != nil {
			return nil, err
		}
		return u, nil
	})
}

// MaxPasswordLength bounds a password, in characters; argon2 hashes any length, but nobody
// types more.
const MaxPasswordLength = 1000

func checkPassword(errs fault.Fields, password string) {
	switch n := text.Len(password); {
	case n < MinPasswordLength:
		errs.Add("password", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	case n > MaxPasswordLength:
		errs.Add("password", fmt.Sprintf("must be at most %d characters", MaxPasswordLength))
	}
}

// FindUserByID returns a user, or NotFound.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	// Prepared: taking a claim into review checks its assignee while the writer waits.
	q := s.scope.Read().NewSelect().Model(u).Where("id = ?", bun.Safe("$1"))
	if err := s.scope.ScanPrepared(ctx, q, u, id); err != nil {
		return nil, database.NotFound(err, "user %d", id)
	}
	return u, nil
}

// FindUserByEmail returns a user, or NotFound.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	if err := s.scope.Read().NewSelect().Model(u).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "user %q", email)
	}
	return u, nil
}

// UserFilter selects users in id order.
type UserFilter struct {
	Role    Role
	AfterID int64
	Limit   int
}

// FindUsers lists users; more reports whether another page follows.
func (s *Store) FindUsers(ctx context.Context, f UserFilter) ([]*User, bool, error) {
	if f.Limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	if f.Role != "" && !f.Role.Valid() {
		return nil, false, fault.Field("role", fault.OneOf(Roles()))
	}
	var users []*User
	q := s.scope.Read().NewSelect().Model(&users).Order("id ASC").Limit(int64(f.Limit + 1))
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("list users: %w", database.Translate(err))
	}
	users, more := database.Trim(users, f.Limit)
	return users, more, nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	n, err := s.scope.Read().NewSelect().Model((*User)(nil)).Count(ctx)
	return n, database.Translate(err)
}

// UserUpdate holds the changes an admin makes to a user; nil fields stay.
type UserUpdate struct {
	Name     *string
	Role     *Role
	Disabled *bool
	Password *string
}

// UpdateUser changes a user's name, role, password or disabled state. It needs the
// administer right. It returns NotFound, Invalid, and Conflict for a change that would
// leave no active admin (demoting or disabling the last one).
//
// Access ends with its owner's access, and nothing revives it: disabling a user revokes
// every live token of theirs and every token they made for others, and ends their web
// sessions; taking the administer right from a user revokes the tokens they made for
// others (they saw those secrets). Each revocation is audited as token.revoke with its
// reason. Enabling a user again brings back none of it: they need new tokens. (Enabling
// also revokes what an older Verity left live through the disabled time.)
func (s *Store) UpdateUser(ctx context.Context, actor Actor, id int64, u UserUpdate) (*User, error) {
	if err := actor.Require(Administer, "changing a user"); err != nil {
		return nil, err
	}
	if u.Name == nil && u.Role == nil && u.Disabled == nil && u.Password == nil {
		return nil, fault.New(fault.Invalid, "nothing to change: give name, role, disabled or password")
	}
	errs := fault.Fields{}
	if u.Role != nil && !u.Role.Valid() {
		errs.Add("role", fault.OneOf(Roles()))
	}
	var name string
	if u.Name != nil {
		name = *u.Name
		text.Clean(errs, "name", &name, MaxName, true)
	}
	if u.Password != nil {
		checkPassword(errs, *u.Password)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var hash string
	if u.Password != nil {
		var err error
		if hash, err = HashPassword(*u.Password); err != nil {
			return nil, err
		}
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*User, error) {
		old, err := s.In(tx).FindUserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		next := *old
		if u.Name != nil {
			next.Name = name
		}
		if u.Role != nil {
			next.Role = *u.Role
		}
		if u.Disabled != nil {
			if *u.Disabled && old.DisabledAt == nil {
				now := tx.Now
				next.DisabledAt = &now
			} else if !*u.Disabled {
				next.DisabledAt = nil
			}
		}
		if hash != "" {
			next.PasswordHash = hash
		}
		// A PATCH that changes nothing writes nothing, as for claims and sources; a new
		// password always changes something (its hash is salted afresh).
		if hash == "" && next.Name == old.Name && next.Role == old.Role && (next.DisabledAt == nil) == (old.DisabledAt == nil) {
			return old, nil
		}
		next.UpdatedAt = tx.Now
		// Inside the write transaction, which database.Write serialises, so that two admins
		// demoting each other cannot both succeed.
		if err := keepAnAdmin(ctx, tx, old, &next); err != nil {
			return nil, err
		}
		if _, err := tx.NewUpdate().Model(&next).WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("update user %d: %w", id, err)
		}
		after := any(&next)
		if hash != "" {
			// The hash never enters the trail; that it changed does.
			after = struct {
				*User
				PasswordChanged bool `json:"password_changed"`
			}{&next, true}
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "user.update", EntityType: "user", EntityID: fmt.Sprint(id),
			Before: old, After: after,
		}); err != nil {
			return nil, err
		}
		if err := cutAccess(ctx, tx, actor, old, &next); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// canAdminister reports whether the user is active and may manage users and tokens.
func (u *User) canAdminister() bool { return u.active() && u.Role.Can(Administer) }

// keepAnAdmin refuses a change that takes the last active administrator away: nobody could
// then manage users or tokens, except at the command line.
func keepAnAdmin(ctx context.Context, tx *database.Tx, old, next *User) error {
	if !old.canAdminister() || next.canAdminister() {
		return nil
	}
	others, err := tx.NewSelect().Model((*User)(nil)).
		Where("role IN (?)", bun.In(RolesWith(Administer))).
		Where("disabled_at IS NULL").
		Where("id <> ?", old.ID).
		Count(ctx)
	if err != nil {
		return fmt.Errorf("count admins: %w", database.Translate(err))
	}
	if others == 0 {
		return fault.New(fault.Conflict, "user %d is the last active admin; make another user admin first, or nobody could manage users and tokens", old.ID)
	}
	return nil
}

// cutAccess revokes what a user's change of role or state takes away, inside the change's
// transaction: see UpdateUser.
func cutAccess(ctx context.Context, tx *database.Tx, actor Actor, old, next *User) error {
	disabled := old.DisabledAt == nil && next.DisabledAt != nil
	enabled := old.DisabledAt != nil && next.DisabledAt == nil
	lostAdminister := old.Role.Can(Administer) && !next.Role.Can(Administer)
	var live []*Token
	q := tx.NewSelect().Model(&live).Where("revoked_at IS NULL").Order("id ASC")
	var reason string
	switch {
	case disabled || enabled:
		q = q.Where("(user_id = ? OR created_by = ?)", next.ID, next.ID)
		reason = fmt.Sprintf("user %d was disabled", next.ID)
		if enabled {
			reason = fmt.Sprintf("user %d was enabled again; tokens from before they were disabled stay dead", next.ID)
		}
		// Web sessions are bookkeeping like a token's last use: they end, unaudited.
		if _, err := tx.NewDelete().Table("sessions").Where("user_id = ?", next.ID).Exec(ctx); err != nil {
			return fmt.Errorf("end the sessions of user %d: %w", next.ID, err)
		}
	case lostAdminister:
		q = q.Where("created_by = ? AND user_id <> ?", next.ID, next.ID)
		reason = fmt.Sprintf("user %d, who made it, lost the administer right", next.ID)
	default:
		return nil
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("find the tokens of user %d: %w", next.ID, err)
	}
	for _, t := range live {
		if _, err := revoke(ctx, tx, actor, t, reason); err != nil {
			return err
		}
	}
	return nil
}

// Authenticate checks an email and password. Every failure is the same Unauthorized error,
// so that a caller cannot tell a wrong password from an unknown email.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	denied := fault.New(fault.Unauthorized, "wrong email or password")
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			// Spend the same work as a real check so timing does not reveal the email.
			CheckPassword("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
			return nil, denied
		}
		return nil, err
	}
	if !CheckPassword(u.PasswordHash, password) || u.DisabledAt != nil {
		return nil, denied
	}
	return u, nil
}

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword (with any
// parameters, so that they can be raised later).
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err := errors.Join(err1, err2); err != nil || len(want) == 0 {
		return false
	}
	// The parameters come from the stored hash: bound them, so that a corrupted or hostile
	// row cannot make argon2 panic (zero passes or lanes) or allocate without limit.
	if passes < 1 || passes > 10 || threads < 1 || threads > 16 || memory < 8*uint32(threads) || memory > 1<<18 ||
		len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// tokenPrefix marks Verity tokens so that secret scanners and people can recognise them.
const tokenPrefix = "vrt_"

// hashToken returns the stored form of a token. Tokens carry 256 random bits, so a fast hash
// is enough: there is nothing to brute-force.
func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token for a user and returns it with its secret, which is not
// stored and cannot be shown again. It needs the administer right, exercised through a
// token of the admin's own (or one the command line made them): through a token another
// admin made, the new token could name only one of the two people who may be behind it,
// and four eyes need both, so that is Forbidden. It returns NotFound for no such user and
// Conflict for a disabled one.
//
// The token records its maker: the admin (CreatedBy) and the command-line operator
// (CreatedByCLI) when there is one, each of whom saw the secret.
func (s *Store) CreateToken(ctx context.Context, actor Actor, userID int64, name string) (*Token, string, error) {
	if err := actor.Require(Administer, "making a token"); err != nil {
		return nil, "", err
	}
	if actor.TokenFrom != 0 {
		return nil, "", fault.New(fault.Forbidden, "making a token through a token user %d made for you is refused: use a token of your own", actor.TokenFrom)
	}
	errs := fault.Fields{}
	text.Clean(errs, "name", &name, MaxName, false)
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := &Token{UserID: userID, Name: name, TokenHash: hashToken(secret), CreatedBy: actor.UserRef()}
	switch {
	case actor.CLI != "":
		t.CreatedByCLI = &actor.CLI
	case actor.TokenFromCLI != "":
		t.CreatedByCLI = &actor.TokenFromCLI
	}
	t, err := database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Token, error) {
		u, err := s.In(tx).FindUserByID(ctx, userID)
		if err != nil {
			return nil, err
		}
		if u.DisabledAt != nil {
			return nil, fault.New(fault.Conflict, "user %d is disabled; enable them before making a token", userID)
		}
		t.CreatedAt = tx.Now
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert token for user %d: %w", userID, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "token.create", EntityType: "token", EntityID: fmt.Sprint(t.ID), After: t,
		}); err != nil {
			return nil, err
		}
		return t, nil
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// FindTokens lists a user's tokens, revoked ones included, in id order, after afterID and
// at most limit of them; more reports whether another page follows. It returns NotFound for
// a missing user and Invalid for a limit that is not positive.
func (s *Store) FindTokens(ctx context.Context, userID, afterID int64, limit int) (list []*Token, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	list = []*Token{}
	err = s.scope.Read().NewSelect().Model(&list).Where("user_id = ? AND id > ?", userID, afterID).
		Order("id ASC").Limit(int64(limit + 1)).Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list tokens of user %d: %w", userID, database.Translate(err))
	}
	if len(list) == 0 {
		if _, err := s.FindUserByID(ctx, userID); err != nil {
			return nil, false, err
		}
		return list, false, nil
	}
	list, more = database.Trim(list, limit)
	return list, more, nil
}

// RevokeToken stops a token from working. It needs the administer right. It returns
// NotFound (also when the token belongs to another user than userID) and Conflict when it is
// already revoked.
func (s *Store) RevokeToken(ctx context.Context, actor Actor, userID, tokenID int64) (*Token, error) {
	if err := actor.Require(Administer, "revoking a token"); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Token, error) {
		old := new(Token)
		if err := tx.NewSelect().Model(old).Where("id = ? AND user_id = ?", tokenID, userID).Scan(ctx); err != nil {
			return nil, database.NotFound(err, "token %d of user %d", tokenID, userID)
		}
		if old.RevokedAt != nil {
			return nil, fault.New(fault.Conflict, "token %d is already revoked", tokenID)
		}
		return revoke(ctx, tx, actor, old, "")
	})
}

// revoke marks a live token revoked inside tx and audits it; reason, when given, says why
// Verity revoked it on its own (the revocation follows from a change to a user) and is
// recorded with the event.
func revoke(ctx context.Context, tx *database.Tx, actor Actor, old *Token, reason string) (*Token, error) {
	next := *old
	now := tx.Now
	next.RevokedAt = &now
	if _, err := tx.NewUpdate().Model(&next).Column("revoked_at").WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("revoke token %d: %w", old.ID, err)
	}
	after := any(&next)
	if reason != "" {
		after = struct {
			*Token
			Reason string `json:"reason"`
		}{&next, reason}
	}
	if _, err := audit.Append(ctx, tx, audit.Record{
		Actor: actor.Audit(), Action: "token.revoke", EntityType: "token", EntityID: fmt.Sprint(old.ID),
		Before: old, After: after,
	}); err != nil {
		return nil, err
	}
	return &next, nil
}

// lastUsedGranularity bounds how often using a token writes its last-used time, so that
// reads do not each cost a write.
const lastUsedGranularity = time.Minute

// Authorize returns the user a token belongs to, and the token. Unknown and revoked tokens,
// disabled users' tokens, and tokens whose maker (another admin) is disabled or may no
// longer make tokens are Unauthorized: a token's access ends when its owner's or its
// maker's does. It only reads; MarkUsed records the use. The user and the token come with
// what a request needs (ids, names, the role, the makers, the last use), not with their
// creation times or the password hash, and RevokedAt and DisabledAt are nil since they are
// live.
//
// It reads the database on every call, so that a revocation or a change to the user or the
// maker, made by this process or another (the command line, another server), holds from the
// very next request. That one read is made cheap instead of cached: a statement prepared
// once per connection, scanned by hand (bun built the query text and scanned by reflection),
// with one time to parse (each costs about 0.5 µs on SQLite). A cache checked against a
// generation counter would still pay one prepared read per request, and that floor,
// measured by BenchmarkAuthorize, is most of what this read costs.
func (s *Store) Authorize(ctx context.Context, secret string) (*User, *Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, nil, errTokenDenied()
	}
	t, err := s.findToken(ctx, hashToken(secret))
	if err != nil {
		return nil, nil, err
	}
	if t == nil || t.RevokedAt != nil || !t.User.active() {
		return nil, nil, errTokenDenied()
	}
	// The maker saw the secret; a token of their making works only while they could still
	// make it. A token an admin made for themselves answers to their own role alone.
	if t.CreatedBy != nil && *t.CreatedBy != t.UserID && !t.Maker.canAdminister() {
		return nil, nil, errTokenDenied()
	}
	return t.User, t, nil
}

// errTokenDenied is Authorize's one refusal, whatever the reason, so that a caller learns
// nothing about other people's tokens.
func errTokenDenied() error { return fault.New(fault.Unauthorized, "the token is not valid") }

// authorizeQuery reads a token by its hash with its user and its maker's role and state;
// $1 is written for the dialect (Dialect.Param). Revocation and disabling are read as flags:
// their times would only be parsed to be thrown away.
const authorizeQuery = `SELECT t.id, t.user_id, t.name, t.created_by, t.created_by_cli, t.last_used_at, t.revoked_at IS NOT NULL,
	` + liveUserColumns + `, m.role, m.disabled_at IS NOT NULL
FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id LEFT JOIN users AS m ON m.id = t.created_by
WHERE t.token_hash = `

// findToken runs authorizeQuery: the token with its user and its maker (Maker is nil when the
// command line made it) with only the role and state Authorize checks; a revoked token or a
// disabled user or maker has RevokedAt or DisabledAt set to the zero time. It returns a nil
// token for no such token.
func (s *Store) findToken(ctx context.Context, hash string) (*Token, error) {
	t := new(Token)
	var u liveUser
	var createdBy sql.NullInt64
	var createdByCLI, makerRole sql.NullString
	var lastUsed sql.NullTime
	var revoked bool
	var makerDisabled sql.NullBool
	dest := append([]any{&t.ID, &t.UserID, &t.Name, &createdBy, &createdByCLI, &lastUsed, &revoked}, u.dests()...)
	found, err := s.readOne(ctx, "token", authorizeQuery, hash, append(dest, &makerRole, &makerDisabled)...)
	if err != nil || !found {
		return nil, err
	}
	t.User = u.user(t.UserID)
	t.CreatedBy = nullable(createdBy.Int64, createdBy.Valid)
	t.CreatedByCLI = nullable(createdByCLI.String, createdByCLI.Valid)
	t.LastUsedAt = nullable(lastUsed.Time, lastUsed.Valid)
	t.RevokedAt = nullable(time.Time{}, revoked)
	if makerRole.Valid {
		t.Maker = &User{ID: createdBy.Int64, Role: Role(makerRole.String), DisabledAt: nullable(time.Time{}, makerDisabled.Bool)}
	}
	return t, nil
}

// UseDue reports whether MarkUsed would write t's use now, so that a caller that runs it in
// the background starts nothing on the many requests within the minute.
func (s *Store) UseDue(t *Token) bool {
	return t.LastUsedAt == nil || s.scope.DB().Now().Sub(*t.LastUsedAt) >= lastUsedGranularity
}

// MarkUsed records that t was just used, at most once per minute per token. It is
// bookkeeping, not a change anyone made, so it is not audited; callers may treat its failure
// as a warning rather than refuse the request.
func (s *Store) MarkUsed(ctx context.Context, t *Token) error {
	if !s.UseDue(t) {
		return nil
	}
	return s.scope.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		_, err := tx.NewUpdate().Model((*Token)(nil)).Set("last_used_at = ?", tx.Now).Where("id = ?", t.ID).Exec(ctx)
		return err
	})
}
