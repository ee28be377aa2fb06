package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Querier is what queries run on: a *DB or a *Tx. Query, Insert and
// Update take either, so the same code works inside and outside a
// transaction. It is implemented only by this package's types.
type Querier interface {
	database() *DB
	writer() executor
	reader() executor
}

// executor is what *sql.DB and *sql.Tx have in common.
type executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) database() *DB { return db }
func (db *DB) writer() executor {
	if db.wcache != nil {
		return db.wcache
	}
	return db.write
}

func (db *DB) reader() executor {
	if db.rcache != nil {
		return db.rcache
	}
	return db.read
}

func (tx *Tx) database() *DB       { return tx.db }
func (tx *Tx) writer() executor    { return tx.tx }
func (tx *Tx) reader() executor    { return tx.tx }
func (tx *Tx) registry() *Registry { return &tx.db.models }

// Tx is a database transaction, given to the function passed to DB.Tx.
// Queries run inside it by passing it where a *DB would go:
//
//	err := db.Tx(ctx, func(tx *orm.Tx) error {
//		if err := orm.Insert(ctx, tx, &order); err != nil {
//			return err // rolls back
//		}
//		return orm.Update(ctx, tx, &stock)
//	})
//
// A Tx must not be used after its function returns, nor from several
// goroutines at once.
type Tx struct {
	db    *DB
	tx    *sql.Tx
	depth int
	seq   *int
}

// SQL returns the underlying *sql.Tx, for hand-written SQL in the
// transaction.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect returns the database's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Tx runs fn in a transaction. It commits when fn returns nil and rolls
// back when fn returns an error (which Tx returns) or panics (the panic is
// re-raised after the rollback), or when ctx is cancelled. On SQLite the
// transaction starts IMMEDIATE, taking the write lock at once, so
// concurrent writers queue (up to the busy timeout) instead of failing
// halfway with "database is locked".
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("orm: begin transaction: %w", err)
	}
	seq := 0
	tx := &Tx{db: db, tx: sqlTx, seq: &seq}
	committed := false
	defer func() {
		if committed {
			return
		}
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			err = errors.Join(err, fmt.Errorf("orm: rollback: %w", rbErr))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("orm: commit: %w", db.queryErr(err))
	}
	committed = true
	return nil
}

// Tx runs fn in a nested transaction: a savepoint inside tx. An error or
// panic from fn rolls back only fn's work, to the savepoint, and the outer
// transaction goes on (the error is returned for the caller to handle).
func (tx *Tx) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	*tx.seq++
	name := fmt.Sprintf("kiln_sp_%d", *tx.seq)
	if _, err := tx.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("orm: savepoint: %w", err)
	}
	inner := &Tx{db: tx.db, tx: tx.tx, depth: tx.depth + 1, seq: tx.seq}
	done := false
	defer func() {
		if done {
			return
		}
		p := recover()
		_, rbErr := tx.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
		if rbErr == nil {
			_, rbErr = tx.tx.ExecContext(context.WithoutCancel(ctx), "RELEASE SAVEPOINT "+name)
		}
		if p != nil {
			panic(p)
		}
		if rbErr != nil {
			err = errors.Join(err, fmt.Errorf("orm: rollback to savepoint: %w", rbErr))
		}
	}()
	if err := fn(inner); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("orm: release savepoint: %w", err)
	}
	done = true
	return nil
}
