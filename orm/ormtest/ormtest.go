// Package ormtest gives each test its own empty database, on SQLite,
// PostgreSQL and MySQL/MariaDB, so database tests run in parallel and can be
// re-run without cleaning up by hand:
//
//	func TestPosts(t *testing.T) {
//		ormtest.Each(t, func(t *testing.T, db *orm.DB) {
//			// db is empty and private to this subtest; apply migrations,
//			// then test.
//		})
//	}
//
// SQLite databases are fresh files in t.TempDir(). On PostgreSQL each test
// gets a new schema (selected with search_path), on MySQL/MariaDB a new
// database; both are dropped when the test ends. The servers are found
// through kilntest.PostgresURL and kilntest.MySQLURL, so a missing server
// skips its subtest, or fails it when KILN_REQUIRE_SERVICES=1.
//
// Tx is the cheaper alternative on PostgreSQL and MySQL/MariaDB: tests
// share one migrated database and each runs in a transaction that is
// rolled back when it ends:
//
//	tx := ormtest.Tx(t, db) // write and read through tx; gone after t
package ormtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

// Dialects returns the databases Each runs on, in order: "sqlite",
// "postgres" and "mysql".
func Dialects() []string { return []string{"sqlite", "postgres", "mysql"} }

// Each runs fn as a parallel subtest per dialect, named after it, each with
// a fresh database from Open.
func Each(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	t.Helper()
	for _, dialect := range Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh, empty database of the dialect ("sqlite",
// "postgres" or "mysql"), closed and dropped when t ends.
func Open(t testing.TB, dialect string) *orm.DB {
	t.Helper()
	db, err := orm.Open(context.Background(), URL(t, dialect), nil)
	if err != nil {
		t.Fatalf("ormtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a fresh, empty database of the dialect
// ("sqlite", "postgres" or "mysql"), for code under test that opens its
// database itself, such as an app's start-up that applies migrations. The
// database is dropped when t ends, after the cleanups registered later
// (so close what you open from it with t.Cleanup or defer). On
// PostgreSQL it is a new schema of the server's database, named in the
// URL's search_path; on MySQL/MariaDB a new database.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "kiln_t_" + hex.EncodeToString(b)
	admin := func(u, create, drop string) {
		t.Helper()
		db, err := orm.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("ormtest: %v", err)
		}
		if _, err := db.SQL().ExecContext(ctx, create); err != nil {
			db.Close()
			t.Fatalf("ormtest: %s: %v", create, err)
		}
		t.Cleanup(func() {
			if _, err := db.SQL().ExecContext(context.Background(), drop); err != nil {
				t.Errorf("ormtest: %s: %v", drop, err)
			}
			db.Close()
		})
	}
	switch dialect {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		u := kilntest.PostgresURL(t)
		admin(u, "CREATE SCHEMA "+name, "DROP SCHEMA "+name+" CASCADE")
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		return u + sep + "search_path=" + name
	case "mysql":
		u := kilntest.MySQLURL(t)
		admin(u, "CREATE DATABASE "+name, "DROP DATABASE "+name)
		return withDatabase(u, name)
	}
	t.Fatalf("ormtest: unknown dialect %q; use one of %s", dialect, strings.Join(Dialects(), ", "))
	return ""
}

// withDatabase replaces the database name in a MySQL URL or DSN.
func withDatabase(u, name string) string {
	params := ""
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, params = u[:i], u[i:]
	}
	i := strings.LastIndexByte(u, '/')
	return u[:i+1] + name + params
}
