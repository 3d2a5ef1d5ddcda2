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
// stays, with who withdrew it, when and why.
type Evidence struct {
	bun.BaseModel `bun:"table:evidence"`

	ID               int64      `bun:"id,pk,autoincrement"`
	ClaimID          int64      `bun:"claim_id"`
	URL              string     `bun:"url"`
	Title            string     `bun:"title"`
	Excerpt          string     `bun:"excerpt"`
	Stance           Stance     `bun:"stance"`
	SourceID         *int64     `bun:"source_id"`
	AttachmentSHA256 *string    `bun:"attachment_sha256"`
	AttachmentName   string     `bun:"attachment_name"`
	AddedBy          *int64     `bun:"added_by"`
	CreatedAt        time.Time  `bun:"created_at"`
	WithdrawnAt      *time.Time `bun:"withdrawn_at"`
	WithdrawnBy      *int64     `bun:"withdrawn_by"`
	WithdrawalReason string     `bun:"withdrawal_reason"`
}

// Attachment is a file stored once under the SHA-256 of its content.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments"`

	SHA256    string    `bun:"sha256,pk"`
	Size      int64     `bun:"size"`
	MediaType string    `bun:"media_type"`
	Content   []byte    `bun:"content"`
	CreatedAt time.Time `bun:"created_at"`
}

