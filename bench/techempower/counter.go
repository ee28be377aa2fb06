package techempower

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/kiln-web/kiln/orm"
)

// QueryCounter counts the statements a contestant sends to the database,
// split into SELECTs, UPDATEs and the rest. It is a pgx tracer (set it as
// a pool's ConnConfig.Tracer: it traces single queries and each query of a
// batch) and, for Kiln's orm, which owns its pool, an orm.QueryHook. It is
// safe for concurrent use.
type QueryCounter struct {
	selects, updates, others atomic.Int64
}

var (
	_ pgx.QueryTracer = (*QueryCounter)(nil)
	_ pgx.BatchTracer = (*QueryCounter)(nil)
)

// Counts returns the statements counted so far.
func (c *QueryCounter) Counts() (selects, updates, others int64) {
	return c.selects.Load(), c.updates.Load(), c.others.Load()
}

// Reset sets every count to zero.
func (c *QueryCounter) Reset() {
	c.selects.Store(0)
	c.updates.Store(0)
	c.others.Store(0)
}

func (c *QueryCounter) count(sql string) {
	verb, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	switch strings.ToUpper(verb) {
	case "SELECT":
		c.selects.Add(1)
	case "UPDATE":
		c.updates.Add(1)
	default:
		c.others.Add(1)
	}
}

// TraceQueryStart counts a query run with Query, QueryRow or Exec.
func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.count(data.SQL)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *QueryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart does nothing; each query of the batch is counted by
// TraceBatchQuery.
func (c *QueryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchQuery counts one query of a batch.
func (c *QueryCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	c.count(data.SQL)
}

// TraceBatchEnd does nothing.
func (c *QueryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// ORMHook returns an orm.QueryHook that counts every statement Kiln's orm
// runs with a context carrying it (see orm.WithQueryHook).
func (c *QueryCounter) ORMHook() orm.QueryHook {
	return func(_ context.Context, q orm.QueryInfo) { c.count(q.SQL) }
}
