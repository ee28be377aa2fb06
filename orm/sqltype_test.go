package orm_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// Specimen has a field of every column kind.
type Specimen struct {
	ID      int64   `db:"id,pk,noauto"`
	Code    string  `db:",size=12"`
	Notes   string  // text
	Active  bool    // bool
	Small   int16   // int
	Count   int64   // int64
	Ratio   float64 // float
	Seen    time.Time
	Blob    []byte
	Meta    map[string]int // JSON
	Ref     [16]byte       `db:",uuid"` // binary UUID
	TextRef string         `db:",uuid"` // text UUID
}

// TestFieldSQLType checks the SQL type of every kind on every database,
// and that the types are right for the orm: a table declared with
// Field.SQLType alone stores and returns a value of every field.
func TestFieldSQLType(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"sqlite":   {"BIGINT", "VARCHAR(12)", "TEXT", "BOOLEAN", "INTEGER", "BIGINT", "REAL", "DATETIME", "BLOB", "TEXT", "BLOB", "VARCHAR(36)"},
		"postgres": {"BIGINT", "VARCHAR(12)", "TEXT", "BOOLEAN", "INTEGER", "BIGINT", "DOUBLE PRECISION", "TIMESTAMPTZ", "BYTEA", "JSONB", "UUID", "UUID"},
		"mysql":    {"BIGINT", "VARCHAR(12)", "LONGTEXT", "BOOLEAN", "INT", "BIGINT", "DOUBLE", "DATETIME(6)", "LONGBLOB", "JSON", "BINARY(16)", "CHAR(36)"},
	}
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		m, err := orm.Register[Specimen](db)
		if err != nil {
			t.Fatal(err)
		}
		d := db.Dialect()
		var got, cols []string
		for _, f := range m.Fields {
			got = append(got, f.SQLType(d))
			col := d.Quote(f.Column) + " " + f.SQLType(d)
			if f.PrimaryKey {
				col += " PRIMARY KEY"
			} else if !f.Nullable {
				col += " NOT NULL"
			}
			cols = append(cols, col)
		}
		if w := want[d.Name()]; !reflect.DeepEqual(got, w) {
			t.Errorf("SQL types on %s:\n got %q\nwant %q", d.Name(), got, w)
		}
		if _, err := db.Exec(ctx, "CREATE TABLE "+d.Quote(m.Table)+" ("+strings.Join(cols, ", ")+")"); err != nil {
			t.Fatalf("CREATE TABLE from SQLType: %v", err)
		}
		in := Specimen{ID: 1, Code: "abc-123", Notes: strings.Repeat("n", 5000), Active: true, Small: -7,
			Count: 1 << 40, Ratio: 0.25, Seen: time.Date(2026, 11, 25, 3, 4, 5, 123456000, time.UTC),
			Blob: []byte{0, 1, 2, 255}, Meta: map[string]int{"a": 1},
			Ref: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, TextRef: "0b5c1f36-7c6e-4d0e-9f1a-2f3d4e5f6a7b"}
		if err := orm.Insert(ctx, db, &in); err != nil {
			t.Fatal(err)
		}
		out, err := orm.Query[Specimen](db).Get(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		out.Seen = out.Seen.UTC()
		if !reflect.DeepEqual(out, in) {
			t.Errorf("round trip through columns of SQLType's types:\n got %+v\nwant %+v", out, in)
		}
	})
}
