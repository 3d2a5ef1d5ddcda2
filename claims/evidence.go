package claims

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/claims/text"
	"verity/migrations/database"
	"verity/provenance/audit"
)

// Stance is how a piece of evidence bears on a claim.
type Stance string

// The stances.
const (
	StanceSupports Stance = "supports"
	StanceRefutes  Stance = "refutes"
	StanceContext  Stance = "context"
)

// Stances lists every stance.
func Stances() []Stance { return []Stance{StanceSupports, StanceRefutes, StanceContext} }

// Evidence is one item a reviewer attached to a claim. It is never deleted: a withdrawn item
// stays, with who withdrew it, when and why. Its JSON form is the snapshot the audit trail
// records.
type Evidence struct {
	bun.BaseModel `bun:"table:evidence"`

	ID               int64      `bun:"id,pk,autoincrement" json:"id"`
	ClaimID          int64      `bun:"claim_id" json:"claim_id"`
	URL              string     `bun:"url" json:"url"`
	Title            string     `bun:"title" json:"title"`
	Excerpt          string     `bun:"excerpt" json:"excerpt"`
	Stance           Stance     `bun:"stance" json:"stance"`
	SourceID         *int64     `bun:"source_id" json:"source_id"`
	AttachmentSHA256 *string    `bun:"attachment_sha256" json:"attachment_sha256"`
	AttachmentName   string     `bun:"attachment_name" json:"attachment_name"`
	AddedBy          *int64     `bun:"added_by" json:"added_by"`
	CreatedAt        time.Time  `bun:"created_at" json:"created_at"`
	WithdrawnAt      *time.Time `bun:"withdrawn_at" json:"withdrawn_at"`
	WithdrawnBy      *int64     `bun:"withdrawn_by" json:"withdrawn_by"`
	WithdrawalReason string     `bun:"withdrawal_reason" json:"withdrawal_reason"`
}

// Attachment is a file stored once under the SHA-256 of its content.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments"`

	SHA256    string    `bun:"sha256,pk" json:"sha256"`
	Size      int64     `bun:"size" json:"size"`
	MediaType string    `bun:"media_type" json:"media_type"`
	Content   []byte    `bun:"content" json:"-"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`
}

// Upload is a file a reviewer attaches to evidence.
type Upload struct {
	Name      string
	MediaType string
	Content   []byte
	// sha256 is the hex digest of Content, computed before the write transaction so that a
	// large file is not hashed while every other writer waits.
	sha256 string
}

// NewEvidence is what a reviewer gives to attach evidence.
type NewEvidence struct {
	ClaimID  int64
	URL      string
	Title    string
	Excerpt  string
	Stance   Stance
	SourceID *int64
	Upload   *Upload
}

func (n *NewEvidence) normalize() error {
	errs := fault.Fields{}
	text.CleanURL(errs, "url", &n.URL, MaxURL)
	text.Clean(errs, "title", &n.Title, MaxTitle, false)
	text.Clean(errs, "excerpt", &n.Excerpt, MaxLongText, false)
	if !slices.Contains(Stances(), n.Stance) {
		errs.Add("stance", fault.OneOf(Stances()))
	}
	if n.URL == "" && n.Excerpt == "" && n.Upload == nil {
		errs.Add("url", "evidence needs a url, an excerpt or an attachment")
	}
	if n.Upload != nil {
		if len(n.Upload.Content) == 0 {
			errs.Add("attachment", "is empty")
		}
		name := n.Upload.Name
		text.Clean(errs, "attachment", &name, MaxTitle, false)
		n.Upload.Name = name
		raw := sha256.Sum256(n.Upload.Content)
		n.Upload.sha256 = hex.EncodeToString(raw[:])
	}
	return errs.Err()
}

