package migrate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

// backend is one of the three databases the suite runs on.
type backend struct {
	name string
	url  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "test.db") }},
	{"postgres", func(t *testing.T) string { return kilntest.PostgresURL(t) }},
	{"mysql", func(t *testing.T) string { return kilntest.MySQLURL(t) }},
}

// harness is what a test needs: a database, and a suffix that makes its
// table names (and its migrations table) its own, so tests run in
// parallel and again without clashing.
type harness struct {
	t       *testing.T
	db      *orm.DB
	url     string
	dialect string
	sfx     string // "_" and 8 random hex digits
	table   string // the migrations table
}

func setup(t *testing.T, b backend) *harness {
	t.Helper()
	url := b.url(t)
	ctx := context.Background()
	db, err := orm.Open(ctx, url, nil)
	if err != nil {
		t.Fatalf("orm.Open(%s): %v", b.name, err)
	}
	var r [4]byte
	rand.Read(r[:])
	h := &harness{t: t, db: db, url: url, dialect: db.Dialect().Name(), sfx: "_" + hex.EncodeToString(r[:])}
	h.table = "mig" + h.sfx
	t.Cleanup(func() {
		defer db.Close()
		h.dropTables()
	})
	return h
}

// dropTables drops every table whose name ends with the test's suffix
// (SQLite's file is removed with its temporary directory).
func (h *harness) dropTables() {
	var q string
	switch h.dialect {
	case "postgres":
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND right(table_name, $1) = $2"
	case "mysql":
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND RIGHT(table_name, ?) = ?"
	default:
		return
	}
	ctx := context.Background()
	rows, err := h.db.SQL().QueryContext(ctx, q, len(h.sfx), h.sfx)
	if err != nil {
		h.t.Errorf("cleanup: list tables: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			h.t.Errorf("cleanup: %v", err)
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := h.db.SQL().ExecContext(ctx, "DROP TABLE IF EXISTS "+h.db.Dialect().Quote(n)); err != nil {
			h.t.Errorf("cleanup: drop %s: %v", n, err)
		}
	}
}

// fs builds a migrations FS from name → SQL, with {s} replaced by the
// test's suffix and {d} in names by its dialect.
func (h *harness) fs(files map[string]string) fstest.MapFS {
	return migrationsFS(files, h.sfx, h.dialect)
}

func migrationsFS(files map[string]string, sfx, dialect string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, sql := range files {
		name = strings.ReplaceAll(name, "{d}", dialect)
		m[name] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(sql, "{s}", sfx))}
	}
	return m
}

func (h *harness) migrator(files map[string]string, opts *Options) *Migrator {
	h.t.Helper()
	m, err := New(h.db, h.fs(files), h.opts(opts))
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	return m
}

func (h *harness) opts(opts *Options) *Options {
	o := Options{Table: h.table, LockTimeout: 20 * time.Second, Logger: slog.New(slog.NewTextHandler(h.t.Output(), nil))}
	if opts != nil && opts.LockTimeout != 0 {
		o.LockTimeout = opts.LockTimeout
	}
	return &o
}

// exists reports whether the test's table name+suffix exists.
func (h *harness) exists(name string) bool {
	_, err := h.db.SQL().ExecContext(context.Background(), "SELECT 1 FROM "+h.db.Dialect().Quote(name+h.sfx)+" WHERE 1 = 0")
	return err == nil
}

// count runs a SELECT COUNT(*) with {s} replaced by the suffix.
func (h *harness) count(query string) int {
	h.t.Helper()
	var n int
	if err := h.db.SQL().QueryRowContext(context.Background(), strings.ReplaceAll(query, "{s}", h.sfx)).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (h *harness) exec(query string) {
	h.t.Helper()
	if _, err := h.db.SQL().ExecContext(context.Background(), strings.ReplaceAll(query, "{s}", h.sfx)); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
}

func versions(ms []Migration) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Version)
	}
	return out
}

func (h *harness) version(m *Migrator) int64 {
	h.t.Helper()
	v, err := m.Version(context.Background())
	if err != nil {
		h.t.Fatalf("Version: %v", err)
	}
	return v
}

