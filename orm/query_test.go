package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

type Task struct {
	ID        int64  `db:"id,pk"`
	Title     string `db:",size=100"`
	Rank      int
	Done      bool
	Tags      []string
	DeletedAt *time.Time `db:",deleted_at"`
	CreatedAt time.Time  `db:",created_at"`
	UpdatedAt time.Time  `db:",updated_at"`
}

// taskDDL is Task's table on each dialect, written by hand so that the
// orm's tests do not depend on package migrate.
var taskDDL = map[string]string{
	"sqlite": `CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(100) NOT NULL, rank INTEGER NOT NULL,
		done BOOLEAN NOT NULL, tags TEXT, deleted_at DATETIME, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)`,
	"postgres": `CREATE TABLE tasks (id BIGSERIAL PRIMARY KEY, title VARCHAR(100) NOT NULL, rank BIGINT NOT NULL,
		done BOOLEAN NOT NULL, tags JSONB, deleted_at TIMESTAMPTZ, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
	"mysql": "CREATE TABLE tasks (id BIGINT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL, `rank` BIGINT NOT NULL," +
		" done BOOLEAN NOT NULL, tags JSON, deleted_at DATETIME(6), created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL)",
}

func createTasks(t *testing.T, db *orm.DB) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), taskDDL[db.Dialect().Name()]); err != nil {
		t.Fatal(err)
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		before := time.Now().UTC().Add(-time.Second)
		for i, title := range []string{"write docs", "fix bug", "ship it", "celebrate"} {
			task := &Task{Title: title, Rank: i + 1, Done: i%2 == 1, Tags: []string{"t" + title[:1]}}
			if err := orm.Insert(ctx, db, task); err != nil {
				t.Fatal(err)
			}
			if task.ID == 0 || task.CreatedAt.Before(before) || !task.CreatedAt.Equal(task.UpdatedAt) {
				t.Fatalf("insert did not fill id and timestamps: %+v", task)
			}
		}

		got, err := orm.Query[Task](db).Get(ctx, 2)
		if err != nil || got.Title != "fix bug" || !got.Done || len(got.Tags) != 1 || got.Tags[0] != "tf" || got.CreatedAt.IsZero() {
			t.Fatalf("Get(2) = %+v, %v", got, err)
		}
		if _, err := orm.Query[Task](db).Get(ctx, 99); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("Get(99) error %v, want ErrNotFound", err)
		}

		all, err := orm.Query[Task](db).Where("done = ?", false).OrderBy("-rank").All(ctx)
		if err != nil || titles(all) != "ship it,write docs" {
			t.Fatalf("where+order: %q %v", titles(all), err)
		}
		page, err := orm.Query[Task](db).OrderBy("Rank").Limit(2).Offset(1).All(ctx)
		if err != nil || titles(page) != "fix bug,ship it" {
			t.Fatalf("limit/offset: %q %v", titles(page), err)
		}
		in, err := orm.Query[Task](db).Where("id IN ?", []int64{1, 3, 42}).OrderBy("id").All(ctx)
		if err != nil || titles(in) != "write docs,ship it" {
			t.Fatalf("IN: %q %v", titles(in), err)
		}
		none, err := orm.Query[Task](db).Where("id IN ?", []int64{}).All(ctx)
		if err != nil || len(none) != 0 {
			t.Fatalf("empty IN: %v %v", none, err)
		}
		if n, err := orm.Query[Task](db).Where("rank > ?", 1).Count(ctx); err != nil || n != 3 {
			t.Fatalf("count: %d %v", n, err)
		}
		if ok, err := orm.Query[Task](db).Where("title = ?", "nope").Exists(ctx); err != nil || ok {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if _, err := orm.Query[Task](db).Where("title = ?", "nope").First(ctx); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("first: %v", err)
		}

		got.Title, got.Rank = "fix bug properly", 20
		if err := orm.Update(ctx, db, &got, "title"); err != nil {
			t.Fatal(err)
		}
		reread, _ := orm.Query[Task](db).Get(ctx, 2)
		if reread.Title != "fix bug properly" || reread.Rank != 2 || !reread.UpdatedAt.After(reread.CreatedAt) && !reread.UpdatedAt.Equal(reread.CreatedAt) {
			t.Fatalf("update of one column: %+v", reread)
		}
		// The statement of each column list is built once and kept: a second
		// list, a repeated one, a column named twice and a Go field name
		// each write what they name and nothing else.
		title, rank := "fix bug properly", 2
		for i, cols := range [][]string{{"rank"}, {"title", "rank"}, {"rank"}, {"Title", "title"}} {
			got.Title, got.Rank = fmt.Sprintf("title %d", i), 100+i
			if slices.Contains(cols, "title") || slices.Contains(cols, "Title") {
				title = got.Title
			}
			if slices.Contains(cols, "rank") {
				rank = got.Rank
			}
			if err := orm.Update(ctx, db, &got, cols...); err != nil {
				t.Fatalf("update of %v: %v", cols, err)
			}
			reread, _ := orm.Query[Task](db).Get(ctx, 2)
			if reread.Title != title || reread.Rank != rank {
				t.Fatalf("update of %v: title %q rank %d, want %q %d", cols, reread.Title, reread.Rank, title, rank)
			}
		}
		var uce *orm.UnknownColumnError
		if err := orm.Update(ctx, db, &got, "title,rank"); !errors.As(err, &uce) || uce.Column != "title,rank" {
			t.Fatalf("update of the one column %q: %v, want an UnknownColumnError (not the cached title and rank)", "title,rank", err)
		}
		if err := orm.Update(ctx, db, &got, "title\x00rank"); !errors.As(err, &uce) || uce.Column != "title\x00rank" {
			t.Fatalf("update of a column name holding a NUL: %v, want an UnknownColumnError (not the cached title and rank)", err)
		}
		if err := orm.Update(ctx, db, &got, "rank", "no_such"); !errors.As(err, &uce) || uce.Column != "no_such" {
			t.Fatalf("update of an unknown column: %v, want an UnknownColumnError naming it", err)
		}
		missing := Task{ID: 404, Title: "x"}
		if err := orm.Update(ctx, db, &missing); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}

		// Soft delete: the row stays, queries skip it unless asked.
		if n, err := orm.Query[Task](db).Where("id = ?", 4).Delete(ctx); err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if n, _ := orm.Query[Task](db).Count(ctx); n != 3 {
			t.Fatalf("count after soft delete: %d", n)
		}
		if n, _ := orm.Query[Task](db).WithDeleted().Count(ctx); n != 4 {
			t.Fatalf("count with deleted: %d", n)
		}
		if _, err := orm.Query[Task](db).Delete(ctx); err == nil || !strings.Contains(err.Error(), "without a Where") {
			t.Fatalf("unconditional delete: %v", err)
		}
	})
}

func titles(ts []Task) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Title)
	}
	return strings.Join(s, ",")
}

// TestQueriesResistInjection sends hostile input where user input goes:
// values (bound, so harmless) and sort names (checked against the model).
func TestQueriesResistInjection(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		if err := orm.Insert(ctx, db, &Task{Title: "only"}); err != nil {
			t.Fatal(err)
		}
		for _, evil := range []string{"' OR '1'='1", "x'; DROP TABLE tasks; --", `" OR 1=1 --`, "\\' OR 1=1 #"} {
			rows, err := orm.Query[Task](db).Where("title = ?", evil).All(ctx)
			if err != nil || len(rows) != 0 {
				t.Fatalf("value %q: %d rows, %v", evil, len(rows), err)
			}
		}
		for _, sort := range []string{"title; DROP TABLE tasks", "-(SELECT 1)", "rank DESC", "title--", "1"} {
			_, err := orm.Query[Task](db).OrderBy(sort).All(ctx)
			var uc *orm.UnknownColumnError
			if !errors.As(err, &uc) || kiln.ErrorStatus(err) != http.StatusBadRequest {
				t.Fatalf("sort %q: error %v, want UnknownColumnError (400)", sort, err)
			}
		}
		if n, err := orm.Query[Task](db).Count(ctx); err != nil || n != 1 {
			t.Fatalf("table damaged: %d %v", n, err)
		}
		// A sort parameter from a request: the handler needs no checks of
		// its own; a bad name is a 400, never a 500.
		app := kiln.New(kiln.Config{})
		app.Get("/tasks", func(w http.ResponseWriter, r *http.Request) error {
			tasks, err := orm.Query[Task](db).OrderBy(r.URL.Query().Get("sort")).All(r.Context())
			if err != nil {
				return err
			}
			return kiln.JSON(w, 200, tasks)
		})
		for sort, want := range map[string]int{"title": 200, "-rank": 200, "title;DROP%20TABLE%20tasks": 400} {
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, httptest.NewRequest("GET", "/tasks?sort="+sort, nil))
			if rec.Code != want {
				t.Errorf("sort=%s: %d, want %d: %s", sort, rec.Code, want, rec.Body)
			}
		}
	})
}