// AddEvidence attaches evidence to an open or in-review claim, storing any upload once under
// its SHA-256. It needs the review right. It returns NotFound for no such claim, Conflict for
// a claim awaiting sign-off or closed, and Invalid for bad fields or an unknown source.
func (s *Store) AddEvidence(ctx context.Context, actor identity.Actor, n NewEvidence) (*Evidence, error) {
	if err := actor.Require(identity.Review, "adding evidence"); err != nil {
		return nil, err
	}
	if err := n.normalize(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Evidence, error) {
		c, err := s.In(tx).FindClaimByID(ctx, n.ClaimID)
		if err != nil {
			return nil, err
		}
		if err := CheckAddEvidence(actor, c); err != nil {
			return nil, err
		}
		if err := s.In(tx).checkEvidenceRoom(ctx, c.ID); err != nil {
			return nil, err
		}
		e := &Evidence{
			ClaimID: n.ClaimID, URL: n.URL, Title: n.Title, Excerpt: n.Excerpt, Stance: n.Stance,
			SourceID: n.SourceID, AddedBy: actor.UserRef(), CreatedAt: tx.Now,
		}
		if n.Upload != nil {
			if err := storeAttachment(ctx, tx, n.Upload); err != nil {
				return nil, err
			}
			e.AttachmentSHA256 = &n.Upload.sha256
			e.AttachmentName = n.Upload.Name
		}
		if err := tx.InsertPrepared(ctx, e); err != nil {
			// The claim was read above, so a reference that does not hold is the source: the
			// foreign key checks it, and sources stay provenance's to read.
			if n.SourceID != nil && fault.Is(database.Translate(err), fault.Invalid) {
				return nil, fault.Field("source_id", fmt.Sprintf("source %d does not exist", *n.SourceID))
			}
			return nil, fmt.Errorf("insert evidence on claim %d: %w", n.ClaimID, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "evidence.add", EntityType: "evidence", EntityID: fmt.Sprint(e.ID),
			After: e,
		}); err != nil {
			return nil, err
		}
		return e, nil
	})
}

// storeAttachment stores an upload under its hash unless it is already there.
func storeAttachment(ctx context.Context, tx *database.Tx, u *Upload) error {
	mediaType := u.MediaType
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	_, err := tx.NewInsert().Model(&Attachment{
		SHA256: u.sha256, Size: int64(len(u.Content)), MediaType: mediaType, Content: u.Content, CreatedAt: tx.Now,
	}).On("CONFLICT (sha256) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store attachment %s: %w", u.sha256, err)
	}
	return nil
}

