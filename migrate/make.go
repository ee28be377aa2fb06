package migrate

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-web/kiln/orm"
)

// MakeOptions configures Make. A nil *MakeOptions, like a zero one, gives
// the defaults.
type MakeOptions struct {
	// Dialects lists the databases to write SQL files for: "sqlite",
	// "postgres" and "mysql". A migration can then run only on those
	// (New refuses a migration with no file for its database). Defaults
	// to all three.
	Dialects []string

	// DryRun makes Make compute the migration and return it, files and
	// all, without writing anything: for previewing the SQL, or for a CI
	// check that the migrations match the models (a non-empty Changes
	// means someone forgot to run Make). Defaults to false.
	DryRun bool
}

// MakeResult is what Make wrote, or found there was nothing to write.
type MakeResult struct {
	// Version is the new migration's version, or 0 when there were no
	// changes.
	Version int64
	// Name is the new migration's file-name stem, such as
	// "0002_add_posts_summary", or "" when there were no changes.
	Name string
	// Files are the files written (with DryRun: that would be written)
	// in the directory, SQL first, the .changes.json last. It is empty
	// when there were no changes.
	Files []MadeFile
	// Changes describes each change in a line, in the order the up SQL
	// makes them, such as "Add column posts.summary (nullable text)". It is
	// empty when the models match the migrations.
	Changes []string
	// Warnings lists what the migration does to existing data: dropped
	// columns and tables (a renamed field looks like one dropped and one
	// added), NOT NULL columns filled with a value, conversions.
	Warnings []string
}

// MadeFile is a file Make wrote.
type MadeFile struct {
	// Name is the file's name in the directory, such as
	// "0002_add_posts_summary.up.postgres.sql".
	Name string
	// Data is its content.
	Data []byte
}

