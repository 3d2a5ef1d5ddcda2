package audit

// FindQuery exposes the query Find runs, so that tests can read its plan.
var FindQuery = findQuery
