package orm_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

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
