package orm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// TestCancelledContext checks that every query, write and transaction
// given a context that is already cancelled returns an error matching
// context.Canceled and changes nothing.
func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		first := Task{Title: "first", Rank: 1}
		if err := orm.Insert(ctx, db, &first); err != nil {
			t.Fatal(err)
		}
		// Insert and Update run once with a live context first, as does
		// every call marked warm below, so that the cancelled calls find
		// their statements prepared (on SQLite, in the statement cache)
		// and the pool's connections open: the context must be checked on
		// that fast path too, not only while preparing or connecting.
		warm := Task{Title: "warm"}
		if err := orm.Insert(ctx, db, &warm); err != nil {
			t.Fatal(err)
		}
		if err := orm.Update(ctx, db, &warm); err != nil {
			t.Fatal(err)
		}
		if err := orm.Update(ctx, db, &warm, "title"); err != nil {
			t.Fatal(err)
		}
		exec(t, db, "DELETE FROM tasks WHERE title = 'warm'")

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		type countRow struct{ N int64 }
		calls := []struct {
			name string
			warm bool // run it with a live context first: it changes nothing
			run  func(ctx context.Context) error
		}{
			{"All", true, func(ctx context.Context) error { _, err := orm.Query[Task](db).All(ctx); return err }},
			{"First", true, func(ctx context.Context) error { _, err := orm.Query[Task](db).OrderBy("id").First(ctx); return err }},
			{"Get", true, func(ctx context.Context) error { _, err := orm.Query[Task](db).Get(ctx, first.ID); return err }},
			{"Count", true, func(ctx context.Context) error { _, err := orm.Query[Task](db).Count(ctx); return err }},
			{"Exists", true, func(ctx context.Context) error { _, err := orm.Query[Task](db).Exists(ctx); return err }},
			{"Raw", true, func(ctx context.Context) error {
				_, err := orm.Raw[countRow](ctx, db, "SELECT COUNT(*) AS n FROM tasks")
				return err
			}},
			{"Insert", false, func(ctx context.Context) error { return orm.Insert(ctx, db, &Task{Title: "inserted"}) }},
			{"InsertMany", false, func(ctx context.Context) error {
				return orm.InsertMany(ctx, db, []Task{{Title: "many 1"}, {Title: "many 2"}})
			}},
			{"Update", false, func(ctx context.Context) error {
				changed := first
				changed.Title, changed.Rank = "updated", 99
				return orm.Update(ctx, db, &changed)
			}},
			{"Update columns", false, func(ctx context.Context) error {
				changed := first
				changed.Title = "updated"
				return orm.Update(ctx, db, &changed, "title")
			}},
			{"Upsert", false, func(ctx context.Context) error {
				return orm.Upsert(ctx, db, &Task{ID: first.ID, Title: "upserted"}, []string{"id"})
			}},
			{"Delete", false, func(ctx context.Context) error {
				_, err := orm.Query[Task](db).Where("id = ?", first.ID).Delete(ctx)
				return err
			}},
			{"Batch", false, func(ctx context.Context) error {
				b := orm.NewBatch(db)
				var got Task
				b.Get(&got, first.ID)
				changed := first
				changed.Title = "batched"
				b.Update(&changed)
				return b.Run(ctx)
			}},
			{"DB.Exec", false, func(ctx context.Context) error {
				_, err := db.Exec(ctx, "DELETE FROM tasks")
				return err
			}},
			{"DB.Query", true, func(ctx context.Context) error {
				rows, err := db.Query(ctx, "SELECT id FROM tasks")
				if err == nil {
					rows.Close()
				}
				return err
			}},
			{"Tx", false, func(ctx context.Context) error {
				ran := false
				err := db.Tx(ctx, func(tx *orm.Tx) error {
					ran = true
					// The live context: only the transaction's own
					// context is cancelled.
					return orm.Insert(context.Background(), tx, &Task{Title: "in tx"})
				})
				if ran && err == nil {
					return errors.New("the transaction's function ran and the transaction committed")
				}
				return err
			}},
			{"Begin", false, func(ctx context.Context) error {
				tx, err := db.Begin(ctx)
				if err == nil {
					tx.Rollback()
				}
				return err
			}},
		}
		for _, c := range calls {
			if c.warm {
				if err := c.run(ctx); err != nil {
					t.Fatalf("%s with a live context: %v", c.name, err)
				}
			}
			err := c.run(cancelled)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: err = %v; want context.Canceled", c.name, err)
			}
		}

		// Inside a transaction begun with a live context, a statement
		// given a cancelled one fails the same way.
		err := db.Tx(ctx, func(tx *orm.Tx) error {
			for name, err := range map[string]error{
				"Insert in Tx": orm.Insert(cancelled, tx, &Task{Title: "in tx"}),
				"Update in Tx": orm.Update(cancelled, tx, &Task{ID: first.ID, Title: "in tx"}),
				"Count in Tx": func() error {
					_, err := orm.Query[Task](tx).Count(cancelled)
					return err
				}(),
				"Tx.Tx": tx.Tx(cancelled, func(*orm.Tx) error { return nil }),
			} {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s with a cancelled context: err = %v; want context.Canceled", name, err)
				}
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("the transaction committed")
		}

		all, err := orm.Query[Task](db).WithDeleted().OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].ID != first.ID || all[0].Title != "first" || all[0].Rank != 1 || all[0].DeletedAt != nil {
			t.Fatalf("after the cancelled calls the table holds %+v; want only %+v, unchanged", all, first)
		}
	})
}

// TestDeadlineDuringQuery checks that a deadline that passes while the
// database runs a slow query ends the query with
// context.DeadlineExceeded, long before the query would have finished,
// and that the DB still works afterwards.
func TestDeadlineDuringQuery(t *testing.T) {
	t.Parallel()
	// Each query takes at least 5 seconds (SQLite's counts to 10⁸, about
	// 20 seconds on a current CPU) and returns one row with a column n.
	slow := map[string]string{
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT COUNT(*) AS n FROM c",
		"postgres": "SELECT 1 AS n FROM pg_sleep(5)",
		"mysql":    "SELECT SLEEP(5) AS n",
	}
	type row struct{ N int64 }
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		query := slow[db.Dialect().Name()]
		run := func(name string, q func(ctx context.Context) error) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := q(ctx)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s past its deadline: err = %v; want context.DeadlineExceeded", name, err)
			}
			if took > 3*time.Second {
				t.Errorf("%s past its 200ms deadline returned after %v; want it stopped at the deadline", name, took)
			}
		}
		run("Raw on the DB", func(ctx context.Context) error {
			_, err := orm.Raw[row](ctx, db, query)
			return err
		})
		run("Raw in a transaction", func(ctx context.Context) error {
			return db.Tx(ctx, func(tx *orm.Tx) error {
				_, err := orm.Raw[row](ctx, tx, query)
				return err
			})
		})

		// The DB still answers, on every connection the pool holds.
		ctx := context.Background()
		for i := range 10 {
			got, err := orm.Raw[row](ctx, db, "SELECT 7 AS n")
			if err != nil || len(got) != 1 || got[0].N != 7 {
				t.Fatalf("query %d after the cancelled ones: %v, %v", i, got, err)
			}
		}
		err := db.Tx(ctx, func(tx *orm.Tx) error {
			_, err := orm.Raw[row](ctx, tx, "SELECT 7 AS n")
			return err
		})
		if err != nil {
			t.Fatalf("a transaction after the cancelled ones: %v", err)
		}
	})
}
