package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
)

// Batch queues independent statements — reads by primary key, updates,
// hand-written statements — and runs them together, so "load these 20
// rows" or "save these 20 rows" costs one network round trip instead of
// twenty. On PostgreSQL a batch run on a *DB is sent as one pgx pipeline;
// elsewhere, and inside a *Tx, the statements run one after another on
// the same connection, which on SQLite (in-process) costs no round trips
// anyway.
//
//	b := orm.NewBatch(db)
//	worlds := make([]World, 20)
//	for i := range worlds {
//		b.Get(&worlds[i], ids[i])
//	}
//	err := b.Run(ctx) // one round trip on PostgreSQL
//
// Statements run in the order queued. On PostgreSQL the pipeline is one
// implicit transaction: if a statement fails, the ones after it do not
// take effect. On the other databases earlier statements stay applied;
// run the batch on a *Tx (NewBatch(tx)) when all-or-nothing matters
// everywhere. A Batch is not safe for concurrent use; after Run it is
// empty and can be reused.
type Batch struct {
	q    Querier
	ops  []batchOp
	err  error
	last *Model // the model of the last queued row, to skip the registry lookup
}

type batchOp struct {
	kind    byte // 'g' get, 'u' update, 'x' exec
	m       *Model
	dst     reflect.Value // the row, for get and update
	pk      any
	columns []string
	query   string
	args    []any
}

// NewBatch returns an empty batch that runs on q, a *DB or a *Tx.
func NewBatch(q Querier) *Batch { return &Batch{q: q} }

// Len returns the number of queued statements.
func (b *Batch) Len() int { return len(b.ops) }

// Get queues a read of the row whose primary key is pk into dst, a
// pointer to a model struct (registered on first use). If no row has that
// key, Run returns an error matching ErrNotFound and dst is left as it
// was. Soft-deleted rows are not found.
func (b *Batch) Get(dst any, pk any) {
	if m, v := b.model(dst, "Get"); m != nil {
		b.ops = append(b.ops, batchOp{kind: 'g', m: m, dst: v, pk: pk})
	}
}

// Update queues an update of v (a pointer to a model struct) like Update:
// every column, or only the named ones, setting updated_at. Its
// BeforeUpdate hook runs when the batch runs, before anything is sent,
// and its AfterUpdate hook after the whole batch has succeeded.
func (b *Batch) Update(v any, columns ...string) {
	if m, rv := b.model(v, "Update"); m != nil {
		b.ops = append(b.ops, batchOp{kind: 'u', m: m, dst: rv, columns: columns})
	}
}

// Exec queues a hand-written statement that returns no rows. Write ? for
// each value, as in Where; a slice after IN ? expands.
func (b *Batch) Exec(query string, args ...any) {
	expanded, flat, err := expandIn(query, args)
	if err != nil {
		b.fail(err)
		return
	}
	b.ops = append(b.ops, batchOp{kind: 'x', query: expanded, args: flat})
}

func (b *Batch) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *Batch) model(v any, method string) (*Model, reflect.Value) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		b.fail(fmt.Errorf("orm: Batch.%s needs a non-nil pointer to a model struct, not %T", method, v))
		return nil, reflect.Value{}
	}
	if t := rv.Type().Elem(); b.last == nil || b.last.Type != t {
		m, err := b.q.database().models.register(t)
		if err != nil {
			b.fail(err)
			return nil, reflect.Value{}
		}
		b.last = m
	}
	return b.last, rv.Elem()
}

// stmt is a queued operation rendered into SQL.
type stmt struct {
	op    *batchOp
	query string
	args  []any
}

