package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

func TestTx(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		count := func() int64 {
			t.Helper()
			n, err := orm.Query[Task](db).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Commit: both rows land, and reads inside see the writes.
		err := db.Tx(ctx, func(tx *orm.Tx) error {
			if err := orm.Insert(ctx, tx, &Task{Title: "a"}); err != nil {
				return err
			}
			if n, err := orm.Query[Task](tx).Count(ctx); err != nil || n != 1 {
				t.Errorf("inside the transaction: %d rows, %v", n, err)
			}
			return orm.Insert(ctx, tx, &Task{Title: "b"})
		})
		if err != nil || count() != 2 {
			t.Fatalf("commit: %v, %d rows", err, count())
		}

		// An error rolls everything back and is returned.
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *orm.Tx) error {
			if err := orm.Insert(ctx, tx, &Task{Title: "c"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 2 {
			t.Fatalf("rollback on error: %v, %d rows", err, count())
		}

		// A panic rolls back and is re-raised.
		func() {
			defer func() {
				if p := recover(); p != "kaboom" {
					t.Errorf("recovered %v, want the panic passed on", p)
				}
			}()
			db.Tx(ctx, func(tx *orm.Tx) error {
				orm.Insert(ctx, tx, &Task{Title: "d"})
				panic("kaboom")
			})
		}()
		if count() != 2 {
			t.Fatalf("rollback on panic: %d rows", count())
		}

		// Nested: a failing savepoint undoes only its own work.
		err = db.Tx(ctx, func(tx *orm.Tx) error {
			if err := orm.Insert(ctx, tx, &Task{Title: "outer"}); err != nil {
				return err
			}
			inner := tx.Tx(ctx, func(tx *orm.Tx) error {
				if err := orm.Insert(ctx, tx, &Task{Title: "inner"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(inner, boom) {
				t.Errorf("inner error %v", inner)
			}
			return tx.Tx(ctx, func(tx *orm.Tx) error { return orm.Insert(ctx, tx, &Task{Title: "inner ok"}) })
		})
		if err != nil {
			t.Fatal(err)
		}
		all, _ := orm.Query[Task](db).OrderBy("id").All(ctx)
		if titles(all) != "a,b,outer,inner ok" {
			t.Fatalf("after savepoints: %q", titles(all))
		}

		// A cancelled context rolls back.
		cctx, cancel := context.WithCancel(ctx)
		err = db.Tx(cctx, func(tx *orm.Tx) error {
			if err := orm.Insert(ctx, tx, &Task{Title: "late"}); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || count() != 4 {
			t.Fatalf("cancelled: %v, %d rows", err, count())
		}
	})
}

// TestTxConcurrentWritersSQLite checks that concurrent write transactions
// on SQLite queue instead of failing with "database is locked".
func TestTxConcurrentWritersSQLite(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "sqlite")
	createTasks(t, db)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				errs <- db.Tx(ctx, func(tx *orm.Tx) error {
					n, err := orm.Query[Task](tx).Count(ctx) // read, then write: the classic deadlock shape
					if err != nil {
						return err
					}
					return orm.Insert(ctx, tx, &Task{Title: "t", Rank: int(n)})
				})
			}
		}()
	}
	go func() { wg.Wait(); close(errs) }()
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := orm.Query[Task](db).Count(ctx); n != 200 {
		t.Fatalf("%d rows, want 200", n)
	}
}

func TestBegin(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		count := func() int64 {
			t.Helper()
			n, err := orm.Query[Task](db).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		begin := func(ctx context.Context) *orm.Tx {
			t.Helper()
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return tx
		}

		t.Run("commit", func(t *testing.T) {
			tx := begin(ctx)
			if err := orm.Insert(ctx, tx, &Task{Title: "kept"}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d rows after Commit, want 1", n)
			}
			if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
				t.Fatalf("Rollback after Commit: %v, want sql.ErrTxDone", err)
			}
			if err := tx.Commit(); !errors.Is(err, sql.ErrTxDone) {
				t.Fatalf("second Commit: %v, want sql.ErrTxDone", err)
			}
		})

		t.Run("rollback", func(t *testing.T) {
			tx := begin(ctx)
			if err := orm.Insert(ctx, tx, &Task{Title: "undone"}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d rows after Rollback, want 1", n)
			}
			if err := tx.Commit(); !errors.Is(err, sql.ErrTxDone) {
				t.Fatalf("Commit after Rollback: %v, want sql.ErrTxDone", err)
			}
			if err := orm.Insert(ctx, tx, &Task{Title: "late"}); !errors.Is(err, sql.ErrTxDone) {
				t.Fatalf("Insert after Rollback: %v, want sql.ErrTxDone", err)
			}
		})

		t.Run("cancel rolls back", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			tx := begin(cctx)
			if err := orm.Insert(cctx, tx, &Task{Title: "cancelled"}); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := tx.Commit(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Commit after cancel: %v, want context.Canceled", err)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d rows after a cancelled transaction, want 1", n)
			}
			// The connection went back to the pool: on SQLite, the only
			// writer, so a new transaction would otherwise wait forever.
			tx2 := begin(ctx)
			if err := tx2.Rollback(); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("savepoints", func(t *testing.T) {
			tx := begin(ctx)
			defer tx.Rollback()
			boom := errors.New("boom")
			err := tx.Tx(ctx, func(inner *orm.Tx) error {
				if err := orm.Insert(ctx, inner, &Task{Title: "inner undone"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("inner error %v", err)
			}
			err = tx.Tx(ctx, func(inner *orm.Tx) error {
				if err := inner.Commit(); err == nil || !strings.Contains(err.Error(), "nested") {
					t.Errorf("Commit on a savepoint: %v, want a refusal", err)
				}
				return orm.Insert(ctx, inner, &Task{Title: "inner kept"})
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			all, err := orm.Query[Task](db).OrderBy("id").All(ctx)
			if err != nil || titles(all) != "kept,inner kept" {
				t.Fatalf("after savepoints: %q, %v", titles(all), err)
			}
		})

		t.Run("DB.Tx's transaction refuses Commit", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *orm.Tx) error {
				if err := tx.Commit(); err == nil || !strings.Contains(err.Error(), "DB.Tx") {
					t.Errorf("Commit: %v, want a refusal naming DB.Tx", err)
				}
				if err := tx.Rollback(); err == nil {
					t.Error("Rollback inside DB.Tx succeeded")
				}
				return orm.Insert(ctx, tx, &Task{Title: "still committed"})
			})
			if err != nil || count() != 3 {
				t.Fatalf("DB.Tx after refused Commit: %v, %d rows", err, count())
			}
		})
	})
}

// placeOrder is application code written against Querier: q.Tx is a
// transaction on a *DB and a savepoint inside a *Tx.
func placeOrder(ctx context.Context, q orm.Querier, title string, fail bool) error {
	return q.Tx(ctx, func(tx *orm.Tx) error {
		if err := orm.Insert(ctx, tx, &Task{Title: title}); err != nil {
			return err
		}
		if fail {
			return errors.New("out of stock")
		}
		return nil
	})
}

func TestQuerierTx(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		if err := placeOrder(ctx, db, "on db", false); err != nil {
			t.Fatal(err)
		}
		if err := placeOrder(ctx, db, "on db, failed", true); err == nil {
			t.Fatal("the failing order succeeded")
		}
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := placeOrder(ctx, tx, "in tx", false); err != nil {
			t.Fatal(err)
		}
		if err := placeOrder(ctx, tx, "in tx, failed", true); err == nil {
			t.Fatal("the failing order succeeded")
		}
		inTx, err := orm.Query[Task](tx).OrderBy("id").All(ctx)
		if err != nil || titles(inTx) != "on db,in tx" {
			t.Fatalf("inside the transaction: %q, %v", titles(inTx), err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		after, err := orm.Query[Task](db).OrderBy("id").All(ctx)
		if err != nil || titles(after) != "on db" {
			t.Fatalf("after rollback: %q, %v", titles(after), err)
		}
	})
}
