package orm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// HookedTask is Task with hooks, in the same table. Embedding Task inlines
// its fields, as any embedded struct's are.
type HookedTask struct {
	Task

	afterInsertID int64
}

func hooked(title string) *HookedTask { return &HookedTask{Task: Task{Title: title}} }

func (HookedTask) TableName() string { return "tasks" }

// BeforeInsert normalises the title and vetoes empty ones with a 422.
func (t *HookedTask) BeforeInsert(ctx context.Context, q orm.Querier) error {
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" {
		return kiln.ValidationError(kiln.FieldError{Field: "title", Message: "is required"})
	}
	return nil
}

// AfterInsert sees the new id, and can write through the same Querier.
func (t *HookedTask) AfterInsert(ctx context.Context, q orm.Querier) error {
	t.afterInsertID = t.ID
	if t.Title == "fail after" {
		return errors.New("after insert failed")
	}
	if t.Title == "spawn" {
		return orm.Insert(ctx, q, hooked("spawned by "+t.Title))
	}
	return nil
}

// BeforeUpdate refuses to reopen a done task.
func (t *HookedTask) BeforeUpdate(ctx context.Context, q orm.Querier) error {
	if t.Done {
		return kiln.Conflict("A done task cannot change.")
	}
	return nil
}

func TestHooks(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		count := func() int64 {
			n, err := orm.Query[HookedTask](db).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		task := hooked("  padded  ")
		if err := orm.Insert(ctx, db, task); err != nil {
			t.Fatal(err)
		}
		if task.Title != "padded" || task.afterInsertID != task.ID || task.ID == 0 {
			t.Fatalf("hooks did not run: %+v", task)
		}
		stored, _ := orm.Query[HookedTask](db).Get(ctx, task.ID)
		if stored.Title != "padded" {
			t.Fatalf("stored title %q", stored.Title)
		}

		// A veto writes nothing and returns the hook's error unchanged.
		err := orm.Insert(ctx, db, hooked("   "))
		var ke *kiln.Error
		if !errors.As(err, &ke) || kiln.ErrorStatus(err) != http.StatusUnprocessableEntity || count() != 1 {
			t.Fatalf("veto: %v, %d rows", err, count())
		}

		// An After hook writes through the same Querier.
		if err := orm.Insert(ctx, db, hooked("spawn")); err != nil || count() != 3 {
			t.Fatalf("after hook insert: %v, %d rows", err, count())
		}

		// An After hook's error inside db.Tx rolls the insert back.
		err = db.Tx(ctx, func(tx *orm.Tx) error { return orm.Insert(ctx, tx, hooked("fail after")) })
		if err == nil || count() != 3 {
			t.Fatalf("after hook error in Tx: %v, %d rows", err, count())
		}

		stored.Done = true
		if err := orm.Update(ctx, db, &stored); kiln.ErrorStatus(err) != http.StatusConflict {
			t.Fatalf("update veto: %v", err)
		}
		reread, _ := orm.Query[HookedTask](db).Get(ctx, stored.ID)
		if reread.Done {
			t.Fatal("vetoed update was written")
		}
	})
}

// TestInsertValue checks the run-time-typed insert: it fills the key and
// timestamps and runs the hooks, like Insert.
func TestInsertValue(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		m, err := orm.Register[HookedTask](db)
		if err != nil {
			t.Fatal(err)
		}
		v := reflect.New(m.Type)
		v.Elem().FieldByName("Title").SetString("  built at run time ")
		if err := orm.InsertValue(ctx, db, v.Interface()); err != nil {
			t.Fatal(err)
		}
		task := v.Interface().(*HookedTask)
		if task.ID == 0 || task.CreatedAt.IsZero() || task.Title != "built at run time" || task.afterInsertID != task.ID {
			t.Fatalf("InsertValue did not fill the row or run hooks: %+v", task)
		}
		if got, err := orm.Query[HookedTask](db).Get(ctx, task.ID); err != nil || got.Title != "built at run time" {
			t.Fatalf("stored %+v, %v", got, err)
		}
		if err := orm.InsertValue(ctx, db, hooked("   ")); kiln.ErrorStatus(err) != http.StatusUnprocessableEntity {
			t.Fatalf("veto: %v", err)
		}
		for _, bad := range []any{HookedTask{}, (*HookedTask)(nil), new(int), nil} {
			if err := orm.InsertValue(ctx, db, bad); err == nil || !strings.Contains(err.Error(), "pointer to a model struct") {
				t.Errorf("InsertValue(%T): %v, want an error asking for a pointer", bad, err)
			}
		}
	})
}

