package orm_test

import (
	"context"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

type Device struct {
	ID    [16]byte `db:"id,pk,uuid"`
	Owner [16]byte
	Name  string
}

func TestUUIDArrayKeys(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		typ := map[string]string{"sqlite": "BLOB", "postgres": "UUID", "mysql": "BINARY(16)"}[db.Dialect().Name()]
		exec(t, db, "CREATE TABLE devices (id "+typ+" PRIMARY KEY, owner "+typ+" NOT NULL, name TEXT NOT NULL)")
		d := &Device{Owner: [16]byte{15: 7}, Name: "phone"}
		if err := orm.Insert(ctx, db, d); err != nil {
			t.Fatal(err)
		}
		if d.ID == ([16]byte{}) || d.ID[6]>>4 != 4 {
			t.Fatalf("insert did not fill a version 4 UUID: %x", d.ID)
		}
		got, err := orm.Query[Device](db).Get(ctx, d.ID)
		if err != nil || got != *d {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, *d)
		}
		got.Name = "tablet"
		if err := orm.Update(ctx, db, &got, "name"); err != nil {
			t.Fatal(err)
		}
		back, err := orm.Query[Device](db).Where("owner = ?", d.Owner).First(ctx)
		if err != nil || back.Name != "tablet" || back.ID != d.ID {
			t.Fatalf("by owner: %+v, %v", back, err)
		}
	})
}
