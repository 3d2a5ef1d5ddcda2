package claims_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/dbtest"
	"verity/provenance"
)

// rows counts the rows of a table, to prove that nothing was deleted or added.
func (f *fixture) rows(t testing.TB, table string) int64 {
	t.Helper()
	n, err := f.db.Reader().NewSelect().Table(table).Count(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddEvidence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita := f.as(t, "rita")
	src, err := provenance.NewStore(f.db).CreateSource(f.ctx, identity.System(), provenance.SourceFields{Kind: provenance.KindReport, Name: "UN monitoring team report"})
	if err != nil {
		t.Fatal(err)
	}
	c := f.claim(t)

	added := []struct {
		name string
		n    claims.NewEvidence
	}{
		{"url", claims.NewEvidence{URL: "https://example.org/un-report", Stance: claims.StanceSupports}},
		{"excerpt", claims.NewEvidence{Excerpt: "The group has between 1,500 and 2,200 fighters.", Stance: claims.StanceContext}},
		{"refuting url with title", claims.NewEvidence{URL: "https://example.org/denial", Title: "Denial", Stance: claims.StanceRefutes}},
		{"with a source", claims.NewEvidence{URL: "https://example.org/un", Stance: claims.StanceSupports, SourceID: &src.ID}},
		{"attachment alone", claims.NewEvidence{Stance: claims.StanceSupports, Upload: &claims.Upload{Name: "scan.pdf", MediaType: "application/pdf", Content: []byte("%PDF-1.7 scan")}}},
		{"padded text", claims.NewEvidence{URL: "  https://example.org/padded \n", Excerpt: "\t quoted \n", Stance: claims.StanceContext}},
	}
	for i, tt := range added {
		t.Run(tt.name, func(t *testing.T) {
			n := dbtest.AuditCount(t, f.db)
			tt.n.ClaimID = c.ID
			e, err := f.s.AddEvidence(f.ctx, rita, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if e.ID == 0 || e.ClaimID != c.ID || e.Stance != tt.n.Stance || e.AddedBy == nil || *e.AddedBy != rita.UserID || e.CreatedAt.IsZero() || e.WithdrawnAt != nil {
				t.Errorf("evidence = %+v", e)
			}
			if e.URL != strings.TrimSpace(tt.n.URL) || e.Excerpt != strings.TrimSpace(tt.n.Excerpt) || e.Title != tt.n.Title {
				t.Errorf("text = %q %q %q", e.URL, e.Title, e.Excerpt)
			}
			if (tt.n.SourceID == nil) != (e.SourceID == nil) || e.SourceID != nil && *e.SourceID != src.ID {
				t.Errorf("source = %v", deref(e.SourceID))
			}
			if (tt.n.Upload == nil) != (e.AttachmentSHA256 == nil) {
				t.Errorf("attachment = %v", e.AttachmentSHA256)
			}
			if after := dbtest.AuditCount(t, f.db); after != n+1 {
				t.Errorf("audit events %d -> %d, want one more", n, after)
			}
			if a := lastAudit(t, f.db); a.Action != "evidence.add" || a.EntityType != "evidence" || a.Actor != rita.AuditName() {
				t.Errorf("audit event = %s %s by %s", a.Action, a.EntityType, a.Actor)
			}
			list, err := f.s.ClaimEvidence(f.ctx, c.ID)
			if err != nil || len(list) != i+1 || list[i].ID != e.ID {
				t.Errorf("ClaimEvidence = %d items, %v; want the new one last of %d", len(list), err, i+1)
			}
		})
	}

	refused := []struct {
		name  string
		n     claims.NewEvidence
		kind  fault.Kind
		field string
	}{
		{"nothing", claims.NewEvidence{ClaimID: c.ID, Stance: claims.StanceSupports}, fault.Invalid, "url"},
		{"only blanks", claims.NewEvidence{ClaimID: c.ID, URL: "  ", Excerpt: "\n\t", Title: "a title alone", Stance: claims.StanceSupports}, fault.Invalid, "url"},
		{"no stance", claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org"}, fault.Invalid, "stance"},
		{"unknown stance", claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org", Stance: "agrees"}, fault.Invalid, "stance"},
		{"empty attachment", claims.NewEvidence{ClaimID: c.ID, Stance: claims.StanceSupports, Upload: &claims.Upload{Name: "empty.txt"}}, fault.Invalid, "attachment"},
		{"invalid utf-8", claims.NewEvidence{ClaimID: c.ID, Excerpt: "bad \xff", Stance: claims.StanceSupports}, fault.Invalid, "excerpt"},
		{"url too long", claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org/" + strings.Repeat("a", 2000), Stance: claims.StanceSupports}, fault.Invalid, "url"},
		{"unknown source", claims.NewEvidence{ClaimID: c.ID, URL: "https://example.org", Stance: claims.StanceSupports, SourceID: new(src.ID + 100)}, fault.Invalid, "source_id"},
		{"unknown claim", claims.NewEvidence{ClaimID: c.ID + 1000, URL: "https://example.org", Stance: claims.StanceSupports}, fault.NotFound, ""},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			before := f.state(t, c.ID)
			attachments := f.rows(t, "attachments")
			_, err := f.s.AddEvidence(f.ctx, rita, tt.n)
			dbtest.WantKind(t, err, tt.kind, tt.field)
			f.unchanged(t, before)
			if f.rows(t, "attachments") != attachments {
				t.Error("a refused item stored an attachment")
			}
		})
	}
}

func TestAddEvidenceOnlyWhileOpenOrInReview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, stage := range claims.Stages() {
		t.Run(string(stage), func(t *testing.T) {
			c := f.at(t, stage)
			before := f.state(t, c.ID)
			attachments := f.rows(t, "attachments")
			e, err := f.s.AddEvidence(f.ctx, f.as(t, "rita"), claims.NewEvidence{
				ClaimID: c.ID, Excerpt: "late find", Stance: claims.StanceRefutes,
				Upload: &claims.Upload{Name: "late.txt", Content: []byte("late find in " + string(stage))},
			})
			if stage == claims.StageOpen || stage == claims.StageInReview {
				if err != nil || e.ClaimID != c.ID {
					t.Errorf("add to a claim %s: %+v, %v", stage, e, err)
				}
				return
			}
			dbtest.WantKind(t, err, fault.Conflict, "")
			f.unchanged(t, before)
			if f.rows(t, "attachments") != attachments {
				t.Error("a refused item stored an attachment")
			}
		})
	}
}

func TestAttachmentsAreContentAddressed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita := f.as(t, "rita")
	c := f.claim(t)
	add := func(t *testing.T, u claims.Upload) *claims.Evidence {
		t.Helper()
		e, err := f.s.AddEvidence(f.ctx, rita, claims.NewEvidence{ClaimID: c.ID, Stance: claims.StanceSupports, Upload: &u})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	// SHA-256("abc") from FIPS 180-2, appendix B.1.
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	first := add(t, claims.Upload{Name: "abc.txt", MediaType: "text/plain", Content: []byte("abc")})
	if first.AttachmentSHA256 == nil || *first.AttachmentSHA256 != abc || first.AttachmentName != "abc.txt" {
		t.Fatalf("attachment = %v %q, want %s", first.AttachmentSHA256, first.AttachmentName, abc)
	}
	if f.rows(t, "attachments") != 1 {
		t.Fatalf("attachments = %d, want 1", f.rows(t, "attachments"))
	}

	// The same bytes again, under another name and type: one more evidence item, no new file.
	n := dbtest.AuditCount(t, f.db)
	second := add(t, claims.Upload{Name: "copy.bin", MediaType: "application/x-copy", Content: []byte("abc")})
	if second.AttachmentSHA256 == nil || *second.AttachmentSHA256 != abc || second.AttachmentName != "copy.bin" || second.ID == first.ID {
		t.Errorf("second item = %+v", second)
	}
	if got := f.rows(t, "attachments"); got != 1 {
		t.Errorf("attachments after the same bytes twice = %d, want 1", got)
	}
	if after := dbtest.AuditCount(t, f.db); after != n+1 {
		t.Errorf("audit events %d -> %d, want one more", n, after)
	}

	a, err := f.s.FindAttachment(f.ctx, abc)
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != abc || !bytes.Equal(a.Content, []byte("abc")) || a.Size != 3 || a.MediaType != "text/plain" {
		t.Errorf("attachment = %s %q size %d type %s", a.SHA256, a.Content, a.Size, a.MediaType)
	}
	if a, err := f.s.FindAttachment(f.ctx, strings.ToUpper(abc)); err != nil || a.SHA256 != abc {
		t.Errorf("upper-case hash: %v", err)
	}

	// Binary content, no media type: stored under its own hash as octet-stream.
	blob := []byte{0, 1, 2, 0xff, 0xfe, 0, '\n', 0x80}
	raw := sha256.Sum256(blob)
	sum := hex.EncodeToString(raw[:])
	e := add(t, claims.Upload{Name: "blob", Content: blob})
	if *e.AttachmentSHA256 != sum {
		t.Errorf("hash = %s, want %s", *e.AttachmentSHA256, sum)
	}
	if a, err := f.s.FindAttachment(f.ctx, sum); err != nil || !bytes.Equal(a.Content, blob) || a.MediaType != "application/octet-stream" {
		t.Errorf("binary attachment: %+v, %v", a, err)
	}
	if f.rows(t, "attachments") != 2 {
		t.Errorf("attachments = %d, want 2", f.rows(t, "attachments"))
	}

	t.Run("unknown hash", func(t *testing.T) {
		for _, h := range []string{strings.Repeat("0", 64), "", "not-a-hash", abc[:32]} {
			_, err := f.s.FindAttachment(f.ctx, h)
			dbtest.WantKind(t, err, fault.NotFound, "")
		}
	})

	t.Run("tampered content", func(t *testing.T) {
		if _, err := f.db.Bun().ExecContext(f.ctx, "UPDATE attachments SET content = ? WHERE sha256 = ?", []byte("abd"), abc); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.FindAttachment(f.ctx, abc)
		dbtest.WantKind(t, err, fault.Internal, "")
		// The other file is untouched and still served.
		if _, err := f.s.FindAttachment(f.ctx, sum); err != nil {
			t.Errorf("untampered attachment: %v", err)
		}
	})
}

func TestWithdrawEvidence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rita, rafa, eve := f.as(t, "rita"), f.as(t, "rafa"), f.as(t, "eve")
	c := f.move(t, rita, f.claim(t), start)
	own := f.evidence(t, c, rita)
	other := f.evidence(t, c, rita)
	rows := f.rows(t, "evidence")

	t.Run("reason required", func(t *testing.T) {
		for _, reason := range []string{"", "   \n\t", "bad \xff"} {
			n := dbtest.AuditCount(t, f.db)
			_, err := f.s.WithdrawEvidence(f.ctx, rita, own.ID, reason)
			dbtest.WantKind(t, err, fault.Invalid, "reason")
			if dbtest.AuditCount(t, f.db) != n {
				t.Error("a refused withdrawal wrote an audit event")
			}
		}
	})

	t.Run("another reviewer", func(t *testing.T) {
		n := dbtest.AuditCount(t, f.db)
		_, err := f.s.WithdrawEvidence(f.ctx, rafa, own.ID, "not mine but wrong")
		dbtest.WantKind(t, err, fault.Forbidden, "")
		if dbtest.AuditCount(t, f.db) != n {
			t.Error("a refused withdrawal wrote an audit event")
		}
	})

	t.Run("unknown evidence", func(t *testing.T) {
		_, err := f.s.WithdrawEvidence(f.ctx, eve, other.ID+1000, "gone")
		dbtest.WantKind(t, err, fault.NotFound, "")
	})

	t.Run("by the reviewer who added it", func(t *testing.T) {
		n := dbtest.AuditCount(t, f.db)
		e, err := f.s.WithdrawEvidence(f.ctx, rita, own.ID, "  wrong article  ")
		if err != nil {
			t.Fatal(err)
		}
		if e.WithdrawnAt == nil || e.WithdrawnBy == nil || *e.WithdrawnBy != rita.UserID || e.WithdrawalReason != "wrong article" {
			t.Errorf("withdrawn = %+v", e)
		}
		stored, err := f.s.FindEvidenceByID(f.ctx, own.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.WithdrawnAt == nil || !stored.WithdrawnAt.Equal(*e.WithdrawnAt) || stored.WithdrawalReason != "wrong article" ||
			stored.URL != own.URL || stored.Excerpt != own.Excerpt || stored.AddedBy == nil || *stored.AddedBy != rita.UserID {
			t.Errorf("stored = %+v", stored)
		}
		if after := dbtest.AuditCount(t, f.db); after != n+1 {
			t.Errorf("audit events %d -> %d, want one more", n, after)
		}
		if a := lastAudit(t, f.db); a.Action != "evidence.withdraw" || a.Actor != rita.AuditName() || a.Before == "" || a.After == "" {
			t.Errorf("audit event = %+v", a)
		}
	})

	t.Run("twice", func(t *testing.T) {
		for _, actor := range []identity.Actor{rita, eve} {
			n := dbtest.AuditCount(t, f.db)
			_, err := f.s.WithdrawEvidence(f.ctx, actor, own.ID, "again")
			dbtest.WantKind(t, err, fault.Conflict, "")
			if dbtest.AuditCount(t, f.db) != n {
				t.Error("a refused withdrawal wrote an audit event")
			}
		}
		if e, _ := f.s.FindEvidenceByID(f.ctx, own.ID); e.WithdrawalReason != "wrong article" || *e.WithdrawnBy != rita.UserID {
			t.Errorf("a second withdrawal changed the first: %+v", e)
		}
	})

	t.Run("by an editor", func(t *testing.T) {
		e, err := f.s.WithdrawEvidence(f.ctx, eve, other.ID, "duplicate of another item")
		if err != nil {
			t.Fatal(err)
		}
		if e.WithdrawnBy == nil || *e.WithdrawnBy != eve.UserID || e.AddedBy == nil || *e.AddedBy != rita.UserID {
			t.Errorf("withdrawn = %+v", e)
		}
	})

	t.Run("claim awaiting sign-off or closed", func(t *testing.T) {
		for _, stage := range []claims.Stage{claims.StageAwaitingSignoff, claims.StageClosed} {
			d := f.at(t, stage)
			items, err := f.s.ClaimEvidence(f.ctx, d.ID)
			if err != nil || len(items) != 1 {
				t.Fatalf("evidence of the %s claim: %d, %v", stage, len(items), err)
			}
			before := f.state(t, d.ID)
			_, err = f.s.WithdrawEvidence(f.ctx, eve, items[0].ID, "too late")
			dbtest.WantKind(t, err, fault.Conflict, "")
			f.unchanged(t, before)
		}
	})

	// Nothing is ever deleted: both items are still listed, withdrawn, next to the rows the
	// last subtest added.
	list, err := f.s.ClaimEvidence(f.ctx, c.ID)
	if err != nil || len(list) != 2 || list[0].WithdrawnAt == nil || list[1].WithdrawnAt == nil {
		t.Errorf("ClaimEvidence = %+v, %v; want both items, withdrawn", list, err)
	}
	if got := f.rows(t, "evidence"); got != rows+2 {
		t.Errorf("evidence rows = %d, want %d (the claim's two and one each for the claims of the last subtest)", got, rows+2)
	}
	dbtest.AuditCount(t, f.db)
}
