package orm

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// stmtCache runs Kiln's statements on a *sql.DB as prepared statements,
// kept by SQL text, so a statement that repeats — Get, Insert, Update, a
// query built the same way each time — is compiled once per connection
// rather than on every call. On SQLite compiling a small query costs more
// than running it: the cache more than halved the time of a Get by primary
// key (BENCHMARKS.md, ORM).
//
// It is used on SQLite only: on PostgreSQL pgx keeps a statement cache of
// its own, and on MySQL/MariaDB a prepared statement lives on the server,
// which limits their number (max_prepared_stmt_count) across all clients.
//
// It holds at most max statements and closes the least recently used
// beyond that, once no call is using it, so SQL that varies from call to
// call (IN lists of different lengths, Limit and Offset values) cannot
// grow it without bound; SQL longer than stmtCacheMaxSQL is not kept.
// Statements that fail to prepare run unprepared,
// so their errors are the ones the database gives when they run. Hand-
// written SQL (DB.Exec, DB.Query) does not go through it. Safe for
// concurrent use.
type stmtCache struct {
	db  *sql.DB
	max int

	mu     sync.Mutex
	byText map[string]*list.Element // of *cachedStmt
	lru    list.List                // most recently used first
	closed bool
}

// cachedStmt is one prepared statement and the calls using it.
type cachedStmt struct {
	query   string
	stmt    *sql.Stmt
	users   int  // calls between acquire and release
	evicted bool // out of the cache: close when users drops to 0
}

// stmtCacheSize is how many statements a stmtCache keeps per pool.
const stmtCacheSize = 256

// stmtCacheMaxSQL is the longest SQL text a stmtCache prepares and keeps;
// longer statements, such as a large InsertMany's, run unprepared: running
// them outweighs compiling them, and each would hold a large compiled
// program on every connection.
const stmtCacheMaxSQL = 16 << 10

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, byText: map[string]*list.Element{}}
}

// acquire returns the prepared statement for query, preparing it on first
// use, or nil when it is too long to keep or cannot be prepared. Pass a
// non-nil result to release once the call on it has returned (open Rows
// keep the statement alive by themselves).
func (c *stmtCache) acquire(ctx context.Context, query string) *cachedStmt {
	if len(query) > stmtCacheMaxSQL {
		return nil
	}
	c.mu.Lock()
	if e, ok := c.byText[query]; ok {
		c.lru.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		cs.users++
		c.mu.Unlock()
		return cs
	}
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil
	}
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	if e, ok := c.byText[query]; ok || c.closed {
		// Prepared by another call meanwhile, or the DB closed.
		var cs *cachedStmt
		if ok {
			c.lru.MoveToFront(e)
			cs = e.Value.(*cachedStmt)
			cs.users++
		}
		c.mu.Unlock()
		stmt.Close()
		return cs
	}
	cs := &cachedStmt{query: query, stmt: stmt, users: 1}
	c.byText[query] = c.lru.PushFront(cs)
	var idle []*sql.Stmt
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byText, old.query)
		old.evicted = true
		if old.users == 0 {
			idle = append(idle, old.stmt)
		}
	}
	c.mu.Unlock()
	for _, s := range idle {
		s.Close()
	}
	return cs
}

// release ends a call on cs, and closes cs if it was evicted meanwhile
// and no other call is using it.
func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	cs.users--
	done := cs.evicted && cs.users == 0
	c.mu.Unlock()
	if done {
		cs.stmt.Close()
	}
}

// close closes every cached statement (DB.Close calls it before closing
// the pool). Statements in use are closed by their last release.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	var idle []*sql.Stmt
	for e := c.lru.Front(); e != nil; e = e.Next() {
		cs := e.Value.(*cachedStmt)
		cs.evicted = true
		if cs.users == 0 {
			idle = append(idle, cs.stmt)
		}
	}
	c.byText = map[string]*list.Element{}
	c.lru.Init()
	c.mu.Unlock()
	for _, s := range idle {
		s.Close()
	}
}

// len returns the number of cached statements.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// ExecContext runs query as a cached prepared statement.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.db.ExecContext(ctx, query, args...)
	}
	defer c.release(cs)
	return cs.stmt.ExecContext(ctx, args...)
}

// QueryContext runs query as a cached prepared statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.db.QueryContext(ctx, query, args...)
	}
	defer c.release(cs)
	return cs.stmt.QueryContext(ctx, args...)
}

// QueryRowContext runs query as a cached prepared statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	cs := c.acquire(ctx, query)
	if cs == nil {
		return c.db.QueryRowContext(ctx, query, args...)
	}
	defer c.release(cs)
	return cs.stmt.QueryRowContext(ctx, args...)
}
