package orm

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the *sql.DB that writes (and, except on SQLite, reads), for
// hand-written SQL and tools such as sqlc. On SQLite it has exactly one
// connection, so long transactions on it block other writers.
func (db *DB) SQL() *sql.DB { return db.write }

// ReadSQL returns the *sql.DB for reads. On SQLite it is a separate
// read-only pool that runs concurrently with the writer (WAL mode);
// elsewhere it is the same as SQL.
func (db *DB) ReadSQL() *sql.DB { return db.read }

// Pgx returns the pgx connection pool on PostgreSQL, for pgx batches,
// pipelines and COPY, and nil on other databases. Its connections are its
// own, apart from those of SQL, and opened only when it is used.
func (db *DB) Pgx() *pgxpool.Pool { return db.pgx }

// Exec runs a statement that changes data (INSERT, UPDATE, DELETE, DDL)
// on the write pool and returns its result. Pass values as args, never
// formatted into query: write the placeholders with Dialect().Placeholder
// ("$1" on PostgreSQL, "?" elsewhere).
//
// Constraint violations come back as a *ConstraintError (see
// ClassifyError). When the database's message leaves out the table (MySQL
// NOT NULL and CHECK, SQLite CHECK), Exec fills it in from the statement;
// on MySQL/MariaDB it also looks up the columns of a duplicated unique key,
// which the server's message names only by index.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := dbExec{db.write}.ExecContext(ctx, query, args...) // traced, not cached
	if err != nil {
		return nil, db.classify(ctx, query, err)
	}
	return res, nil
}

// Query runs a SELECT on the read pool (ReadSQL). On SQLite that pool is
// read-only: run INSERT … RETURNING with DB.SQL().QueryContext and pass its
// error through ClassifyError. Values go in args, as for Exec.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return dbExec{db.read}.QueryContext(ctx, query, args...)
}

// QueryRow runs a SELECT that returns at most one row on the read pool.
// Its error, including sql.ErrNoRows, surfaces from Scan. Values go in
// args, as for Exec.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return dbExec{db.read}.QueryRowContext(ctx, query, args...)
}

// classify applies ClassifyError and fills in what the database's message
// left out, from the statement and (on MySQL) information_schema.
func (db *DB) classify(ctx context.Context, query string, err error) error {
	err = ClassifyError(err)
	ce, ok := errors.AsType[*ConstraintError](err)
	if !ok {
		return err
	}
	if ce.Table == "" && ce.Kind != ErrForeignKeyViolation {
		if m := statementTable.FindStringSubmatch(query); m != nil {
			ce.Table = m[1]
		}
	}
	if db.dialect.Name() == "mysql" && ce.Kind == ErrUniqueViolation && ce.Column == "" && ce.Table != "" && ce.Constraint != "" {
		ce.Column = db.mysqlIndexColumns(ctx, ce.Table, ce.Constraint)
	}
	return err
}

// mysqlIndexColumns returns the columns of a MySQL index joined by ", ",
// or "" when they cannot be found.
func (db *DB) mysqlIndexColumns(ctx context.Context, table, index string) string {
	rows, err := db.read.QueryContext(ctx,
		"SELECT column_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index",
		table, index)
	if err != nil {
		return ""
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if rows.Scan(&c) != nil {
			return ""
		}
		cols = append(cols, c)
	}
	if rows.Err() != nil {
		return ""
	}
	return strings.Join(cols, ", ")
}

// Ping checks that the database answers, on every pool.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	if db.read != db.write {
		return db.read.PingContext(ctx)
	}
	return nil
}

// Health reports the database's state for health endpoints.
type Health struct {
	// Dialect is "sqlite", "postgres" or "mysql".
	Dialect string `json:"dialect"`
	// URL is the database URL with any password hidden.
	URL string `json:"url"`
	// OK is true when the database answered Ping.
	OK bool `json:"ok"`
	// Error is Ping's error, when OK is false.
	Error string `json:"error,omitempty"`
	// Open, InUse and Idle count the connections of the write pool (on
	// PostgreSQL the database/sql pool that Kiln's queries use; the pgx
	// pool's are in Pgx().Stat()).
	Open  int `json:"open"`
	InUse int `json:"in_use"`
	Idle  int `json:"idle"`
}

// Health pings the database and reports its pool statistics.
func (db *DB) Health(ctx context.Context) Health {
	h := Health{Dialect: db.dialect.Name(), URL: db.url, OK: true}
	if err := db.Ping(ctx); err != nil {
		h.OK, h.Error = false, err.Error()
	}
	st := db.write.Stats()
	h.Open, h.InUse, h.Idle = st.OpenConnections, st.InUse, st.Idle
	return h
}

// Close closes every pool.
func (db *DB) Close() error {
	for _, c := range []*stmtCache{db.wcache, db.rcache} {
		if c != nil {
			c.close()
		}
	}
	var errs []error
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if db.pgx != nil {
		db.pgx.Close()
	}
	return errors.Join(errs...)
}

// Models returns the database's model registry: the models registered
// with Register(db) or used by Query.
func (db *DB) Models() *Registry { return &db.models }

func (db *DB) registry() *Registry { return &db.models }
