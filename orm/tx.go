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
//
// Its Tx method runs a function in a transaction on either: a new
// transaction on a *DB, a savepoint inside a *Tx. Code that takes a
// Querier and groups its writes with q.Tx therefore also runs inside a
// caller's transaction, such as the one ormtest.Tx rolls back after a test.
type Querier interface {
	Tx(ctx context.Context, fn func(tx *Tx) error) error
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

// writer and reader return the executors Kiln's statements run on: the
// prepared-statement caches on SQLite, the pools elsewhere, each reporting
// to the context's query hook (see WithQueryHook).
func (db *DB) writer() executor {
	if db.wcache != nil {
		return cacheExec{db.wcache}
	}
	return dbExec{db.write}
}

func (db *DB) reader() executor {
	if db.rcache != nil {
		return cacheExec{db.rcache}
	}
	return dbExec{db.read}
}

func (tx *Tx) database() *DB       { return tx.db }
func (tx *Tx) writer() executor    { return txExec{tx.tx} }
func (tx *Tx) reader() executor    { return txExec{tx.tx} }
func (tx *Tx) registry() *Registry { return &tx.db.models }

// Tx is a database transaction: the one given to the function passed to
// DB.Tx, or one started by DB.Begin. Queries run inside it by passing it
// where a *DB would go:
//
//	err := db.Tx(ctx, func(tx *orm.Tx) error {
//		if err := orm.Insert(ctx, tx, &order); err != nil {
//			return err // rolls back
//		}
//		return orm.Update(ctx, tx, &stock)
//	})
//
// A Tx must not be used after it ends (its function returns, or Commit or
// Rollback is called), nor from several goroutines at once.
type Tx struct {
	db    *DB
	tx    *sql.Tx
	ctx   context.Context // the context it began with
	depth int
	seq   *int
	// begun marks a transaction from DB.Begin, which its caller ends with
	// Commit or Rollback. DB.Tx and Tx.Tx end theirs themselves.
	begun bool
}

// SQL returns the underlying *sql.Tx, for hand-written SQL in the
// transaction.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect returns the database's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Models returns the model registry of the transaction's database, the
// same as DB.Models.
func (tx *Tx) Models() *Registry { return &tx.db.models }

// Begin starts a transaction that the caller ends with Commit or
// Rollback. Prefer DB.Tx, which cannot forget to end it; Begin is for
// transactions whose end is not a function's return, such as a test's
// transaction rolled back in t.Cleanup (see ormtest.Tx). Always end it:
//
//	tx, err := db.Begin(ctx)
//	if err != nil {
//		return err
//	}
//	defer tx.Rollback() // does nothing once Commit succeeded
//	// ... writes through tx ...
//	return tx.Commit()
//
// As with database/sql, the transaction is rolled back when ctx is
// cancelled, and Commit then returns ctx's error. Nested transactions
// (tx.Tx) are savepoints, as in DB.Tx. On SQLite the transaction starts
// IMMEDIATE and holds the database's single writer connection until it
// ends: other writers, including writes through db itself, wait for it.
func (db *DB) Begin(ctx context.Context) (*Tx, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	tx.begun = true
	return tx, nil
}

func (db *DB) begin(ctx context.Context) (*Tx, error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("orm: begin transaction: %w", err)
	}
	return &Tx{db: db, tx: sqlTx, ctx: ctx, seq: new(int)}, nil
}

// Commit commits a transaction started by DB.Begin. When the context
// given to Begin is cancelled it rolls back instead and returns the
// context's error. After the transaction has ended, it returns an error
// that matches sql.ErrTxDone. Commit refuses a transaction run by DB.Tx or
// Tx.Tx: those commit when their function returns nil.
func (tx *Tx) Commit() error {
	if err := tx.checkBegun("Commit"); err != nil {
		return err
	}
	return tx.commit()
}

// Rollback rolls back a transaction started by DB.Begin. After the
// transaction has ended (committed, rolled back, or rolled back because
// its context was cancelled), it returns an error that matches
// sql.ErrTxDone, so a deferred Rollback after a successful Commit is
// harmless. Rollback refuses a transaction run by DB.Tx or Tx.Tx: return
// an error from their function to roll back.
func (tx *Tx) Rollback() error {
	if err := tx.checkBegun("Rollback"); err != nil {
		return err
	}
	return tx.rollback()
}

func (tx *Tx) checkBegun(what string) error {
	switch {
	case tx.depth > 0:
		return fmt.Errorf("orm: %s on a nested transaction (a savepoint from Tx.Tx); it ends when its function returns: return nil to keep its work, an error to undo it", what)
	case !tx.begun:
		return fmt.Errorf("orm: %s on a transaction run by DB.Tx; it ends when its function returns: return nil to commit, an error to roll back", what)
	}
	return nil
}

func (tx *Tx) commit() error {
	if err := tx.ctx.Err(); err != nil {
		// database/sql rolls back on cancellation, possibly not yet:
		// make sure, and report the cancellation rather than a race.
		_ = tx.tx.Rollback()
		return fmt.Errorf("orm: commit: %w", err)
	}
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("orm: commit: %w", tx.db.queryErr(err))
	}
	return nil
}

func (tx *Tx) rollback() error {
	if err := tx.tx.Rollback(); err != nil {
		return fmt.Errorf("orm: rollback: %w", err)
	}
	return nil
}

// Tx runs fn in a transaction. It commits when fn returns nil and rolls
// back when fn returns an error (which Tx returns) or panics (the panic is
// re-raised after the rollback), or when ctx is cancelled. On SQLite the
// transaction starts IMMEDIATE, taking the write lock at once, so
// concurrent writers queue (up to the busy timeout) instead of failing
// halfway with "database is locked".
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			err = errors.Join(err, fmt.Errorf("orm: rollback: %w", rbErr))
		}
		return err
	}
	return tx.commit()
}

// Tx runs fn in a nested transaction: a savepoint inside tx. An error or
// panic from fn rolls back only fn's work, to the savepoint, and the outer
// transaction goes on (the error is returned for the caller to handle).
func (tx *Tx) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	*tx.seq++
	name := fmt.Sprintf("kiln_sp_%d", *tx.seq)
	if _, err := tx.writer().ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("orm: savepoint: %w", err)
	}
	inner := &Tx{db: tx.db, tx: tx.tx, ctx: tx.ctx, depth: tx.depth + 1, seq: tx.seq}
	done := false
	defer func() {
		if done {
			return
		}
		p := recover()
		_, rbErr := tx.writer().ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
		if rbErr == nil {
			_, rbErr = tx.writer().ExecContext(context.WithoutCancel(ctx), "RELEASE SAVEPOINT "+name)
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
	if _, err := tx.writer().ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("orm: release savepoint: %w", err)
	}
	done = true
	return nil
}
