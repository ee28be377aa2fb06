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
//
// # Model-diff migrations
//
// Make writes migrations from the models, like Django's makemigrations:
//
//	res, err := migrate.Make(db.Models().Models(), "migrations", "", nil)
//	fmt.Println(res) // Migration 0002_add_posts_summary: - Add column posts.summary ...
//
// It compares the schema the models need (SchemaOf: tables, columns,
// indexes, foreign keys from relations, many-to-many join tables) with the
// schema the earlier migrations made, and writes the next migration's up
// and down SQL for SQLite, PostgreSQL and MySQL, plus a .changes.json
// that records the changes. Review the SQL, commit it, and Up applies it
// like any other migration.
//
// Design choices, and why:
//
//   - State per migration, replayed. Each migration's .changes.json holds
//     its changes, not a snapshot of the whole schema; Make finds the
//     current schema by replaying them all, as Django replays operations.
//     One kiln_schema.json rewritten by every Make would conflict in
//     every merge of two branches that both made a migration; with
//     replay, changes to different things simply add up, and a real
//     conflict (both branches added the same column) is an error naming
//     the file.
//   - Renames are a drop and an add. Make cannot tell them apart and
//     does not ask; the summary warns that the dropped column's data is
//     lost, so that the SQL can be edited into a RENAME before it is
//     committed.
//   - NOT NULL needs a value. A new NOT NULL column without a default,
//     or a column becoming NOT NULL, is filled with its default or the
//     Go zero value (an empty string, 0, false, {}; the current time for
//     times), so existing rows keep working with the Go type, and the
//     summary says so.
//   - SQLite rebuilds. What SQLite's ALTER TABLE cannot do (drop or
//     alter a column, add or drop a foreign key) rebuilds the table once
//     per migration, with foreign keys off, and checks them before
//     committing (see New).
//   - One SQL file per database. The SQL types differ (BIGSERIAL,
//     AUTO_INCREMENT, JSONB, DATETIME(6), …), so every migration Make
//     writes has a file per dialect, and a down file that undoes it:
//     dropped tables and columns come back empty.
//   - Primary keys are not changed. Make refuses a change to a table's
//     primary key; write that migration by hand.
package migrate
