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
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
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
