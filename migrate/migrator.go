package migrate

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"time"

	"github.com/kiln-web/kiln/orm"
)

// Migrator applies and reverts the migrations of one fs.FS on one
// database. It is safe for concurrent use, and so is running one per app
// node against the same database: every run takes a database lock (see
// Up).
type Migrator struct {
	db          *orm.DB
	dialect     string
	table       string // as given
	quoted      string // quoted for the dialect
	log         *slog.Logger
	lockTimeout time.Duration
	migrations  []*Migration // by version
	byVersion   map[int64]*Migration
}

var tableRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// New loads the migrations in the root of fsys for db's dialect and
// returns a Migrator for them. Migration files are named
//
//	NNNN_name.up.sql     applied by Up
//	NNNN_name.down.sql   applied by Down; optional
//
// where NNNN is the version (any number of digits, from 1) and name is
// letters, digits, _ and -. A file NNNN_name.up.<dialect>.sql (or
// .down.<dialect>.sql), with dialect sqlite, postgres or mysql, replaces
// the generic file on that database. Other files (README.md) are ignored;
// for an embed.FS holding a migrations directory pass
// fs.Sub(fsys, "migrations").
//
// On SQLite, whose PRAGMA foreign_keys does nothing inside a transaction,
// a migration file whose first statement is PRAGMA foreign_keys = OFF
// runs with foreign keys off, as SQLite's table-rebuild procedure needs
// (dropping a table that other tables refer to would otherwise fire
// their ON DELETE actions): the Migrator runs that statement before the
// migration's transaction, runs PRAGMA foreign_key_check before
// committing, failing and rolling back if any row breaks a foreign key,
// and turns foreign keys back on afterwards (a last PRAGMA
// foreign_keys = ON in the file is taken as that).
//
// New fails, saying which files and what to do, on a .sql file whose name
// does not follow the pattern, two migrations with one version, a down
// file without an up file, and a migration with files only for other
// databases. It does not touch the database.
func New(db *orm.DB, fsys fs.FS, opts *Options) (*Migrator, error) {
	if opts == nil {
		opts = &Options{}
	}
	if db == nil {
		return nil, fmt.Errorf("migrate: New needs a database; pass the *orm.DB from orm.Open")
	}
	if fsys == nil {
		return nil, fmt.Errorf("migrate: New needs the migrations; pass an fs.FS such as an embed.FS")
	}
	m := &Migrator{
		db:          db,
		dialect:     db.Dialect().Name(),
		table:       cmp.Or(opts.Table, DefaultTable),
		log:         opts.Logger,
		lockTimeout: opts.LockTimeout,
	}
	if !tableRE.MatchString(m.table) {
		return nil, fmt.Errorf("migrate: bad Options.Table %q; use letters, digits and _ (at most 63), starting with a letter or _", m.table)
	}
	m.quoted = db.Dialect().Quote(m.table)
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.lockTimeout == 0 {
		m.lockTimeout = defaultLockTimeout
	}
	var err error
	if m.migrations, err = load(fsys, m.dialect); err != nil {
		return nil, err
	}
	m.byVersion = make(map[int64]*Migration, len(m.migrations))
	for _, mig := range m.migrations {
		m.byVersion[mig.Version] = mig
	}
	return m, nil
}

// ph is the dialect's n-th placeholder.
func (m *Migrator) ph(n int) string { return m.db.Dialect().Placeholder(n) }

// Migrations returns the loaded migrations in version order, with the
// files chosen for this database.
func (m *Migrator) Migrations() []Migration {
	out := make([]Migration, len(m.migrations))
	for i, mig := range m.migrations {
		out[i] = *mig
	}
	return out
}

// Up applies every pending migration in version order, including ones
// older than the newest applied (from a merged branch), and returns those
// it applied. It stops at the first failure, returning the migrations
// applied before it and an error; a failing statement's error is an
// *Error.
//
// Every app node can call Up at start: a database lock (PostgreSQL
// advisory lock, MySQL GET_LOCK; on SQLite the single writer) makes
// exactly one node apply each migration, while the others wait, then find
// nothing left to do. On PostgreSQL and SQLite each migration runs in a
// transaction with its bookkeeping row, so a failed migration leaves the
// database as it was. MySQL and MariaDB commit DDL implicitly: see Error.
func (m *Migrator) Up(ctx context.Context) ([]Migration, error) {
	return m.up(ctx, -1)
}

// UpTo applies the pending migrations whose version is at most version,
// like Up. The version must be one of the migrations'.
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]Migration, error) {
	if m.byVersion[version] == nil {
		return nil, fmt.Errorf("migrate: UpTo(%d): no migration has version %d", version, version)
	}
	return m.up(ctx, version)
}

func (m *Migrator) up(ctx context.Context, target int64) ([]Migration, error) {
	s, err := m.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	m.warnChanged(s)
	var done []Migration
	for _, mig := range m.migrations {
		if target >= 0 && mig.Version > target {
			break
		}
		if _, ok := s.applied[mig.Version]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
		start := time.Now()
		ran, err := s.run(ctx, mig, true)
		if err != nil {
			return done, err
		}
		if ran {
			m.log.Info("migrate: applied", "file", mig.UpFile, "duration", time.Since(start))
			done = append(done, *mig)
		}
	}
	return done, nil
}

