package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// Gauge has no updated_at, so an update can leave its row exactly as it was.
type Gauge struct {
	ID    int64 `db:"id,pk,noauto"`
	Level int
}

// TestUpdateOfAnUnchangedRow checks that an update writing the values a row
// already has succeeds on every database, while one naming a missing row
// reports ErrNotFound: MySQL counts changed rows unless the connection asks
// for matched ones (Open sets clientFoundRows), which used to make the two
// indistinguishable there.
func TestUpdateOfAnUnchangedRow(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, "CREATE TABLE gauges (id BIGINT PRIMARY KEY, level BIGINT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		g := Gauge{ID: 1, Level: 7}
		if err := orm.Insert(ctx, db, &g); err != nil {
			t.Fatal(err)
		}
		if err := orm.Update(ctx, db, &g); err != nil {
			t.Errorf("update of an unchanged row: %v, want nil", err)
		}
		if err := orm.Update(ctx, db, &g, "level"); err != nil {
			t.Errorf("update of an unchanged column: %v, want nil", err)
		}
		b := orm.NewBatch(db)
		b.Update(&g, "level")
		if err := b.Run(ctx); err != nil {
			t.Errorf("batch update of an unchanged row: %v, want nil", err)
		}
		missing := Gauge{ID: 2, Level: 7}
		if err := orm.Update(ctx, db, &missing); !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("update of a missing row: %v, want ErrNotFound", err)
		}
		if err := orm.Update(ctx, db, &missing, "level"); !errors.Is(err, orm.ErrNotFound) {
			t.Errorf("update of a missing row's column: %v, want ErrNotFound", err)
		}
		err := db.Tx(ctx, func(tx *orm.Tx) error { return orm.Update(ctx, tx, &g) })
		if err != nil {
			t.Errorf("update of an unchanged row in a transaction: %v, want nil", err)
		}
	})
}
