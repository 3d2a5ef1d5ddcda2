package database

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"verity/claims/fault"
)

// prepared keeps the writer's prepared statements, by their text. bun writes every argument
// into the statement's text, so each statement it sends is new to the database and is
// parsed again: a fifth of the writer's time when every write appends to the audit chain.
// The few statements every write runs take their arguments as parameters instead and are
// parsed once per connection.
type prepared struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
	failed map[string]bool
}

// get returns the statement prepared for query, or nil when it is not prepared yet: it is
// then prepared by the committer between batches (prepareWanted), since the writer's one
// connection is busy with the batch whose write asked for it.
func (p *prepared) get(query string) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stmts[query]; ok {
		return s
	}
	if !p.failed[query] {
		if p.wanted == nil {
			p.wanted = map[string]bool{}
		}
		p.wanted[query] = true
	}
	return nil
}

// prepareWanted prepares the statements asked for since it last ran, on db; it runs on the
// committer's goroutine between batches, when the writer's connection is free. A statement
// that fails to prepare is not tried again: its writes run it unprepared.
func (p *prepared) prepareWanted(db *sql.DB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for query := range p.wanted {
		delete(p.wanted, query)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := db.PrepareContext(ctx, query)
		cancel()
		if err != nil {
			if p.failed == nil {
				p.failed = map[string]bool{}
			}
			p.failed[query] = true
			continue
		}
		if p.stmts == nil {
			p.stmts = map[string]*sql.Stmt{}
		}
		p.stmts[query] = s
	}
}

func (p *prepared) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.stmts {
		s.Close()
	}
	p.stmts = nil
}

// Param returns the n-th parameter of a prepared statement, $n, written as it must be where
// its value is compared to an indexed column ("claim_id = " + Param(1)). ANALYZE keeps
// samples of the values in each index (sqlite_stat4, which PRAGMA optimize writes), and
// SQLite recompiles a prepared statement whose plan compares a bare parameter with them each
// time the parameter gets a new value, since the value might choose another plan: that
// parse is the very cost preparing saves (a claim's count of citations went from 14 to
// 45 µs; a prepared read cost as much as a parsed one). On SQLite it is written +$n: the
// unary plus leaves the comparison and its index as they are and keeps the value out of the
// plan. PostgreSQL plans by value only when it chooses to and has no unary plus for text,
// so it gets $n.
func (d Dialect) Param(n int) string {
	if d == SQLite {
		return "+$" + strconv.Itoa(n)
	}
	return "$" + strconv.Itoa(n)
}

// storedTime is how bun writes a time on SQLite, so that a time written through a prepared
// statement reads, sorts and compares like every other.
const storedTime = "2006-01-02 15:04:05.999999-07:00"

// args makes the arguments fit the dialect (times as bun stores them) and counts their
// bytes, with the statement's, toward the write's share of the batch.
func (tx *Tx) args(ctx context.Context, query string, in []any) []any {
	n := len(query)
	for _, a := range in {
		if v, ok := a.(string); ok {
			n += len(v)
		}
	}
	out := convertArgs(tx.Engine, in)
	if w, ok := ctx.Value(writeKey{}).(*write); ok {
		w.bytes.Add(int64(n))
	}
	return out
}

// ExecPrepared runs a statement that every write runs, prepared once on the writer
// connection (from the second use on), with its arguments as parameters ($1, $2, …, which
// both dialects read). Use it for the hot, fixed statements only; bun is the way for the
// rest.
func (tx *Tx) ExecPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	args = tx.args(ctx, query, args)
	if s := tx.stmt(query); s != nil {
		return tx.Tx.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.Tx.Tx.ExecContext(ctx, query, args...)
}

