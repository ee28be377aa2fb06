package migrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kiln-web/kiln/orm"
)

// CLI is the migrate command, for an app to wire into its own main so that
// "myapp migrate up" applies the migrations embedded in the app to its
// database:
//
//	func main() {
//		if len(os.Args) > 1 && os.Args[1] == "migrate" {
//			files, _ := fs.Sub(migrationFiles, "migrations") // //go:embed migrations/*.sql
//			cli := &migrate.CLI{DatabaseURL: os.Getenv("DATABASE_URL"), FS: files}
//			os.Exit(cli.Main(context.Background(), os.Args[2:]))
//		}
//		// … serve as usual
//	}
//
// A separate tool cannot do this: Go is compiled, so only the app's own
// binary holds its migrations. The kiln command's "kiln migrate …" builds
// the app and runs it this way.
//
// The commands are up, down, redo, status, version, create, make and help;
// "help" describes them. Run and Main may be called more than once, but not
// concurrently.
type CLI struct {
	// DB is the database to migrate. When nil, Run opens DatabaseURL for
	// the commands that use a database and closes it before returning.
	// Defaults to nil.
	DB *orm.DB

	// DatabaseURL locates the database when DB is nil, in the form
	// orm.Open takes: "sqlite://app.db", "postgres://…", "mysql://…".
	// create never opens it, so it works without a database. Defaults to
	// "", which is an error for the commands that need a database unless DB
	// is set.
	DatabaseURL string

	// FS holds the migrations at its root, as for New; for an embed.FS with
	// a migrations directory, pass fs.Sub(files, "migrations"). Every
	// command but create needs it. create numbers its files after the
	// highest version in FS as well as in the directory it writes to, so a
	// new migration never reuses a version. Defaults to nil.
	FS fs.FS

	// Dir is the directory create and make write new migration files to,
	// relative to the working directory; their --dir flag overrides it.
	// It should be the directory FS embeds. Defaults to "migrations".
	Dir string

	// Models holds the models make compares with the migrations'
	// schema (see Make). Register every model the app stores in it, as
	// in orm.MustRegister[Post](&models); models that relations point to
	// are registered with them. Defaults to DB.Models() when DB is set;
	// with neither, make fails saying to set it.
	Models *orm.Registry

	// Options is passed to New. When it is nil or its Logger is nil, the
	// Migrator logs only warnings (an applied migration's file has
	// changed), to Stderr: the commands report what they did on Stdout.
	// Defaults to nil.
	Options *Options

	// Name is the command as the user runs it, for the help and for
	// messages that say what to run next, such as "myapp migrate". Defaults
	// to the base name of os.Args[0] followed by " migrate".
	Name string

	// Stdout receives the commands' output and the help. Defaults to
	// os.Stdout.
	Stdout io.Writer

	// Stderr receives the Migrator's warnings and, from Main, the error.
	// Defaults to os.Stderr.
	Stderr io.Writer
}

// UsageError is the error Run returns for a command line it cannot run: no
// command or an unknown one, an unknown flag, a missing or malformed
// argument. Nothing has been changed when it is returned. Its message says
// what was wrong and how to get help; Main exits with status 2 on it.
type UsageError struct {
	// Msg is the whole message.
	Msg string
}

// Error returns Msg.
func (e *UsageError) Error() string { return e.Msg }

// The exit statuses Main returns.
const (
	exitOK      = 0
	exitFailure = 1 // a migration failed, the database is unreachable, …
	exitUsage   = 2 // a *UsageError
)

// Main runs the command line args, like Run, and returns the exit status
// for os.Exit: 0 on success, 2 on a *UsageError, 1 on any other error (a
// failed migration, an unreachable database). It writes the error, if any,
// to Stderr.
func (c *CLI) Main(ctx context.Context, args []string) int {
	err := c.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(c.stderr(), err)
	if _, ok := errors.AsType[*UsageError](err); ok {
		return exitUsage
	}
	return exitFailure
}

