package orm

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// openCacheDB returns a SQLite DB with a table t (id, n) holding rows 1..3,
// and a stmtCache of size max on its writer.
func openCacheDB(t *testing.T, max int) (*DB, *stmtCache) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{"CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO t (n) VALUES (10), (20), (30)"} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c := newStmtCache(db.SQL(), max)
	t.Cleanup(c.close)
	return db, c
}

// value runs "SELECT n FROM t WHERE id = ?" + suffix through c.
func value(t *testing.T, c *stmtCache, id int, suffix string) int {
	t.Helper()
	var n int
	if err := c.QueryRowContext(context.Background(), "SELECT n FROM t WHERE id = ?"+suffix, id).Scan(&n); err != nil {
		t.Fatalf("query %d with a %d-byte suffix: %v", id, len(suffix), err)
	}
	return n
}

func TestStmtCacheReuses(t *testing.T) {
	_, c := openCacheDB(t, 4)
	ctx := context.Background()
	first := c.acquire(ctx, "SELECT n FROM t WHERE id = ?")
	c.release(first)
	for id, want := range map[int]int{1: 10, 2: 20, 3: 30} {
		if got := value(t, c, id, ""); got != want {
			t.Fatalf("id %d: %d, want %d", id, got, want)
		}
	}
	again := c.acquire(ctx, "SELECT n FROM t WHERE id = ?")
	c.release(again)
	if again != first || c.len() != 1 {
		t.Fatalf("the same SQL was prepared again (%p, %p), or the cache holds %d statements", first, again, c.len())
	}
	if _, err := c.ExecContext(ctx, "UPDATE t SET n = n + 1 WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if got := value(t, c, 1, ""); got != 11 || c.len() != 2 {
		t.Fatalf("after the update: %d, %d statements", got, c.len())
	}
}

func TestStmtCacheEvictsLeastRecentlyUsed(t *testing.T) {
	_, c := openCacheDB(t, 2)
	ctx := context.Background()
	a := c.acquire(ctx, "SELECT n FROM t WHERE id = ? AND 1 = 1")
	c.release(a)
	value(t, c, 1, " AND 2 = 2")
	value(t, c, 1, " AND 1 = 1") // a is now the most recently used
	value(t, c, 1, " AND 3 = 3") // evicts "2 = 2"
	if c.len() != 2 {
		t.Fatalf("%d statements cached, want at most 2", c.len())
	}
	if again := c.acquire(ctx, "SELECT n FROM t WHERE id = ? AND 1 = 1"); again != a {
		t.Fatal("the recently used statement was evicted")
	} else {
		c.release(again)
	}
	if _, ok := c.byText["SELECT n FROM t WHERE id = ? AND 2 = 2"]; ok {
		t.Fatal("the least recently used statement is still cached")
	}
}

// TestStmtCacheEvictionWaitsForUsers checks that a statement evicted while
// a call uses it stays open until that call releases it, and is closed then.
func TestStmtCacheEvictionWaitsForUsers(t *testing.T) {
	_, c := openCacheDB(t, 1)
	ctx := context.Background()
	held := c.acquire(ctx, "SELECT n FROM t WHERE id = ?")
	value(t, c, 2, " AND 1 = 1") // evicts held, which is in use
	var n int
	if err := held.stmt.QueryRowContext(ctx, 3).Scan(&n); err != nil || n != 30 {
		t.Fatalf("an evicted statement in use was closed under its user: %d, %v", n, err)
	}
	c.release(held)
	if err := held.stmt.QueryRowContext(ctx, 3).Scan(&n); err == nil {
		t.Fatal("the evicted statement is still open after its last user released it")
	}
}

// TestStmtCacheUnpreparable checks that SQL that fails to prepare runs
// unprepared, so the caller gets the database's error from running it.
func TestStmtCacheUnpreparable(t *testing.T) {
	_, c := openCacheDB(t, 4)
	_, err := c.ExecContext(context.Background(), "INSERT INTO missing (n) VALUES (?)", 1)
	if err == nil || c.len() != 0 {
		t.Fatalf("insert into a missing table: %v, %d statements cached", err, c.len())
	}
}

// TestStmtCacheSkipsLongSQL checks that a statement longer than
// stmtCacheMaxSQL runs, unprepared and not kept.
func TestStmtCacheSkipsLongSQL(t *testing.T) {
	_, c := openCacheDB(t, 4)
	long := " AND id IN (" + strings.Repeat("3, ", stmtCacheMaxSQL/3) + "3)"
	if got := value(t, c, 3, long); got != 30 || c.len() != 0 {
		t.Fatalf("long query: %d, %d statements cached", got, c.len())
	}
	if got := value(t, c, 3, ""); got != 30 || c.len() != 1 {
		t.Fatalf("short query: %d, %d statements cached", got, c.len())
	}
}

func TestStmtCacheClose(t *testing.T) {
	_, c := openCacheDB(t, 4)
	ctx := context.Background()
	cs := c.acquire(ctx, "SELECT n FROM t WHERE id = ?")
	c.release(cs)
	c.close()
	if c.len() != 0 {
		t.Fatalf("%d statements cached after close", c.len())
	}
	if _, err := cs.stmt.ExecContext(ctx, 1); err == nil {
		t.Fatal("a cached statement is still open after close")
	}
	// The pool still works, unprepared.
	if got := value(t, c, 2, ""); got != 20 || c.len() != 0 {
		t.Fatalf("after close: %d, %d statements cached", got, c.len())
	}
}

// TestStmtCacheConcurrent runs many queries of more shapes than the cache
// holds from several goroutines (run it with -race).
func TestStmtCacheConcurrent(t *testing.T) {
	_, c := openCacheDB(t, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := (g+i)%3 + 1
				var n int
				q := fmt.Sprintf("SELECT n FROM t WHERE id = ? AND %d = %d", i%5, i%5)
				if err := c.QueryRowContext(context.Background(), q, id).Scan(&n); err != nil || n != id*10 {
					errs <- fmt.Errorf("goroutine %d, query %d: %d, %v", g, i, n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c.len() > 3 {
		t.Fatalf("%d statements cached, want at most 3", c.len())
	}
}

type cachedItem struct {
	ID   int64 `db:"id,pk"`
	Name string
}

// TestSQLiteQueriesUseTheCache checks that the orm's statements on SQLite
// go through the caches, and that cached statements survive schema
// changes, which SQLite answers by compiling them again.
func TestSQLiteQueriesUseTheCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	create := "CREATE TABLE cached_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
	if _, err := db.Exec(ctx, create); err != nil {
		t.Fatal(err)
	}
	it := cachedItem{Name: "a"}
	if err := Insert(ctx, db, &it); err != nil {
		t.Fatal(err)
	}
	if _, err := Query[cachedItem](db).Get(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if db.wcache.len() != 1 || db.rcache.len() != 1 {
		t.Fatalf("cached statements: %d on the writer, %d on the readers; want the insert and the get", db.wcache.len(), db.rcache.len())
	}
	for _, change := range []string{
		"ALTER TABLE cached_items ADD COLUMN extra TEXT",
		"DROP TABLE cached_items",
		create,
	} {
		if _, err := db.Exec(ctx, change); err != nil {
			t.Fatal(err)
		}
	}
	it = cachedItem{Name: "b"}
	if err := Insert(ctx, db, &it); err != nil {
		t.Fatalf("cached insert after the table was recreated: %v", err)
	}
	got, err := Query[cachedItem](db).Get(ctx, it.ID)
	if err != nil || got != it {
		t.Fatalf("cached get after the table was recreated: %+v, %v", got, err)
	}
}
