package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

func TestPaginate(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		for i := 1; i <= 7; i++ {
			if err := orm.Insert(ctx, db, &Task{Title: string(rune('a' - 1 + i)), Rank: i}); err != nil {
				t.Fatal(err)
			}
		}
		q := orm.Query[Task](db).OrderBy("rank")
		tests := []struct {
			page, per   int
			want        string
			gotPage     int
			pages       int
			next, prev  bool
			wantPerPage int
		}{
			{1, 3, "a,b,c", 1, 3, true, false, 3},
			{3, 3, "g", 3, 3, false, true, 3},
			{4, 3, "", 4, 3, false, true, 3},
			{0, 3, "a,b,c", 1, 3, true, false, 3}, // bad page from a request
			{-5, 0, "a", 1, 7, true, false, 1},    // and a bad size
			{1, 1 << 20, "a,b,c,d,e,f,g", 1, 1, false, false, orm.MaxPerPage},
		}
		for _, tt := range tests {
			p, err := q.Paginate(ctx, tt.page, tt.per)
			if err != nil {
				t.Fatal(err)
			}
			if titles(p.Items) != tt.want || p.Page != tt.gotPage || p.TotalPages != tt.pages || p.Total != 7 ||
				p.HasNext() != tt.next || p.HasPrev() != tt.prev || p.PerPage != tt.wantPerPage || p.Items == nil {
				t.Errorf("Paginate(%d, %d) = %+v (items %q)", tt.page, tt.per, p, titles(p.Items))
			}
		}

		// Keyset: walk the whole list newest first, three at a time.
		var seen []string
		var last int64 = 1 << 40
		for {
			page, err := orm.Query[Task](db).After("-id", last).Limit(3).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, titles(page))
			last = page[len(page)-1].ID
		}
		if got := joinPages(seen); got != "g,f,e|d,c,b|a" {
			t.Fatalf("keyset pages %q", got)
		}
		if _, err := orm.Query[Task](db).After("secret; --", 1).All(ctx); !errors.As(err, new(*orm.UnknownColumnError)) {
			t.Fatalf("After with a bad column: %v", err)
		}
	})
}

func joinPages(pages []string) string {
	out := ""
	for i, p := range pages {
		if i > 0 {
			out += "|"
		}
		out += p
	}
	return out
}