// AuditedTask is Task with an AfterUpdate hook, in the same table. It
// records what each call of the hook saw.
type AuditedTask struct {
	Task

	seen []seenUpdate
}

// seenUpdate is what one AfterUpdate call saw: the struct's title and
// updated_at, and the row as stored, read through the hook's Querier.
type seenUpdate struct {
	title, stored       string
	updatedAt, storedAt time.Time
}

func (s seenUpdate) String() string { return fmt.Sprintf("%q (stored %q)", s.title, s.stored) }

func (AuditedTask) TableName() string { return "tasks" }

var errAfterUpdate = errors.New("after update failed")

// AfterUpdate records the update and fails for titles starting with
// "fail after".
func (t *AuditedTask) AfterUpdate(ctx context.Context, q orm.Querier) error {
	s := seenUpdate{title: t.Title, updatedAt: t.UpdatedAt}
	stored, err := orm.Query[AuditedTask](q).Get(ctx, t.ID)
	if err != nil {
		s.stored = "(unreadable: " + err.Error() + ")"
		t.seen = append(t.seen, s)
		return fmt.Errorf("reading the updated row: %w", err)
	}
	s.stored, s.storedAt = stored.Title, stored.UpdatedAt
	t.seen = append(t.seen, s)
	if strings.HasPrefix(t.Title, "fail after") {
		return errAfterUpdate
	}
	return nil
}

// audited inserts a task with title and returns it.
func audited(t *testing.T, db *orm.DB, title string) *AuditedTask {
	t.Helper()
	task := &AuditedTask{Task: Task{Title: title}}
	if err := orm.Insert(context.Background(), db, task); err != nil {
		t.Fatal(err)
	}
	return task
}

// createAuditedTasks creates the tasks table with titles unique, so that
// an update can fail with a constraint violation.
func createAuditedTasks(t *testing.T, db *orm.DB) {
	t.Helper()
	createTasks(t, db)
	exec(t, db, "CREATE UNIQUE INDEX tasks_title_unique ON tasks (title)")
}

// checkSeen checks that task's AfterUpdate ran once per title in want, in
// order, each time after the row was written: the hook saw the struct's
// new values and the same values stored. It forgets the calls it checked.
func checkSeen(t *testing.T, what string, task *AuditedTask, want ...string) {
	t.Helper()
	seen := task.seen
	task.seen = nil
	if len(seen) != len(want) {
		t.Errorf("%s: AfterUpdate ran %d times (%v); want %d", what, len(seen), seen, len(want))
		return
	}
	for i, s := range seen {
		if s.title != want[i] || s.stored != want[i] || !s.storedAt.Equal(s.updatedAt) {
			t.Errorf("%s: AfterUpdate saw title %q and updated_at %v, stored %q and %v; want %q written",
				what, s.title, s.updatedAt, s.stored, s.storedAt, want[i])
		}
	}
}

// storedTitle returns the title stored for id.
func storedTitle(t *testing.T, db *orm.DB, id int64) string {
	t.Helper()
	got, err := orm.Query[AuditedTask](db).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got.Title
}

