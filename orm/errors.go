package orm

import (
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kiln-web/kiln"
)

// ErrNotFound is returned when a query that needs a row finds none. It
// matches sql.ErrNoRows with errors.Is, and Kiln's error handler answers it
// with 404 Not Found.
var ErrNotFound error = notFoundError{}

type notFoundError struct{}

func (notFoundError) Error() string        { return "orm: no rows" }
func (notFoundError) Is(target error) bool { return target == sql.ErrNoRows }
func (notFoundError) StatusCode() int      { return http.StatusNotFound }

// The kinds of constraint violation. A *ConstraintError matches exactly one
// of them with errors.Is:
//
//	if errors.Is(err, orm.ErrUniqueViolation) { ... }
var (
	// ErrUniqueViolation: a row with the same value in a unique column or
	// primary key already exists. Answered with 409 Conflict.
	ErrUniqueViolation = errors.New("orm: unique constraint violated")
	// ErrForeignKeyViolation: a row refers to a row that does not exist,
	// or a deleted row is still referred to. Answered with 422.
	ErrForeignKeyViolation = errors.New("orm: foreign key constraint violated")
	// ErrNotNullViolation: a NOT NULL column got no value. Answered with
	// 422.
	ErrNotNullViolation = errors.New("orm: not-null constraint violated")
	// ErrCheckViolation: a row fails a CHECK constraint. Answered with 422.
	ErrCheckViolation = errors.New("orm: check constraint violated")
)

// ConstraintError is a constraint violation reported by the database,
// classified the same way on SQLite, PostgreSQL and MySQL/MariaDB.
//
// errors.Is(err, Kind) is true, and errors.As finds the driver's own error
// (*pgconn.PgError, *mysql.MySQLError or *sqlite.Error) in Err.
//
// Kiln's error handler answers it with 409 Conflict (unique) or 422
// Unprocessable Content (the others), never 500: StatusCode reports the
// status, and errors.As(err, &kerr) with a *kiln.Error target yields
// KilnError, a generic message plus a field error naming the column.
//
// Security: clients see the column name (as the field) but never the
// constraint name, the table, the values or the driver's message; those
// stay in Error() for logs.
type ConstraintError struct {
	// Kind is ErrUniqueViolation, ErrForeignKeyViolation,
	// ErrNotNullViolation or ErrCheckViolation.
	Kind error
	// Table is the table the database names, or "" when it does not say.
	// For a foreign key it is the referencing (child) table.
	Table string
	// Column is the column, or the columns of a composite key joined by
	// ", ", or "" when the database does not say. For a foreign key it is
	// the referencing column.
	Column string
	// Constraint is the constraint or index name, or "" when the database
	// does not say (SQLite names only CHECK constraints).
	Constraint string
	// Err is the driver's error.
	Err error

	// referenced is true when a foreign key violation came from deleting
	// or changing a row that other rows still refer to.
	referenced bool
}

