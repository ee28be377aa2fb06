package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kiln-web/kiln/migrate"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// cliFiles are the migrations the CLI tests run. 0002 has its own file on
// PostgreSQL and MySQL, so status shows the file chosen per database.
func cliFiles() fstest.MapFS {
	const addColour = "ALTER TABLE widgets ADD COLUMN colour VARCHAR(20)"
	return fstest.MapFS{
		"0001_create_widgets.up.sql":      {Data: []byte("CREATE TABLE widgets (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)")},
		"0001_create_widgets.down.sql":    {Data: []byte("DROP TABLE widgets")},
		"0002_add_colour.up.sql":          {Data: []byte(addColour)},
		"0002_add_colour.up.postgres.sql": {Data: []byte(addColour)},
		"0002_add_colour.up.mysql.sql":    {Data: []byte(addColour)},
		"0002_add_colour.down.sql":        {Data: []byte("ALTER TABLE widgets DROP COLUMN colour")},
		"0003_seed_widgets.up.sql":        {Data: []byte("INSERT INTO widgets (id, name) VALUES (1, 'spanner')")},
		"0003_seed_widgets.down.sql":      {Data: []byte("DELETE FROM widgets")},
	}
}

// cliHarness runs a CLI and captures what it writes.
type cliHarness struct {
	t           *testing.T
	cli         *migrate.CLI
	out, stderr bytes.Buffer
}

func newCLI(t *testing.T, db *orm.DB, files fstest.MapFS) *cliHarness {
	h := &cliHarness{t: t}
	h.cli = &migrate.CLI{DB: db, FS: files, Name: "myapp migrate", Stdout: &h.out, Stderr: &h.stderr}
	return h
}

// run runs args and returns the output and the error.
func (h *cliHarness) run(args ...string) (string, error) {
	h.t.Helper()
	h.out.Reset()
	err := h.cli.Run(context.Background(), args)
	return h.out.String(), err
}

// ok runs args and checks they succeed with exactly the output want.
func (h *cliHarness) ok(want string, args ...string) {
	h.t.Helper()
	out, err := h.run(args...)
	if err != nil {
		h.t.Fatalf("%q: %v (output %q)", args, err, out)
	}
	if out != want {
		h.t.Fatalf("%q wrote\n%s\nwant\n%s", args, out, want)
	}
}

// fails runs args and checks they fail with an error containing want,
// a *UsageError or not as usage says.
func (h *cliHarness) fails(usage bool, want string, args ...string) string {
	h.t.Helper()
	out, err := h.run(args...)
	if err == nil {
		h.t.Fatalf("%q succeeded, writing %q; want an error containing %q", args, out, want)
	}
	if !strings.Contains(err.Error(), want) {
		h.t.Fatalf("%q: error %q does not contain %q", args, err, want)
	}
	if _, isUsage := errors.AsType[*migrate.UsageError](err); isUsage != usage {
		h.t.Fatalf("%q: error %q (%T): usage error = %v, want %v", args, err, err, isUsage, usage)
	}
	return out
}

// statusRE matches a status row: version, name, state, applied-at, file.
func statusRE(version, name, state, file string) *regexp.Regexp {
	at := "-"
	if state != "pending" {
		at = `(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)`
	}
	return regexp.MustCompile(`(?m)^` + version + ` +` + name + ` +` + state + ` +` + at + ` +` + regexp.QuoteMeta(file) + `$`)
}

