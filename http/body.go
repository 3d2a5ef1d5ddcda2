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
// JSON (by Content-Type, when one is given), within maxJSONBytes, decode by decodeBody's
// rules and pass dst's validate tags.
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
	if err := decodeBody(body, dst); err != nil {
		return err
	}
	return s.validateStruct(dst)
}

// decodeBody decodes a JSON body into dst, a pointer to a request DTO. The body must be
// valid UTF-8 and one JSON object. Every key, at every depth, must be given once and be
// exactly the json name of a field of the DTO: encoding/json would let the last of two
// equal keys win, and match "Article_ID" to article_id, so that a body could say two things
// and mean the one a reader overlooks. null is refused where it cannot mean anything of its
// own (see nullable), and a patch must name a field.
func decodeBody(body []byte, dst any) error {
	if !utf8.Valid(body) {
		return fault.New(kindMalformed, "the body is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fault.New(kindMalformed, "the body must be a JSON object")
	}
	if err := scanKeys(body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fault.New(kindMalformed, "the body must hold a single JSON object")
	}
	return nil
}

// patch marks the request DTOs whose fields are the changes to make, each optional: a
// patch that names no field asks for nothing, and is refused as such.
type patch interface{ isPatch() }

func (*ClaimPatch) isPatch()  {}
func (*SourcePatch) isPatch() {}
func (*UserPatch) isPatch()   {}

// maxDepth bounds how deeply a body may nest; requests nest three levels at most.
const maxDepth = 64

// keyScan walks a body's tokens alongside the Go type each value fills, collecting what is
// wrong with its keys and nulls.
type keyScan struct {
	dec    *json.Decoder
	fields fault.Fields
}

// scanKeys checks the keys and nulls of body against dst's type, before decoding fills it.
func scanKeys(body []byte, dst any) error {
	s := &keyScan{dec: json.NewDecoder(bytes.NewReader(body)), fields: fault.Fields{}}
	s.dec.UseNumber()
	if _, err := s.dec.Token(); err != nil { // the opening brace, checked by the caller
		return jsonError(err)
	}
	n, err := s.object("", reflect.TypeOf(dst), 1)
	if err != nil {
		return jsonError(err)
	}
	if err := s.fields.Err(); err != nil {
		return err
	}
	if _, ok := dst.(patch); ok && n == 0 {
		return fault.New(fault.Invalid, "nothing to change: give at least one of %s", strings.Join(fieldNames(reflect.TypeOf(dst)), ", "))
	}
	return nil
}

// object reads the members of an object whose opening brace was read, as the fields of t
// (nil when the object fills nothing known), and returns how many it held.
func (s *keyScan) object(path string, t reflect.Type, depth int) (int, error) {
	fields := jsonFields(t)
	seen := map[string]bool{}
	n := 0
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return n, err
		}
		key, _ := tok.(string) // object keys are always strings
		at := key
		if path != "" {
			at = path + "." + key
		}
		if seen[key] {
			s.fields.Add(at, "is given more than once")
		}
		seen[key] = true
		var f jsonField
		if fields != nil {
			var ok bool
			if f, ok = fields[key]; !ok {
				s.fields.Add(at, unknownKey(fields, key))
			}
		}
		if err := s.value(at, f, depth); err != nil {
			return n, err
		}
		n++
	}
	_, err := s.dec.Token() // the closing brace
	return n, err
}

// value reads one value that fills f (whose type is nil when nothing known is filled).
func (s *keyScan) value(path string, f jsonField, depth int) error {
	if depth > maxDepth {
		return fault.New(kindMalformed, "the body nests more than %d levels deep", maxDepth)
	}
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		_, err := s.object(path, structOf(f.typ), depth+1)
		return err
	case json.Delim('['):
		elem := jsonField{typ: elemOf(f.typ), nullable: false}
		for i := 0; s.dec.More(); i++ {
			if err := s.value(fmt.Sprintf("%s[%d]", path, i), elem, depth+1); err != nil {
				return err
			}
		}
		_, err := s.dec.Token() // the closing bracket
		return err
	case nil:
		if f.typ != nil && !f.nullable {
			s.fields.Add(path, "must not be null")
		}
	}
	return nil
}

// unknownKey explains a key that is not a field, naming the field it differs from only in
// letter case: encoding/json would quietly take it for that field.
func unknownKey(fields map[string]jsonField, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("is not a field of this request; write %q, in exactly those letters", name)
		}
	}
	return "is not a field of this request"
}

// jsonField is what a key of a request DTO fills.
type jsonField struct {
	typ reflect.Type
	// nullable says that null means something of its own here (see nullable).
	nullable bool
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// structOf returns the struct type a JSON object fills when t is one (through pointers), or
// nil: a type that decodes itself, a map, or nothing known.
func structOf(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

// elemOf returns the type of a list's items when t is a slice or array (through pointers).
func elemOf(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t.Elem()
}

// jsonFields maps the json names of a struct's fields, as encoding/json sees them (embedded
// structs' fields promoted, "-" left out), to what each fills; nil when t is not a struct
// a JSON object fills field by field.
func jsonFields(t reflect.Type) map[string]jsonField {
	st := structOf(t)
	if st == nil {
		return nil
	}
	_, isPatch := reflect.New(st).Interface().(patch)
	out := map[string]jsonField{}
	var walk func(st reflect.Type)
	walk = func(st reflect.Type) {
		for f := range st.Fields() {
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && structOf(f.Type) != nil {
				walk(structOf(f.Type))
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out[name] = jsonField{typ: f.Type, nullable: nullable(f.Type, isPatch)}
		}
	}
	walk(st)
	return out
}

// nullable reports whether null may be given for a field of type t. null decodes to a
// field's zero value, so it is accepted only where that is what null means:
//   - an Optional, which tells null (clear the value) from absence;
//   - a pointer in a request that creates something, where null and absence both mean
//     "none" (no start, no upper bound, no source).
//
// Everywhere else null would be silently read as something else: as "" or 0 in a plain
// field, and as "leave it unchanged" in a patch's own fields, where absence alone says so.
func nullable(t reflect.Type, inPatch bool) bool {
	if t == reflect.TypeFor[Optional]() {
		return true
	}
	return t.Kind() == reflect.Pointer && !inPatch
}

// fieldNames lists the json names of t's fields in their declared order.
func fieldNames(t reflect.Type) []string {
	st := structOf(t)
	var names []string
	for f := range st.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
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
		return "an id (" + idRule + ")"
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