// basic is three migrations; 0002 has semicolons inside strings, 0003 a
// MySQL variant of its down file.
var basic = map[string]string{
	"0001_create_users.up.sql":   "CREATE TABLE users{s} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n",
	"0001_create_users.down.sql": "DROP TABLE users{s};\n",
	"0002_create_notes.up.sql": `-- notes, with a seed row
CREATE TABLE notes{s} (
    id INTEGER PRIMARY KEY,
    body VARCHAR(200) NOT NULL DEFAULT 'a;b'
);
INSERT INTO notes{s} (id, body) VALUES (1, 'it''s; fine');
`,
	"0002_create_notes.down.sql":      "DROP TABLE notes{s};",
	"0003_index_notes.up.sql":         "CREATE INDEX notes_body{s} ON notes{s} (body);",
	"0003_index_notes.down.sql":       "DROP INDEX notes_body{s};",
	"0003_index_notes.down.mysql.sql": "DROP INDEX notes_body{s} ON notes{s};",
	"README.md":                       "ignored",
}

// suite is the conformance suite every database runs.
var suite = []struct {
	name string
	run  func(t *testing.T, h *harness)
}{
	{"UpStatusVersionDown", testUpStatusVersionDown},
	{"UpTo", testUpTo},
	{"Redo", testRedo},
	{"FailedMigration", testFailedMigration},
	{"ChangedChecksum", testChangedChecksum},
	{"MissingFiles", testMissingFiles},
	{"MissingDownFile", testMissingDownFile},
	{"DialectVariant", testDialectVariant},
	{"BadFiles", testBadFiles},
	{"ConcurrentMigrators", testConcurrentMigrators},
	{"LockTimeout", testLockTimeout},
	{"ContextCancelled", testContextCancelled},
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, setup(t, b))
				})
			}
		})
	}
}

func testUpStatusVersionDown(t *testing.T, h *harness) {
	ctx := context.Background()
	m := h.migrator(basic, nil)
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st) != 3 || st[0].State != Pending || st[2].State != Pending || !st[0].AppliedAt.IsZero() {
		t.Fatalf("Status before Up = %+v, want 3 pending", st)
	}
	if v := h.version(m); v != 0 {
		t.Errorf("Version before Up = %d, want 0", v)
	}

	before := time.Now().Add(-time.Second)
	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	after := time.Now().Add(time.Second)
	if got := versions(applied); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("Up applied %v, want [1 2 3]", got)
	}
	if applied[1].Name != "create_notes" || applied[1].UpFile != "0002_create_notes.up.sql" {
		t.Errorf("applied[1] = %+v", applied[1])
	}
	var body string
	if err := h.db.SQL().QueryRowContext(ctx, "SELECT body FROM notes"+h.sfx+" WHERE id = 1").Scan(&body); err != nil || body != "it's; fine" {
		t.Errorf("seed row = %q, %v; want \"it's; fine\"", body, err)
	}
	if v := h.version(m); v != 3 {
		t.Errorf("Version after Up = %d, want 3", v)
	}
	if again, err := m.Up(ctx); err != nil || len(again) != 0 {
		t.Errorf("second Up = %v, %v; want nothing", versions(again), err)
	}
	st, err = m.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for i, s := range st {
		if s.Version != int64(i+1) || s.State != Applied || s.Changed {
			t.Errorf("Status[%d] = %+v, want version %d applied, unchanged", i, s, i+1)
		}
		if s.AppliedAt.Location() != time.UTC || s.AppliedAt.Before(before) || s.AppliedAt.After(after) {
			t.Errorf("Status[%d].AppliedAt = %v, want UTC between %v and %v", i, s.AppliedAt, before, after)
		}
	}
	if n := h.count("SELECT COUNT(*) FROM mig{s}"); n != 3 {
		t.Errorf("migrations table has %d rows, want 3", n)
	}

	reverted, err := m.Down(ctx, 1)
	if err != nil || !slices.Equal(versions(reverted), []int64{3}) {
		t.Fatalf("Down(1) = %v, %v; want [3]", versions(reverted), err)
	}
	if v := h.version(m); v != 2 {
		t.Errorf("Version after Down(1) = %d, want 2", v)
	}
	reverted, err = m.Down(ctx, 5)
	if err != nil || !slices.Equal(versions(reverted), []int64{2, 1}) {
		t.Fatalf("Down(5) = %v, %v; want [2 1]", versions(reverted), err)
	}
	if h.exists("users") || h.exists("notes") {
		t.Error("tables still exist after reverting everything")
	}
	if v := h.version(m); v != 0 {
		t.Errorf("Version after Down(5) = %d, want 0", v)
	}
	if reverted, err = m.Down(ctx, 1); err != nil || len(reverted) != 0 {
		t.Errorf("Down(1) with nothing applied = %v, %v; want nothing", versions(reverted), err)
	}
	if _, err := m.Down(ctx, -1); err == nil {
		t.Error("Down(-1) succeeded")
	}
}

