package orm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// TestHardDelete checks that HardDelete removes rows of a soft-deleted
// model for good, leaves soft-deleted rows alone unless WithDeleted is set,
// and is refused without a condition, as Delete is.
func TestHardDelete(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		for i, title := range []string{"a", "b", "c", "d"} {
			if err := orm.Insert(ctx, db, &Task{Title: title, Rank: i + 1}); err != nil {
				t.Fatal(err)
			}
		}
		all := func() int64 {
			t.Helper()
			n, err := orm.Query[Task](db).WithDeleted().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Soft-delete "a" and "b": the rows stay.
		if n, err := orm.Query[Task](db).Where("rank <= ?", 2).Delete(ctx); err != nil || n != 2 {
			t.Fatalf("soft delete: %d, %v; want 2 rows", n, err)
		}
		if got := all(); got != 4 {
			t.Fatalf("%d rows after a soft delete, want 4", got)
		}
		// Without WithDeleted, HardDelete sees only live rows: "c" goes, the
		// soft-deleted "a" and "b" stay.
		if n, err := orm.Query[Task](db).Where("rank <= ?", 3).HardDelete(ctx); err != nil || n != 1 {
			t.Fatalf("hard delete of live rows: %d, %v; want 1 row", n, err)
		}
		if got := all(); got != 3 {
			t.Fatalf("%d rows after a hard delete of one, want 3", got)
		}
		// With WithDeleted it purges the soft-deleted rows too.
		if n, err := orm.Query[Task](db).WithDeleted().Where("deleted_at IS NOT NULL").HardDelete(ctx); err != nil || n != 2 {
			t.Fatalf("purge of soft-deleted rows: %d, %v; want 2 rows", n, err)
		}
		if got := all(); got != 1 {
			t.Fatalf("%d rows after the purge, want 1 (d)", got)
		}
		if _, err := orm.Query[Task](db).HardDelete(ctx); err == nil || !strings.Contains(err.Error(), "HardDelete on Task without a Where") {
			t.Fatalf("HardDelete without Where: %v, want a refusal naming HardDelete", err)
		}
		if got := all(); got != 1 {
			t.Fatalf("%d rows after a refused HardDelete, want 1", got)
		}
	})
}
