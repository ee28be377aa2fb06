// Package migrate applies versioned SQL migrations to a Kiln database
// (orm.DB) on SQLite, PostgreSQL and MySQL/MariaDB.
//
// Migrations are pairs of files, usually embedded in the binary:
//
//	migrations/0001_create_posts.up.sql
//	migrations/0001_create_posts.down.sql         optional; Down needs it
//	migrations/0002_add_index.up.sql
//	migrations/0002_add_index.down.mysql.sql      a MySQL-only variant
//
// and an app applies the pending ones at start:
//
//	//go:embed migrations/*.sql
//	var migrationFiles embed.FS
//
//	func migrateDB(ctx context.Context, db *orm.DB) error {
//		fsys, err := fs.Sub(migrationFiles, "migrations")
//		if err != nil {
//			return err
//		}
//		m, err := migrate.New(db, fsys, nil)
//		if err != nil {
//			return err // a bad file name, a duplicate version, …
//		}
//		_, err = m.Up(ctx)
//		return err
//	}
//
// Every node of an app can run this at start: a database lock (a
// PostgreSQL advisory lock, MySQL's GET_LOCK; SQLite's single writer) makes
// exactly one node apply each migration. Down, Redo, UpTo, Status and
// Version serve tests and the command line: CLI is the migrate command
// (up, down, redo, status, version, create) that an app runs from its own
// main, as "myapp migrate up" or through "kiln migrate up".
//
// Each migration runs in a transaction with its row in the migrations
// table on PostgreSQL and SQLite, so a failed one leaves the database as it
// was. MySQL and MariaDB commit DDL implicitly, so there the statements of
// a failed migration that ran before the failure stay applied; the *Error
// says which. Files are split into statements (respecting strings,
// comments, PostgreSQL dollar quotes and trigger bodies) so an error names
// the file, the statement and its first line.
//
// Files whose up SQL changed after they were applied are reported by
// Status (Status.Changed) and logged, never re-run: write a new migration.
package migrate
