package http

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// openAPISource is the OpenAPI 3.1 document of the JSON API, written by hand next to the
// handlers it describes. openapi_test.go checks it against the routes and validates real
// requests and responses against it, so a change to a handler or DTO that is not described
// there fails the tests.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument is the document as served: read once when the server is built, never per
// request. A broken document is kept as an error rather than a panic, so that it costs the
// one route that serves it (and fails the tests) but never stops the server.
type openAPIDocument struct {
	body []byte
	etag string
	err  error
}

// loadOpenAPI checks that src is an OpenAPI 3.1 document in JSON and compacts it. With a
// public URL, the document names it first among its servers, so that a client generated
// from what this server serves calls this server by default.
func loadOpenAPI(src []byte, publicURL string) openAPIDocument {
	var head struct {
		OpenAPI string            `json:"openapi"`
		Paths   map[string]any    `json:"paths"`
		Servers []json.RawMessage `json:"servers"`
	}
	if err := json.Unmarshal(src, &head); err != nil {
		return openAPIDocument{err: fmt.Errorf("embedded openapi.json: %w", err)}
	}
	if !strings.HasPrefix(head.OpenAPI, "3.1.") || len(head.Paths) == 0 {
		return openAPIDocument{err: fmt.Errorf("embedded openapi.json: openapi %q with %d paths is not an OpenAPI 3.1 document", head.OpenAPI, len(head.Paths))}
	}
	if publicURL != "" {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(src, &doc); err != nil {
			return openAPIDocument{err: fmt.Errorf("embedded openapi.json: %w", err)}
		}
		here, _ := json.Marshal(map[string]string{"url": publicURL, "description": "This server, as its --public-url names it."})
		servers, _ := json.Marshal(append([]json.RawMessage{here}, head.Servers...))
		doc["servers"] = servers
		var err error
		if src, err = json.Marshal(doc); err != nil {
			return openAPIDocument{err: fmt.Errorf("embedded openapi.json: %w", err)}
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, src); err != nil {
		return openAPIDocument{err: fmt.Errorf("embedded openapi.json: %w", err)}
	}
	sum := sha256.Sum256(buf.Bytes())
	return openAPIDocument{body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

// openAPI serves the OpenAPI document of the JSON API; it needs no token. Its ETag is a
// digest of its bytes, so a client revalidates it with If-None-Match for a 304.
func (s *Server) openAPI(c *gin.Context) error {
	if s.openAPIDoc.err != nil {
		return fault.Wrap(fault.Internal, s.openAPIDoc.err, "the OpenAPI document is broken")
	}
	if notModified(c, s.openAPIDoc.etag) {
		return nil
	}
	c.Data(http.StatusOK, "application/json", s.openAPIDoc.body)
	return nil
}
