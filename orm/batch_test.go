package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

func TestBatch(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		var ids []int64
		for i := range 20 {
			task := &Task{Title: "task", Rank: i}
			if err := orm.Insert(ctx, db, task); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, task.ID)
		}

		// 20 reads in one batch.
		b := orm.NewBatch(db)
		got := make([]Task, 20)
		for i := range got {
			b.Get(&got[i], ids[19-i])
		}
		if b.Len() != 20 {
			t.Fatalf("Len = %d", b.Len())
		}
		hctx, n := orm.CountQueries(ctx)
		if err := b.Run(hctx); err != nil {
			t.Fatal(err)
		}
		for i, task := range got {
			if task.ID != ids[19-i] || task.Rank != 19-i || task.CreatedAt.IsZero() {
				t.Fatalf("row %d = %+v", i, task)
			}
		}
		if n.Count() != 20 || b.Len() != 0 {
			t.Errorf("%d statements reported, Len after Run = %d", n.Count(), b.Len())
		}

		// 20 updates in one batch persist.
		for i := range got {
			got[i].Rank += 100
			b.Update(&got[i], "rank")
		}
		if err := b.Run(ctx); err != nil {
			t.Fatal(err)
		}
		sum, err := orm.Raw[struct{ Total int64 }](ctx, db, "SELECT SUM("+db.Dialect().Quote("rank")+") AS total FROM tasks")
		if err != nil || sum[0].Total != 190+2000 {
			t.Errorf("sum of ranks after the batch = %v, %v; want 2190", sum, err)
		}

		// A missing row is ErrNotFound naming the statement; the others
		// are still read.
		var a, missing, c Task
		b.Get(&a, ids[0])
		b.Get(&missing, int64(999999))
		b.Get(&c, ids[2])
		err = b.Run(ctx)
		if !errors.Is(err, orm.ErrNotFound) || !strings.Contains(err.Error(), "batch statement 2 of 3 (Get Task)") {
			t.Errorf("missing row error = %v", err)
		}
		if a.ID != ids[0] || c.ID != ids[2] || missing.ID != 0 {
			t.Errorf("rows around the missing one: %d %d %d", a.ID, c.ID, missing.ID)
		}

		// Exec with IN expansion.
		b.Exec("UPDATE tasks SET done = ? WHERE id IN ?", true, ids[:5])
		b.Exec("UPDATE tasks SET done = ? WHERE id = ?", true, ids[5])
		if err := b.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := orm.Query[Task](db).Where("done = ?", true).Count(ctx); err != nil || n != 6 {
			t.Errorf("done tasks = %d, %v; want 6", n, err)
		}

		// A constraint violation is typed and names its statement.
		dup := "INSERT INTO tasks (id, title, " + db.Dialect().Quote("rank") + ", done, created_at, updated_at) VALUES (?, 'dup', 0, ?, ?, ?)"
		a.Rank = -1
		b.Update(&a, "rank")
		b.Exec(dup, ids[1], false, a.CreatedAt, a.CreatedAt)
		err = b.Run(ctx)
		if !errors.Is(err, orm.ErrUniqueViolation) || !strings.Contains(err.Error(), "batch statement 2 of 2 (Exec)") {
			t.Errorf("duplicate key error = %v", err)
		}
		if db.Dialect().Name() == "postgres" {
			// The pipeline is one implicit transaction: the update before
			// the failure did not take effect.
			back, _ := orm.Query[Task](db).Get(ctx, ids[0])
			if back.Rank == -1 {
				t.Error("the pipeline kept a statement before the failing one")
			}
		}

		// Inside a transaction the batch is all-or-nothing everywhere.
		err = db.Tx(ctx, func(tx *orm.Tx) error {
			tb := orm.NewBatch(tx)
			a.Rank = -2
			tb.Update(&a, "rank")
			tb.Exec(dup, ids[1], false, a.CreatedAt, a.CreatedAt)
			return tb.Run(ctx)
		})
		back, _ := orm.Query[Task](db).Get(ctx, ids[0])
		if !errors.Is(err, orm.ErrUniqueViolation) || back.Rank == -2 {
			t.Errorf("batch in a rolled-back Tx: err %v, rank %d", err, back.Rank)
		}

		// An unknown column is reported by Run, which then sends nothing,
		// not even the statements queued before it.
		b.Grow(2)
		a.Rank = -3
		b.Update(&a, "rank")
		b.Update(&c, "no_such_column")
		hctx, n = orm.CountQueries(ctx)
		err = b.Run(hctx)
		var unknown *orm.UnknownColumnError
		if !errors.As(err, &unknown) || unknown.Column != "no_such_column" {
			t.Errorf("unknown column error = %v", err)
		}
		if back, _ := orm.Query[Task](db).Get(ctx, ids[0]); n.Count() != 0 || back.Rank == -3 {
			t.Errorf("a batch with an unknown column sent %d statements (rank %d)", n.Count(), back.Rank)
		}

		// Bad arguments are reported by Run.
		b.Get(Task{}, 1)
		if err := b.Run(ctx); err == nil || !strings.Contains(err.Error(), "needs a non-nil pointer to a model struct, not orm_test.Task") {
			t.Errorf("Get(non-pointer) error = %v", err)
		}
		if err := b.Run(ctx); err != nil {
			t.Errorf("an empty batch: %v", err)
		}
	})
}

// An update that names only the key of a model without updated_at has no
// column to set: the batch sends nothing for it (an empty statement would
// fail on some drivers) and still runs the other statements.
func TestBatchUpdateWithNothingToSet(t *testing.T) {
	t.Parallel()
	db, cleanup := exampleBlog()
	defer cleanup()
	ctx := context.Background()
	var a, b Article
	batch := orm.NewBatch(db)
	batch.Get(&a, 1)
	batch.Get(&b, 2)
	if err := batch.Run(ctx); err != nil {
		t.Fatal(err)
	}

	batch.Update(&a, "id") // nothing to set
	cctx, n := orm.CountQueries(ctx)
	if err := batch.Run(cctx); err != nil || n.Count() != 0 {
		t.Fatalf("a batch with nothing to set: err %v, %d statements sent:\n%s", err, n.Count(), n)
	}

	b.Title = "renamed"
	batch.Update(&a, "id")
	batch.Update(&b, "title")
	cctx, n = orm.CountQueries(ctx)
	if err := batch.Run(cctx); err != nil || n.Count() != 1 {
		t.Fatalf("err %v, %d statements sent, want 1:\n%s", err, n.Count(), n)
	}
	if got, _ := orm.Query[Article](db).Get(ctx, 2); got.Title != "renamed" {
		t.Errorf("title after the batch = %q", got.Title)
	}
}
