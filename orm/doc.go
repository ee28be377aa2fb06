// Package orm is Kiln's data layer on database/sql: connections to SQLite
// (the zero-setup default, pure Go), PostgreSQL (pgx) and MySQL/MariaDB,
// with the dialect differences (placeholders, identifier quoting, error
// codes) handled in one place.
//
// Open a database by URL:
//
//	db, err := orm.Open(ctx, "sqlite://app.db", nil)          // embedded, no server
//	db, err := orm.Open(ctx, "postgres://user@host/app", nil) // pgx, with its pool
//	db, err := orm.Open(ctx, "mysql://root@tcp(127.0.0.1:3306)/app", nil)
//
// The raw *sql.DB stays reachable (DB.SQL) for hand-written SQL or sqlc,
// and on PostgreSQL so does the pgx pool (DB.Pgx) for batches and pipelines.
//
// DB.Exec runs writes on the writer and DB.Query and DB.QueryRow run reads
// on the read pool (on SQLite a separate read-only pool beside the single
// writer connection). Values always travel as bound parameters: write
// placeholders with Dialect().Placeholder and never format values into SQL.
//
// Constraint violations come back as *ConstraintError values that match
// ErrUniqueViolation, ErrForeignKeyViolation, ErrNotNullViolation or
// ErrCheckViolation with errors.Is, and answer 409 or 422 through Kiln's
// error handler, never 500.
package orm
