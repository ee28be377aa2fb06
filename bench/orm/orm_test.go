package orm

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A benchmark of code that returns the wrong rows is worthless: these tests
// run every operation of every contestant on a freshly seeded table and
// check the results against the seed data and against what was written,
// so all contestants provably return the same rows.

func TestSQLite(t *testing.T) {
	t.Parallel()
	checkContestants(t, openSQLite(t))
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	checkContestants(t, openPostgres(t))
}

func TestQueriesFor(t *testing.T) {
	for _, d := range []string{"postgres", "sqlite"} {
		q := QueriesFor(d)
		if n := strings.Count(q.InsertBatch, "("); n != BatchSize+1 {
			t.Errorf("%s: batch statement has %d row lists, want %d", d, n-1, BatchSize)
		}
	}
	if q := QueriesFor("postgres"); !strings.Contains(q.InsertBatch, "$140)") || !strings.HasSuffix(q.Update, "WHERE id = $7") {
		t.Errorf("postgres placeholders are not numbered through:\n%s\n%s", q.InsertBatch, q.Update)
	}
}

func checkContestants(t *testing.T, e *env) {
	for _, c := range e.contestants {
		t.Run(c.name, func(t *testing.T) {
			e.reset(t)
			checkStore(t, c.store)
		})
	}
}

// checkStore runs each operation on a freshly seeded table and checks what
// comes back.
func checkStore(t *testing.T, s Store) {
	ctx := context.Background()
	for _, id := range []int64{1, 2, Seeded / 2, Seeded} {
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%d): %v", id, err)
		}
		if want := Seed(id); !sameItem(got, want) {
			t.Fatalf("Get(%d) = %+v, want %+v", id, got, want)
		}
	}
	if _, err := s.Get(ctx, Seeded+1); err == nil {
		t.Fatalf("Get of a missing id succeeded")
	}

	for _, author := range []int64{1, Authors} {
		got, err := s.List(ctx, author)
		if err != nil {
			t.Fatalf("List(%d): %v", author, err)
		}
		var want []Item
		for id := int64(1); id <= Seeded && len(want) < ListSize; id++ {
			if it := Seed(id); it.AuthorID == author {
				want = append(want, it)
			}
		}
		if len(got) != ListSize || len(want) != ListSize {
			t.Fatalf("List(%d): %d items, want %d (the seed has %d)", author, len(got), ListSize, len(want))
		}
		for i := range want {
			if !sameItem(got[i], want[i]) {
				t.Fatalf("List(%d)[%d] = %+v, want %+v", author, i, got[i], want[i])
			}
		}
	}

	before := time.Now().Add(-time.Second)
	it := NewItem(7)
	if err := s.Insert(ctx, &it); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if it.ID != Seeded+1 || it.CreatedAt.Before(before) || !it.UpdatedAt.Equal(it.CreatedAt) {
		t.Fatalf("Insert set id %d, created_at %v, updated_at %v; want id %d and the time of the insert", it.ID, it.CreatedAt, it.UpdatedAt, Seeded+1)
	}
	checkStored(t, s, it)

	up := Seed(5)
	up.Title, up.Body, up.AuthorID, up.Score, up.Published = "changed", "changed body", 99, -1.5, !up.Published
	if err := s.Update(ctx, &up); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !up.UpdatedAt.After(up.CreatedAt) || !up.CreatedAt.Equal(Seed(5).CreatedAt) {
		t.Fatalf("Update set updated_at %v (created_at %v)", up.UpdatedAt, up.CreatedAt)
	}
	checkStored(t, s, up)
	missing := Seed(1)
	missing.ID = Seeded * 10
	if err := s.Update(ctx, &missing); err == nil {
		t.Fatalf("Update of a missing id succeeded; every contestant checks that the row exists")
	}

	batch := make([]Item, BatchSize)
	for i := range batch {
		batch[i] = NewItem(100 + i)
	}
	if err := s.InsertBatch(ctx, batch); err != nil {
		t.Fatalf("InsertBatch: %v", err)
	}
	for i, it := range batch {
		if want := int64(Seeded + 2 + i); it.ID != want {
			t.Fatalf("InsertBatch gave row %d id %d, want %d", i, it.ID, want)
		}
		if it.CreatedAt.Before(before) || !it.CreatedAt.Equal(batch[0].CreatedAt) || !it.UpdatedAt.Equal(it.CreatedAt) {
			t.Fatalf("InsertBatch row %d: created_at %v, updated_at %v", i, it.CreatedAt, it.UpdatedAt)
		}
		checkStored(t, s, it)
	}
}

// checkStored checks that Get returns want as stored.
func checkStored(t *testing.T, s Store, want Item) {
	t.Helper()
	got, err := s.Get(context.Background(), want.ID)
	if err != nil || !sameItem(got, want) {
		t.Fatalf("stored item %d is %+v (%v), want %+v", want.ID, got, err, want)
	}
}

// sameItem compares items field by field, times by instant.
func sameItem(a, b Item) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Body == b.Body && a.AuthorID == b.AuthorID &&
		a.Score == b.Score && a.Published == b.Published &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

// TestSameItem checks the comparison the other tests rely on: it must see a
// difference in any field.
func TestSameItem(t *testing.T) {
	base := Seed(3)
	for i, change := range []func(*Item){
		func(it *Item) { it.ID++ },
		func(it *Item) { it.Title += "x" },
		func(it *Item) { it.Body = "" },
		func(it *Item) { it.AuthorID++ },
		func(it *Item) { it.Score += 0.25 },
		func(it *Item) { it.Published = !it.Published },
		func(it *Item) { it.CreatedAt = it.CreatedAt.Add(time.Microsecond) },
		func(it *Item) { it.UpdatedAt = it.UpdatedAt.Add(time.Microsecond) },
	} {
		other := base
		change(&other)
		if sameItem(base, other) {
			t.Errorf("change %d not seen: %s", i, fmt.Sprint(other))
		}
	}
	local := base
	local.CreatedAt = local.CreatedAt.In(time.FixedZone("X", 3600))
	if !sameItem(base, local) {
		t.Error("the same instant in another zone compared unequal")
	}
}
