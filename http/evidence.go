package http

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/text"
)

// EvidenceRequest is the JSON body of POST /api/v1/claims/{id}/evidence. The same fields may
// come as a multipart form with the file in the part "attachment".
type EvidenceRequest struct {
	URL      string `json:"url" form:"url"`
	Title    string `json:"title" form:"title"`
	Excerpt  string `json:"excerpt" form:"excerpt"`
	Stance   string `json:"stance" form:"stance" validate:"required,stance"`
	SourceID *ID    `json:"source_id" form:"source_id"`
}

// WithdrawRequest is the body of POST /api/v1/evidence/{id}/withdraw.
type WithdrawRequest struct {
	Reason string `json:"reason" validate:"required"`
}

// AttachmentDTO describes an attached file; its content is at URL.
type AttachmentDTO struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	URL    string `json:"url"`
}

// EvidenceResponse is one evidence item.
type EvidenceResponse struct {
	ID               ID             `json:"id"`
	ClaimID          ID             `json:"claim_id"`
	URL              string         `json:"url"`
	Title            string         `json:"title"`
	Excerpt          string         `json:"excerpt"`
	Stance           string         `json:"stance"`
	SourceID         *ID            `json:"source_id"`
	Attachment       *AttachmentDTO `json:"attachment"`
	AddedBy          *ID            `json:"added_by"`
	CreatedAt        Time           `json:"created_at"`
	Withdrawn        bool           `json:"withdrawn"`
	WithdrawnAt      *Time          `json:"withdrawn_at"`
	WithdrawnBy      *ID            `json:"withdrawn_by"`
	WithdrawalReason string         `json:"withdrawal_reason,omitempty"`
}

func evidenceResponse(e *claims.Evidence) EvidenceResponse {
	r := EvidenceResponse{
		ID: ID(e.ID), ClaimID: ID(e.ClaimID), URL: e.URL, Title: e.Title, Excerpt: e.Excerpt, Stance: string(e.Stance),
		SourceID: ptrID(e.SourceID), AddedBy: ptrID(e.AddedBy), CreatedAt: Time{e.CreatedAt},
		Withdrawn: e.WithdrawnAt != nil, WithdrawnAt: fromTimePtr(e.WithdrawnAt), WithdrawnBy: ptrID(e.WithdrawnBy),
		WithdrawalReason: e.WithdrawalReason,
	}
	if e.AttachmentSHA256 != nil {
		r.Attachment = &AttachmentDTO{SHA256: *e.AttachmentSHA256, Name: e.AttachmentName, URL: "/api/v1/attachments/" + *e.AttachmentSHA256}
	}
	return r
}

func evidenceListResponse(list []*claims.Evidence) []EvidenceResponse {
	out := make([]EvidenceResponse, len(list))
	for i, e := range list {
		out[i] = evidenceResponse(e)
	}
	return out
}

func (s *Server) listEvidence(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page(1)
	if err := q.err(); err != nil {
		return err
	}
	// FindEvidence answers NotFound for a missing claim itself.
	list, more, err := s.claims.FindEvidence(c.Request.Context(), id, p.afterID(), p.limit)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(p, evidenceListResponse(list), more, func(r EvidenceResponse) []int64 { return byID(int64(r.ID)) }))
	return nil
}

func (s *Server) addEvidence(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "claim")
	if err != nil {
		return err
	}
	var req EvidenceRequest
	var upload *claims.Upload
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt == "multipart/form-data" {
		upload, err = s.decodeEvidenceForm(c, &req)
	} else {
		err = s.decodeJSON(c, &req)
	}
	if err != nil {
		return err
	}
	n := claims.NewEvidence{
		ClaimID: id, URL: req.URL, Title: req.Title, Excerpt: req.Excerpt, Stance: claims.Stance(req.Stance), Upload: upload,
	}
	if req.SourceID != nil {
		src := int64(*req.SourceID)
		n.SourceID = &src
	}
	e, err := s.claims.AddEvidence(c.Request.Context(), actorOf(c), n)
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("/api/v1/evidence/%d", e.ID))
	c.JSON(http.StatusCreated, evidenceResponse(e))
	return nil
}