// TestAfterUpdateHook checks that Update calls AfterUpdate once the row is
// written, never when the update fails, and returns the hook's error,
// which inside db.Tx rolls the update back.
func TestAfterUpdateHook(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createAuditedTasks(t, db)
		a, b := audited(t, db, "a"), audited(t, db, "b")
		checkSeen(t, "Insert", a)

		before := a.UpdatedAt
		a.Title = "a2"
		if err := orm.Update(ctx, db, a); err != nil {
			t.Fatal(err)
		}
		checkSeen(t, "Update", a, "a2")
		if !a.UpdatedAt.After(before) {
			t.Errorf("updated_at %v did not move on from %v", a.UpdatedAt, before)
		}
		a.Title = "a3"
		if err := orm.Update(ctx, db, a, "title"); err != nil {
			t.Fatal(err)
		}
		checkSeen(t, "Update of a column", a, "a3")

		// A failed update calls no hook.
		missing := &AuditedTask{Task: Task{ID: a.ID + b.ID + 100, Title: "missing"}}
		if err := orm.Update(ctx, db, missing); !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("Update of a missing row: %v; want ErrNotFound", err)
		}
		checkSeen(t, "Update of a missing row", missing)
		b.Title = "a3"
		if err := orm.Update(ctx, db, b); !errors.Is(err, orm.ErrUniqueViolation) {
			t.Errorf("Update to a taken title: %v; want ErrUniqueViolation", err)
		}
		checkSeen(t, "Update to a taken title", b)

		// The hook's error is returned; inside db.Tx it rolls the update
		// back, outside the row stays written.
		b.Title = "fail after in tx"
		err := db.Tx(ctx, func(tx *orm.Tx) error { return orm.Update(ctx, tx, b) })
		if !errors.Is(err, errAfterUpdate) {
			t.Errorf("Update in db.Tx with a failing hook: %v; want the hook's error", err)
		}
		checkSeen(t, "Update in db.Tx with a failing hook", b, "fail after in tx")
		if got := storedTitle(t, db, b.ID); got != "b" {
			t.Errorf("after the hook failed in db.Tx the title is %q; want the update rolled back to %q", got, "b")
		}
		a.Title = "fail after"
		if err := orm.Update(ctx, db, a); !errors.Is(err, errAfterUpdate) {
			t.Errorf("Update with a failing hook: %v; want the hook's error", err)
		}
		checkSeen(t, "Update with a failing hook", a, "fail after")
		if got := storedTitle(t, db, a.ID); got != "fail after" {
			t.Errorf("after the hook failed outside a transaction the title is %q; want the update kept", got)
		}
	})
}

// TestAfterUpdateHookBatch checks that Batch.Update calls AfterUpdate
// once the whole batch has succeeded, none when a statement fails, and
// that Run returns the hook's error.
func TestAfterUpdateHookBatch(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createAuditedTasks(t, db)
		a, b := audited(t, db, "a"), audited(t, db, "b")

		a.Title, b.Title = "a2", "b2"
		batch := orm.NewBatch(db)
		batch.Update(a)
		batch.Update(b, "title")
		if err := batch.Run(ctx); err != nil {
			t.Fatal(err)
		}
		checkSeen(t, "Batch.Update", a, "a2")
		checkSeen(t, "Batch.Update of a column", b, "b2")

		// A failing statement calls no hook, not even those of the
		// statements before it.
		a.Title, b.Title = "a3", "a3"
		batch.Update(a)
		batch.Update(b)
		if err := batch.Run(ctx); !errors.Is(err, orm.ErrUniqueViolation) {
			t.Errorf("a batch with a taken title: %v; want ErrUniqueViolation", err)
		}
		checkSeen(t, "the update before a failing one", a)
		checkSeen(t, "the failing update", b)
		missing := &AuditedTask{Task: Task{ID: a.ID + b.ID + 100, Title: "missing"}}
		batch.Update(missing)
		if err := batch.Run(ctx); !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("a batch updating a missing row: %v; want ErrNotFound", err)
		}
		checkSeen(t, "Batch.Update of a missing row", missing)

		// The hook's error is returned, and rolls back a batch run in a
		// transaction. (Outside one, on SQLite and MySQL the update before
		// the failing one above stayed written.)
		stored := storedTitle(t, db, a.ID) + "," + storedTitle(t, db, b.ID)
		a.Title, b.Title = "a4", "fail after batch"
		err := db.Tx(ctx, func(tx *orm.Tx) error {
			batch := orm.NewBatch(tx)
			batch.Update(a)
			batch.Update(b)
			return batch.Run(ctx)
		})
		if !errors.Is(err, errAfterUpdate) {
			t.Errorf("a batch in db.Tx with a failing hook: %v; want the hook's error", err)
		}
		checkSeen(t, "the update before the failing hook", a, "a4")
		checkSeen(t, "the update whose hook failed", b, "fail after batch")
		if got := storedTitle(t, db, a.ID) + "," + storedTitle(t, db, b.ID); got != stored {
			t.Errorf("after a hook failed in db.Tx the titles are %s; want the batch rolled back to %s", got, stored)
		}
	})
}
