package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/provenance"
)

// maxJSONBytes bounds a JSON request body; an article body may be up to 2 MiB of text, which
// JSON escaping can grow.
const maxJSONBytes = 8 << 20

// decodeJSON reads the request body strictly into dst and validates it: the body must be
// JSON (by Content-Type, when one is given), valid UTF-8, one object with only known fields
// of the right types, within maxJSONBytes, and pass dst's validate tags.
func (s *Server) decodeJSON(c *gin.Context, dst any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.New(kindUnsupportedMedia, "send the body as application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fault.New(fault.TooLarge, "the body is larger than %d bytes", maxJSONBytes)
		}
		return fault.Wrap(kindMalformed, errClientGone, "could not read the body")
	}
	if !utf8.Valid(body) {
		return fault.New(kindMalformed, "the body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fault.New(kindMalformed, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fault.New(kindMalformed, "the body must hold a single JSON object")
	}
	return s.validateStruct(dst)
}

// jsonError explains a decoding failure, naming the field where there is one.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fault.New(kindMalformed, "malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(kindMalformed, "malformed JSON: the body ends too early")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return fault.Field(field, fmt.Sprintf("must be %s, not %s", jsonTypeName(typeErr.Type), typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fault.Field(name, "is not a field of this request")
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	// Errors from our own UnmarshalJSON methods (ids, times) name no field; say what failed.
	return fault.New(kindMalformed, "malformed request: %v", err)
}

func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeOf(ID(0)):
		return "an id"
	case reflect.TypeOf(Time{}):
		return "an RFC 3339 time (2021-08-26T14:00:00Z) or a date (2021-08-26)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// enums are the validator tags of the domain's fixed lists, so that a request DTO says
// `validate:"claim_kind"` and the list lives in one place, the domain.
func enums() map[string][]string {
	return map[string][]string{
		"claim_kind":  strs(claims.Kinds()),
		"status":      strs(claims.Statuses()),
		"action":      strs(claims.Actions()),
		"stance":      strs(claims.Stances()),
		"role":        strs(identity.Roles()),
		"source_kind": strs(provenance.SourceKinds()),
		"reliability": strs(provenance.Reliabilities()),
		"relation":    strs(provenance.Relations()),
	}
}

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

// newValidator builds the validator for request DTOs; field errors use the JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	for tag, list := range enums() {
		err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
			return slices.Contains(list, fl.Field().String())
		})
		if err != nil {
			panic(err) // only for an invalid tag name, fixed above
		}
	}
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("form"), ",")
		}
		return name
	})
	return v
}

// validateStruct runs the validate tags of dst and reports every failing field.
func (s *Server) validateStruct(dst any) error {
	err := s.validate.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fault.Wrap(fault.Internal, err, "validation could not run")
	}
	fields := fault.Fields{}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest // drop the struct's own name
		}
		fields.Add(ns, validationMessage(fe))
	}
	return fields.Err()
}

func validationMessage(fe validator.FieldError) string {
	if list, ok := enums()[fe.Tag()]; ok {
		return fault.OneOf(list)
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "url", "http_url":
		return "must be an absolute http or https URL"
	case "email":
		return "must be an email address"
	case "dive":
		return "is not valid"
	}
	return "is not valid (" + fe.Tag() + ")"
}

// Time is a timestamp in a request or response: RFC 3339 on output; on input RFC 3339 or a
// plain date (YYYY-MM-DD, taken as midnight UTC).
type Time struct{ time.Time }

// MarshalJSON writes RFC 3339 in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalJSON reads RFC 3339 or YYYY-MM-DD.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if parsed, err := time.Parse(layout, s); err == nil && parsed.UTC().Year() >= 1 && parsed.UTC().Year() <= 9999 {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Time]()}
}

func timePtr(t *Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

func fromTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	return &Time{*t}
}

// query reads a listing's query parameters, refusing ones the route does not know, so that a
// mistyped filter is an error instead of a silently unfiltered list.
type query struct {
	c      *gin.Context
	known  map[string]bool
	fields fault.Fields
}

func newQuery(c *gin.Context, known ...string) *query {
	q := &query{c: c, known: map[string]bool{}, fields: fault.Fields{}}
	for _, k := range known {
		q.known[k] = true
	}
	return q
}

