package orm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// The names of HostileRow's table and columns hold both quote characters
// (" and `), a single quote, spaces, a semicolon, a comment and a ?.
const (
	hostileTable   = "hostile \"t`able\"; --"
	hostileName    = "it's a \"na`me\"; --"
	hostileScore   = "sc\"o`re ?"
	hostileUpdated = "up`dated \"at\""
)

// HostileRow is stored under hostile names, to check that every statement
// quotes them.
type HostileRow struct {
	ID        int64     `db:"id,pk"`
	Name      string    "db:\"it's a \\\"na`me\\\"; --\""
	Score     int64     "db:\"sc\\\"o`re ?\""
	UpdatedAt time.Time "db:\"up`dated \\\"at\\\",updated_at\""
}

func (HostileRow) TableName() string { return hostileTable }

// TestHostileIdentifiers runs every kind of statement on a table and
// columns whose names would end a badly quoted identifier and add SQL.
func TestHostileIdentifiers(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		d := db.Dialect()
		m, err := orm.Register[HostileRow](db)
		if err != nil {
			t.Fatal(err)
		}
		if m.Table != hostileTable || m.FieldByName("Name").Column != hostileName ||
			m.FieldByName("Score").Column != hostileScore || m.FieldByName("UpdatedAt").Column != hostileUpdated {
			t.Fatalf("the model's names are %q %q; want the hostile ones", m.Table, m.Columns())
		}
		types := map[string][3]string{ // id, integer, time
			"sqlite":   {"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "DATETIME"},
			"postgres": {"BIGSERIAL PRIMARY KEY", "BIGINT", "TIMESTAMPTZ"},
			"mysql":    {"BIGINT AUTO_INCREMENT PRIMARY KEY", "BIGINT", "DATETIME(6)"},
		}[d.Name()]
		createTable(t, db, hostileTable, fmt.Sprintf("id %s, %s VARCHAR(100) NOT NULL, %s %s NOT NULL, %s %s NOT NULL",
			types[0], d.Quote(hostileName), d.Quote(hostileScore), types[1], d.Quote(hostileUpdated), types[2]))
		list := func(q *orm.Q[HostileRow]) string {
			t.Helper()
			rows, err := q.All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, r := range rows {
				s = append(s, fmt.Sprintf("%s:%d", r.Name, r.Score))
			}
			return strings.Join(s, ",")
		}
		all := orm.Query[HostileRow](db)

		b, a, c := HostileRow{Name: "b", Score: 2}, HostileRow{Name: "a", Score: 3}, HostileRow{Name: "c", Score: 1}
		for _, r := range []*HostileRow{&b, &a, &c} {
			if err := orm.Insert(ctx, db, r); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		if got, err := all.Get(ctx, a.ID); err != nil || got.Name != "a" || got.Score != 3 || got.UpdatedAt.IsZero() {
			t.Fatalf("Get = %+v, %v; want row a", got, err)
		}
		if got := list(all.OrderBy(hostileName)); got != "a:3,b:2,c:1" {
			t.Errorf("OrderBy(%q) = %s; want a:3,b:2,c:1", hostileName, got)
		}
		if got := list(all.OrderBy("-" + hostileScore)); got != "a:3,b:2,c:1" {
			t.Errorf("OrderBy(%q) = %s; want a:3,b:2,c:1", "-"+hostileScore, got)
		}
		if got := list(all.OrderBy(hostileScore).Limit(2)); got != "c:1,b:2" {
			t.Errorf("OrderBy(%q).Limit(2) = %s; want c:1,b:2", hostileScore, got)
		}
		over1 := all.Where(d.Quote(hostileScore)+" > ?", 1)
		if n, err := over1.Count(ctx); err != nil || n != 2 {
			t.Errorf("Count where %s > 1 = %d, %v; want 2", hostileScore, n, err)
		}
		if got, err := over1.OrderBy(hostileScore).First(ctx); err != nil || got.Name != "b" {
			t.Errorf("First where %s > 1 = %+v, %v; want b", hostileScore, got, err)
		}
		if got, err := over1.Get(ctx, a.ID); err != nil || got.Name != "a" {
			t.Errorf("Get with a Where = %+v, %v; want a", got, err)
		}

		a.Name, a.Score = "a2", 30
		if err := orm.Update(ctx, db, &a); err != nil {
			t.Fatalf("Update: %v", err)
		}
		b.Name, b.Score = "b2", 99
		if err := orm.Update(ctx, db, &b, hostileName); err != nil {
			t.Fatalf("Update of column %q: %v", hostileName, err)
		}
		if got := list(all.OrderBy("id")); got != "b2:2,a2:30,c:1" {
			t.Errorf("after the updates: %s; want b2:2,a2:30,c:1 (b's score not written)", got)
		}

		up := HostileRow{ID: c.ID, Name: "c2", Score: 10}
		if err := orm.Upsert(ctx, db, &up, []string{"id"}); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
		many := []HostileRow{{Name: "d", Score: 4}, {Name: "e", Score: 5}}
		if err := orm.InsertMany(ctx, db, many); err != nil {
			t.Fatalf("InsertMany: %v", err)
		}
		batch := orm.NewBatch(db)
		var got HostileRow
		batch.Get(&got, many[0].ID)
		many[1].Score = 50
		batch.Update(&many[1], hostileScore)
		if err := batch.Run(ctx); err != nil || got.Name != "d" {
			t.Fatalf("Batch: %v, read %+v", err, got)
		}
		if got := list(all.OrderBy("id")); got != "b2:2,a2:30,c2:10,d:4,e:50" {
			t.Errorf("after Upsert, InsertMany and Batch: %s; want b2:2,a2:30,c2:10,d:4,e:50", got)
		}

		n, err := all.Where(d.Quote(hostileName)+" IN ?", []string{"a2", "d"}).Delete(ctx)
		if err != nil || n != 2 {
			t.Fatalf("Delete = %d, %v; want 2", n, err)
		}
		if got := list(all.OrderBy("-" + hostileName)); got != "e:50,c2:10,b2:2" {
			t.Errorf("after Delete: %s; want e:50,c2:10,b2:2", got)
		}

		// Raw maps the result's hostile column names to the fields.
		raw, err := orm.Raw[HostileRow](ctx, db, "SELECT * FROM "+d.Quote(hostileTable)+" WHERE "+d.Quote(hostileScore)+" = ?", 2)
		if err != nil || len(raw) != 1 || raw[0].Name != "b2" || raw[0].ID != b.ID {
			t.Errorf("Raw = %+v, %v; want row b", raw, err)
		}
	})
}