// checkStatus runs status and checks its rows, each {version, name,
// state, file}; applied ones must have been applied within the last minute.
func (h *cliHarness) checkStatus(rows ...[4]string) string {
	h.t.Helper()
	out, err := h.run("status")
	if err != nil {
		h.t.Fatalf("status: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !regexp.MustCompile(`^VERSION +NAME +STATE +APPLIED AT +FILE$`).MatchString(lines[0]) {
		h.t.Fatalf("status header %q", lines[0])
	}
	for _, r := range rows {
		m := statusRE(r[0], r[1], r[2], r[3]).FindStringSubmatch(out)
		if m == nil {
			h.t.Fatalf("status has no row %q:\n%s", r, out)
		}
		if len(m) > 1 {
			at, err := time.Parse(time.RFC3339, m[1])
			if err != nil || time.Since(at) > time.Minute || time.Until(at) > time.Minute {
				h.t.Fatalf("row %q: applied at %q, want about now (%v)", r, m[1], err)
			}
		}
	}
	return out
}

func TestCLI(t *testing.T) {
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		h := newCLI(t, db, cliFiles())
		file2 := "0002_add_colour.up.sql"
		if d := db.Dialect().Name(); d != "sqlite" {
			file2 = "0002_add_colour.up." + d + ".sql"
		}
		count := func() int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM widgets").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		h.ok("VERSION  NAME            STATE    APPLIED AT  FILE\n"+
			"1        create_widgets  pending  -           0001_create_widgets.up.sql\n"+
			"2        add_colour      pending  -           "+file2+"\n"+
			"3        seed_widgets    pending  -           0003_seed_widgets.up.sql\n", "status")
		h.ok("0\n", "version")

		h.ok("applied 0001_create_widgets.up.sql\nat version 1\n", "up", "--to", "1")
		h.ok("nothing to apply; at version 1\n", "up", "-to=1")
		h.ok("applied "+file2+"\napplied 0003_seed_widgets.up.sql\nat version 3\n", "up")
		h.ok("nothing to apply; at version 3\n", "up")
		h.ok("3\n", "version")
		h.checkStatus(
			[4]string{"1", "create_widgets", "applied", "0001_create_widgets.up.sql"},
			[4]string{"2", "add_colour", "applied", file2},
			[4]string{"3", "seed_widgets", "applied", "0003_seed_widgets.up.sql"})

		// redo really reverts and re-applies: the seed row is back, once.
		if _, err := db.SQL().ExecContext(context.Background(), "INSERT INTO widgets (id, name) VALUES (2, 'extra')"); err != nil {
			t.Fatal(err)
		}
		h.ok("reverted 0003_seed_widgets.down.sql\napplied 0003_seed_widgets.up.sql\nat version 3\n", "redo")
		if n := count(); n != 1 {
			t.Fatalf("after redo widgets has %d rows, want 1", n)
		}

		// Past zero: refused, nothing reverted.
		if out := h.fails(false, `cannot revert 4 migrations: only 3 applied; run "myapp migrate down 3" to revert them all`, "down", "4"); out != "" {
			t.Fatalf("down 4 wrote %q", out)
		}
		h.ok("3\n", "version")

		h.ok("reverted 0003_seed_widgets.down.sql\nat version 2\n", "down")
		if n := count(); n != 0 {
			t.Fatalf("after down widgets has %d rows, want 0", n)
		}
		h.checkStatus(
			[4]string{"2", "add_colour", "applied", file2},
			[4]string{"3", "seed_widgets", "pending", "0003_seed_widgets.up.sql"})
		h.ok("reverted 0002_add_colour.down.sql\nreverted 0001_create_widgets.down.sql\nat version 0\n", "down", "2")
		h.ok("0\n", "version")

		h.fails(false, "no migration is applied, so there is nothing to revert", "down")
		h.fails(false, "nothing to redo", "redo")
		h.fails(true, "no migration has that version; the versions are 1, 2, 3", "up", "--to", "7")
		h.ok("0\n", "version")
	})
}

// TestCLIUsage checks that every bad command line is a *UsageError that
// says what was wrong and changes nothing.
func TestCLIUsage(t *testing.T) {
	t.Parallel()
	h := newCLI(t, ormtest.Open(t, "sqlite"), cliFiles())
	const commands = "the commands are up, down, redo, status, version, create, make and help; run \"myapp migrate help\" for more"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "migrate: no command given; " + commands},
		{[]string{"upp"}, `migrate: unknown command "upp"; ` + commands},
		{[]string{"help", "upp"}, `migrate: unknown command "upp"`},
		{[]string{"--to", "3"}, `migrate: unknown command "--to"`},
		{[]string{"down", "x"}, `migrate down: N must be a whole number of migrations, 1 or more; got "x"; run "myapp migrate help down" for usage`},
		{[]string{"down", "0"}, `N must be a whole number of migrations, 1 or more; got "0"`},
		{[]string{"down", "1.5"}, `got "1.5"`},
		{[]string{"down", "-1"}, "flag provided but not defined: -1"},
		{[]string{"down", "1", "2"}, `migrate down: unexpected argument "2"`},
		{[]string{"status", "all"}, `migrate status: unexpected argument "all"`},
		{[]string{"version", "--json"}, "migrate version: flag provided but not defined: -json"},
		{[]string{"redo", "1"}, `unexpected argument "1"`},
		{[]string{"up", "2"}, `migrate up: unexpected argument "2"`},
		{[]string{"up", "--to", "x"}, `migrate up: invalid value "x" for flag -to`},
		{[]string{"up", "--to", "9"}, "migrate up: --to 9: no migration has that version; the versions are 1, 2, 3"},
		{[]string{"up", "--to"}, "flag needs an argument: -to"},
		{[]string{"create"}, "migrate create: give the migration a name, such as add_tags_to_posts"},
		{[]string{"create", "add tags"}, `migrate create: bad name "add tags"; use letters, digits, _ and -`},
		{[]string{"create", "../evil"}, `bad name "../evil"`},
		{[]string{"create", "a", "b"}, `unexpected argument "b"`},
		{[]string{"create", "--dir"}, "flag needs an argument: -dir"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h.t = t
			if out := h.fails(true, tt.want, tt.args...); out != "" {
				t.Errorf("wrote %q", out)
			}
		})
	}
	h.t = t
	h.ok("0\n", "version")
	if _, err := os.Stat("migrations"); err == nil {
		t.Error("a failed create made a migrations directory")
	}
}

