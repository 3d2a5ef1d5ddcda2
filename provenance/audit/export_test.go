package audit

// FindQuery exposes the query Find runs, so that tests can read its plan.
var FindQuery = findQuery

// StoreActor and ReadActor are the actor column's encoding, for its table test.
var StoreActor, ReadActor = storeActor, readActor
