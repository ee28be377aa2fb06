package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Migration is one versioned migration: its up and (optional) down SQL
// files, chosen for the database's dialect.
type Migration struct {
	// Version is the file name's leading integer: 3 for 0003_add_index.
	Version int64
	// Name is the rest of the file name: "add_index".
	Name string
	// UpFile is the up file used on this database, such as
	// "0003_add_index.up.sql" or "0003_add_index.up.postgres.sql".
	UpFile string
	// DownFile is the down file used on this database, or "" when the
	// migration has none (it cannot be reverted).
	DownFile string
	// Checksum is the hex SHA-256 of the up file's contents. It is recorded
	// when the migration is applied, so Status can tell when the file was
	// edited afterwards.
	Checksum string

	up, down string
	base     string // "0003_add_index", as spelt in the file names
}

// fileNameRE matches migration file names: 0003_add_index.up.sql,
// 0003_add_index.down.postgres.sql.
var fileNameRE = regexp.MustCompile(`^([0-9]+)_([A-Za-z0-9_\-]+)\.(up|down)(?:\.([A-Za-z0-9]+))?\.sql$`)

const namePattern = "NNNN_name.up.sql or NNNN_name.down.sql, optionally NNNN_name.up.<dialect>.sql with dialect sqlite, postgres or mysql (NNNN: the version, digits; name: letters, digits, _ and -)"

var dialects = []string{"sqlite", "postgres", "mysql"}

// load reads the migrations in the root of fsys for dialect, sorted by
// version.
func load(fsys fs.FS, dialect string) ([]*Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: read the migrations directory: %w", err)
	}
	type files struct {
		name, seen string // the name, and the first file seen
		base       string // "0003_add_index", as spelt in that file
		// generic and per-dialect files, by direction
		up, down, upD, downD string
	}
	byVersion := map[int64]*files{}
	var dirs []string
	sqlFiles := 0
	for _, e := range entries {
		fn := e.Name()
		if e.IsDir() {
			dirs = append(dirs, fn)
			continue
		}
		if !strings.HasSuffix(fn, ".sql") {
			continue // README.md, .keep, …
		}
		sqlFiles++
		m := fileNameRE.FindStringSubmatch(fn)
		if m == nil {
			return nil, fmt.Errorf("migrate: bad migration file name %q; expected %s", fn, namePattern)
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migrate: bad migration file name %q: the version must be an integer from 1 to %d", fn, int64(1<<63-1))
		}
		name, dir, d := m[2], m[3], m[4]
		if d != "" && !slices.Contains(dialects, d) {
			return nil, fmt.Errorf("migrate: bad migration file name %q: unknown dialect %q; expected %s", fn, d, namePattern)
		}
		f := byVersion[v]
		if f == nil {
			f = &files{name: name, seen: fn, base: fn[:strings.IndexByte(fn, '.')]}
			byVersion[v] = f
		}
		if f.name != name {
			return nil, fmt.Errorf("migrate: duplicate migration version %d: %q and %q; give each migration its own version", v, f.seen, fn)
		}
		var slot *string
		switch {
		case dir == "up" && d == "":
			slot = &f.up
		case dir == "down" && d == "":
			slot = &f.down
		case d != dialect:
			continue // another database's variant
		case dir == "up":
			slot = &f.upD
		default:
			slot = &f.downD
		}
		if *slot != "" {
			return nil, fmt.Errorf("migrate: duplicate migration version %d: %q and %q; give each migration its own version", v, *slot, fn)
		}
		*slot = fn
	}
	if sqlFiles == 0 && len(dirs) > 0 {
		return nil, fmt.Errorf("migrate: no .sql files at the root of the migrations FS, which has the directories %q; pass fs.Sub(fsys, %q)", dirs, dirs[0])
	}

	versions := make([]int64, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	out := make([]*Migration, 0, len(versions))
	for _, v := range versions {
		f := byVersion[v]
		upFile := cmpOr(f.upD, f.up)
		downFile := cmpOr(f.downD, f.down)
		if upFile == "" {
			have := firstFile(f.down, f.downD)
			if have == "" {
				// Only other databases' variants: this one has nothing.
				return nil, fmt.Errorf("migrate: migration %s has files only for other databases (%q) and none for %s; add %s.up.sql, or %s.up.%s.sql (an empty file skips it on %s)",
					f.base, f.seen, dialect, f.base, f.base, dialect, dialect)
			}
			return nil, fmt.Errorf("migrate: %q has no up file; add %s", have, strings.Replace(have, ".down.", ".up.", 1))
		}
		mig := &Migration{Version: v, Name: f.name, UpFile: upFile, DownFile: downFile}
		mig.base = upFile[:strings.IndexByte(upFile, '.')]
		if mig.up, err = readFile(fsys, upFile); err != nil {
			return nil, err
		}
		if downFile != "" {
			if mig.down, err = readFile(fsys, downFile); err != nil {
				return nil, err
			}
		}
		sum := sha256.Sum256([]byte(mig.up))
		mig.Checksum = hex.EncodeToString(sum[:])
		out = append(out, mig)
	}
	return out, nil
}

func readFile(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, path.Clean(name))
	if err != nil {
		return "", fmt.Errorf("migrate: read %s: %w", name, err)
	}
	return string(b), nil
}

func firstFile(names ...string) string {
	for _, n := range names {
		if n != "" {
			return n
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