func TestCLIHelp(t *testing.T) {
	t.Parallel()
	h := newCLI(t, nil, nil) // help needs no database
	const help = `Usage: myapp migrate <command> [arguments]

Applies the app's SQL migrations to its database.

Commands:
  up [--to VERSION]                apply the pending migrations: all, or those up to VERSION
  down [N]                         revert the N most recently applied migrations (default 1)
  redo                             revert the most recently applied migration and apply it again
  status                           list the migrations: version, name, state, when applied (UTC), file
  version                          print the highest applied version (0 when none is)
  create NAME [--dir DIR]          write empty NNNN_NAME.up.sql and NNNN_NAME.down.sql files
  make NAME [--dir DIR] [--check]  write the next migration from the changes to the models (model-diff, see migrate.Make)
  help [COMMAND]                   show this help, or a command's

Exit status: 0 on success, 1 when a migration or the database fails, 2 for a bad command line.
`
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"help", "help"}} {
		h.ok(help, args...)
	}
	const upHelp = `Usage: myapp migrate up [--to VERSION]

Apply the pending migrations: all, or those up to VERSION.
Pending migrations older than the newest applied one (merged from another branch) are applied too.

Flags:
  -to version
    	apply only the pending migrations up to this version
`
	for _, args := range [][]string{{"help", "up"}, {"up", "-h"}, {"up", "--help"}, {"up", "--to", "1", "-h"}} {
		h.ok(upHelp, args...)
	}
	h.ok("Usage: myapp migrate version\n\nPrint the highest applied version (0 when none is).\n", "help", "version")
	out, _ := h.run("help", "create")
	for _, want := range []string{"Usage: myapp migrate create NAME [--dir DIR]", "-dir directory", `(default "migrations")`} {
		if !strings.Contains(out, want) {
			t.Errorf("help create lacks %q:\n%s", want, out)
		}
	}
}

// TestCLIMain checks Main's exit statuses and that it writes the error to
// Stderr.
func TestCLIMain(t *testing.T) {
	t.Parallel()
	h := newCLI(t, ormtest.Open(t, "sqlite"), cliFiles())
	ctx := context.Background()
	for _, tt := range []struct {
		args       []string
		code       int
		wantStderr string
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"help"}, 0, ""},
		{[]string{"bogus"}, 2, `migrate: unknown command "bogus"`},
		{[]string{"down", "x"}, 2, `N must be a whole number`},
		{[]string{"down"}, 1, "nothing to revert"},
	} {
		h.stderr.Reset()
		if code := h.cli.Main(ctx, tt.args); code != tt.code {
			t.Errorf("Main(%q) = %d, want %d", tt.args, code, tt.code)
		}
		if got := h.stderr.String(); tt.wantStderr == "" && got != "" || !strings.Contains(got, tt.wantStderr) {
			t.Errorf("Main(%q) wrote %q to stderr, want %q", tt.args, got, tt.wantStderr)
		}
	}
}

// TestCLIFailingMigration checks that up lists what it applied before a
// migration failed, then returns the *Error.
func TestCLIFailingMigration(t *testing.T) {
	t.Parallel()
	files := cliFiles()
	files["0002_add_colour.up.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE no_such_table ADD COLUMN colour TEXT")}
	h := newCLI(t, ormtest.Open(t, "sqlite"), files)
	out, err := h.run("up")
	if out != "applied 0001_create_widgets.up.sql\n" {
		t.Errorf("up wrote %q", out)
	}
	if _, ok := errors.AsType[*migrate.Error](err); !ok || !strings.Contains(err.Error(), "0002_add_colour.up.sql, statement 1") {
		t.Fatalf("up: %v (%T), want a *migrate.Error naming the file", err, err)
	}
	if code := h.cli.Main(context.Background(), []string{"up"}); code != 1 {
		t.Errorf("Main(up) = %d, want 1", code)
	}
}