func testUpTo(t *testing.T, h *harness) {
	ctx := context.Background()
	m := h.migrator(basic, nil)
	applied, err := m.UpTo(ctx, 2)
	if err != nil || !slices.Equal(versions(applied), []int64{1, 2}) {
		t.Fatalf("UpTo(2) = %v, %v; want [1 2]", versions(applied), err)
	}
	st, _ := m.Status(ctx)
	if len(st) != 3 || st[1].State != Applied || st[2].State != Pending {
		t.Errorf("Status after UpTo(2) = %+v", st)
	}
	if _, err := m.UpTo(ctx, 99); err == nil || !strings.Contains(err.Error(), "no migration has version 99") {
		t.Errorf("UpTo(99) = %v, want an unknown-version error", err)
	}
	if applied, err := m.UpTo(ctx, 1); err != nil || len(applied) != 0 {
		t.Errorf("UpTo(1) at version 2 = %v, %v; want nothing", versions(applied), err)
	}
	if applied, err := m.Up(ctx); err != nil || !slices.Equal(versions(applied), []int64{3}) {
		t.Errorf("Up = %v, %v; want [3]", versions(applied), err)
	}
}

func testRedo(t *testing.T, h *harness) {
	ctx := context.Background()
	files := map[string]string{}
	for k, v := range basic {
		if !strings.HasPrefix(k, "0003") {
			files[k] = v
		}
	}
	m := h.migrator(files, nil)
	if _, err := m.Redo(ctx); err == nil || !strings.Contains(err.Error(), "nothing to redo") {
		t.Errorf("Redo with nothing applied = %v, want a nothing-to-redo error", err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	h.exec("INSERT INTO notes{s} (id, body) VALUES (2, 'extra')")
	if n := h.count("SELECT COUNT(*) FROM notes{s}"); n != 2 {
		t.Fatalf("notes has %d rows before Redo, want 2", n)
	}
	mig, err := m.Redo(ctx)
	if err != nil {
		t.Fatalf("Redo: %v", err)
	}
	if mig.Version != 2 {
		t.Errorf("Redo redid version %d, want 2", mig.Version)
	}
	// Down dropped the table, Up made it again with only its seed row.
	if n := h.count("SELECT COUNT(*) FROM notes{s}"); n != 1 {
		t.Errorf("notes has %d rows after Redo, want 1", n)
	}
	if v := h.version(m); v != 2 {
		t.Errorf("Version after Redo = %d, want 2", v)
	}
	if n := h.count("SELECT COUNT(*) FROM mig{s}"); n != 2 {
		t.Errorf("migrations table has %d rows after Redo, want 2", n)
	}
}

func testFailedMigration(t *testing.T, h *harness) {
	ctx := context.Background()
	m := h.migrator(map[string]string{
		"0001_ok.up.sql": "CREATE TABLE ok{s} (id INTEGER);",
		"0002_bad.up.sql": `-- creates a table, then fails
CREATE TABLE half{s} (id INTEGER);
INSERT INTO no_such_table{s} (id) VALUES (1);
CREATE TABLE never{s} (id INTEGER);
`,
		"0003_later.up.sql": "CREATE TABLE later{s} (id INTEGER);",
	}, nil)
	applied, err := m.Up(ctx)
	if !slices.Equal(versions(applied), []int64{1}) {
		t.Errorf("Up applied %v before failing, want [1]", versions(applied))
	}
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("Up error = %v (%T), want an *Error", err, err)
	}
	if me.File != "0002_bad.up.sql" || me.Statement != 2 || me.Line != 3 || me.Err == nil {
		t.Errorf("Error = %+v, want file 0002_bad.up.sql, statement 2, line 3", me)
	}
	if want := `migrate: 0002_bad.up.sql, statement 2 ("INSERT INTO no_such_table` + h.sfx; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start with %q", err, want)
	}
	if !h.exists("ok") || h.exists("never") || h.exists("later") {
		t.Error("want ok created, never and later not")
	}
	if v := h.version(m); v != 1 {
		t.Errorf("Version = %d, want 1 (no bookkeeping row for the failed migration)", v)
	}
	if n := h.count("SELECT COUNT(*) FROM mig{s} WHERE version = 2"); n != 0 {
		t.Errorf("%d bookkeeping rows for the failed migration, want 0", n)
	}
	switch h.dialect {
	case "mysql":
		// DDL commits implicitly: statement 1 stays, and the error says so.
		if !h.exists("half") {
			t.Error("MySQL: half does not exist, but statement 1 ran")
		}
		if len(me.Ran) != 1 || !strings.HasPrefix(me.Ran[0], "CREATE TABLE half") {
			t.Errorf("Error.Ran = %q, want statement 1", me.Ran)
		}
		if !strings.Contains(err.Error(), "already ran") || !strings.Contains(err.Error(), "CREATE TABLE half") {
			t.Errorf("error = %q, want it to report statement 1 as already run", err)
		}
	default:
		// Transactional DDL: nothing of the failed migration remains.
		if h.exists("half") {
			t.Error("half exists after its migration failed; want it rolled back")
		}
		if len(me.Ran) != 0 {
			t.Errorf("Error.Ran = %q, want none (rolled back)", me.Ran)
		}
	}
}

