package audit

// FindQuery exposes the query Find runs, so that tests can read its plan.
var FindQuery = findQuery

// StoreActor and ReadActor are the actor column's encoding, for its table test.
var StoreActor, ReadActor = storeActor, readActor

// StoreSnapshot and ReadSnapshot compress and decompress a snapshot, for their benchmark.
var StoreSnapshot, ReadSnapshot = storeSnapshot, readSnapshot