// Error describes the violation and the driver's error, for logs.
func (e *ConstraintError) Error() string {
	var b strings.Builder
	kind := "constraint violation"
	if e.Kind != nil {
		kind = strings.TrimPrefix(e.Kind.Error(), "orm: ")
	}
	b.WriteString("orm: ")
	b.WriteString(kind)
	if e.Table != "" || e.Column != "" {
		b.WriteString(" on ")
		if e.Table != "" {
			b.WriteString(e.Table)
			if e.Column != "" {
				b.WriteByte('.')
			}
		}
		if strings.Contains(e.Column, ",") {
			b.WriteString("(" + e.Column + ")")
		} else {
			b.WriteString(e.Column)
		}
	}
	if e.Constraint != "" {
		b.WriteString(" (constraint " + e.Constraint + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and Err, so errors.Is matches the kind and errors.As
// finds the driver's error.
func (e *ConstraintError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// StatusCode returns 409 Conflict for a unique violation and 422
// Unprocessable Content for the others. Kiln's error handler uses it.
func (e *ConstraintError) StatusCode() int {
	if e.Kind == ErrUniqueViolation {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// Columns returns Column split into its columns, or nil when it is empty.
func (e *ConstraintError) Columns() []string {
	if e.Column == "" {
		return nil
	}
	cols := strings.Split(e.Column, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols
}

// KilnError returns the client-safe *kiln.Error for the violation: status
// as StatusCode, a code ("unique_violation", "foreign_key_violation",
// "not_null_violation" or "check_violation"), a generic message, and a
// field error per known column, such as {"email", "is already taken"}.
// Its cause is e, so the log line keeps the details.
//
// Field names are column names; when your API's field names differ, catch
// the *ConstraintError and build your own *kiln.Error.
func (e *ConstraintError) KilnError() *kiln.Error {
	ke := &kiln.Error{Status: e.StatusCode(), Err: e}
	var field, code string
	switch e.Kind {
	case ErrUniqueViolation:
		ke.Code, ke.Message = "unique_violation", "A record with the same value already exists."
		field, code = "is already taken", "unique"
	case ErrForeignKeyViolation:
		ke.Code = "foreign_key_violation"
		switch {
		case e.referenced:
			ke.Message = "The record is still referred to by other records."
		case e.Column != "":
			ke.Message = "The request refers to a record that does not exist."
			field, code = "refers to a record that does not exist", "exists"
		default:
			ke.Message = "The request refers to a record that does not exist, or the record is still referred to."
		}
	case ErrNotNullViolation:
		ke.Code, ke.Message = "not_null_violation", "A required value is missing."
		field, code = "is required", "required"
	case ErrCheckViolation:
		ke.Code, ke.Message = "check_violation", "A value is not allowed."
	default:
		ke.Code, ke.Message = "constraint_violation", "The request conflicts with the data."
	}
	if field != "" {
		for _, c := range e.Columns() {
			ke.Fields = append(ke.Fields, kiln.FieldError{Field: c, Message: field, Code: code})
		}
	}
	return ke
}

// As lets errors.As fill a *kiln.Error target with KilnError, which is how
// Kiln's error handler shows the field errors.
func (e *ConstraintError) As(target any) bool {
	if t, ok := target.(**kiln.Error); ok {
		*t = e.KilnError()
		return true
	}
	return false
}

// ClassifyError turns a driver's constraint violation into a
// *ConstraintError wrapping it, and returns any other error (and nil)
// unchanged. It recognises, anywhere in err's chain:
//
//   - PostgreSQL (*pgconn.PgError): SQLSTATE 23505 unique, 23503 foreign
//     key, 23502 not null, 23514 check;
//   - MySQL/MariaDB (*mysql.MySQLError): 1062 duplicate entry, 1451/1452
//     foreign key, 1048 and 1364 not null, 3819 (MySQL) and 4025 (MariaDB)
//     check;
//   - SQLite (*sqlite.Error): SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY,
//     _FOREIGNKEY, _NOTNULL and _CHECK.
//
// DB.Exec calls it for you (and on MySQL also looks up the columns of a
// duplicated key); call it on errors from DB.SQL, transactions or sqlc
// code.
func ClassifyError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*ConstraintError](err); ok {
		return err
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return classifyPostgres(pe, err)
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		return classifyMySQL(me, err)
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		return classifySQLite(se, err)
	}
	return err
}

// pgKey matches the column list in PostgreSQL's detail message,
// `Key (email)=(a@b) already exists.`.
var pgKey = regexp.MustCompile(`^Key \((.+?)\)=\(`)

func classifyPostgres(pe *pgconn.PgError, err error) error {
	ce := &ConstraintError{Table: pe.TableName, Column: pe.ColumnName, Constraint: pe.ConstraintName, Err: err}
	switch pe.Code {
	case "23505":
		ce.Kind = ErrUniqueViolation
	case "23503":
		ce.Kind = ErrForeignKeyViolation
		// The detail names the referenced row's key when a referenced row is
		// deleted ("is still referenced"), the referencing column otherwise.
		ce.referenced = strings.Contains(pe.Detail, "still referenced")
	case "23502":
		ce.Kind = ErrNotNullViolation
	case "23514":
		ce.Kind = ErrCheckViolation
	default:
		return err
	}
	if ce.Column == "" && !ce.referenced {
		if m := pgKey.FindStringSubmatch(pe.Detail); m != nil {
			ce.Column = m[1]
		}
	}
	return ce
}

var (
	myDuplicate = regexp.MustCompile(`for key '([^']+)'$`)
	myColumn    = regexp.MustCompile(`^(?:Column|Field) '([^']+)'`)
	// (`db`.`posts`, CONSTRAINT `fk` FOREIGN KEY (`user_id`) REFERENCES ...
	myForeign  = regexp.MustCompile("\\(`(?:[^`]+)`\\.`([^`]+)`, CONSTRAINT `([^`]+)` FOREIGN KEY \\(([^)]+)\\)")
	myCheck    = regexp.MustCompile(`^Check constraint '([^']+)' is violated`)
	myCheckMDB = regexp.MustCompile("^CONSTRAINT `([^`]+)` failed for `(?:[^`]+)`\\.`([^`]+)`")
)

func classifyMySQL(me *mysql.MySQLError, err error) error {
	ce := &ConstraintError{Err: err}
	switch me.Number {
	case 1062: // ER_DUP_ENTRY: Duplicate entry 'x' for key 'users.email' (MySQL 8) or 'email' (MariaDB)
		ce.Kind = ErrUniqueViolation
		if m := myDuplicate.FindStringSubmatch(me.Message); m != nil {
			ce.Constraint = m[1]
			if t, k, ok := strings.Cut(m[1], "."); ok {
				ce.Table, ce.Constraint = t, k
			}
		}
	case 1451, 1452: // ER_ROW_IS_REFERENCED_2, ER_NO_REFERENCED_ROW_2
		ce.Kind = ErrForeignKeyViolation
		ce.referenced = me.Number == 1451
		if m := myForeign.FindStringSubmatch(me.Message); m != nil {
			ce.Table, ce.Constraint = m[1], m[2]
			ce.Column = strings.ReplaceAll(m[3], "`", "")
		}
	case 1048, 1364: // ER_BAD_NULL_ERROR, ER_NO_DEFAULT_FOR_FIELD
		ce.Kind = ErrNotNullViolation
		if m := myColumn.FindStringSubmatch(me.Message); m != nil {
			ce.Column = m[1]
		}
	case 3819: // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
		ce.Kind = ErrCheckViolation
		if m := myCheck.FindStringSubmatch(me.Message); m != nil {
			ce.Constraint = m[1]
		}
	case 4025: // ER_CONSTRAINT_FAILED (MariaDB)
		ce.Kind = ErrCheckViolation
		if m := myCheckMDB.FindStringSubmatch(me.Message); m != nil {
			ce.Constraint, ce.Table = m[1], m[2]
		}
	default:
		return err
	}
	return ce
}

// sqliteFailed matches the detail of SQLite's constraint messages:
// "UNIQUE constraint failed: users.email" or "CHECK constraint failed: name".
var sqliteFailed = regexp.MustCompile(`(?:UNIQUE|NOT NULL|CHECK) constraint failed: (.+?)(?: \(\d+\))?$`)

func classifySQLite(se *sqlite.Error, err error) error {
	ce := &ConstraintError{Err: err}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		ce.Kind = ErrUniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		// SQLite says only "FOREIGN KEY constraint failed".
		ce.Kind = ErrForeignKeyViolation
		return ce
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		ce.Kind = ErrNotNullViolation
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		ce.Kind = ErrCheckViolation
	default:
		return err
	}
	m := sqliteFailed.FindStringSubmatch(se.Error())
	if m == nil {
		return ce
	}
	if ce.Kind == ErrCheckViolation {
		ce.Constraint = m[1]
		return ce
	}
	// "users.a, users.b": one table, one or more columns.
	var cols []string
	for _, tc := range strings.Split(m[1], ", ") {
		t, c, ok := strings.Cut(tc, ".")
		if !ok {
			return ce
		}
		ce.Table = t
		cols = append(cols, c)
	}
	ce.Column = strings.Join(cols, ", ")
	return ce
}

// statementTable finds the table an INSERT, REPLACE, UPDATE or DELETE
// statement changes, for filling in what MySQL's messages leave out.
var statementTable = regexp.MustCompile("(?is)^\\s*(?:insert(?:\\s+ignore)?\\s+into|replace\\s+into|update(?:\\s+ignore)?|delete\\s+from)\\s+(?:[`\"]?[\\w$]+[`\"]?\\.)?[`\"]?([\\w$]+)")