// TestCLIChangedAndMissing checks that status marks an applied migration
// whose file changed or vanished, explains both, and that up warns on
// Stderr about the change.
func TestCLIChangedAndMissing(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "sqlite")
	h := newCLI(t, db, cliFiles())
	h.ok("applied 0001_create_widgets.up.sql\napplied 0002_add_colour.up.sql\napplied 0003_seed_widgets.up.sql\nat version 3\n", "up")

	edited := cliFiles()
	edited["0001_create_widgets.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE widgets (id INTEGER PRIMARY KEY)")}
	delete(edited, "0003_seed_widgets.up.sql")
	delete(edited, "0003_seed_widgets.down.sql")
	h.cli.FS = edited
	out := h.checkStatus(
		[4]string{"1", "create_widgets", "changed", "0001_create_widgets.up.sql"},
		[4]string{"2", "add_colour", "applied", "0002_add_colour.up.sql"},
		[4]string{"3", "seed_widgets", "missing", "-"})
	for _, want := range []string{"\nchanged: applied, but the file was edited afterwards; the edit has not run and will not: write a new migration for it\n",
		"\nmissing: applied, but its files are not in the app's migrations"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	h.stderr.Reset()
	h.ok("nothing to apply; at version 3\n", "up")
	if got := h.stderr.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "file=0001_create_widgets.up.sql") {
		t.Errorf("up with a changed file logged %q, want a warning naming it", got)
	}
	h.fails(false, "cannot revert version 3 (seed_widgets): it is applied but its files are missing", "down")
}

func TestCLIDatabaseURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "app.db")
	h := newCLI(t, nil, cliFiles())
	h.cli.DatabaseURL = url
	h.ok("applied 0001_create_widgets.up.sql\napplied 0002_add_colour.up.sql\napplied 0003_seed_widgets.up.sql\nat version 3\n", "up")
	h.ok("3\n", "version")

	// The database really is the one at the URL.
	db, err := orm.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM widgets").Scan(&n); err != nil || n != 1 {
		t.Fatalf("widgets at %s: %d rows, %v", url, n, err)
	}

	// create never opens the database, so an unreachable one is fine.
	h.cli.DatabaseURL = "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=5"
	h.cli.Dir = filepath.Join(dir, "migrations")
	h.ok("created "+filepath.Join(dir, "migrations", "0004_next.up.sql")+"\ncreated "+filepath.Join(dir, "migrations", "0004_next.down.sql")+"\n", "create", "next")
	h.fails(false, "orm: cannot reach", "status")

	h.cli.DatabaseURL = ""
	h.fails(false, "migrate: no database: set CLI.DatabaseURL (for example from DATABASE_URL) or CLI.DB", "status")
	h.cli.DatabaseURL, h.cli.FS = url, nil
	h.fails(false, "migrate: CLI.FS is nil", "version")
}

func TestCLICreate(t *testing.T) {
	t.Parallel()
	// created runs create and returns the base names of the files it wrote,
	// checking each is empty and that the output lists them.
	created := func(t *testing.T, h *cliHarness, dir string, args ...string) []string {
		t.Helper()
		out, err := h.run(args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		var names, want []string
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			p, ok := strings.CutPrefix(line, "created ")
			if !ok || filepath.Dir(p) != dir {
				t.Fatalf("%q wrote %q, want created %s/…", args, line, dir)
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) != 0 {
				t.Fatalf("%s: %q, %v; want an empty file", p, b, err)
			}
			names = append(names, filepath.Base(p))
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			want = append(want, e.Name())
		}
		for _, n := range names {
			if !slices.Contains(want, n) {
				t.Fatalf("%s is not in %s", n, dir)
			}
		}
		return names
	}
	write := func(t *testing.T, dir string, names ...string) {
		t.Helper()
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("SELECT 1;"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	equal := func(t *testing.T, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("created %q, want %q", got, want)
		}
	}

	t.Run("first migration, directory made", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "db", "migrations")
		h := newCLI(t, nil, nil)
		equal(t, created(t, h, dir, "create", "create_posts", "--dir", dir), "0001_create_posts.up.sql", "0001_create_posts.down.sql")
		equal(t, created(t, h, dir, "create", "--dir", dir, "add-index"), "0002_add-index.up.sql", "0002_add-index.down.sql")
		// The files make valid migrations.
		m, err := migrate.New(ormtest.Open(t, "sqlite"), os.DirFS(dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		if migs := m.Migrations(); len(migs) != 2 || migs[1].Name != "add-index" || migs[1].DownFile != "0002_add-index.down.sql" {
			t.Fatalf("migrations %+v", migs)
		}
	})
	t.Run("after the highest on disk, dialect files included", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		write(t, dir, "0001_a.up.sql", "0005_b.up.sql", "0007_c.down.mysql.sql", "0007_c.up.sql", "notes.txt", "9999_not_sql.md")
		h := newCLI(t, nil, nil)
		h.cli.Dir = dir
		equal(t, created(t, h, dir, "create", "d"), "0008_d.up.sql", "0008_d.down.sql")
	})
	t.Run("after the highest in the app's FS", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		write(t, dir, "0001_create_widgets.up.sql")
		h := newCLI(t, nil, cliFiles())
		equal(t, created(t, h, dir, "create", "--dir="+dir, "next"), "0004_next.up.sql", "0004_next.down.sql")
	})
	t.Run("keeps wider numbers", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		write(t, dir, "20240101120000_init.up.sql", "12_short.up.sql")
		h := newCLI(t, nil, nil)
		equal(t, created(t, h, dir, "create", "next", "-dir", dir), "20240101120001_next.up.sql", "20240101120001_next.down.sql")
	})
	t.Run("-- ends the flags", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		h := newCLI(t, nil, nil)
		equal(t, created(t, h, dir, "create", "-dir", dir, "--", "-x"), "0001_-x.up.sql", "0001_-x.down.sql")
	})
}

