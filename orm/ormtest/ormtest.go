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
	ctx := context.Background()
	open := func(u string) *orm.DB {
		t.Helper()
		db, err := orm.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("ormtest: %v", err)
		}
		return db
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "kiln_t_" + hex.EncodeToString(b)
	switch dialect {
	case "sqlite":
		db := open("sqlite://" + filepath.Join(t.TempDir(), "test.db"))
		t.Cleanup(func() { db.Close() })
		return db
	case "postgres":
		u := kilntest.PostgresURL(t)
		admin := open(u)
		if _, err := admin.SQL().ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
			admin.Close()
			t.Fatalf("ormtest: create schema: %v", err)
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		db := open(u + sep + "search_path=" + name)
		t.Cleanup(func() {
			db.Close()
			if _, err := admin.SQL().ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
				t.Errorf("ormtest: drop schema %s: %v", name, err)
			}
			admin.Close()
		})
		return db
	case "mysql":
		u := kilntest.MySQLURL(t)
		admin := open(u)
		if _, err := admin.SQL().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close()
			t.Fatalf("ormtest: create database: %v", err)
		}
		db := open(withDatabase(u, name))
		t.Cleanup(func() {
			db.Close()
			if _, err := admin.SQL().ExecContext(context.Background(), "DROP DATABASE "+name); err != nil {
				t.Errorf("ormtest: drop database %s: %v", name, err)
			}
			admin.Close()
		})
		return db
	}
	t.Fatalf("ormtest: unknown dialect %q; use one of %s", dialect, strings.Join(Dialects(), ", "))
	return nil
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
