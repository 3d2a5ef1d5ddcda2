// Package provenance owns where a claim's facts come from: sources (reports, people, officials,
// organisations, agencies, datasets, documents) with their Admiralty reliability, the
// derivations between sources (a UN report draws on member states' briefings), the citations
// that link a claim to the sources it rests on, and the provenance graph that follows a claim
// through its article and cited sources to everything upstream, with its evidence and review
// history (verity/http/export writes it as W3C PROV-JSON).
//
// Its Store holds the rules and the bun queries; every mutation goes through the database's
// one writer and appends its audit event in the same transaction.
package provenance