// Run runs the queued statements and empties the batch. Its error names
// the failing statement's position and matches the cause with errors.Is
// (ErrNotFound, ErrUniqueViolation…).
func (b *Batch) Run(ctx context.Context) error {
	ops, err := b.ops, b.err
	b.ops, b.err = nil, nil
	if err != nil {
		return err
	}
	if len(ops) == 0 {
		return nil
	}
	db := b.q.database()
	d := db.dialect
	stmts := make([]stmt, len(ops))
	for i := range ops {
		op := &ops[i]
		s := stmt{op: op}
		switch op.kind {
		case 'g':
			s.query, s.args = op.m.sqlFor(d).get, []any{driverArg(op.pk)}
		case 'u':
			if h, ok := op.dst.Addr().Interface().(BeforeUpdater); ok {
				if err := h.BeforeUpdate(ctx, b.q); err != nil {
					return err
				}
			}
			if s.query, s.args, err = updateStmt(d, op.m, op.dst, op.columns); err != nil {
				return err
			}
		case 'x':
			s.query, s.args = rebind(d, op.query), op.args
		}
		stmts[i] = s
	}
	if _, isDB := b.q.(*DB); isDB && d.Name() == "postgres" && len(stmts) > 1 {
		err = runPipeline(ctx, db, stmts)
	} else {
		err = runInOrder(ctx, b.q, stmts)
	}
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if s.op.kind == 'u' {
			if h, ok := s.op.dst.Addr().Interface().(AfterUpdater); ok {
				if err := h.AfterUpdate(ctx, b.q); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func batchErr(i, n int, s stmt, err error) error {
	what := "Exec"
	switch s.op.kind {
	case 'g':
		what = "Get " + s.op.m.Name
	case 'u':
		what = "Update " + s.op.m.Name
	}
	return fmt.Errorf("orm: batch statement %d of %d (%s): %w", i+1, n, what, err)
}

// runInOrder runs the statements one by one on q.
func runInOrder(ctx context.Context, q Querier, stmts []stmt) error {
	db := q.database()
	var first error
	for i, s := range stmts {
		var err error
		switch s.op.kind {
		case 'g':
			rows, qerr := q.reader().QueryContext(ctx, s.query, s.args...)
			if qerr != nil {
				err = db.queryErr(qerr)
				break
			}
			if rows.Next() {
				err = scanRow(rows, s.op.m, s.op.dst)
			} else if err = rows.Err(); err == nil {
				err = fmt.Errorf("orm: %s: %w", s.op.m.Name, ErrNotFound)
			}
			rows.Close()
		default:
			res, xerr := q.writer().ExecContext(ctx, s.query, s.args...)
			if xerr != nil {
				err = db.queryErr(xerr)
			} else if s.op.kind == 'u' {
				err = updated(db, s.op.m, res)
			}
		}
		if err != nil && first == nil {
			first = batchErr(i, len(stmts), s, err)
			if !errors.Is(err, ErrNotFound) {
				return first
			}
		}
	}
	return first
}

// runPipeline sends the statements as one pgx batch: one round trip.
func runPipeline(ctx context.Context, db *DB, stmts []stmt) error {
	var pb pgx.Batch
	for _, s := range stmts {
		pb.Queue(s.query, s.args...)
	}
	// The pipeline runs on one of database/sql's own pgx connections, so
	// it shares their prepared-statement cache and needs no second pool.
	var first error
	err := db.withPgxConn(ctx, func(conn *pgx.Conn) error {
		first = pipeline(ctx, db, conn, &pb, stmts)
		return nil
	})
	if err != nil {
		return fmt.Errorf("orm: batch: %w", err)
	}
	return first
}

// pipeline sends pb on conn and reads each statement's result.
func pipeline(ctx context.Context, db *DB, conn *pgx.Conn, pb *pgx.Batch, stmts []stmt) error {
	start := time.Now()
	br := conn.SendBatch(ctx, pb)
	var first error
	for i, s := range stmts {
		var err error
		switch s.op.kind {
		case 'g':
			err = scanRow(br.QueryRow(), s.op.m, s.op.dst)
			if errors.Is(err, pgx.ErrNoRows) {
				err = fmt.Errorf("orm: %s: %w", s.op.m.Name, ErrNotFound)
			}
		default:
			tag, xerr := br.Exec()
			if xerr != nil {
				err = db.queryErr(xerr)
			} else if s.op.kind == 'u' {
				err = updatedRows(db, s.op.m, tag.RowsAffected())
			}
		}
		if err != nil && first == nil {
			if !errors.Is(err, ErrNotFound) {
				err = db.queryErr(err)
			}
			first = batchErr(i, len(stmts), s, err)
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = fmt.Errorf("orm: batch: %w", db.queryErr(err))
	}
	if h := hookFrom(ctx); h != nil {
		took := time.Since(start)
		for _, s := range stmts {
			h(ctx, QueryInfo{SQL: s.query, Args: s.args, Duration: took, Err: first})
		}
	}
	return first
}