// Run runs one command. args is the command line after "migrate", such as
// {"up"}, {"down", "2"} or {"create", "add_tags", "--dir", "db/migrations"};
// flags may come before or after the arguments. "help", "-h" and "--help",
// alone or after a command, write the help to Stdout and return nil.
//
// A bad command line returns a *UsageError before any migration runs. The
// commands write what they did to Stdout as they finish: when one fails
// part way, what was applied or reverted before the failure is listed
// before Run returns the error.
func (c *CLI) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return c.badCommand("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(args) > 1 && args[1] != "help" {
			// "help up" is "up -h".
			return c.Run(ctx, []string{args[1], "-h"})
		}
		c.usage(c.stdout())
		return nil
	}
	i := commandIndex(name)
	if i < 0 {
		return c.badCommand(fmt.Sprintf("unknown command %q", name))
	}
	x := &invocation{cli: c, cmd: &commands[i], args: args[1:], out: c.stdout()}
	x.flags = flag.NewFlagSet(c.name()+" "+name, flag.ContinueOnError)
	x.flags.SetOutput(io.Discard) // parse reports errors and help itself
	defer x.close()
	err := x.cmd.run(ctx, x)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// command is one of the CLI's subcommands.
type command struct {
	name    string // as typed: "up"
	args    string // its arguments and flags, for the help: "[--to VERSION]"
	summary string // what it does, in a line for the list of commands
	doc     string // more about it, for its own help; may be empty
	// run defines the command's flags on x.flags, parses the command line
	// with x.parse, and does the work, writing to x.out.
	run func(ctx context.Context, x *invocation) error
}

// commands are the CLI's subcommands, in the order the help lists them.
//
// To add one, add an entry here and its run function: it defines its flags
// on x.flags, then x.parse gives its arguments and x.migrator the Migrator
// (x.noArgs does both for a command without arguments), and
// writeMigration writes a new numbered pair of files. This is where
// model-diff migrations (migrate.Make) plug in, as a "make NAME" entry
// whose run function writes Make's SQL with writeMigration.
var commands = []command{
	{name: "up", args: "[--to VERSION]", run: runUp,
		summary: "apply the pending migrations: all, or those up to VERSION",
		doc:     "Pending migrations older than the newest applied one (merged from another branch) are applied too."},
	{name: "down", args: "[N]", run: runDown,
		summary: "revert the N most recently applied migrations (default 1)",
		doc:     "It fails, reverting nothing, when fewer than N migrations are applied or one of them has no down file."},
	{name: "redo", run: runRedo,
		summary: "revert the most recently applied migration and apply it again"},
	{name: "status", run: runStatus,
		summary: "list the migrations: version, name, state, when applied (UTC), file",
		doc:     "The file is the up file used on this database. The state is pending, applied, changed (applied, but its file was edited since; the edit will not run) or missing (applied, but its files are gone)."},
	{name: "version", run: runVersion,
		summary: "print the highest applied version (0 when none is)"},
	{name: "create", args: "NAME [--dir DIR]", run: runCreate,
		summary: "write empty NNNN_NAME.up.sql and NNNN_NAME.down.sql files",
		doc:     "NNNN is one more than the highest version in DIR and in the app's migrations. Write the SQL, then run up (the app embeds the files when it is built, so build it again first)."},
	{name: "make", args: "NAME [--dir DIR] [--check]", run: runMake,
		summary: "write the next migration from the changes to the models (model-diff, see migrate.Make)",
		doc:     "It compares the app's models with the schema the migrations in DIR have made and writes NNNN_NAME's up and down SQL for SQLite, PostgreSQL and MySQL, plus NNNN_NAME.changes.json. Review the SQL and every warning (!), then build the app and run up. With --check it writes nothing and fails (exit status 1) if the models have changes no migration has: a CI step. It never opens the database."},
}

func commandIndex(name string) int {
	for i := range commands {
		if commands[i].name == name {
			return i
		}
	}
	return -1
}

func (c *CLI) badCommand(what string) error {
	names := make([]string, 0, len(commands)+1)
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	names = append(names, "help")
	return &UsageError{Msg: fmt.Sprintf("migrate: %s; the commands are %s and %s; run %q for more",
		what, strings.Join(names[:len(names)-1], ", "), names[len(names)-1], c.name()+" help")}
}