func (m *Migrator) warnChanged(s *session) {
	for _, mig := range m.migrations {
		if r, ok := s.applied[mig.Version]; ok && r.checksum != mig.Checksum {
			m.log.Warn("migrate: an applied migration's file has changed since it was applied; the change will not run (write a new migration instead)", "file", mig.UpFile)
		}
	}
}

// Down reverts the n most recently applied migrations (by version,
// highest first), or all of them when fewer are applied, and returns
// those it reverted. Before reverting any it checks that each has a down
// file, and fails naming the missing file if not.
func (m *Migrator) Down(ctx context.Context, n int) ([]Migration, error) {
	if n < 0 {
		return nil, fmt.Errorf("migrate: Down(%d): n must not be negative", n)
	}
	s, err := m.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	return m.down(ctx, s, n)
}

func (m *Migrator) down(ctx context.Context, s *session, n int) ([]Migration, error) {
	versions := make([]int64, 0, len(s.applied))
	for v := range s.applied {
		versions = append(versions, v)
	}
	slices.SortFunc(versions, func(a, b int64) int { return cmp.Compare(b, a) })
	versions = versions[:min(n, len(versions))]
	migs := make([]*Migration, len(versions))
	for i, v := range versions {
		mig := m.byVersion[v]
		if mig == nil {
			return nil, fmt.Errorf("migrate: cannot revert version %d (%s): it is applied but its files are missing from the migrations FS; restore its .down.sql file", v, s.applied[v].name)
		}
		if mig.DownFile == "" {
			return nil, fmt.Errorf("migrate: cannot revert %s: %s.down.sql is missing; add it (or %s.down.%s.sql)", mig.UpFile, mig.base, mig.base, m.dialect)
		}
		migs[i] = mig
	}
	var done []Migration
	for _, mig := range migs {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		start := time.Now()
		ran, err := s.run(ctx, mig, false)
		if err != nil {
			return done, err
		}
		if ran {
			m.log.Info("migrate: reverted", "file", mig.DownFile, "duration", time.Since(start))
			done = append(done, *mig)
		}
		delete(s.applied, mig.Version)
	}
	return done, nil
}

// Redo reverts the most recently applied migration and applies it again,
// under one lock, and returns it. It is for iterating on the newest
// migration during development.
func (m *Migrator) Redo(ctx context.Context) (Migration, error) {
	s, err := m.begin(ctx)
	if err != nil {
		return Migration{}, err
	}
	defer s.end()
	if len(s.applied) == 0 {
		return Migration{}, fmt.Errorf("migrate: nothing to redo: no migration is applied; run Up")
	}
	done, err := m.down(ctx, s, 1)
	if err != nil {
		return Migration{}, err
	}
	if len(done) == 0 {
		return Migration{}, fmt.Errorf("migrate: redo: another process reverted the migration first")
	}
	mig := m.byVersion[done[0].Version]
	if err := ctx.Err(); err != nil {
		return *mig, err
	}
	if _, err := s.run(ctx, mig, true); err != nil {
		return *mig, err
	}
	m.log.Info("migrate: applied", "file", mig.UpFile)
	return *mig, nil
}

// State is where a migration stands on the database.
type State string

// The states Status reports.
const (
	// Pending: the migration has files and is not applied.
	Pending State = "pending"
	// Applied: the migration is applied and has files.
	Applied State = "applied"
	// Missing: the migration is recorded as applied, but its files are no
	// longer in the migrations FS (deleted, or from another branch).
	Missing State = "missing"
)

// Status describes one migration, from its files, the migrations table or
// both.
type Status struct {
	// Version and Name identify the migration (for a Missing one, from the
	// migrations table).
	Version int64
	Name    string
	// State is Pending, Applied or Missing.
	State State
	// AppliedAt is when the migration was applied, in UTC; zero when
	// Pending.
	AppliedAt time.Time
	// Changed is true when the migration is Applied but its up file's
	// checksum differs from the one recorded when it was applied: the file
	// was edited afterwards, and the edit has not run. It is a warning, not
	// an error; write a new migration for the change.
	Changed bool
}

// Status returns every migration, from the files and the migrations table,
// in version order. Like the other methods it takes the lock, so it waits
// for a run in progress and never reports half of one.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	s, err := m.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer s.end()
	var out []Status
	for _, mig := range m.migrations {
		st := Status{Version: mig.Version, Name: mig.Name, State: Pending}
		if r, ok := s.applied[mig.Version]; ok {
			st.State, st.AppliedAt, st.Changed = Applied, r.appliedAt, r.checksum != mig.Checksum
		}
		out = append(out, st)
	}
	for v, r := range s.applied {
		if m.byVersion[v] == nil {
			out = append(out, Status{Version: v, Name: r.name, State: Missing, AppliedAt: r.appliedAt})
		}
	}
	slices.SortFunc(out, func(a, b Status) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// Version returns the highest applied version, or 0 when none is applied.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	s, err := m.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer s.end()
	var v int64
	for k := range s.applied {
		v = max(v, k)
	}
	return v, nil
}
