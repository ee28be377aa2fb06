package orm

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// QueryInfo describes one statement Kiln's orm ran, as given to a query
// hook installed with WithQueryHook.
type QueryInfo struct {
	// SQL is the statement as sent to the database, with placeholders.
	SQL string
	// Args are the bound values, in order.
	Args []any
	// Duration is how long the database took to answer (for a SELECT, until
	// the first row was ready, not until the rows were read).
	Duration time.Duration
	// Err is the driver's error, or nil.
	Err error
}

// QueryHook is called after each statement run with a context carrying it.
type QueryHook func(ctx context.Context, q QueryInfo)

type queryHookKey struct{}

// WithQueryHook returns a context that reports every statement the orm
// runs with it (queries, inserts, updates, deletes, transactions' work and
// DB.Exec/Query/QueryRow) to hook, after the statement has run. Hooks
// installed in an outer context are still called, after hook.
//
// It is scoped, like Django's connection.execute_wrapper: install it in a
// test to count queries (see CountQueries), or in a middleware to log a
// request's SQL with its request id. Statements run through the raw
// *sql.DB or the pgx pool (DB.SQL, DB.Pgx) bypass it. The hook runs on the
// goroutine that ran the statement and must be safe for concurrent use if
// the context is shared between goroutines.
func WithQueryHook(ctx context.Context, hook QueryHook) context.Context {
	hooksInstalled.Store(true)
	if outer, ok := ctx.Value(queryHookKey{}).(QueryHook); ok {
		inner := hook
		hook = func(ctx context.Context, q QueryInfo) { inner(ctx, q); outer(ctx, q) }
	}
	return context.WithValue(ctx, queryHookKey{}, hook)
}

// QueryCounter counts the statements run with a context from CountQueries.
// It is safe for concurrent use.
type QueryCounter struct {
	queries chan []string
}

// CountQueries returns a context whose statements are counted by the
// returned counter, for tests that pin how many queries a piece of code
// runs (Django's assertNumQueries):
//
//	ctx, n := orm.CountQueries(ctx)
//	posts, _ := orm.Query[Post](db).Preload("Author").All(ctx)
//	if n.Count() != 2 { t.Errorf("ran %d queries, want 2:\n%s", n.Count(), n) }
func CountQueries(ctx context.Context) (context.Context, *QueryCounter) {
	c := &QueryCounter{queries: make(chan []string, 1)}
	c.queries <- nil
	return WithQueryHook(ctx, func(_ context.Context, q QueryInfo) {
		list := <-c.queries
		c.queries <- append(list, q.SQL)
	}), c
}

// Count returns how many statements have run so far.
func (c *QueryCounter) Count() int { return len(c.SQL()) }

// SQL returns the statements run so far, in order.
func (c *QueryCounter) SQL() []string {
	list := <-c.queries
	c.queries <- list
	return append([]string(nil), list...)
}

// String lists the statements, one per line, for test failure messages.
func (c *QueryCounter) String() string {
	var b strings.Builder
	for i, q := range c.SQL() {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, q)
	}
	return b.String()
}

func hookFrom(ctx context.Context) QueryHook {
	if !hooksInstalled.Load() {
		return nil
	}
	h, _ := ctx.Value(queryHookKey{}).(QueryHook)
	return h
}

// hooksInstalled is set by the first WithQueryHook in the process. Until
// then no context can carry a hook, and hookFrom skips the lookup: a
// ctx.Value walks the whole context chain to its root for a key that is
// not there, once per statement, which profiles of a loaded server put at
// about 2 % of its CPU on the TechEmpower updates test.
var hooksInstalled atomic.Bool

// dbExec and txExec are the executors queries run on. Each is a single
// pointer, so converting one to the executor interface does not allocate;
// they call the query hook, if the context has one, after each statement.
type (
	dbExec    struct{ *sql.DB }
	txExec    struct{ *sql.Tx }
	cacheExec struct{ *stmtCache }
)

func (e cacheExec) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return traceExec(ctx, e.stmtCache.ExecContext, query, args)
}

func (e cacheExec) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return traceQuery(ctx, e.stmtCache.QueryContext, query, args)
}

func (e cacheExec) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return traceRow(ctx, e.stmtCache.QueryRowContext, query, args)
}

func (e dbExec) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return traceExec(ctx, e.DB.ExecContext, query, args)
}

func (e dbExec) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return traceQuery(ctx, e.DB.QueryContext, query, args)
}

func (e dbExec) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return traceRow(ctx, e.DB.QueryRowContext, query, args)
}

func (e txExec) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return traceExec(ctx, e.Tx.ExecContext, query, args)
}

func (e txExec) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return traceQuery(ctx, e.Tx.QueryContext, query, args)
}

func (e txExec) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return traceRow(ctx, e.Tx.QueryRowContext, query, args)
}

func traceExec(ctx context.Context, f func(context.Context, string, ...any) (sql.Result, error), query string, args []any) (sql.Result, error) {
	h := hookFrom(ctx)
	if h == nil {
		return f(ctx, query, args...)
	}
	start := time.Now()
	res, err := f(ctx, query, args...)
	h(ctx, QueryInfo{SQL: query, Args: args, Duration: time.Since(start), Err: err})
	return res, err
}

func traceQuery(ctx context.Context, f func(context.Context, string, ...any) (*sql.Rows, error), query string, args []any) (*sql.Rows, error) {
	h := hookFrom(ctx)
	if h == nil {
		return f(ctx, query, args...)
	}
	start := time.Now()
	rows, err := f(ctx, query, args...)
	h(ctx, QueryInfo{SQL: query, Args: args, Duration: time.Since(start), Err: err})
	return rows, err
}

func traceRow(ctx context.Context, f func(context.Context, string, ...any) *sql.Row, query string, args []any) *sql.Row {
	h := hookFrom(ctx)
	if h == nil {
		return f(ctx, query, args...)
	}
	start := time.Now()
	row := f(ctx, query, args...)
	h(ctx, QueryInfo{SQL: query, Args: args, Duration: time.Since(start), Err: row.Err()})
	return row
}
