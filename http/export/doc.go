// Package export holds Verity's interchange formats: what other systems read of it. A
// claim's provenance graph as W3C PROV-JSON, a signed-off verdict as schema.org ClaimReview
// JSON-LD, and the CSV exports. Each format is a function of what the domain returns, with
// no storage or HTTP of its own, so that the API, the command line and tests all write the
// same bytes.
package export
