package orm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

func TestOpenSQLiteURLs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		url  string
		file string // the file Open must create, "" for :memory:
	}{
		{"absolute", "sqlite://" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db")},
		{"missing directory", "sqlite://" + filepath.Join(dir, "a", "b", "c.db"), filepath.Join(dir, "a", "b", "c.db")},
		{"sqlite3 scheme", "sqlite3://" + filepath.Join(dir, "s3.db"), filepath.Join(dir, "s3.db")},
		{"extra pragma", "sqlite://" + filepath.Join(dir, "p.db") + "?_pragma=cache_size(-2000)", filepath.Join(dir, "p.db")},
		{"memory", "sqlite://:memory:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, tt.url)
			if db.Dialect().Name() != "sqlite" {
				t.Errorf("dialect %q", db.Dialect().Name())
			}
			if tt.file != "" {
				if _, err := os.Stat(tt.file); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
			var fk int
			if err := db.QueryRow(context.Background(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
			}
		})
	}
}

// TestOpenSQLiteRelative needs the working directory, so it is not parallel.
func TestOpenSQLiteRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	db := openDB(t, "sqlite://data/rel.db")
	exec(t, db, "CREATE TABLE t (id INTEGER)")
	if _, err := os.Stat(filepath.Join("data", "rel.db")); err != nil {
		t.Errorf("relative file not created in the working directory: %v", err)
	}
	var mode string
	if err := db.QueryRow(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenServerURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     func(t testing.TB) string
		dialect string
	}{
		{"postgres", kilntest.PostgresURL, "postgres"},
		{"postgresql scheme", func(t testing.TB) string {
			return "postgresql://" + strings.TrimPrefix(kilntest.PostgresURL(t), "postgres://")
		}, "postgres"},
		{"mysql DSN", kilntest.MySQLURL, "mysql"},
		{"mysql URL form", func(t testing.TB) string {
			kilntest.MySQLURL(t) // skip or fail like the others
			return "mysql://root@127.0.0.1:3306/test"
		}, "mysql"},
		{"mariadb scheme", func(t testing.TB) string {
			return "mariadb://" + strings.TrimPrefix(kilntest.MySQLURL(t), "mysql://")
		}, "mysql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, tt.url(t))
			if got := db.Dialect().Name(); got != tt.dialect {
				t.Errorf("dialect %q, want %q", got, tt.dialect)
			}
			var one int
			if err := db.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Errorf("SELECT 1 = %d, %v", one, err)
			}
			if (db.Pgx() != nil) != (tt.dialect == "postgres") {
				t.Errorf("Pgx() = %v on %s", db.Pgx(), tt.dialect)
			}
		})
	}
}

func TestOpenBadURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want []string // substrings of the error
	}{
		{"no scheme", "app.db", []string{"has no scheme", "sqlite://app.db"}},
		{"unknown scheme", "oracle://u:hunter2@h/db", []string{`unsupported database scheme "oracle"`, "use sqlite, postgres or mysql"}},
		{"empty sqlite path", "sqlite://", []string{"sqlite URL has no path"}},
		{"bad mysql DSN", "mysql://root:hunter2@tcp(127.0.0.1:3306)", []string{"bad mysql DSN"}},
		{"bad postgres URL", "postgres://u:hunter2@h:notaport/db", []string{"bad postgres URL"}},
		{"unreachable postgres", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2", []string{"cannot reach", "xxxxx"}},
		{"unreachable mysql", "mysql://u:hunter2@tcp(127.0.0.1:1)/db?timeout=2s", []string{"cannot reach", "xxxxx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db, err := orm.Open(ctx, tt.url, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestPingHealthClose(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		h := db.Health(ctx)
		if !h.OK || h.Error != "" || h.Dialect != db.Dialect().Name() || h.URL == "" || h.Open < 1 {
			t.Errorf("Health = %+v", h)
		}
		if db.SQL() == nil || db.ReadSQL() == nil {
			t.Fatal("SQL or ReadSQL is nil")
		}
		if (db.ReadSQL() != db.SQL()) != (db.Dialect().Name() == "sqlite") {
			t.Errorf("a separate read pool on %s: %v", db.Dialect().Name(), db.ReadSQL() != db.SQL())
		}
	})
}

func TestClosedDB(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := orm.Open(ctx, b.url(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := db.Ping(ctx); err == nil {
				t.Error("Ping after Close succeeded")
			}
			if h := db.Health(ctx); h.OK || h.Error == "" {
				t.Errorf("Health after Close = %+v, want not OK with an error", h)
			}
		})
	}
}

func TestHealthURLHidesPassword(t *testing.T) {
	t.Parallel()
	// The servers here take any password (trust, or root without one), so
	// a URL with a password still connects.
	u := kilntest.PostgresURL(t)
	u = strings.Replace(u, "postgres://postgres@", "postgres://postgres:hunter2@", 1)
	if !strings.Contains(u, "hunter2") {
		t.Skipf("KILN_TEST_POSTGRES_URL %q has another user; nothing to check", u)
	}
	db := openDB(t, u)
	h := db.Health(context.Background())
	if strings.Contains(h.URL, "hunter2") || !strings.Contains(h.URL, "xxxxx") {
		t.Errorf("Health.URL = %q, want the password hidden", h.URL)
	}
}

// TestOpenSQLitePathWithURICharacters checks that "#", "%" and an escaped
// "?" in a SQLite path name that file, not a shorter one.
func TestOpenSQLitePathWithURICharacters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	for name, inURL := range map[string]string{"a#1.db": "a#1.db", "a?x=1.db": "a%3Fx=1.db", "50%.db": "50%.db", "a": "a"} {
		db, err := orm.Open(ctx, "sqlite://"+filepath.Join(dir, inURL), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
			t.Fatalf("%s: a fresh file already has the table (the path was cut short?): %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s: file not created under its own name: %v", name, err)
		}
	}
}

// TestPostgresPoolKeepsConnections checks that database/sql on PostgreSQL
// keeps idle connections between queries, with Kiln's pool size, instead
// of acquiring and wrapping a pgx pool connection per query; and that the
// pgx pool still works, with connections of its own.
func TestPostgresPoolKeepsConnections(t *testing.T) {
	t.Parallel()
	db := openDB(t, kilntest.PostgresURL(t))
	ctx := context.Background()
	for range 3 {
		var n int
		if err := db.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	st := db.SQL().Stats()
	if st.MaxOpenConnections != 8 || st.Idle < 1 || st.OpenConnections != 1 {
		t.Fatalf("database/sql pool after three queries: %+v; want one idle connection kept, of at most 8", st)
	}
	var n int
	if err := db.Pgx().QueryRow(ctx, "SELECT 2").Scan(&n); err != nil || n != 2 {
		t.Fatalf("pgx pool: %d, %v", n, err)
	}
	if got := db.Pgx().Stat().TotalConns(); got != 1 {
		t.Fatalf("pgx pool has %d connections, want the 1 it opened for its own query", got)
	}
}