// WithdrawEvidence marks evidence withdrawn with a reason; the row stays. The reviewer who
// added it, or anyone with the edit right, may withdraw it. It returns NotFound, Forbidden,
// Invalid for a missing reason, and Conflict when it is already withdrawn or its claim is
// awaiting sign-off or closed.
func (s *Store) WithdrawEvidence(ctx context.Context, actor identity.Actor, id int64, reason string) (*Evidence, error) {
	if err := actor.Require(identity.Review, "withdrawing evidence"); err != nil {
		return nil, err
	}
	errs := fault.Fields{}
	text.Clean(errs, "reason", &reason, MaxLongText, false)
	if reason == "" {
		errs.Add("reason", "is required to withdraw evidence")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return database.WriteValue(ctx, s.scope, func(ctx context.Context, tx *database.Tx) (*Evidence, error) {
		in := s.In(tx)
		old, err := in.FindEvidenceByID(ctx, id)
		if err != nil {
			return nil, err
		}
		c, err := in.FindClaimByID(ctx, old.ClaimID)
		if err != nil {
			return nil, err
		}
		if err := CheckWithdraw(actor, old, c); err != nil {
			return nil, err
		}
		next := *old
		now := tx.Now
		next.WithdrawnAt, next.WithdrawnBy, next.WithdrawalReason = &now, actor.UserRef(), reason
		if _, err := tx.NewUpdate().Model(&next).Column("withdrawn_at", "withdrawn_by", "withdrawal_reason").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("withdraw evidence %d: %w", id, err)
		}
		if _, err := audit.Append(ctx, tx, audit.Record{
			Actor: actor.Audit(), Action: "evidence.withdraw", EntityType: "evidence", EntityID: fmt.Sprint(id),
			Before: old, After: &next,
		}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// MaxEvidencePerClaim bounds the evidence items of one claim, withdrawn ones included (they
// are never deleted), so that a claim's detail, its provenance and its exports stay bounded
// whatever is added to it.
const MaxEvidencePerClaim = 200

func (s *Store) checkEvidenceRoom(ctx context.Context, claimID int64) error {
	n, err := s.countEvidence(ctx, claimID, false)
	if err != nil {
		return fmt.Errorf("count the evidence of claim %d: %w", claimID, err)
	}
	if n >= MaxEvidencePerClaim {
		return fault.New(fault.Conflict, "claim %d holds %d evidence items, the most one claim may hold", claimID, n)
	}
	return nil
}

// countEvidence counts a claim's evidence items, or only those not withdrawn, in a statement
// prepared on the writer: adding evidence and proposing a verdict count them while every
// other writer waits.
func (s *Store) countEvidence(ctx context.Context, claimID int64, standing bool) (int64, error) {
	query := "SELECT count(*) FROM evidence WHERE claim_id = " + s.scope.DB().Dialect().Param(1)
	if standing {
		query += " AND withdrawn_at IS NULL"
	}
	rows, err := s.scope.QueryPrepared(ctx, query, claimID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// CheckAddEvidence returns Forbidden unless actor may add evidence, and Conflict when c's
// evidence is frozen. AddEvidence applies it; pages ask it before they offer the form.
func CheckAddEvidence(actor identity.Actor, c *Claim) error {
	if err := actor.Require(identity.Review, "adding evidence"); err != nil {
		return err
	}
	return c.CheckUnfrozen("add evidence")
}

// CheckWithdraw returns Forbidden unless actor may withdraw e, an item of claim c (the
// reviewer who added it, or an editor), and Conflict when e is already withdrawn or c's
// evidence is frozen. WithdrawEvidence applies it; pages ask it before they offer the form.
func CheckWithdraw(actor identity.Actor, e *Evidence, c *Claim) error {
	if err := actor.Require(identity.Review, "withdrawing evidence"); err != nil {
		return err
	}
	addedBySelf := e.AddedBy != nil && *e.AddedBy == actor.UserID
	if !addedBySelf && !actor.Role.Can(identity.Edit) {
		return fault.New(fault.Forbidden, "only the reviewer who added evidence, or an editor, may withdraw it")
	}
	if e.WithdrawnAt != nil {
		return fault.New(fault.Conflict, "evidence %d was already withdrawn", e.ID)
	}
	return c.CheckUnfrozen("withdraw evidence")
}

// FindEvidence lists a claim's evidence, withdrawn items included, in id order (oldest
// first), after afterID and at most limit of them; more reports whether another page
// follows. It returns NotFound for a missing claim and Invalid for a limit that is not
// positive.
func (s *Store) FindEvidence(ctx context.Context, claimID, afterID int64, limit int) (list []*Evidence, more bool, err error) {
	if limit <= 0 {
		return nil, false, fault.Field("limit", "must be positive")
	}
	list = []*Evidence{}
	err = s.scope.Read().NewSelect().Model(&list).Where("claim_id = ? AND id > ?", claimID, afterID).
		Order("id ASC").Limit(int64(limit + 1)).Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("list evidence of claim %d: %w", claimID, database.Translate(err))
	}
	if len(list) == 0 {
		return list, false, s.checkClaim(ctx, claimID)
	}
	list, more = database.Trim(list, limit)
	return list, more, nil
}

// ClaimEvidence returns every evidence item of a claim, withdrawn ones included, oldest
// first: for the views that show a claim whole (its detail, its provenance graph). A claim
// without evidence, or a missing one, gets an empty list.
func (s *Store) ClaimEvidence(ctx context.Context, claimID int64) ([]*Evidence, error) {
	list := []*Evidence{}
	q := s.scope.Select(&list).Where("claim_id = ?", s.scope.Param(1)).Order("id ASC")
	err := s.scope.ScanPrepared(ctx, q, &list, claimID) // prepared: part of the claim detail
	return list, database.Translate(err)
}

// FindEvidenceByID returns one evidence item, or NotFound.
func (s *Store) FindEvidenceByID(ctx context.Context, id int64) (*Evidence, error) {
	e := new(Evidence)
	if err := s.scope.Read().NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "evidence %d", id)
	}
	return e, nil
}

// FindAttachment returns a stored file after checking that its content still hashes to its
// name: NotFound when there is none, Internal when the stored bytes were altered.
func (s *Store) FindAttachment(ctx context.Context, sum string) (*Attachment, error) {
	a := new(Attachment)
	if err := s.scope.Read().NewSelect().Model(a).Where("sha256 = ?", strings.ToLower(sum)).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "attachment %s", sum)
	}
	raw := sha256.Sum256(a.Content)
	if !bytes.Equal([]byte(hex.EncodeToString(raw[:])), []byte(a.SHA256)) {
		return nil, fault.New(fault.Internal, "attachment %s does not match its hash", a.SHA256)
	}
	return a, nil
}
