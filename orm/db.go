package orm

import (
	"context"
	"database/sql"
	"errors"

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
// pipelines and COPY, and nil on other databases.
func (db *DB) Pgx() *pgxpool.Pool { return db.pgx }

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
	// Open, InUse and Idle count the connections of the write pool.
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
