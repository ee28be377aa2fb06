package orm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

func TestRaw(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		for i, title := range []string{"a", "b", "c", "d", "e"} {
			if err := orm.Insert(ctx, db, &Task{Title: title, Rank: i, Done: i < 2}); err != nil {
				t.Fatal(err)
			}
		}
		type doneCount struct {
			Done  bool
			Tasks int64
		}
		stats, err := orm.Raw[doneCount](ctx, db, "SELECT done, COUNT(*) AS tasks FROM tasks WHERE rank >= ? GROUP BY done ORDER BY done", 0)
		if err != nil || len(stats) != 2 || stats[0] != (doneCount{false, 3}) || stats[1] != (doneCount{true, 2}) {
			t.Fatalf("aggregate: %+v %v", stats, err)
		}
		tasks, err := orm.Raw[Task](ctx, db, "SELECT * FROM tasks WHERE id IN ? ORDER BY id", []int64{2, 4})
		if err != nil || titles(tasks) != "b,d" || tasks[0].CreatedAt.IsZero() {
			t.Fatalf("model rows: %q %v", titles(tasks), err)
		}
		_, err = orm.Raw[doneCount](ctx, db, "SELECT done, COUNT(*) AS taks FROM tasks GROUP BY done")
		if err == nil || !strings.Contains(err.Error(), `result column "taks" matches no field`) {
			t.Fatalf("typo in alias: %v", err)
		}
	})
}

type Setting struct {
	ID        int64  `db:"id,pk"`
	Name      string `db:",unique,size=50"`
	Value     string
	Hits      int
	UpdatedAt time.Time `db:",updated_at"`
}

var settingDDL = map[string]string{
	"sqlite":   `CREATE TABLE settings (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL UNIQUE, value TEXT NOT NULL, hits INTEGER NOT NULL, updated_at DATETIME NOT NULL)`,
	"postgres": `CREATE TABLE settings (id BIGSERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, value TEXT NOT NULL, hits BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
	"mysql":    `CREATE TABLE settings (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, value TEXT NOT NULL, hits BIGINT NOT NULL, updated_at DATETIME(6) NOT NULL)`,
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		if _, err := db.SQL().ExecContext(ctx, settingDDL[db.Dialect().Name()]); err != nil {
			t.Fatal(err)
		}
		other := &Setting{Name: "other", Value: "x"}
		if err := orm.Insert(ctx, db, other); err != nil {
			t.Fatal(err)
		}
		first := &Setting{Name: "theme", Value: "dark", Hits: 1}
		if err := orm.Upsert(ctx, db, first, []string{"name"}); err != nil || first.ID == 0 {
			t.Fatalf("insert: %v id=%d", err, first.ID)
		}
		second := &Setting{Name: "theme", Value: "light", Hits: 7}
		if err := orm.Upsert(ctx, db, second, []string{"name"}, "value"); err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID {
			t.Fatalf("update returned id %d, want the existing row's %d", second.ID, first.ID)
		}
		got, err := orm.Query[Setting](db).Get(ctx, first.ID)
		if err != nil || got.Value != "light" || got.Hits != 1 {
			t.Fatalf("after upsert: %+v %v (value should change, hits should not)", got, err)
		}
		if n, _ := orm.Query[Setting](db).Count(ctx); n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		if err := orm.Upsert(ctx, db, &Setting{Name: "x"}, []string{"colour"}); err == nil {
			t.Fatal("unknown conflict column accepted")
		}
	})
}
