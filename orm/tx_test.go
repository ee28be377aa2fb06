package orm_test

import (
	"context"
	"errors"
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
