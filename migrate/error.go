package migrate

import (
	"errors"
	"fmt"
)

// ErrLockTimeout is returned (wrapped) when another node held the
// migration lock for longer than Options.LockTimeout.
var ErrLockTimeout = errors.New("migrate: timed out waiting for the migration lock; another node may be running migrations, or raise Options.LockTimeout")

// Error is a statement of a migration file that failed. Its message names
// the file, the statement's number and first line, and the database's
// error, which Unwrap returns:
//
//	migrate: 0003_add_index.up.sql, statement 2 ("CREATE INDEX ..."): <db error>
//
// On PostgreSQL and SQLite the migration's transaction was rolled back, so
// the database is as it was before the migration. On MySQL and MariaDB,
// which commit DDL implicitly, the statements before the failing one stay
// applied; Ran counts them and the message lists them so they can be
// undone by hand.
type Error struct {
	// File is the migration file, such as "0003_add_index.up.sql".
	File string
	// Statement is the failing statement's number in the file, from 1.
	Statement int
	// Line is the line of the file where the statement starts, from 1.
	Line int
	// SQL is the failing statement.
	SQL string
	// Ran lists the statements of the file that ran before the failing
	// one and were committed (MySQL and MariaDB only; empty elsewhere).
	Ran []string
	// Err is the database's error.
	Err error
}

// Error returns the message: file, statement number and first line, the
// database's error and, on MySQL, the statements that stay applied.
func (e *Error) Error() string {
	msg := fmt.Sprintf("migrate: %s, statement %d (%q): %v", e.File, e.Statement, statement{sql: e.SQL}.firstLine(), e.Err)
	if len(e.Ran) > 0 {
		msg += fmt.Sprintf("; MySQL commits DDL implicitly, so statements 1 to %d of %s already ran and stay applied (%s): undo them by hand, or make them idempotent, before running the migration again",
			len(e.Ran), e.File, quoteFirstLines(e.Ran))
	}
	return msg
}

// Unwrap returns the database's error.
func (e *Error) Unwrap() error { return e.Err }

func quoteFirstLines(sqls []string) string {
	var b []byte
	for i, s := range sqls {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%d: %q", i+1, statement{sql: s}.firstLine())
	}
	return string(b)
}