func testChangedChecksum(t *testing.T, h *harness) {
	ctx := context.Background()
	if _, err := h.migrator(basic, nil).Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	edited := map[string]string{}
	for k, v := range basic {
		edited[k] = v
	}
	edited["0002_create_notes.up.sql"] += "-- edited after it was applied\n"
	m := h.migrator(edited, nil)
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, s := range st {
		if want := s.Version == 2; s.Changed != want || s.State != Applied {
			t.Errorf("Status for %d = %+v, want applied with Changed %v", s.Version, s, want)
		}
	}
	if applied, err := m.Up(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Up with a changed file = %v, %v; want nothing and no error", versions(applied), err)
	}
}

func testMissingFiles(t *testing.T, h *harness) {
	ctx := context.Background()
	if _, err := h.migrator(basic, nil).Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	fewer := map[string]string{}
	for k, v := range basic {
		if !strings.HasPrefix(k, "0003") {
			fewer[k] = v
		}
	}
	m := h.migrator(fewer, nil)
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st) != 3 || st[2].State != Missing || st[2].Name != "index_notes" || st[2].AppliedAt.IsZero() || st[1].State != Applied {
		t.Errorf("Status = %+v, want version 3 missing", st)
	}
	if v := h.version(m); v != 3 {
		t.Errorf("Version = %d, want 3", v)
	}
	if _, err := m.Down(ctx, 1); err == nil || !strings.Contains(err.Error(), "files are missing") {
		t.Errorf("Down(1) = %v, want a files-missing error", err)
	}
	if v := h.version(m); v != 3 {
		t.Errorf("Version after the failed Down = %d, want 3", v)
	}
}