func (q *query) str(name string) string {
	q.known[name] = true
	vals := q.c.Request.URL.Query()[name]
	if len(vals) > 1 {
		q.fields.Add(name, "must be given once")
	}
	if len(vals) == 0 {
		return ""
	}
	if !utf8.ValidString(vals[0]) {
		q.fields.Add(name, "must be valid UTF-8")
		return ""
	}
	return vals[0]
}

func (q *query) id(name string) int64 {
	raw := q.str(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		q.fields.Add(name, "is not a valid id")
	}
	return n
}

func (q *query) time(name string) time.Time {
	raw := q.str(name)
	if raw == "" {
		return time.Time{}
	}
	var t Time
	if err := t.UnmarshalJSON([]byte(strconv.Quote(raw))); err != nil {
		q.fields.Add(name, "must be an RFC 3339 time or a YYYY-MM-DD date")
	}
	return t.Time
}

// Listing limits.
const (
	defaultLimit = 50
	maxLimit     = 200
)

func (q *query) limit() int {
	raw := q.str("limit")
	if raw == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		q.fields.Add("limit", fmt.Sprintf("must be an integer from 1 to %d", maxLimit))
		return defaultLimit
	}
	return n
}

func (q *query) cursor(key any) bool {
	raw := q.str("cursor")
	if raw == "" {
		return false
	}
	if err := decodeCursor(raw, key); err != nil {
		q.fields.Add("cursor", "is not a cursor this listing gave out")
		return false
	}
	return true
}

// err reports bad and unknown parameters; call it after reading every parameter.
func (q *query) err() error {
	for name := range q.c.Request.URL.Query() {
		if !q.known[name] {
			q.fields.Add(name, "is not a parameter of this listing")
		}
	}
	return q.fields.Err()
}

// ifMatch reads the version an If-Match header names. required makes a missing header an
// error (428). If-Match compares strongly (RFC 9110), so a weak ETag, "*", a list of several
// ETags or anything that is not an ETag of ours is PreconditionFailed.
func ifMatch(c *gin.Context, required bool) (*int64, error) {
	raw := strings.TrimSpace(c.GetHeader("If-Match"))
	if raw == "" {
		if required {
			return nil, fault.New(kindPreconditionRequired, "send If-Match with the ETag from a GET of this resource")
		}
		return nil, nil
	}
	if strings.HasPrefix(raw, "W/") {
		return nil, fault.New(fault.PreconditionFailed, "If-Match compares strongly: send the ETag without W/")
	}
	if !strings.HasPrefix(raw, `"`) || !strings.HasSuffix(raw, `"`) || len(raw) < 3 || strings.Contains(raw[1:len(raw)-1], `"`) {
		return nil, fault.New(fault.PreconditionFailed, "If-Match %q is not one ETag of this resource: send the ETag from a GET", raw)
	}
	digits := raw[1 : len(raw)-1]
	v, err := strconv.ParseInt(digits, 10, 64)
	// Strong comparison is byte for byte: "003" and "+3" are not the ETag "3".
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != digits {
		return nil, fault.New(fault.PreconditionFailed, "If-Match %q is not an ETag of this resource", raw)
	}
	return &v, nil
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// Page is the body of every listing.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func page[T any](data []T, more bool, next func() any) Page[T] {
	p := Page[T]{Data: data}
	if p.Data == nil {
		p.Data = []T{}
	}
	if more {
		cur := encodeCursor(next())
		p.NextCursor = &cur
	}
	return p
}

// pageOf pages a list the domain returns whole, in ascending id order: the lists bounded by
// one claim, article or user (evidence, citations, transitions, revisions, tokens). It reads
// limit and cursor like every listing and refuses unknown parameters.
func pageOf[T any](q *query, items []T, id func(T) int64) (Page[T], error) {
	limit := q.limit()
	var after struct {
		ID int64 `json:"i"`
	}
	q.cursor(&after)
	if err := q.err(); err != nil {
		return Page[T]{}, err
	}
	start := sort.Search(len(items), func(i int) bool { return id(items[i]) > after.ID })
	end := min(len(items), start+limit)
	rows := items[start:end]
	return page(rows, end < len(items), func() any { return map[string]int64{"i": id(rows[len(rows)-1])} }), nil
}
