package orm

import (
	"strconv"
	"strings"
)

// Dialect describes the SQL differences between the databases Kiln
// supports. Kiln's query builder and migrations use it; it is exported for
// code that builds SQL by hand and must run on every database.
type Dialect interface {
	// Name is "sqlite", "postgres" or "mysql".
	Name() string
	// Quote quotes an identifier (a table or column name), doubling any
	// quote character inside it.
	Quote(ident string) string
	// Placeholder returns the bind parameter for the n-th argument,
	// counting from 1: "$1" on PostgreSQL, "?" elsewhere.
	Placeholder(n int) string
	// SupportsReturning reports whether INSERT ... RETURNING works.
	SupportsReturning() bool
}

type sqliteDialect struct{}

func (sqliteDialect) Name() string              { return "sqlite" }
func (sqliteDialect) Quote(ident string) string { return quoteWith(ident, '"') }
func (sqliteDialect) Placeholder(int) string    { return "?" }
func (sqliteDialect) SupportsReturning() bool   { return true }

type postgresDialect struct{}

func (postgresDialect) Name() string              { return "postgres" }
func (postgresDialect) Quote(ident string) string { return quoteWith(ident, '"') }
func (postgresDialect) Placeholder(n int) string  { return "$" + strconv.Itoa(n) }
func (postgresDialect) SupportsReturning() bool   { return true }

type mysqlDialect struct{}

func (mysqlDialect) Name() string              { return "mysql" }
func (mysqlDialect) Quote(ident string) string { return quoteWith(ident, '`') }
func (mysqlDialect) Placeholder(int) string    { return "?" }

// SupportsReturning is false: MariaDB has INSERT ... RETURNING but MySQL
// does not, and Kiln supports both; inserts use LastInsertId instead.
func (mysqlDialect) SupportsReturning() bool { return false }

func quoteWith(ident string, q byte) string {
	var b strings.Builder
	b.Grow(len(ident) + 2)
	b.WriteByte(q)
	for i := 0; i < len(ident); i++ {
		if ident[i] == q {
			b.WriteByte(q)
		}
		b.WriteByte(ident[i])
	}
	b.WriteByte(q)
	return b.String()
}