func testMissingDownFile(t *testing.T, h *harness) {
	ctx := context.Background()
	m := h.migrator(map[string]string{
		"0001_a.up.sql":   "CREATE TABLE a{s} (id INTEGER);",
		"0002_b.up.sql":   "CREATE TABLE b{s} (id INTEGER);",
		"0002_b.down.sql": "DROP TABLE b{s};",
	}, nil)
	if got := m.Migrations(); len(got) != 2 || got[0].DownFile != "" || got[1].DownFile != "0002_b.down.sql" {
		t.Fatalf("Migrations = %+v", got)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	// Down(2) checks every down file before reverting any.
	if _, err := m.Down(ctx, 2); err == nil || !strings.Contains(err.Error(), "0001_a.down.sql is missing") {
		t.Errorf("Down(2) = %v, want an error naming 0001_a.down.sql", err)
	}
	if v := h.version(m); v != 2 || !h.exists("b") {
		t.Errorf("Version = %d after the failed Down(2), want 2 and b kept", v)
	}
	if reverted, err := m.Down(ctx, 1); err != nil || !slices.Equal(versions(reverted), []int64{2}) {
		t.Errorf("Down(1) = %v, %v; want [2]", versions(reverted), err)
	}
}

func testDialectVariant(t *testing.T, h *harness) {
	ctx := context.Background()
	m := h.migrator(map[string]string{
		"0001_v.up.sql":     "CREATE TABLE v{s} (generic INTEGER);",
		"0001_v.up.{d}.sql": "CREATE TABLE v{s} (special INTEGER);",
		"0001_v.down.sql":   "DROP TABLE v{s};",
	}, nil)
	if got := m.Migrations()[0]; got.UpFile != "0001_v.up."+h.dialect+".sql" || got.DownFile != "0001_v.down.sql" {
		t.Errorf("files = %s, %s; want the %s up variant and the generic down", got.UpFile, got.DownFile, h.dialect)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if n := h.count("SELECT COUNT(special) FROM v{s}"); n != 0 {
		t.Errorf("count = %d", n)
	}
}

func testBadFiles(t *testing.T, h *harness) {
	other := "postgres"
	if h.dialect == "postgres" {
		other = "mysql"
	}
	tests := []struct {
		name  string
		files []string
		opts  *Options
		want  string // "" for success
	}{
		{"no direction", []string{"0001_a.sql"}, nil, `bad migration file name "0001_a.sql"; expected NNNN_name.up.sql`},
		{"no version", []string{"abc_a.up.sql"}, nil, `bad migration file name "abc_a.up.sql"; expected`},
		{"no name", []string{"0001.up.sql"}, nil, `bad migration file name "0001.up.sql"`},
		{"unknown dialect", []string{"0001_a.up.oracle.sql"}, nil, `unknown dialect "oracle"`},
		{"version zero", []string{"0000_a.up.sql"}, nil, "the version must be an integer from 1"},
		{"duplicate version", []string{"0001_a.up.sql", "1_b.up.sql"}, nil, "duplicate migration version 1"},
		{"duplicate spelling", []string{"0001_a.up.sql", "01_a.up.sql"}, nil, "duplicate migration version 1"},
		{"down without up", []string{"0002_b.down.sql"}, nil, `"0002_b.down.sql" has no up file; add 0002_b.up.sql`},
		{"only another database", []string{"0003_c.up." + other + ".sql"}, nil, "files only for other databases"},
		{"subdirectory", []string{"migrations/0001_a.up.sql"}, nil, `pass fs.Sub(fsys, "migrations")`},
		{"bad table", []string{"0001_a.up.sql"}, &Options{Table: "bad-name"}, "bad Options.Table"},
		{"other files ignored", []string{"0001_a.up.sql", "README.md", "notes.txt"}, nil, ""},
		{"empty", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			opts := h.opts(nil)
			if tt.opts != nil {
				opts.Table = tt.opts.Table
			}
			_, err := New(h.db, fsys, opts)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// concurrentFiles are migrations that show double application: 0002
// inserts a row into a counter table (after a pause on the servers, to
// widen the race).
var concurrentFiles = map[string]string{
	"0001_counter.up.sql":       "CREATE TABLE counter{s} (n INTEGER NOT NULL);",
	"0002_bump.up.sql":          "INSERT INTO counter{s} (n) VALUES (1);",
	"0002_bump.up.postgres.sql": "SELECT pg_sleep(0.2);\nINSERT INTO counter{s} (n) VALUES (1);",
	"0002_bump.up.mysql.sql":    "SELECT SLEEP(0.2);\nINSERT INTO counter{s} (n) VALUES (1);",
	"0003_other.up.sql":         "CREATE TABLE other{s} (id INTEGER);",
}

func (h *harness) checkAppliedOnce(all []int64) {
	h.t.Helper()
	slices.Sort(all)
	if !slices.Equal(all, []int64{1, 2, 3}) {
		h.t.Errorf("applied %v between the runners, want each of 1, 2, 3 exactly once", all)
	}
	if n := h.count("SELECT COUNT(*) FROM counter{s}"); n != 1 {
		h.t.Errorf("counter has %d rows, want 1 (migration 2 ran once)", n)
	}
	if n := h.count("SELECT COUNT(*) FROM mig{s}"); n != 3 {
		h.t.Errorf("migrations table has %d rows, want 3", n)
	}
}

// testConcurrentMigrators runs Up from four Migrators at once in this
// process; TestTwoProcesses does it from two processes.
func testConcurrentMigrators(t *testing.T, h *harness) {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		all []int64
		wg  sync.WaitGroup
	)
	for range 4 {
		m := h.migrator(concurrentFiles, nil)
		wg.Go(func() {
			applied, err := m.Up(ctx)
			if err != nil {
				t.Errorf("Up: %v", err)
			}
			mu.Lock()
			all = append(all, versions(applied)...)
			mu.Unlock()
		})
	}
	wg.Wait()
	h.checkAppliedOnce(all)
}

func testLockTimeout(t *testing.T, h *harness) {
	if h.dialect == "sqlite" {
		t.Skip("SQLite takes no lock: its single writer serialises migrations")
	}
	ctx := context.Background()
	holder := h.migrator(basic, nil)
	s, err := holder.begin(ctx)
	if err != nil {
		t.Fatalf("take the lock: %v", err)
	}
	m := h.migrator(basic, &Options{LockTimeout: 300 * time.Millisecond})
	start := time.Now()
	_, err = m.Up(ctx)
	if !errors.Is(err, ErrLockTimeout) {
		t.Errorf("Up while another run holds the lock = %v, want ErrLockTimeout", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 10*time.Second {
		t.Errorf("Up gave up after %v, want about 300ms", d)
	}
	if h.exists("users") {
		t.Error("Up applied migrations without the lock")
	}
	// A waiting run proceeds once the lock is released.
	done := make(chan error, 1)
	go func() {
		_, err := h.migrator(basic, nil).Up(ctx)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	s.end()
	if err := <-done; err != nil {
		t.Errorf("Up after the lock was released: %v", err)
	}
	if v := h.version(m); v != 3 {
		t.Errorf("Version = %d, want 3", v)
	}
}

func testContextCancelled(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := h.migrator(basic, nil)
	if _, err := m.Up(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Up with a cancelled context = %v, want context.Canceled", err)
	}
	if h.exists("users") {
		t.Error("Up with a cancelled context applied a migration")
	}
	var sleep string
	switch h.dialect {
	case "postgres":
		sleep = "SELECT pg_sleep(30);"
	case "mysql":
		sleep = "SELECT SLEEP(30);"
	default:
		return // SQLite has no sleep; the check above suffices
	}
	slow := h.migrator(map[string]string{
		"0001_slow.up.sql": "CREATE TABLE slow{s} (id INTEGER);\n" + sleep,
	}, nil)
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := slow.Up(ctx)
	t.Logf("Up past its deadline: %v", err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Up past its deadline = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Up returned after %v, want soon after the 300ms deadline", d)
	}
	if h.dialect == "postgres" && h.exists("slow") {
		t.Error("slow exists after its migration was cancelled")
	}
	// The lock was released (on MySQL by killing the session, whose
	// statement the server would otherwise finish first): the next run
	// proceeds at once.
	start = time.Now()
	if v := h.version(slow); v != 0 {
		t.Errorf("Version = %d, want 0", v)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the next run waited %v for the lock, want it released at once", d)
	}
}

// helperEnv carries a TestHelperProcess's job.
const helperEnv = "KILN_MIGRATE_HELPER"

type helperJob struct {
	URL, Table, Suffix string
	Start              time.Time // all helpers start Up at this moment
}

// TestTwoProcesses starts two processes that run Up at the same moment on
// one database, and checks each migration was applied exactly once.
func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, b)
			job, _ := json.Marshal(helperJob{URL: h.url, Table: h.table, Suffix: h.sfx, Start: time.Now().Add(time.Second)})
			type result struct {
				out []byte
				err error
			}
			results := make(chan result, 2)
			for range 2 {
				cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
				cmd.Env = append(os.Environ(), helperEnv+"="+string(job))
				go func() {
					out, err := cmd.CombinedOutput()
					results <- result{out, err}
				}()
			}
			var all []int64
			for range 2 {
				r := <-results
				if r.err != nil {
					t.Fatalf("helper process: %v\n%s", r.err, r.out)
				}
				found := false
				for line := range strings.Lines(string(r.out)) {
					rest, ok := strings.CutPrefix(strings.TrimSpace(line), "APPLIED:")
					if !ok {
						continue
					}
					found = true
					for f := range strings.FieldsSeq(rest) {
						v, _ := strconv.ParseInt(f, 10, 64)
						all = append(all, v)
					}
				}
				if !found {
					t.Fatalf("helper printed no APPLIED line:\n%s", r.out)
				}
			}
			h.checkAppliedOnce(all)
		})
	}
}

// TestHelperProcess is not a test: TestTwoProcesses runs it in child
// processes.
func TestHelperProcess(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		t.Skip("run by TestTwoProcesses")
	}
	var job helperJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := orm.Open(ctx, job.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys := migrationsFS(concurrentFiles, job.Suffix, db.Dialect().Name())
	m, err := New(db, fsys, &Options{Table: job.Table, LockTimeout: 30 * time.Second, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(job.Start))
	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Print("APPLIED:")
	for _, v := range versions(applied) {
		fmt.Print(" ", v)
	}
	fmt.Println()
}
