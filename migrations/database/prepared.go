package database

import (
	"context"
	"database/sql"
	"sync"
	"time"
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

// storedTime is how bun writes a time on SQLite, so that a time written through a prepared
// statement reads, sorts and compares like every other.
const storedTime = "2006-01-02 15:04:05.999999-07:00"

// args makes the arguments fit the dialect (times as bun stores them) and counts their
// bytes, with the statement's, toward the write's share of the batch.
func (tx *Tx) args(ctx context.Context, query string, in []any) []any {
	n := len(query)
	out := make([]any, len(in))
	for i, a := range in {
		switch v := a.(type) {
		case time.Time:
			if tx.Engine == SQLite {
				a = v.UTC().Format(storedTime)
			}
		case string:
			n += len(v)
		}
		out[i] = a
	}
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

func (tx *Tx) stmt(query string) *sql.Stmt {
	if tx.stmts == nil {
		return nil
	}
	return tx.stmts.get(query)
}