type Badge struct {
	ID   int64  `db:"id,pk"`
	Code string `db:",unique,size=20"`
}

var badgeDDL = map[string]string{
	"sqlite":   `CREATE TABLE badges (id INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(20) NOT NULL UNIQUE)`,
	"postgres": `CREATE TABLE badges (id BIGSERIAL PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE)`,
	"mysql":    `CREATE TABLE badges (id BIGINT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE)`,
}

// TestInsertConstraintError checks that Insert and Update return typed
// constraint errors, which Kiln answers 409.
func TestInsertConstraintError(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		if _, err := db.SQL().ExecContext(ctx, badgeDDL[db.Dialect().Name()]); err != nil {
			t.Fatal(err)
		}
		a, b := &Badge{Code: "gold"}, &Badge{Code: "silver"}
		if err := orm.Insert(ctx, db, a); err != nil {
			t.Fatal(err)
		}
		if err := orm.Insert(ctx, db, b); err != nil {
			t.Fatal(err)
		}
		err := orm.Insert(ctx, db, &Badge{Code: "gold"})
		if !errors.Is(err, orm.ErrUniqueViolation) || kiln.ErrorStatus(err) != http.StatusConflict {
			t.Fatalf("duplicate insert: %v (status %d), want a unique violation answered 409", err, kiln.ErrorStatus(err))
		}
		b.Code = "gold"
		if err := orm.Update(ctx, db, b); !errors.Is(err, orm.ErrUniqueViolation) {
			t.Fatalf("duplicate update: %v", err)
		}
	})
}

