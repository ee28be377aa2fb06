package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// resultRows is what the orm's readers need of a result set: *sql.Rows
// and pgx.Rows both have it (columnsOf reads either's column names).
type resultRows interface {
	Next() bool
	Scan(dest ...any) error
}

// readRows runs the SELECT query on q's read side and calls read with its
// rows, which stay open until read returns. read may stop early by
// returning nil before Next reports false. The driver's errors come back
// classified (see DB.queryErr); read's own errors come back as they are.
//
// On PostgreSQL, outside a transaction, the query runs on the pgx pool
// through pgx's own API rather than through database/sql: database/sql
// watches every result set of a cancellable context, such as an HTTP
// request's, with a goroutine of its own, and converts every value twice
// (to a driver.Value, then to the destination): a primary-key read that
// way costs about 1.6 times the CPU of pgx alone and 51 allocations
// against 17 (BENCHMARKS.md, ORM).
// Transactions keep using database/sql, whose *sql.Tx owns the connection.
func readRows(ctx context.Context, q Querier, query string, args []any, read func(resultRows) error) error {
	return queryRows(ctx, q, q.reader, query, args, read)
}

// writeRows is readRows for a statement that changes data and returns rows
// (INSERT … RETURNING): it runs on q's write side, which on SQLite is not
// the read pool.
func writeRows(ctx context.Context, q Querier, query string, args []any, read func(resultRows) error) error {
	return queryRows(ctx, q, q.writer, query, args, read)
}

// queryRows is readRows and writeRows, with side giving the executor that
// database/sql runs the query on.
func queryRows(ctx context.Context, q Querier, side func() executor, query string, args []any, read func(resultRows) error) error {
	if db, ok := q.(*DB); ok && db.viaPgx {
		return db.pgxQuery(ctx, query, args, read)
	}
	db := q.database()
	rows, err := side().QueryContext(ctx, query, args...)
	if err != nil {
		return db.queryErr(err)
	}
	defer rows.Close()
	if err := read(rows); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return db.queryErr(err)
	}
	return db.queryErr(rows.Close())
}

// pgxQuery is queryRows on the pgx pool. The query hook, if any, is called
// once the rows are read, with the time pgx took to answer the query and
// the query's error, including one that surfaced while reading.
func (db *DB) pgxQuery(ctx context.Context, query string, args []any, read func(resultRows) error) error {
	h := hookFrom(ctx)
	var start time.Time
	if h != nil {
		start = time.Now()
	}
	rows, err := db.pgx.Query(ctx, query, args...) // Close gives the connection back
	var took time.Duration
	if h != nil {
		took = time.Since(start)
	}
	var readErr error
	if err == nil {
		readErr = read(rows)
		rows.Close()
		err = rows.Err()
	}
	if h != nil {
		h(ctx, QueryInfo{SQL: query, Args: args, Duration: took, Err: err})
	}
	if err != nil {
		return db.queryErr(err)
	}
	return readErr
}

// writeRow runs query, a statement that changes data and returns one row
// (INSERT … RETURNING), on q's write side and scans the row into dest. On
// PostgreSQL outside a transaction it runs on pgx's API, for the reasons
// readRows gives. Errors come back classified (see DB.queryErr).
func writeRow(ctx context.Context, q Querier, query string, args []any, dest ...any) error {
	found := false
	err := writeRows(ctx, q, query, args, func(rows resultRows) error {
		if !rows.Next() {
			return nil
		}
		found = true
		return rows.Scan(dest...)
	})
	if err == nil && !found {
		err = q.database().queryErr(sql.ErrNoRows)
	}
	return err
}

// pgxExec is the executor of a *DB's statements on PostgreSQL: those that
// return no rows run on the pgx pool through pgx's API, reporting to the
// query hook as dbExec does; QueryContext and QueryRowContext, whose
// results are database/sql's types, run on database/sql over the same
// pool. (The orm reads rows through queryRows, which uses pgx for both.)
// A single pointer, so converting it to executor does not allocate.
type pgxExec struct{ db *DB }

func (e pgxExec) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	h := hookFrom(ctx)
	var start time.Time
	if h != nil {
		start = time.Now()
	}
	tag, err := e.db.pgx.Exec(ctx, query, args...)
	if h != nil {
		h(ctx, QueryInfo{SQL: query, Args: args, Duration: time.Since(start), Err: err})
	}
	if err != nil {
		return nil, err
	}
	return pgxResult(tag.RowsAffected()), nil
}

func (e pgxExec) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return dbExec{e.db.write}.QueryContext(ctx, query, args...)
}

func (e pgxExec) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return dbExec{e.db.write}.QueryRowContext(ctx, query, args...)
}

// pgxResult is the sql.Result of a statement run by pgxExec: the number of
// rows it affected.
type pgxResult int64

// LastInsertId reports that PostgreSQL has none: the orm reads generated
// keys with RETURNING.
func (pgxResult) LastInsertId() (int64, error) {
	return 0, errors.New("orm: PostgreSQL has no last insert id; use INSERT … RETURNING")
}

// RowsAffected returns the number of rows the statement affected.
func (r pgxResult) RowsAffected() (int64, error) { return int64(r), nil }

// columnsOf returns the column names of rows.
func columnsOf(rows resultRows) ([]string, error) {
	switch r := rows.(type) {
	case interface{ Columns() ([]string, error) }: // *sql.Rows
		return r.Columns()
	case pgx.Rows:
		fds := r.FieldDescriptions()
		cols := make([]string, len(fds))
		for i, fd := range fds {
			cols[i] = fd.Name
		}
		return cols, nil
	}
	return nil, fmt.Errorf("orm: cannot read the column names of a %T", rows)
}
