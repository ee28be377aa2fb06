package orm

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-web/kiln/kilntest"
	kilnorm "github.com/kiln-web/kiln/orm"
)

// contestant is a named Store. only, when set, names the one operation it
// runs in the benchmarks (it is tested on all of them).
type contestant struct {
	name  string
	store Store
	only  string
}

// env is one database with the items table and every contestant on it.
type env struct {
	dialect     string
	contestants []contestant
	admin       *sql.DB // a writer for Reset
}

// reset empties the items table and stores the Seeded items, with ids 1 to
// Seeded, so the next id the database assigns is Seeded+1, and leaves the
// database in the same state for every contestant.
func (e *env) reset(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	clear := "DELETE FROM items"
	if e.dialect == "postgres" {
		clear = "TRUNCATE items RESTART IDENTITY"
	}
	if _, err := e.admin.ExecContext(ctx, clear); err != nil {
		tb.Fatalf("reset: %v", err)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO items (" + columns + ") VALUES ")
	args := make([]any, 0, 8*Seeded)
	for i := int64(1); i <= Seeded; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range 8 {
			if c > 0 {
				b.WriteString(", ")
			}
			if e.dialect == "postgres" {
				fmt.Fprintf(&b, "$%d", len(args)+c+1)
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
		it := Seed(i)
		args = append(args, it.ID, it.Title, it.Body, it.AuthorID, it.Score, it.Published, it.CreatedAt, it.UpdatedAt)
	}
	if _, err := e.admin.ExecContext(ctx, b.String(), args...); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	after := []string{
		// Every contestant starts on a file of the seeded rows alone and an
		// empty WAL: without these the first one would grow the file and
		// the next reuse the pages freed by DELETE.
		"VACUUM",
		"PRAGMA wal_checkpoint(TRUNCATE)",
	}
	if e.dialect == "postgres" {
		after = []string{
			fmt.Sprintf("SELECT setval(pg_get_serial_sequence('items', 'id'), %d)", Seeded),
			// Hint bits, visibility map and statistics, so the first
			// contestant does not pay for them and all get the same plans.
			"VACUUM ANALYZE items",
		}
	}
	for _, stmt := range after {
		if _, err := e.admin.ExecContext(ctx, stmt); err != nil {
			tb.Fatalf("seed: %s: %v", stmt, err)
		}
	}
}

// createItems creates the items table through db.
func createItems(tb testing.TB, db *sql.DB, dialect string) {
	tb.Helper()
	for _, stmt := range Schema(dialect) {
		if _, err := db.Exec(stmt); err != nil {
			tb.Fatalf("create items: %v", err)
		}
	}
}

// openSQLite returns the SQLite env: a fresh file in tb.TempDir(), opened
// by Kiln (orm.Open) and by database/sql with the same settings.
func openSQLite(tb testing.TB) *env {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "bench.db")
	db, err := kilnorm.Open(ctx, "sqlite://"+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	createItems(tb, db.SQL(), "sqlite")
	w, r, err := OpenSQLite(path)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := NewSQL(ctx, "sqlite", w, r)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return &env{
		dialect:     "sqlite",
		admin:       db.SQL(),
		contestants: []contestant{{name: "kiln", store: NewKiln(db)}, {name: "sql", store: raw}},
	}
}

// openPostgres returns the PostgreSQL env, with synchronous_commit off
// for its sessions, in a schema of its own that is dropped at the end, so it never meets the tables of tests running
// beside it. The server comes from kilntest.PostgresURL
// (KILN_TEST_POSTGRES_URL): unreachable, it skips tb, or fails it under
// KILN_REQUIRE_SERVICES=1.
func openPostgres(tb testing.TB) *env {
	tb.Helper()
	ctx := context.Background()
	base := kilntest.PostgresURL(tb)
	admin, err := OpenPostgres(base)
	if err != nil {
		tb.Fatal(err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "kiln_bench_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// synchronous_commit=off: a commit does not wait for the WAL flush, so
	// the write figures measure the client libraries and the server's
	// work, not this machine's shared disk, whose flush time varies by
	// several times from one run to the next.
	u := base + sep + "search_path=" + schema + "&synchronous_commit=off"

	db, err := kilnorm.Open(ctx, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	createItems(tb, db.SQL(), "postgres")

	sqlDB, err := OpenPostgres(u)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := NewSQL(ctx, "postgres", sqlDB, sqlDB)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })

	pool := func() *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			tb.Fatal(err)
		}
		cfg.MaxConns = 8 // Kiln's default pool size
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(p.Close)
		return p
	}
	return &env{
		dialect: "postgres",
		admin:   db.SQL(),
		contestants: []contestant{
			{name: "kiln", store: NewKiln(db)},
			{name: "sql", store: raw},
			{name: "pgx", store: NewPgx(pool())},
			{name: "pgx-pipeline", store: NewPgxPipelined(pool()), only: "InsertBatch"},
		},
	}
}