// usage writes the help: the commands and the exit statuses.
func (c *CLI) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [arguments]\n\nApplies the app's SQL migrations to its database.\n\nCommands:\n", c.name())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, cmd := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
	fmt.Fprintf(tw, "  help [COMMAND]\tshow this help, or a command's\n")
	tw.Flush()
	fmt.Fprintf(w, "\nExit status: 0 on success, 1 when a migration or the database fails, 2 for a bad command line.\n")
}

func (c *CLI) name() string {
	if c.Name != "" {
		return c.Name
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") + " migrate"
}

func (c *CLI) stdout() io.Writer {
	if c.Stdout != nil {
		return c.Stdout
	}
	return os.Stdout
}

func (c *CLI) stderr() io.Writer {
	if c.Stderr != nil {
		return c.Stderr
	}
	return os.Stderr
}

// invocation is one Run of a command: its command line, and the database
// once opened.
type invocation struct {
	cli    *CLI
	cmd    *command
	args   []string // after the command's name
	flags  *flag.FlagSet
	out    io.Writer
	opened *orm.DB // opened by migrator from DatabaseURL; closed by close
}

// parse parses the command's flags, which run has defined on x.flags, and
// returns its other arguments, of which there may be at most max. Flags
// and arguments may be mixed; after "--" everything is an argument. On -h
// it writes the command's help and returns flag.ErrHelp.
func (x *invocation) parse(max int) ([]string, error) {
	var pos []string
	args := x.args
	for {
		if err := x.flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				x.usage()
				return nil, err
			}
			return nil, x.usageError(err.Error())
		}
		rest := x.flags.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) > max {
		return nil, x.usageError(fmt.Sprintf("unexpected argument %q", pos[max]))
	}
	return pos, nil
}

// isSet reports whether the command line set the flag.
func (x *invocation) isSet(name string) bool {
	set := false
	x.flags.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// usageError is a *UsageError about the command, pointing to its help.
func (x *invocation) usageError(msg string) error {
	return &UsageError{Msg: fmt.Sprintf("migrate %s: %s; run %q for usage", x.cmd.name, msg, x.cli.name()+" help "+x.cmd.name)}
}

// usage writes the command's help.
func (x *invocation) usage() {
	fmt.Fprintf(x.out, "Usage: %s %s\n\n%s.\n", x.cli.name(), strings.TrimSpace(x.cmd.name+" "+x.cmd.args),
		strings.ToUpper(x.cmd.summary[:1])+x.cmd.summary[1:])
	if x.cmd.doc != "" {
		fmt.Fprintf(x.out, "%s\n", x.cmd.doc)
	}
	hasFlags := false
	x.flags.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(x.out, "\nFlags:\n")
		x.flags.SetOutput(x.out)
		x.flags.PrintDefaults()
		x.flags.SetOutput(io.Discard)
	}
}

