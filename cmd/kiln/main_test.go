package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// kilnBin is the kiln binary the tests run, built once by TestMain, and
// env the environment they run it in: the user's Go build cache (so the
// apps kiln builds reuse its compiled packages) and a cache directory of
// the test's own for kiln's builds.
var (
	kilnBin string
	env     []string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kiln-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go env GOCACHE:", err)
		return 1
	}
	kilnBin = filepath.Join(dir, "kiln")
	if out, err := exec.Command("go", "build", "-o", kilnBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build kiln: %v\n%s", err, out)
		return 1
	}
	env = append(os.Environ(),
		"GOCACHE="+strings.TrimSpace(string(gocache)),
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), // os.UserCacheDir on Linux
		"KILN_ENV=dev",
	)
	return m.Run()
}

// result is what a kiln run wrote and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// kiln runs kiln with args in dir, with extra environment variables.
func kiln(t *testing.T, dir string, extraEnv []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kilnBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("kiln %q: %v", args, err)
	}
	return r
}

// expect checks a run's exit status and that its stdout and stderr match
// the regular expressions (an empty one: nothing written).
func (r result) expect(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	match := func(what, re, got string) {
		t.Helper()
		if re == "" && got != "" || !regexp.MustCompile(re).MatchString(got) {
			t.Fatalf("%s is\n%s\nwant a match for %q (exit status %d)", what, got, re, r.code)
		}
	}
	if r.code != code {
		t.Fatalf("exit status %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	match("stdout", stdout, r.stdout)
	match("stderr", stderr, r.stderr)
}

// TestMigrateNotes runs kiln migrate in examples/notes, as a user of the
// app would, on a SQLite database in a temporary directory.
func TestMigrateNotes(t *testing.T) {
	t.Parallel()
	notes, err := filepath.Abs(filepath.Join("..", "..", "examples", "notes"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	db := filepath.Join(tmp, "notes.db")
	dbEnv := []string{"DATABASE_URL=sqlite://" + db}
	migrate := func(args ...string) result {
		t.Helper()
		return kiln(t, notes, dbEnv, append([]string{"migrate"}, args...)...)
	}

	migrate("status").expect(t, 0, `^VERSION  NAME          STATE    APPLIED AT  FILE
1        create_notes  pending  -           0001_create_notes.up.sqlite.sql
$`, "")
	migrate("up").expect(t, 0, "^applied 0001_create_notes.up.sqlite.sql\nat version 1\n$", "")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the database is not at DATABASE_URL: %v", err)
	}
	migrate("version").expect(t, 0, "^1\n$", "")
	migrate("status").expect(t, 0, `(?m)^1 +create_notes +applied +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +0001_create_notes.up.sqlite.sql$`, "")
	migrate("redo").expect(t, 0, "^reverted 0001_create_notes.down.sqlite.sql\napplied 0001_create_notes.up.sqlite.sql\nat version 1\n$", "")
	migrate("down").expect(t, 0, "^reverted 0001_create_notes.down.sqlite.sql\nat version 0\n$", "")

	// The app's errors and exit statuses come through kiln unchanged, and
	// its help and messages name "kiln migrate".
	migrate("down").expect(t, 1, "", "^migrate down: no migration is applied, so there is nothing to revert\n$")
	migrate("down", "x").expect(t, 2, "", `got "x"; run "kiln migrate help down" for usage`)
	migrate("bogus").expect(t, 2, "", `^migrate: unknown command "bogus"; the commands are up, down, redo, status, version, create, make and help; run "kiln migrate help" for more\n$`)
	migrate().expect(t, 2, "", "no command given")
	migrate("help").expect(t, 0, `^Usage: kiln migrate <command> \[arguments\]\n`, "")
	migrate("-pkg", ".", "up", "--to", "1").expect(t, 0, "^applied 0001_create_notes.up.sqlite.sql\nat version 1\n$", "")

	// create numbers after the app's embedded migrations, so 0002 even in
	// an empty directory.
	dir := filepath.Join(tmp, "migrations")
	migrate("create", "add_tags", "--dir", dir).expect(t, 0,
		"^created "+regexp.QuoteMeta(filepath.Join(dir, "0002_add_tags.up.sql"))+"\ncreated "+regexp.QuoteMeta(filepath.Join(dir, "0002_add_tags.down.sql"))+"\n$", "")
	for _, f := range []string{"0002_add_tags.up.sql", "0002_add_tags.down.sql"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) != 0 {
			t.Errorf("%s: %q, %v; want an empty file", f, b, err)
		}
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kiln(t, dir, nil, "version").expect(t, 0, `^kiln \S+.* `+regexp.QuoteMeta(runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)+"\n$", "")
	kiln(t, dir, nil, "version", "x").expect(t, 2, "", `kiln version: unexpected argument "x"`)
	kiln(t, dir, nil).expect(t, 2, "", "^Usage: kiln <command>")
	kiln(t, dir, nil, "help").expect(t, 0, `^Usage: kiln <command> \[arguments\]\n(.|\n)*  migrate (.|\n)*  version `, "")
	kiln(t, dir, nil, "--help").expect(t, 0, `^Usage: kiln <command>`, "")
	kiln(t, dir, nil, "help", "migrate").expect(t, 0, `^Usage: kiln migrate \[-pkg PKG\] <command> \[arguments\](.|\n)*-pkg package`, "")
	kiln(t, dir, nil, "migrate", "-h").expect(t, 0, `^Usage: kiln migrate \[-pkg PKG\]`, "")
	kiln(t, dir, nil, "migrat").expect(t, 2, "", `^kiln: unknown command "migrat"; the commands are migrate, version and help; run "kiln help" for usage\n$`)
	kiln(t, dir, nil, "migrate", "-bogus", "up").expect(t, 2, "", `^kiln migrate: flag provided but not defined: -bogus; run "kiln migrate -h" for usage\n$`)
	kiln(t, dir, nil, "migrate", "-pkg", "./nope", "status").expect(t, 1, "", `kiln migrate: building ./nope failed \(exit status 1\); fix the errors above, or pass -pkg`)
}