// TestQueryRefinementsAreIndependent refines one query two ways, each
// more than once: neither refinement may see the other's conditions or
// order.
func TestQueryRefinementsAreIndependent(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "sqlite")
	ctx := context.Background()
	createTasks(t, db)
	for i, title := range []string{"a", "b", "c", "d"} {
		if err := orm.Insert(ctx, db, &Task{Title: title, Rank: i, Done: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
	}
	base := orm.Query[Task](db).Where("rank >= ?", 1).OrderBy("rank")
	done := base.Where("done = ?", true)
	open := base.Where("done = ?", false).OrderBy("-title")
	byTitle := base.OrderBy("-title")
	for _, tc := range []struct {
		name string
		q    *orm.Q[Task]
		want string
	}{
		{"done", done, "c"},
		{"open", open, "b,d"}, // ordered by rank first
		{"base", base, "b,c,d"},
		{"base by title", byTitle, "b,c,d"},
		{"done again", done.Limit(5), "c"},
	} {
		got, err := tc.q.All(ctx)
		if err != nil || titles(got) != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, titles(got), err, tc.want)
		}
	}
}

// TestGetSoftDeleted checks Get's ways: a soft-deleted row is not found
// unless WithDeleted, and Get after Where adds the condition.
func TestGetSoftDeleted(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		task := &Task{Title: "gone", Rank: 3}
		if err := orm.Insert(ctx, db, task); err != nil {
			t.Fatal(err)
		}
		if got, err := orm.Query[Task](db).Where("rank = ?", 4).Get(ctx, task.ID); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("Get with a condition the row fails: %+v, %v", got, err)
		}
		if got, err := orm.Query[Task](db).Where("rank = ?", 3).Get(ctx, task.ID); err != nil || got.ID != task.ID {
			t.Fatalf("Get with a condition the row meets: %+v, %v", got, err)
		}
		if _, err := orm.Query[Task](db).Where("id = ?", task.ID).Delete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := orm.Query[Task](db).Get(ctx, task.ID); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("Get of a soft-deleted row: %v, want ErrNotFound", err)
		}
		if got, err := orm.Query[Task](db).WithDeleted().Get(ctx, task.ID); err != nil || got.DeletedAt == nil {
			t.Fatalf("WithDeleted().Get: %+v, %v", got, err)
		}
	})
}

// Event keeps its timestamps in the other field types Kiln accepts:
// sql.NullTime and *time.Time.
type Event struct {
	ID        int64        `db:"id,pk"`
	Name      string       `db:",size=50"`
	CreatedAt sql.NullTime `db:",created_at"`
	UpdatedAt *time.Time   `db:",updated_at"`
}

var eventDDL = map[string]string{
	"sqlite":   `CREATE TABLE events (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, created_at DATETIME, updated_at DATETIME)`,
	"postgres": `CREATE TABLE events (id BIGSERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ)`,
	"mysql":    `CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, created_at DATETIME(6), updated_at DATETIME(6))`,
}

func TestTimestampFieldTypes(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		if _, err := db.SQL().ExecContext(ctx, eventDDL[db.Dialect().Name()]); err != nil {
			t.Fatal(err)
		}
		one := &Event{Name: "one"}
		if err := orm.Insert(ctx, db, one); err != nil {
			t.Fatal(err)
		}
		many := []Event{{Name: "two"}, {Name: "three"}}
		if err := orm.InsertMany(ctx, db, many); err != nil {
			t.Fatal(err)
		}
		for _, e := range append([]Event{*one}, many...) {
			if !e.CreatedAt.Valid || e.UpdatedAt == nil || !e.UpdatedAt.Equal(e.CreatedAt.Time) {
				t.Fatalf("%s: created_at %+v, updated_at %v", e.Name, e.CreatedAt, e.UpdatedAt)
			}
			got, err := orm.Query[Event](db).Get(ctx, e.ID)
			if err != nil || !got.CreatedAt.Time.Equal(e.CreatedAt.Time) || got.UpdatedAt == nil || !got.UpdatedAt.Equal(*e.UpdatedAt) {
				t.Fatalf("%s stored as %+v, %v", e.Name, got, err)
			}
		}
		before := *one.UpdatedAt
		time.Sleep(2 * time.Millisecond)
		if err := orm.Update(ctx, db, one); err != nil {
			t.Fatal(err)
		}
		if !one.UpdatedAt.After(before) {
			t.Fatalf("Update left updated_at at %v", one.UpdatedAt)
		}
	})
}
