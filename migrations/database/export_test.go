package database

// ReaderConns is readerConns, for the external tests.
const ReaderConns = readerConns
