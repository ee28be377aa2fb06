package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

// Options configures Open. A nil *Options gives the defaults.
type Options struct {
	// MaxOpenConns limits open connections (for SQLite: the read pool; the
	// writer always has exactly one). On PostgreSQL the pgx pool (DB.Pgx)
	// has a limit of its own of the same size, and opens connections only
	// when it is used. Defaults to 8.
	MaxOpenConns int
	// MaxIdleConns is how many idle connections are kept. Defaults to
	// MaxOpenConns.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this. Defaults to 30
	// minutes, so connections move to new database nodes after failovers.
	ConnMaxLifetime time.Duration
	// BusyTimeout is how long a SQLite statement waits for a lock before
	// failing with "database is locked". Defaults to 5 seconds.
	BusyTimeout time.Duration
}

// DB is an open database: a connection pool plus the dialect that speaks
// to it. It is safe for concurrent use. Close it when done.
type DB struct {
	dialect Dialect
	url     string
	write   *sql.DB // the pool for writes (and, except on SQLite, reads)
	read    *sql.DB // SQLite's read-only pool; equal to write elsewhere
	pgx     *pgxpool.Pool
	// viaPgx makes the orm's statements that return rows, outside
	// transactions, run on pgx's own API (PostgreSQL only; see queryRows).
	viaPgx bool
	models Registry
	// wcache and rcache run Kiln's own statements on write and read as
	// prepared statements (SQLite only; nil elsewhere). See stmtCache.
	wcache, rcache *stmtCache
}

// Open connects to the database at url and checks the connection:
//
//	sqlite://app.db              a file relative to the working directory
//	sqlite:///var/lib/app.db     an absolute path
//	sqlite://:memory:            an in-memory database (one connection)
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//	mysql://user:pass@tcp(host:3306)/db                  (a go-sql-driver DSN)
//	mysql://user:pass@host:3306/db                       (URL form)
//
// SQLite databases are opened in WAL mode with foreign keys on, a busy
// timeout, and two pools: one connection for writes, whose transactions
// start IMMEDIATE so concurrent writers queue instead of failing with
// "database is locked", and a read-only pool for reads. A missing SQLite
// file is created, with its directory.
func Open(ctx context.Context, rawURL string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = &Options{}
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("orm: database URL %q has no scheme; use sqlite://app.db, postgres://… or mysql://…", redact(rawURL))
	}
	var db *DB
	var err error
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		db, err = openSQLite(rest, opts)
	case "postgres", "postgresql", "pgx":
		db, err = openPostgres(ctx, "postgres://"+rest, opts)
	case "mysql", "mariadb":
		db, err = openMySQL(rest, opts)
	default:
		return nil, fmt.Errorf("orm: unsupported database scheme %q in %q; use sqlite, postgres or mysql", scheme, redact(rawURL))
	}
	if err != nil {
		return nil, err
	}
	db.url = redact(rawURL)
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("orm: cannot reach %s: %w", db.url, err)
	}
	return db, nil
}

func poolSize(opts *Options) int {
	if opts.MaxOpenConns > 0 {
		return opts.MaxOpenConns
	}
	return 8
}

func configure(db *sql.DB, opts *Options, open int) {
	db.SetMaxOpenConns(open)
	idle := opts.MaxIdleConns
	if idle <= 0 || idle > open {
		idle = open
	}
	db.SetMaxIdleConns(idle)
	life := opts.ConnMaxLifetime
	if life == 0 {
		life = 30 * time.Minute
	}
	db.SetConnMaxLifetime(life)
}