// String returns the summary for people: the migration's name, a line
// per change and the warnings, or "No changes detected." when there were
// none.
func (r *MakeResult) String() string {
	if len(r.Changes) == 0 {
		return "No changes detected."
	}
	var b strings.Builder
	b.WriteString("Migration " + r.Name + ":\n")
	for _, c := range r.Changes {
		b.WriteString("  - " + c + "\n")
	}
	for _, w := range r.Warnings {
		b.WriteString("  ! " + w + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// changesFile is the JSON stored beside each migration Make writes.
type changesFile struct {
	// Format identifies the file for people and future versions.
	Format  string   `json:"format"`
	Changes []change `json:"changes"`
}

const changesFormat = "kiln-migrate-changes/1"

var (
	changesNameRE = regexp.MustCompile(`^([0-9]+)_([A-Za-z0-9_\-]+)\.changes\.json$`)
	migNameRE     = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)
)

// Make writes the next migration into dir: the SQL that takes the
// database from the schema the earlier migrations made to the one models
// need (see SchemaOf), for each database, like Django's makemigrations.
//
// It reads the schema the existing migrations made by replaying their
// NNNN_name.changes.json files (none: an empty database), compares it with
// SchemaOf(models), and writes, as the version after the highest in dir:
//
//	NNNN_name.up.sqlite.sql    NNNN_name.down.sqlite.sql
//	NNNN_name.up.postgres.sql  NNNN_name.down.postgres.sql
//	NNNN_name.up.mysql.sql     NNNN_name.down.mysql.sql
//	NNNN_name.changes.json     the changes, which the next Make replays
//
// New and Up load these like migrations written by hand (the JSON file is
// not SQL, so they skip it; an //go:embed migrations/*.sql leaves it out
// of the binary). The changes are: create and drop tables, add, drop and
// alter columns (type, size, nullability, default), create and drop
// indexes, add and drop foreign keys, in an order every database can run.
// The down files undo them, re-creating dropped tables and columns empty:
// their data is not restored, as a comment in the file says.
//
// The SQL types are the ones the orm reads and writes:
//
//	kind        sqlite        postgres           mysql
//	string(n)   VARCHAR(n)    VARCHAR(n)         VARCHAR(n)
//	text        TEXT          TEXT               LONGTEXT
//	bool        BOOLEAN       BOOLEAN            BOOLEAN
//	int         INTEGER       INTEGER            INT
//	int64       BIGINT        BIGINT             BIGINT
//	float       REAL          DOUBLE PRECISION   DOUBLE
//	time        DATETIME      TIMESTAMPTZ        DATETIME(6)
//	bytes       BLOB          BYTEA              LONGBLOB
//	json        TEXT          JSONB              JSON
//	uuid        VARCHAR(36)   UUID               CHAR(36)
//	[16]byte    BLOB          UUID               BINARY(16)
//
// with auto-increment keys INTEGER PRIMARY KEY AUTOINCREMENT (SQLite),
// SERIAL or BIGSERIAL (PostgreSQL) and INT or BIGINT AUTO_INCREMENT
// (MySQL, whose tables are InnoDB and utf8mb4). PostgreSQL and MySQL alter
// tables in place; SQLite, whose ALTER TABLE can only add columns,
// rebuilds a table for the other changes (see New for how such a
// migration runs with foreign keys off). A default= option is SQL,
// copied as written.
//
// name is letters, digits, _ and -; "" picks one from the changes
// ("initial" for the first migration). Make returns a MakeResult whose
// String is a summary to show (a line per change, then warnings about
// data: a dropped column, which is what a renamed field looks like, or a
// NOT NULL column filled with the zero value). When the models match the
// migrations it writes nothing and returns a result with no Changes, not
// an error.
//
// Make never edits existing files. Migrations written by hand are applied
// by Up but invisible to Make: a schema change made only in them will be
// made again by the next Make. Review the SQL before committing it.
func Make(models []*orm.Model, dir, name string, opts *MakeOptions) (*MakeResult, error) {
	if opts == nil {
		opts = &MakeOptions{}
	}
	if name != "" && !migNameRE.MatchString(name) {
		return nil, fmt.Errorf("migrate: bad migration name %q; use letters, digits, _ and -, such as add_posts_summary", name)
	}
	dialectList := opts.Dialects
	if len(dialectList) == 0 {
		dialectList = dialects
	}
	for _, d := range dialectList {
		if !slices.Contains(dialects, d) {
			return nil, fmt.Errorf("migrate: MakeOptions.Dialects has %q; use sqlite, postgres or mysql", d)
		}
	}
	to, err := SchemaOf(models)
	if err != nil {
		return nil, err
	}
	var fsys fs.FS
	if _, err := os.Stat(dir); err == nil {
		fsys = os.DirFS(dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("migrate: read the migrations directory: %w", err)
	}
	from, last, width := &Schema{}, int64(0), 4
	if fsys != nil {
		if from, err = SchemaFrom(fsys); err != nil {
			return nil, err
		}
		if last, width, err = lastVersion(fsys); err != nil {
			return nil, err
		}
	}
	changes, err := diff(from, to)
	if err != nil {
		return nil, err
	}
	res := &MakeResult{}
	if len(changes) == 0 {
		return res, nil
	}
	if name == "" {
		name = autoName(changes, len(from.Tables) == 0)
	}
	res.Version = last + 1
	res.Name = fmt.Sprintf("%0*d_%s", width, res.Version, name)
	for _, c := range changes {
		res.Changes = append(res.Changes, c.summary())
		if w := c.warning(); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}
	down := invert(changes)
	for _, d := range dialectList {
		for _, dir := range []string{"up", "down"} {
			start, cs := from, changes
			if dir == "down" {
				start, cs = to, down
			}
			header := fmt.Sprintf("-- %s (%s, %s): written by migrate.Make from the models. Review it before committing.\n\n", res.Name, dir, d)
			sql, err := render(d, start, cs, header)
			if err != nil {
				return nil, fmt.Errorf("migrate: render %s for %s: %w", res.Name, d, err)
			}
			res.Files = append(res.Files, MadeFile{Name: res.Name + "." + dir + "." + d + ".sql", Data: []byte(sql)})
		}
	}
	js, err := json.MarshalIndent(changesFile{Format: changesFormat, Changes: changes}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("migrate: encode the changes: %w", err)
	}
	res.Files = append(res.Files, MadeFile{Name: res.Name + ".changes.json", Data: append(js, '\n')})
	if opts.DryRun {
		return res, nil
	}
	return res, writeFiles(dir, res.Files)
}

// writeFiles writes files into dir, creating it, and removes those it
// wrote if one fails.
func writeFiles(dir string, files []MadeFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("migrate: create the migrations directory: %w", err)
	}
	for i, f := range files {
		p := filepath.Join(dir, f.Name)
		err := os.WriteFile(p, f.Data, 0o644)
		if err == nil {
			continue
		}
		for _, w := range files[:i] {
			os.Remove(filepath.Join(dir, w.Name))
		}
		return fmt.Errorf("migrate: write %s: %w", p, err)
	}
	return nil
}

// SchemaFrom returns the schema that the migrations in the root of fsys
// make, by replaying the changes stored in their .changes.json files in
// version order (an empty Schema when there are none). Migrations without
// one, written by hand, do not count.
//
// Two branches that each added a migration merge without trouble: the
// replay makes both sets of changes. When they changed the same thing
// (both added a column), SchemaFrom fails naming the file: delete the
// migration of the two that is not yet applied anywhere, and run Make
// again.
func SchemaFrom(fsys fs.FS) (*Schema, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: read the migrations directory: %w", err)
	}
	type file struct {
		version int64
		name    string
	}
	var files []file
	for _, e := range entries {
		m := changesNameRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migrate: bad version in %s: %w", e.Name(), err)
		}
		files = append(files, file{v, e.Name()})
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Or(cmp.Compare(a.version, b.version), cmp.Compare(a.name, b.name)) })
	s := &Schema{}
	for i, f := range files {
		if i > 0 && files[i-1].version == f.version {
			return nil, fmt.Errorf("migrate: %s and %s have the same version; renumber the one not yet applied anywhere", files[i-1].name, f.name)
		}
		data, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", f.name, err)
		}
		var cf changesFile
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cf); err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w; it is written by migrate.Make, restore it from version control", f.name, err)
		}
		if cf.Format != changesFormat {
			return nil, fmt.Errorf("migrate: %s has format %q; this Kiln reads %q", f.name, cf.Format, changesFormat)
		}
		for _, c := range cf.Changes {
			if err := c.valid(); err != nil {
				return nil, fmt.Errorf("migrate: %s: %w; it is written by migrate.Make, restore it from version control", f.name, err)
			}
			if err := c.apply(s); err != nil {
				return nil, fmt.Errorf("migrate: replaying %s: %w. An earlier migration already made this change: if two branches both changed it, delete the migration that is not yet applied anywhere and run Make again", f.name, err)
			}
		}
	}
	return s, nil
}