// Upload is a file a reviewer attaches to evidence.
type Upload struct {
	Name      string
	MediaType string
	Content   []byte
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

// Limits on evidence text.
const (
	maxEvidenceText = 20000
	maxURL          = 2000
)

func (n *NewEvidence) normalize() error {
	errs := fault.Fields{}
	for name, v := range map[string]*string{"url": &n.URL, "title": &n.Title, "excerpt": &n.Excerpt} {
		t, err := NormalizeText(name, *v)
		if err != nil {
			return err
		}
		*v = strings.TrimSpace(t)
	}
	if len(n.URL) > maxURL {
		errs.Add("url", fmt.Sprintf("must be at most %d bytes", maxURL))
	}
	if len(n.Title) > maxShortText*5 {
		errs.Add("title", fmt.Sprintf("must be at most %d bytes", maxShortText*5))
	}
	if len(n.Excerpt) > maxEvidenceText {
		errs.Add("excerpt", fmt.Sprintf("must be at most %d bytes", maxEvidenceText))
	}
	if !slices.Contains(Stances(), n.Stance) {
		errs.Add("stance", fault.OneOf(Stances()))
	}
	if n.URL == "" && n.Excerpt == "" && n.Upload == nil {
		errs.Add("url", "evidence needs a url, an excerpt or an attachment")
	}
	if n.Upload != nil && len(n.Upload.Content) == 0 {
		errs.Add("attachment", "is empty")
	}
	return errs.Err()
}

// AddEvidence attaches evidence to an open or in-review claim, storing any upload once under
// its SHA-256. Reviewers and above may call it (the HTTP layer enforces roles). It returns NotFound for no such claim,
// Conflict for a claim awaiting sign-off or closed, and Invalid for bad fields or an unknown
// source.
func (s *Store) AddEvidence(ctx context.Context, actor Actor, n NewEvidence) (*Evidence, error) {
	if err := n.normalize(); err != nil {
		return nil, err
	}
	var e *Evidence
	err := s.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		c, err := findClaim(ctx, tx, n.ClaimID)
		if err != nil {
			return err
		}
		if c.Stage == StageAwaitingSignoff || c.Stage == StageClosed {
			return fault.New(fault.Conflict, "claim %d is %s; evidence can change only while it is open or in review", c.ID, c.Stage)
		}
		if n.SourceID != nil {
			exists, err := tx.NewSelect().Table("sources").Where("id = ?", *n.SourceID).Exists(ctx)
			if err != nil {
				return err
			}
			if !exists {
				return fault.Field("source_id", fmt.Sprintf("source %d does not exist", *n.SourceID))
			}
		}
		e = &Evidence{
			ClaimID: n.ClaimID, URL: n.URL, Title: n.Title, Excerpt: n.Excerpt, Stance: n.Stance,
			SourceID: n.SourceID, AddedBy: actor.UserRef(), CreatedAt: tx.Now,
		}
		if n.Upload != nil {
			sum, err := storeAttachment(ctx, tx, n.Upload)
			if err != nil {
				return err
			}
			e.AttachmentSHA256 = &sum
			e.AttachmentName = n.Upload.Name
		}
		if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "evidence.add", EntityType: "evidence", EntityID: fmt.Sprint(e.ID),
			After: evidenceAudit(e),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// storeAttachment stores content under its hash unless it is already there.
func storeAttachment(ctx context.Context, tx *database.Tx, u *Upload) (string, error) {
	raw := sha256.Sum256(u.Content)
	sum := hex.EncodeToString(raw[:])
	mediaType := u.MediaType
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	_, err := tx.NewInsert().Model(&Attachment{
		SHA256: sum, Size: int64(len(u.Content)), MediaType: mediaType, Content: u.Content, CreatedAt: tx.Now,
	}).On("CONFLICT (sha256) DO NOTHING").Exec(ctx)
	return sum, err
}

func evidenceAudit(e *Evidence) map[string]any {
	return map[string]any{
		"id": e.ID, "claim_id": e.ClaimID, "url": e.URL, "title": e.Title, "excerpt": e.Excerpt, "stance": e.Stance,
		"source_id": e.SourceID, "attachment_sha256": e.AttachmentSHA256, "attachment_name": e.AttachmentName,
		"withdrawn_at": e.WithdrawnAt, "withdrawn_by": e.WithdrawnBy, "withdrawal_reason": e.WithdrawalReason,
	}
}

// WithdrawEvidence marks evidence withdrawn with a reason; the row stays. The reviewer who
// added it or an editor may withdraw it. It returns NotFound, Forbidden, Invalid for a missing
// reason, and Conflict when it is already withdrawn or its claim is awaiting sign-off or closed.
func (s *Store) WithdrawEvidence(ctx context.Context, actor Actor, id int64, reason string) (*Evidence, error) {
	reason, err := NormalizeText("reason", strings.TrimSpace(reason))
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, fault.Field("reason", "is required to withdraw evidence")
	}
	if len(reason) > maxEvidenceText {
		return nil, fault.Field("reason", fmt.Sprintf("must be at most %d bytes", maxEvidenceText))
	}
	var e *Evidence
	err = s.db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		old := new(Evidence)
		if err := tx.NewSelect().Model(old).Where("id = ?", id).Scan(ctx); err != nil {
			return database.NotFound(err, "evidence %d", id)
		}
		addedBySelf := old.AddedBy != nil && *old.AddedBy == actor.UserID
		if !addedBySelf && !actor.Role.AtLeast(RoleEditor) {
			return fault.New(fault.Forbidden, "only the reviewer who added evidence or an editor may withdraw it")
		}
		if old.WithdrawnAt != nil {
			return fault.New(fault.Conflict, "evidence %d was already withdrawn", id)
		}
		c, err := findClaim(ctx, tx, old.ClaimID)
		if err != nil {
			return err
		}
		if c.Stage == StageAwaitingSignoff || c.Stage == StageClosed {
			return fault.New(fault.Conflict, "claim %d is %s; evidence can change only while it is open or in review", c.ID, c.Stage)
		}
		next := *old
		now := tx.Now
		next.WithdrawnAt, next.WithdrawnBy, next.WithdrawalReason = &now, actor.UserRef(), reason
		if _, err := tx.NewUpdate().Model(&next).Column("withdrawn_at", "withdrawn_by", "withdrawal_reason").WherePK().Exec(ctx); err != nil {
			return err
		}
		e = &next
		_, err = audit.Append(ctx, tx, audit.Record{
			Actor: actor.AuditName(), Action: "evidence.withdraw", EntityType: "evidence", EntityID: fmt.Sprint(id),
			Before: evidenceAudit(old), After: evidenceAudit(e),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// FindEvidence lists a claim's evidence, withdrawn items included, oldest first.
func (s *Store) FindEvidence(ctx context.Context, claimID int64) ([]*Evidence, error) {
	list := []*Evidence{}
	err := s.db.Reader().NewSelect().Model(&list).Where("claim_id = ?", claimID).Order("id ASC").Scan(ctx)
	return list, database.Translate(err)
}

// FindEvidenceByID returns one evidence item, or NotFound.
func (s *Store) FindEvidenceByID(ctx context.Context, id int64) (*Evidence, error) {
	e := new(Evidence)
	if err := s.db.Reader().NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "evidence %d", id)
	}
	return e, nil
}

// FindAttachment returns a stored file after checking that its content still hashes to its
// name: NotFound when there is none, Internal when the stored bytes were altered.
func (s *Store) FindAttachment(ctx context.Context, sum string) (*Attachment, error) {
	a := new(Attachment)
	if err := s.db.Reader().NewSelect().Model(a).Where("sha256 = ?", strings.ToLower(sum)).Scan(ctx); err != nil {
		return nil, database.NotFound(err, "attachment %s", sum)
	}
	raw := sha256.Sum256(a.Content)
	if !bytes.Equal([]byte(hex.EncodeToString(raw[:])), []byte(a.SHA256)) {
		return nil, fault.New(fault.Internal, "attachment %s does not match its hash", a.SHA256)
	}
	return a, nil
}
