// Package claims owns articles and their revisions, claims anchored to exact passages of an
// article's body (W3C TextPositionSelector and TextQuoteSelector, in code points), the
// quantities a claim states, the evidence attached to it, and the review workflow that
// takes a claim from open to a signed-off verdict. Its Store holds the rules and the bun
// queries; every mutation appends its audit event in the same transaction.
package claims