// valid checks that a change read from JSON has what its kind needs.
func (c change) valid() error {
	var ok bool
	switch c.Op {
	case opCreateTable, opDropTable:
		ok = c.Definition != nil && c.Definition.Name == c.Table
	case opAddColumn, opDropColumn:
		ok = c.Column != nil
	case opAlterColumn:
		ok = c.Column != nil && c.Old != nil && c.Column.Name == c.Old.Name
	case opCreateIndex, opDropIndex:
		ok = c.Index != nil && len(c.Index.Columns) > 0
	case opAddForeignKey, opDropForeignKey:
		ok = c.ForeignKey != nil
	default:
		return fmt.Errorf("unknown change %q", c.Op)
	}
	if !ok || c.Table == "" {
		return fmt.Errorf("change %q on table %q is incomplete", c.Op, c.Table)
	}
	return nil
}

// lastVersion returns the highest version among the migration files in
// fsys and the number of digits the file names use.
func lastVersion(fsys fs.FS) (last int64, width int, err error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: read the migrations directory: %w", err)
	}
	width = 4
	for _, e := range entries {
		m := fileNameRE.FindStringSubmatch(e.Name())
		if m == nil {
			m = changesNameRE.FindStringSubmatch(e.Name())
		}
		if m == nil {
			continue
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("migrate: bad version in %s: %w", e.Name(), err)
		}
		if v >= last {
			last, width = v, max(width, len(m[1]))
		}
	}
	return last, width, nil
}

// autoName names a migration after its first change.
func autoName(changes []change, initial bool) string {
	if initial {
		return "initial"
	}
	c := changes[0]
	var name string
	switch c.Op {
	case opCreateTable:
		name = "create_" + c.Table
	case opDropTable:
		name = "drop_" + c.Table
	case opAddColumn:
		name = "add_" + c.Table + "_" + c.Column.Name
	case opDropColumn:
		name = "remove_" + c.Table + "_" + c.Column.Name
	case opAlterColumn:
		name = "alter_" + c.Table + "_" + c.Column.Name
	case opCreateIndex, opDropIndex:
		name = "index_" + c.Table
	default:
		name = "foreign_keys_" + c.Table
	}
	if len(changes) > 1 {
		name += "_and_more"
	}
	name = strings.Map(func(r rune) rune {
		if r < 128 && migNameRE.MatchString(string(r)) {
			return r
		}
		return '_'
	}, name)
	if len(name) > 60 {
		name = name[:60]
	}
	return name
}
