package export_test

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"github.com/pb33f/jsonschema/v6"
)

// provSchema is the W3C PROV-JSON schema (testdata/prov-json.schema.md says where it comes
// from), compiled once.
var provSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	raw, err := os.ReadFile("testdata/prov-json.schema.json")
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	const loc = "prov-json.schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
})

// validatePROV checks an encoded PROV document against the W3C PROV-JSON schema.
func validatePROV(t *testing.T, raw []byte) {
	t.Helper()
	sch, err := provSchema()
	if err != nil {
		t.Fatalf("PROV-JSON schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("not valid PROV-JSON: %v\n%s", err, raw)
	}
}

// TestPROVSchemaRefuses shows that the schema check can fail: documents that break the
// PROV-JSON rules are refused.
func TestPROVSchemaRefuses(t *testing.T) {
	sch, err := provSchema()
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"unknown top-level key":            `{"entities": {}}`,
		"type literal with a number value": `{"entity": {"verity:a": {"prov:type": {"$": 3, "type": "xsd:int"}}}}`,
		"object attribute":                 `{"entity": {"verity:a": {"verity:source": {"id": "verity:b"}}}}`,
		"association without activity":     `{"wasAssociatedWith": {"_:w1": {"prov:agent": "verity:user/1"}}}`,
		"usage without entity":             `{"used": {"_:u1": {"prov:activity": "verity:review/1"}}}`,
		"prefix that is not a URI":         `{"prefix": {"verity": "not a uri"}}`,
	} {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(v) == nil {
			t.Errorf("%s: %s passes", name, doc)
		}
	}
}