// migrator returns a Migrator for the CLI's FS on its database, opening
// DatabaseURL when DB is nil.
func (x *invocation) migrator(ctx context.Context) (*Migrator, error) {
	c := x.cli
	if c.FS == nil {
		return nil, errors.New("migrate: CLI.FS is nil; set it to the app's migrations, such as fs.Sub(migrationFiles, \"migrations\")")
	}
	db := c.DB
	if db == nil {
		if c.DatabaseURL == "" {
			return nil, errors.New("migrate: no database: set CLI.DatabaseURL (for example from DATABASE_URL) or CLI.DB")
		}
		var err error
		if db, err = orm.Open(ctx, c.DatabaseURL, nil); err != nil {
			return nil, err
		}
		x.opened = db
	}
	var opts Options
	if c.Options != nil {
		opts = *c.Options
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(c.stderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return New(db, c.FS, &opts)
}

// noArgs parses the command line of a command that takes no arguments
// (flags only) and returns the Migrator.
func (x *invocation) noArgs(ctx context.Context) (*Migrator, error) {
	if _, err := x.parse(0); err != nil {
		return nil, err
	}
	return x.migrator(ctx)
}

func (x *invocation) close() {
	if x.opened != nil {
		x.opened.Close()
	}
}

// printVersion writes the line that ends up, down and redo.
func (x *invocation) printVersion(ctx context.Context, m *Migrator, prefix string) error {
	v, err := m.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(x.out, "%sat version %d\n", prefix, v)
	return nil
}

func runUp(ctx context.Context, x *invocation) error {
	to := x.flags.Int64("to", 0, "apply only the pending migrations up to this `version`")
	m, err := x.noArgs(ctx)
	if err != nil {
		return err
	}
	var applied []Migration
	if x.isSet("to") {
		if m.byVersion[*to] == nil {
			return x.usageError(fmt.Sprintf("--to %d: no migration has that version; the versions are %s", *to, versionList(m.migrations)))
		}
		applied, err = m.UpTo(ctx, *to)
	} else {
		applied, err = m.Up(ctx)
	}
	for _, mig := range applied {
		fmt.Fprintln(x.out, "applied", mig.UpFile)
	}
	if err != nil {
		return err
	}
	prefix := ""
	if len(applied) == 0 {
		prefix = "nothing to apply; "
	}
	return x.printVersion(ctx, m, prefix)
}

// versionList lists the migrations' versions for a message, eliding the
// middle of a long list.
func versionList(migs []*Migration) string {
	if len(migs) == 0 {
		return "none (there are no migration files)"
	}
	var vs []string
	for i, mig := range migs {
		if len(migs) > 8 && i == 3 {
			vs = append(vs, "…")
		}
		if len(migs) <= 8 || i < 3 || i >= len(migs)-3 {
			vs = append(vs, strconv.FormatInt(mig.Version, 10))
		}
	}
	return strings.Join(vs, ", ")
}

func runDown(ctx context.Context, x *invocation) error {
	args, err := x.parse(1)
	if err != nil {
		return err
	}
	n := 1
	if len(args) == 1 {
		if n, err = strconv.Atoi(args[0]); err != nil || n < 1 {
			return x.usageError(fmt.Sprintf("N must be a whole number of migrations, 1 or more; got %q", args[0]))
		}
	}
	m, err := x.migrator(ctx)
	if err != nil {
		return err
	}
	status, err := m.Status(ctx)
	if err != nil {
		return err
	}
	applied := 0
	for _, s := range status {
		if s.State != Pending {
			applied++
		}
	}
	switch {
	case applied == 0:
		return errors.New("migrate down: no migration is applied, so there is nothing to revert")
	case n > applied:
		return fmt.Errorf("migrate down: cannot revert %d migrations: only %d applied; run %q to revert them all", n, applied, fmt.Sprintf("%s down %d", x.cli.name(), applied))
	}
	reverted, err := m.Down(ctx, n)
	for _, mig := range reverted {
		fmt.Fprintln(x.out, "reverted", mig.DownFile)
	}
	if err != nil {
		return err
	}
	return x.printVersion(ctx, m, "")
}

func runRedo(ctx context.Context, x *invocation) error {
	m, err := x.noArgs(ctx)
	if err != nil {
		return err
	}
	mig, err := m.Redo(ctx)
	if mig.Version != 0 { // reverted, even if applying it again failed
		fmt.Fprintln(x.out, "reverted", mig.DownFile)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(x.out, "applied", mig.UpFile)
	return x.printVersion(ctx, m, "")
}

func runStatus(ctx context.Context, x *invocation) error {
	m, err := x.noArgs(ctx)
	if err != nil {
		return err
	}
	status, err := m.Status(ctx)
	if err != nil {
		return err
	}
	if len(status) == 0 {
		fmt.Fprintln(x.out, "no migrations")
		return nil
	}
	tw := tabwriter.NewWriter(x.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT\tFILE")
	var changed, missing bool
	for _, s := range status {
		state, at, file := string(s.State), "-", "-"
		if !s.AppliedAt.IsZero() {
			at = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		if mig := m.byVersion[s.Version]; mig != nil {
			file = mig.UpFile
		}
		if s.Changed {
			state, changed = "changed", true
		}
		missing = missing || s.State == Missing
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Version, s.Name, state, at, file)
	}
	tw.Flush()
	if changed {
		fmt.Fprintln(x.out, "\nchanged: applied, but the file was edited afterwards; the edit has not run and will not: write a new migration for it")
	}
	if missing {
		fmt.Fprintln(x.out, "\nmissing: applied, but its files are not in the app's migrations (deleted, or from another branch); restore them to revert it")
	}
	return nil
}

func runVersion(ctx context.Context, x *invocation) error {
	m, err := x.noArgs(ctx)
	if err != nil {
		return err
	}
	v, err := m.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(x.out, v)
	return nil
}

var migrationNameRE = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

func runCreate(ctx context.Context, x *invocation) error {
	dir := x.flags.String("dir", cmpOr(x.cli.Dir, "migrations"), "the `directory` to write the files to")
	args, err := x.parse(1)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return x.usageError("give the migration a name, such as add_tags_to_posts")
	}
	if !migrationNameRE.MatchString(args[0]) {
		return x.usageError(fmt.Sprintf("bad name %q; use letters, digits, _ and -, such as add_tags_to_posts", args[0]))
	}
	files, err := writeMigration(*dir, x.cli.FS, args[0], "", "")
	for _, f := range files {
		fmt.Fprintln(x.out, "created", f)
	}
	return err
}

func runMake(ctx context.Context, x *invocation) error {
	dir := x.flags.String("dir", cmpOr(x.cli.Dir, "migrations"), "the `directory` of the migrations, where the new files go")
	check := x.flags.Bool("check", false, "write nothing; fail if the models have changes no migration has")
	args, err := x.parse(1)
	if err != nil {
		return err
	}
	if len(args) == 0 && !*check {
		return x.usageError("give the migration a name, such as add_tags_to_posts")
	}
	name := "check"
	if len(args) > 0 {
		name = args[0]
	}
	if !migrationNameRE.MatchString(name) {
		return x.usageError(fmt.Sprintf("bad name %q; use letters, digits, _ and -, such as add_tags_to_posts", name))
	}
	reg := x.cli.Models
	if reg == nil && x.cli.DB != nil {
		reg = x.cli.DB.Models()
	}
	if reg == nil || len(reg.Models()) == 0 {
		return errors.New("migrate: make has no models to compare: set CLI.Models to a registry with the app's models registered (orm.MustRegister[Post](&models)), or CLI.DB to a database they are registered with")
	}
	res, err := Make(reg.Models(), *dir, name, &MakeOptions{DryRun: *check})
	if err != nil {
		return err
	}
	if *check {
		if len(res.Changes) == 0 {
			fmt.Fprintln(x.out, "The migrations match the models.")
			return nil
		}
		fmt.Fprintln(x.out, res)
		return fmt.Errorf("migrate: the models have changes no migration has; run %s make NAME and commit the files", x.cli.name())
	}
	fmt.Fprintln(x.out, res)
	for _, f := range res.Files {
		fmt.Fprintln(x.out, "created", filepath.Join(*dir, f.Name))
	}
	return nil
}

// writeMigration writes the files dir/NNNN_name.up.sql and
// dir/NNNN_name.down.sql with the given SQL, creating dir if needed, and
// returns their paths. NNNN is one more than the highest version among the
// migration files in dir and at the root of fsys (which may be nil), with
// at least four digits and as many as the highest has. It never overwrites
// a file.
func writeMigration(dir string, fsys fs.FS, name, up, down string) ([]string, error) {
	highest, digits := int64(0), 4
	scan := func(entries []fs.DirEntry) {
		for _, e := range entries {
			m := fileNameRE.FindStringSubmatch(e.Name())
			if m == nil {
				continue
			}
			if v, err := strconv.ParseInt(m[1], 10, 64); err == nil && v > highest {
				highest, digits = v, max(4, len(m[1]))
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("migrate: read the migrations directory: %w", err)
	}
	scan(entries)
	if fsys != nil {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("migrate: read the app's migrations: %w", err)
		}
		scan(entries)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("migrate: create the migrations directory: %w", err)
	}
	base := fmt.Sprintf("%0*d_%s", digits, highest+1, name)
	var written []string
	for _, f := range []struct{ suffix, sql string }{{".up.sql", up}, {".down.sql", down}} {
		p := filepath.Join(dir, base+f.suffix)
		file, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return written, fmt.Errorf("migrate: create %s: %w", p, err)
		}
		_, err = file.WriteString(f.sql)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return written, fmt.Errorf("migrate: write %s: %w", p, err)
		}
		written = append(written, p)
	}
	return written, nil
}
