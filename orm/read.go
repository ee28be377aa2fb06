package orm

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
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
// On PostgreSQL, outside a transaction, the query runs on pgx's own API
// (see DB.withPgxConn) rather than through database/sql: database/sql
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

// pgxQuery is queryRows on one of database/sql's pgx connections. The query
// hook, if any, is called once the rows are read, with the time pgx took to
// answer the query and the query's error, including one that surfaced while
// reading.
func (db *DB) pgxQuery(ctx context.Context, query string, args []any, read func(resultRows) error) error {
	return db.withPgxConn(ctx, func(conn *pgx.Conn) error {
		h := hookFrom(ctx)
		var start time.Time
		if h != nil {
			start = time.Now()
		}
		rows, err := conn.Query(ctx, query, args...)
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
	})
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

// withPgxConn runs f on one of the pgx connections under database/sql's
// pool (DB.SQL), borrowed for the call, so that Kiln can use pgx's API
// without a second pool: the connection count stays what Options says and
// the statements pgx prepares on a connection serve both APIs. f must not
// keep the connection, or anything read from it, after it returns.
func (db *DB) withPgxConn(ctx context.Context, f func(*pgx.Conn) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return db.queryErr(err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("orm: the PostgreSQL driver connection is a %T, not pgx's", driverConn)
		}
		return f(sc.Conn())
	})
}

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