// QueryRowPrepared is ExecPrepared for a statement that returns one row.
func (tx *Tx) QueryRowPrepared(ctx context.Context, query string, args ...any) *sql.Row {
	args = tx.args(ctx, query, args)
	if s := tx.stmt(query); s != nil {
		return tx.Tx.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.Tx.Tx.QueryRowContext(ctx, query, args...)
}

// QueryPrepared is ExecPrepared for a statement that returns rows.
func (tx *Tx) QueryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	args = tx.args(ctx, query, args)
	if s := tx.stmt(query); s != nil {
		return tx.Tx.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return tx.Tx.Tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) stmt(query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	return tx.stmts.get(query)
}

// ScanPrepared runs q, a read whose arguments stand as $1, $2, … in its text (written
// with Param), with args as parameters, and scans the rows into dest, q's model. On the
// reader pool the statement is prepared once per connection and reused, since its text never
// changes; bun, which writes the values into the text, makes every read new to the database,
// and parsing was a third of the server's time on the claim detail. In a bound scope it
// runs in the transaction, prepared on the writer (Tx.QueryPrepared). A struct dest that
// finds no row gets sql.ErrNoRows. The rows are scanned without bun's reflection per column
// (scanRows) unless the read has a relation's columns; build q with Select to have SQLite's
// times parsed the cheap way too.
func (s Scope) ScanPrepared(ctx context.Context, q *bun.SelectQuery, dest any, args ...any) error {
	if _, _, table := modelStruct(dest); table && (q.GetModel() == nil || q.GetModel().Value() != dest) {
		// Every path must fill the same variable: the fast one fills dest, bun's its model
		// (for models of structs, which are what bun's table models hold).
		return fault.New(fault.Internal, "ScanPrepared's dest must be the model its query selects into")
	}
	rows, err := s.QueryPrepared(ctx, q.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	n, err := s.scanRows(ctx, q, rows, dest) // checks rows.Err, as bun's ScanRows does
	if err != nil {
		return err
	}
	if n == 0 && reflect.TypeOf(dest).Elem().Kind() == reflect.Struct {
		return sql.ErrNoRows
	}
	return nil
}

// Param is Dialect.Param for a read built with bun ("claim_id = ?", scope.Param(1)).
func (s Scope) Param(n int) bun.Safe { return bun.Safe(s.db.dialect.Param(n)) }

// QueryPrepared runs a read with $1, $2, … parameters, prepared once per reader connection
// (in a bound scope, in the transaction, with the writer's prepared statements: the reads a
// write checks its rules with are as hot as the reads of the claim detail, and run while
// every other writer waits), for reads that bun does not build.
func (s Scope) QueryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.tx != nil {
		return s.tx.QueryPrepared(ctx, query, args...)
	}
	args = convertArgs(s.db.dialect, args)
	var event *bun.QueryEvent
	if len(s.db.readHooks) > 0 {
		event = &bun.QueryEvent{DB: s.db.reader, Query: query, QueryArgs: args, StartTime: time.Now()}
		for _, h := range s.db.readHooks {
			ctx = h.BeforeQuery(ctx, event)
		}
	}
	rows, err := s.queryReader(ctx, query, args)
	if event != nil {
		event.Err = err
		for _, h := range s.db.readHooks {
			h.AfterQuery(ctx, event)
		}
	}
	return rows, err
}

func (s Scope) queryReader(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	stmt, err := s.db.readStmts.getOrPrepare(ctx, s.db.reader.DB, query)
	if err != nil {
		return nil, err
	}
	if stmt == nil { // as many statements are prepared as are kept
		return s.db.reader.DB.QueryContext(ctx, query, args...)
	}
	return stmt.QueryContext(ctx, args...)
}

// maxReadStatements bounds the reads kept prepared. Each is prepared on every reader
// connection it runs on and holds its compiled program there; a listing's statement differs
// by which filters it has and by its limit, so callers could make thousands. The reads that
// come first (those of every request) are kept; beyond the bound, a read is parsed each time.
const maxReadStatements = 200

// getOrPrepare returns the statement for query, preparing it on db if needed: for the
// reader pool, where a free connection is there to prepare on (database/sql prepares it
// again on each other connection the first time it runs there). It returns nil, and no
// error, once maxReadStatements are kept.
func (p *prepared) getOrPrepare(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	s, ok := p.stmts[query]
	full := len(p.stmts) >= maxReadStatements
	p.mu.Unlock()
	if ok {
		return s, nil
	}
	if full {
		return nil, nil
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.stmts[query]; ok { // prepared meanwhile by another reader
		s.Close()
		return old, nil
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[query] = s
	return s, nil
}

// convertArgs writes times as bun stores them on SQLite.
func convertArgs(d Dialect, in []any) []any {
	out := make([]any, len(in))
	for i, a := range in {
		if v, ok := a.(time.Time); ok && d == SQLite {
			a = v.UTC().Format(storedTime)
		}
		out[i] = a
	}
	return out
}
