package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
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

// batchOp is one queued statement. Run renders it in place (query, args),
// so that a batch allocates its queue once and nothing more per statement
// beyond the arguments.
type batchOp struct {
	kind byte // 'g' get, 'u' update, 'x' exec
	m    *Model
	dst  reflect.Value // the row, for get and update
	pk   any           // the key, for get
	// partial is the statement of an update of named columns, resolved
	// when queued; nil updates every column.
	partial *partialUpdate
	query   string
	args    []any
}

// minBatch is the capacity a batch's queue starts with, so that the usual
// batch of a few dozen rows grows it once or twice rather than six times.
const minBatch = 16

// NewBatch returns an empty batch that runs on q, a *DB or a *Tx.
func NewBatch(q Querier) *Batch { return &Batch{q: q} }

// Len returns the number of queued statements.
func (b *Batch) Len() int { return len(b.ops) }

// Grow makes room for n more statements, so that queueing them does not
// grow the queue again: call it when the count is known, as with
// strings.Builder.Grow.
func (b *Batch) Grow(n int) {
	if n > 0 {
		b.ops = slices.Grow(b.ops, n)
	}
}

func (b *Batch) queue(op batchOp) {
	if cap(b.ops) == 0 {
		b.ops = make([]batchOp, 0, minBatch)
	}
	b.ops = append(b.ops, op)
}

// Get queues a read of the row whose primary key is pk into dst, a
// pointer to a model struct (registered on first use). If no row has that
// key, Run returns an error matching ErrNotFound and dst is left as it
// was. Soft-deleted rows are not found.
func (b *Batch) Get(dst any, pk any) {
	if m, v := b.model(dst, "Get"); m != nil {
		b.queue(batchOp{kind: 'g', m: m, dst: v, pk: pk})
	}
}

// Update queues an update of v (a pointer to a model struct) like Update:
// every column, or only the named ones, setting updated_at. Its
// BeforeUpdate hook runs when the batch runs, before anything is sent,
// and its AfterUpdate hook after the whole batch has succeeded. A column
// the model does not have makes Run return an *UnknownColumnError without
// sending anything.
func (b *Batch) Update(v any, columns ...string) {
	m, rv := b.model(v, "Update")
	if m == nil {
		return
	}
	op := batchOp{kind: 'u', m: m, dst: rv}
	if len(columns) > 0 {
		d := b.q.database().dialect
		pu, err := m.sqlFor(d).partialUpdate(d, m, columns)
		if err != nil {
			b.fail(err)
			return
		}
		op.partial = pu
	}
	b.queue(op)
}

// Exec queues a hand-written statement that returns no rows. Write ? for
// each value, as in Where; a slice after IN ? expands.
func (b *Batch) Exec(query string, args ...any) {
	expanded, flat, err := expandIn(query, args)
	if err != nil {
		b.fail(err)
		return
	}
	b.queue(batchOp{kind: 'x', query: expanded, args: flat})
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
	empty := 0 // updates with no column to set, which send nothing
	for i := range ops {
		op := &ops[i]
		switch op.kind {
		case 'g':
			op.query, op.args = op.m.sqlFor(d).get, []any{driverArg(op.pk)}
		case 'u':
			if h, ok := op.dst.Addr().Interface().(BeforeUpdater); ok {
				if err := h.BeforeUpdate(ctx, b.q); err != nil {
					return err
				}
			}
			if op.query, op.args, err = updateStmtFor(d, op.m, op.dst, op.partial); err != nil {
				return err
			}
		case 'x':
			op.query = rebind(d, op.query)
		}
		if op.query == "" {
			empty++
		}
	}
	send := ops
	if empty > 0 {
		send = make([]batchOp, 0, len(ops)-empty)
		for _, op := range ops {
			if op.query != "" {
				send = append(send, op)
			}
		}
	}
	switch _, isDB := b.q.(*DB); {
	case len(send) == 0:
	case isDB && d.Name() == "postgres" && len(send) > 1:
		err = runPipeline(ctx, db, send)
	default:
		err = runInOrder(ctx, b.q, send)
	}
	if err != nil {
		return err
	}
	for i := range ops {
		if op := &ops[i]; op.kind == 'u' {
			if h, ok := op.dst.Addr().Interface().(AfterUpdater); ok {
				if err := h.AfterUpdate(ctx, b.q); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func batchErr(i, n int, s *batchOp, err error) error {
	what := "Exec"
	switch s.kind {
	case 'g':
		what = "Get " + s.m.Name
	case 'u':
		what = "Update " + s.m.Name
	}
	return fmt.Errorf("orm: batch statement %d of %d (%s): %w", i+1, n, what, err)
}

// runInOrder runs the statements one by one on q.
func runInOrder(ctx context.Context, q Querier, stmts []batchOp) error {
	db := q.database()
	var first error
	for i := range stmts {
		s := &stmts[i]
		var err error
		switch s.kind {
		case 'g':
			rows, qerr := q.reader().QueryContext(ctx, s.query, s.args...)
			if qerr != nil {
				err = db.queryErr(qerr)
				break
			}
			if rows.Next() {
				err = scanRow(rows, s.m, s.dst)
			} else if err = rows.Err(); err == nil {
				err = fmt.Errorf("orm: %s: %w", s.m.Name, ErrNotFound)
			}
			rows.Close()
		default:
			res, xerr := q.writer().ExecContext(ctx, s.query, s.args...)
			if xerr != nil {
				err = db.queryErr(xerr)
			} else if s.kind == 'u' {
				err = updated(db, s.m, res)
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
func runPipeline(ctx context.Context, db *DB, stmts []batchOp) error {
	pb := pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(stmts))}
	for i := range stmts {
		pb.Queue(stmts[i].query, stmts[i].args...)
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
func pipeline(ctx context.Context, db *DB, conn *pgx.Conn, pb *pgx.Batch, stmts []batchOp) error {
	start := time.Now()
	br := conn.SendBatch(ctx, pb)
	var first error
	for i := range stmts {
		s := &stmts[i]
		var err error
		switch s.kind {
		case 'g':
			err = scanRow(br.QueryRow(), s.m, s.dst)
			if errors.Is(err, pgx.ErrNoRows) {
				err = fmt.Errorf("orm: %s: %w", s.m.Name, ErrNotFound)
			}
		default:
			tag, xerr := br.Exec()
			if xerr != nil {
				err = db.queryErr(xerr)
			} else if s.kind == 'u' {
				err = updatedRows(db, s.m, tag.RowsAffected())
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
		for i := range stmts {
			h(ctx, QueryInfo{SQL: stmts[i].query, Args: stmts[i].args, Duration: took, Err: first})
		}
	}
	return first
}