// TestCLICreateDefaultDir checks create writes to ./migrations by default.
// It changes the working directory, so it is not parallel.
func TestCLICreateDefaultDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	h := newCLI(t, nil, nil)
	h.ok("created migrations/0001_init.up.sql\ncreated migrations/0001_init.down.sql\n", "create", "init")
	if _, err := os.Stat(filepath.Join(dir, "migrations", "0001_init.up.sql")); err != nil {
		t.Fatal(err)
	}
}

type gadget struct {
	ID   int64  `db:"id,pk"`
	Name string `db:",size=50"`
}

// gadgetV2 is gadget with a new field, stored in the same table.
type gadgetV2 struct {
	ID    int64  `db:"id,pk"`
	Name  string `db:",size=50"`
	Price int64  `db:",default=0"`
}

func (gadgetV2) TableName() string { return "gadgets" }

func TestCLIMake(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	migrations := filepath.Join(dir, "migrations")
	url := "sqlite://" + filepath.Join(dir, "app.db")
	h := newCLI(t, nil, nil)
	h.cli.DatabaseURL = "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=5" // never opened
	h.cli.Dir = migrations

	h.fails(false, "make has no models to compare: set CLI.Models", "make", "create_gadgets")
	var v1 orm.Registry
	orm.MustRegister[gadget](&v1)
	h.cli.Models = &v1
	h.fails(true, "give the migration a name", "make")
	h.fails(true, `bad name "no good"`, "make", "no good")

	out, err := h.run("make", "create_gadgets")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Migration 0001_create_gadgets:", "Create table gadgets",
		"created " + filepath.Join(migrations, "0001_create_gadgets.up.postgres.sql"),
		"created " + filepath.Join(migrations, "0001_create_gadgets.changes.json")} {
		if !strings.Contains(out, want) {
			t.Errorf("make output lacks %q:\n%s", want, out)
		}
	}
	h.ok("The migrations match the models.\n", "make", "--check")
	h.ok("No changes detected.\n", "make", "again")

	// The files it wrote migrate a real database, through the same CLI.
	h.cli.FS, h.cli.DatabaseURL = os.DirFS(migrations), url
	h.ok("applied 0001_create_gadgets.up.sqlite.sql\nat version 1\n", "up")

	// A changed model: --check fails and writes nothing; make writes the
	// diff, which applies on top.
	var v2 orm.Registry
	orm.MustRegister[gadgetV2](&v2)
	h.cli.Models = &v2
	out = h.fails(false, "the models have changes no migration has; run myapp migrate make NAME", "make", "--check")
	if !strings.Contains(out, "Add column gadgets.price") {
		t.Errorf("--check output lacks the change:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(migrations, "0002_check.changes.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--check wrote files: %v", err)
	}
	if out, err := h.run("make", "add_price"); err != nil || !strings.Contains(out, "0002_add_price.up.sqlite.sql") {
		t.Fatalf("make add_price: %v\n%s", err, out)
	}
	h.ok("applied 0002_add_price.up.sqlite.sql\nat version 2\n", "up")
	db, err := orm.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := gadgetV2{Name: "lever", Price: 3}
	if err := orm.Insert(context.Background(), db, &g); err != nil || g.ID == 0 {
		t.Fatalf("insert through the made schema: %v", err)
	}
}
