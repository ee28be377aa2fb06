package orm_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

// backend is one database the conformance tests run on.
type backend struct {
	name string
	url  func(t testing.TB) string
}

// backends lists SQLite (a fresh file per test, always available),
// PostgreSQL and MySQL/MariaDB (skipped when unreachable, failed under
// KILN_REQUIRE_SERVICES=1).
var backends = []backend{
	{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "test.db") }},
	{"postgres", kilntest.PostgresURL},
	{"mysql", kilntest.MySQLURL},
}

// eachDB runs fn as a parallel subtest on every backend with an open DB
// that is closed when the subtest ends.
func eachDB(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, openDB(t, b.url(t)))
		})
	}
}

// openDB opens url and closes it at the end of the test.
func openDB(t testing.TB, url string) *orm.DB {
	t.Helper()
	db, err := orm.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("Open(%q): %v", url, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// tableName returns base with a random suffix, so tests running in
// parallel (in this package or another on the same server) never share a
// table.
func tableName(base string) string {
	return fmt.Sprintf("%s_%08x", base, rand.Uint32())
}

// createTable runs a CREATE TABLE for name and drops the table when the
// test ends. Register parents before children: cleanups run in reverse.
func createTable(t testing.TB, db *orm.DB, name, columns string) {
	t.Helper()
	ctx := context.Background()
	q := db.Dialect().Quote(name)
	if _, err := db.Exec(ctx, "CREATE TABLE "+q+" ("+columns+")"); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(context.Background(), "DROP TABLE "+q); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
}

// exec runs a statement that must succeed.
func exec(t testing.TB, db *orm.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
