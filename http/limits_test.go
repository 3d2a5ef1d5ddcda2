package http_test

import (
	"encoding/json"
	"os"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/provenance"
)

// TestDocumentedLimitsAreTheDomains: every length limit lives once, in the domain; the
// OpenAPI document states the same numbers (both count characters).
func TestDocumentedLimitsAreTheDomains(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					MaxLength *int `json:"maxLength"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		"ArticleInput":    {"slug": claims.MaxArticleText, "title": claims.MaxArticleText, "outlet": claims.MaxArticleText, "url": claims.MaxArticleText, "author": claims.MaxArticleText},
		"QuantityInput":   {"qualifier": claims.MaxShortText, "unit": claims.MaxShortText},
		"ClaimInput":      {"quote": claims.MaxClaimText, "text": claims.MaxClaimText},
		"ClaimPatch":      {"text": claims.MaxClaimText},
		"TransitionInput": {"rationale": claims.MaxLongText},
		"EvidenceInput":   {"url": claims.MaxURL, "title": claims.MaxTitle, "excerpt": claims.MaxLongText},
		"EvidenceForm":    {"url": claims.MaxURL, "title": claims.MaxTitle, "excerpt": claims.MaxLongText},
		"WithdrawInput":   {"reason": claims.MaxLongText},
		"SourceInput":     {"name": provenance.MaxText, "affiliation": provenance.MaxText, "url": provenance.MaxText, "publisher": provenance.MaxText, "notes": provenance.MaxNotes},
		"SourcePatch":     {"name": provenance.MaxText, "affiliation": provenance.MaxText, "url": provenance.MaxText, "publisher": provenance.MaxText, "notes": provenance.MaxNotes},
		"DerivationInput": {"note": provenance.MaxText},
		"CitationInput":   {"attribution": provenance.MaxText, "locator": provenance.MaxText},
		"UserInput":       {"email": identity.MaxEmail, "name": identity.MaxName, "password": identity.MaxPasswordLength},
		"UserPatch":       {"name": identity.MaxName, "password": identity.MaxPasswordLength},
		"TokenInput":      {"name": identity.MaxName},
	}
	for schema, fields := range want {
		for field, limit := range fields {
			got := doc.Components.Schemas[schema].Properties[field].MaxLength
			if got == nil || *got != limit {
				t.Errorf("%s.%s: the document says maxLength %v, the domain %d", schema, field, got, limit)
			}
		}
	}
}