// decodeEvidenceForm reads a multipart evidence upload within the configured size, refusing
// unknown parts as the JSON decoder refuses unknown fields.
func (s *Server) decodeEvidenceForm(c *gin.Context, req *EvidenceRequest) (*claims.Upload, error) {
	// The form's text fields are small; the limit is the attachment's plus room for them.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxUpload+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, fault.New(kindMalformed, "malformed multipart body: %v", err)
	}
	var upload *claims.Upload
	fields := fault.Fields{}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, formReadError(err, s.maxUpload)
		}
		name := part.FormName()
		// A repeated part is ambiguous (which stance? which file?), so it is refused rather
		// than letting the last one win.
		if seen[name] {
			fields.Add(name, "must be given once")
			continue
		}
		seen[name] = true
		if name == "attachment" {
			content, err := io.ReadAll(io.LimitReader(part, s.maxUpload+1))
			if err != nil {
				return nil, formReadError(err, s.maxUpload)
			}
			if int64(len(content)) > s.maxUpload {
				return nil, fault.New(fault.TooLarge, "the attachment is larger than %d bytes", s.maxUpload)
			}
			mediaType := part.Header.Get("Content-Type")
			if _, _, err := mime.ParseMediaType(mediaType); err != nil {
				mediaType = "application/octet-stream"
			}
			upload = &claims.Upload{Name: part.FileName(), MediaType: mediaType, Content: content}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, 32<<10))
		if err != nil {
			return nil, formReadError(err, s.maxUpload)
		}
		if !utf8.Valid(value) {
			fields.Add(name, "must be valid UTF-8")
			continue
		}
		v := string(value)
		switch name {
		case "url":
			req.URL = v
		case "title":
			req.Title = v
		case "excerpt":
			req.Excerpt = v
		case "stance":
			req.Stance = v
		case "source_id":
			n, ok := canonicalID(v)
			if !ok {
				fields.Add("source_id", "must be an id: "+idRule)
				continue
			}
			id := ID(n)
			req.SourceID = &id
		default:
			fields.Add(name, "is not a field of this request")
		}
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := s.validateStruct(req); err != nil {
		return nil, err
	}
	return upload, nil
}

func formReadError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fault.New(fault.TooLarge, "the upload is larger than %d bytes", limit)
	}
	return fault.New(kindMalformed, "malformed multipart body: %v", err)
}

func (s *Server) getEvidence(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "evidence")
	if err != nil {
		return err
	}
	e, err := s.claims.FindEvidenceByID(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, evidenceResponse(e))
	return nil
}

func (s *Server) withdrawEvidence(c *gin.Context) error {
	id, err := parseID(c.Param("id"), "evidence")
	if err != nil {
		return err
	}
	var req WithdrawRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.claims.WithdrawEvidence(c.Request.Context(), actorOf(c), id, req.Reason)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, evidenceResponse(e))
	return nil
}

func (s *Server) getAttachment(c *gin.Context) error {
	// An attachment is named by its hash as Verity spells it, in lowercase hex: any other
	// spelling names nothing, as a non-canonical id does.
	sum := c.Param("sha256")
	if !text.IsSHA256(sum) {
		return fault.New(fault.NotFound, "attachment %q not found", c.Param("sha256"))
	}
	a, err := s.claims.FindAttachment(c.Request.Context(), sum)
	if err != nil {
		return err
	}
	// The content's hash names it whole: a client holding it never needs it again.
	if notModified(c, `"`+a.SHA256+`"`) {
		return nil
	}
	if raw, err := hex.DecodeString(a.SHA256); err == nil {
		c.Header("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(raw)+":")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	// Attachments are evidence, not pages: never let a browser render one in Verity's origin.
	c.Header("Content-Disposition", "attachment")
	c.Header("Content-Security-Policy", "sandbox")
	c.Data(http.StatusOK, a.MediaType, a.Content)
	return nil
}