func openSQLite(path string, opts *Options) (*DB, error) {
	path, query, _ := strings.Cut(path, "?")
	// The path is URL-escaped, as in any URL: "%3F" is a "?" in the file
	// name (a bare "?" starts the options). Text that is not valid escaping
	// ("50%.db") is taken as is.
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if path == "" {
		return nil, errors.New("orm: sqlite URL has no path; use sqlite://app.db or sqlite:///abs/path/app.db")
	}
	busy := opts.BusyTimeout
	if busy == 0 {
		busy = 5 * time.Second
	}
	pragmas := url.Values{}
	pragmas.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	pragmas.Add("_pragma", "foreign_keys(1)")
	pragmas.Add("_pragma", "synchronous(NORMAL)")
	if extra, err := url.ParseQuery(query); err == nil {
		for k, vs := range extra {
			for _, v := range vs {
				pragmas.Add(k, v)
			}
		}
	}
	if path == ":memory:" {
		// Every connection to :memory: is a separate database: use one.
		w, err := sql.Open("sqlite", "file::memory:?"+pragmas.Encode())
		if err != nil {
			return nil, fmt.Errorf("orm: open sqlite: %w", err)
		}
		configure(w, opts, 1)
		c := newStmtCache(w, stmtCacheSize)
		return &DB{dialect: sqliteDialect{}, write: w, read: w, wcache: c, rcache: c}, nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("orm: create the directory for %s: %w", path, err)
		}
	}
	wp := url.Values{}
	for k, v := range pragmas {
		wp[k] = append([]string(nil), v...)
	}
	wp.Add("_pragma", "journal_mode(WAL)")
	wp.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+wp.Encode())
	if err != nil {
		return nil, fmt.Errorf("orm: open sqlite %s: %w", path, err)
	}
	configure(w, opts, 1)
	// Create the file and switch it to WAL before readers open it.
	if _, err := w.Exec("SELECT 1"); err != nil {
		w.Close()
		return nil, fmt.Errorf("orm: open sqlite %s: %w", path, err)
	}
	rp := url.Values{}
	for k, v := range pragmas {
		rp[k] = append([]string(nil), v...)
	}
	rp.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+rp.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("orm: open sqlite %s: %w", path, err)
	}
	configure(r, opts, poolSize(opts))
	return &DB{dialect: sqliteDialect{}, write: w, read: r,
		wcache: newStmtCache(w, stmtCacheSize), rcache: newStmtCache(r, stmtCacheSize)}, nil
}

// uriPath escapes the characters that would end the path part of a SQLite
// "file:" URI (SQLite decodes %HH escapes): without it a path containing "#"
// or "?" would be cut short and silently name another file.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func openPostgres(ctx context.Context, u string, opts *Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("orm: bad postgres URL %q: %w", redact(u), err)
	}
	cfg.MaxConns = int32(poolSize(opts))
	if opts.ConnMaxLifetime > 0 {
		cfg.MaxConnLifetime = opts.ConnMaxLifetime
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("orm: open postgres: %w", err)
	}
	// database/sql gets connections of its own rather than borrowing the
	// pgx pool's (stdlib.OpenDBFromPool): borrowing turns database/sql's
	// idle pool off, so every query acquired a pool connection and wrapped
	// it anew, about 10 µs and a dozen allocations per query
	// (BENCHMARKS.md, ORM). The pgx pool opens connections only when used
	// through Pgx.
	db := stdlib.OpenDB(*cfg.ConnConfig)
	configure(db, opts, poolSize(opts))
	return &DB{dialect: postgresDialect{}, write: db, read: db, pgx: pool, viaPgx: true}, nil
}

func openMySQL(rest string, opts *Options) (*DB, error) {
	var cfg *mysql.Config
	if strings.Contains(rest, "@tcp(") || strings.Contains(rest, "@unix(") || strings.HasPrefix(rest, "tcp(") || strings.HasPrefix(rest, "unix(") {
		c, err := mysql.ParseDSN(rest)
		if err != nil {
			return nil, fmt.Errorf("orm: bad mysql DSN: %w", err)
		}
		cfg = c
	} else {
		u, err := url.Parse("mysql://" + rest)
		if err != nil {
			return nil, fmt.Errorf("orm: bad mysql URL: %w", err)
		}
		cfg = mysql.NewConfig()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = u.Host + ":3306"
		}
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		for k, vs := range u.Query() {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[k] = vs[len(vs)-1]
		}
	}
	cfg.ParseTime = true
	// Report the rows an UPDATE matched, as PostgreSQL and SQLite do, not
	// the rows it changed: otherwise an update that writes the values a row
	// already has reports 0 rows, and a missing row cannot be told apart
	// from an unchanged one (Update's ErrNotFound).
	cfg.ClientFoundRows = true
	if cfg.Loc == nil {
		cfg.Loc = time.UTC
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("orm: open mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	configure(db, opts, poolSize(opts))
	return &DB{dialect: mysqlDialect{}, write: db, read: db}, nil
}

// redact hides the password in a database URL or DSN for messages: the
// password of a URL's user info, a password= query parameter, and the
// password of a go-sql-driver DSN (user:password@tcp(host)/db), which may
// itself contain ':', '/' or '@'.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.Opaque == "" && u.Host != "" {
		changed := false
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				changed = true
			}
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
			changed = true
		}
		if changed {
			return u.String()
		}
		return s
	}
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	// The user info ends at the last '@' before the address.
	end := len(rest)
	if i := strings.Index(rest, "@tcp("); i >= 0 {
		end = i + 1
	} else if i := strings.Index(rest, "@unix("); i >= 0 {
		end = i + 1
	} else if i := strings.LastIndex(rest, "/"); i >= 0 {
		end = i
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	user, _, has := strings.Cut(rest[:at], ":")
	if !has {
		return s
	}
	return prefix + user + ":xxxxx" + rest[at:]
}
