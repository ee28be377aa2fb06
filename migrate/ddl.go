package migrate

// Rendering schema changes as SQL, per database.
//
// The SQL types are listed in Make's documentation; they are the ones the
// orm reads and writes (orm/query_test.go's DDL uses the same).
//
// An auto-increment key is INTEGER PRIMARY KEY AUTOINCREMENT on SQLite
// (ids are never reused), SERIAL or BIGSERIAL on PostgreSQL, and INT or
// BIGINT AUTO_INCREMENT on MySQL. MySQL tables are InnoDB with the utf8mb4
// character set; their indexes are declared inside CREATE TABLE, so MySQL
// never adds one of its own for a foreign key.
//
// PostgreSQL and MySQL alter tables in place. SQLite's ALTER TABLE can
// only add a nullable column or one with a constant default, so every
// other change to an existing table (drop or alter a column, add or drop
// a foreign key) rebuilds the table as SQLite's documentation prescribes:
// create the new table under a temporary name, copy the rows, drop the old
// table, rename the new one, create its indexes. The changes Make groups
// per table are done in one rebuild. Dropping a table that other tables
// refer to would delete or orphan their rows (ON DELETE actions fire even
// with deferred foreign keys), so a file with a rebuild starts with
// PRAGMA foreign_keys = OFF and ends with PRAGMA foreign_keys = ON, which
// the Migrator runs outside the migration's transaction, checking
// PRAGMA foreign_key_check before it commits (see New).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-web/kiln/orm"
)

// renderer writes one database's SQL for a list of changes, keeping the
// schema as it stands after each.
type renderer struct {
	dialect string
	s       *Schema
	b       strings.Builder
	rebuilt bool // a SQLite table was rebuilt
	// grouping is set while the comments of changes rendered as one
	// rebuild are written, so they stay together.
	grouping bool
}

// render returns dialect's SQL for changes, applied to from.
func render(dialect string, from *Schema, changes []change, header string) (string, error) {
	r := &renderer{dialect: dialect, s: from.clone()}
	for i := 0; i < len(changes); {
		n, err := r.next(changes[i:])
		if err != nil {
			return "", err
		}
		i += n
	}
	body := r.b.String()
	if r.rebuilt {
		body = "-- SQLite rebuilds tables with foreign keys off; the Migrator checks them before committing.\nPRAGMA foreign_keys = OFF;\n\n" +
			body + "\nPRAGMA foreign_keys = ON;\n"
	}
	return header + body, nil
}

// next renders the first change, or the first changes when SQLite
// rebuilds their table once for all of them, and reports how many it
// rendered.
func (r *renderer) next(changes []change) (int, error) {
	c := changes[0]
	if r.dialect == "sqlite" && c.Op != opCreateTable && c.Op != opDropTable {
		n := 1
		for n < len(changes) && changes[n].Table == c.Table && changes[n].Op != opCreateTable && changes[n].Op != opDropTable {
			n++
		}
		group := changes[:n]
		for _, g := range group {
			if sqliteNeedsRebuild(g) {
				before := r.s.Table(c.Table).clone()
				for _, g := range group {
					r.comment(g)
					r.grouping = true
					if err := g.apply(r.s); err != nil {
						return 0, err
					}
				}
				r.grouping = false
				r.rebuild(&before, r.s.Table(c.Table))
				return n, nil
			}
		}
	}
	r.comment(c)
	if err := r.one(c); err != nil {
		return 0, err
	}
	return 1, c.apply(r.s)
}

// comment writes the change's summary as a comment.
func (r *renderer) comment(c change) {
	if s := r.b.String(); s != "" && !strings.HasSuffix(s, "\n\n") && !r.grouping {
		r.b.WriteString("\n")
	}
	r.b.WriteString("-- " + c.summary() + "\n")
	if note := c.downNote(); note != "" {
		r.b.WriteString("-- " + note + "\n")
	}
}

func (r *renderer) stmt(format string, a ...any) {
	fmt.Fprintf(&r.b, format, a...)
	r.b.WriteString(";\n")
}

// one renders a change without rebuilding a table.
func (r *renderer) one(c change) error {
	q, t := r.q, r.q(c.Table)
	switch c.Op {
	case opCreateTable:
		r.createTable(c.Definition, c.Table)
		if r.dialect != "mysql" {
			for _, ix := range c.Definition.Indexes {
				r.createIndex(c.Table, ix)
			}
		}
	case opDropTable:
		r.stmt("DROP TABLE %s", t)
	case opAddColumn:
		col := *c.Column
		switch {
		case col.Nullable || col.Default != "":
			r.stmt("ALTER TABLE %s ADD COLUMN %s", t, r.columnDef(col))
		case r.dialect == "postgres":
			// The default fills the existing rows, then goes.
			col.Default = r.zero(col)
			r.stmt("ALTER TABLE %s ADD COLUMN %s", t, r.columnDef(col))
			r.stmt("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, q(col.Name))
		default: // mysql
			col.Nullable = true
			r.stmt("ALTER TABLE %s ADD COLUMN %s", t, r.columnDef(col))
			r.stmt("UPDATE %s SET %s = %s", t, q(col.Name), r.zero(col))
			r.stmt("ALTER TABLE %s MODIFY COLUMN %s", t, r.columnDef(*c.Column))
		}
	case opDropColumn:
		r.stmt("ALTER TABLE %s DROP COLUMN %s", t, q(c.Column.Name))
	case opAlterColumn:
		r.alterColumn(c.Table, *c.Old, *c.Column)
	case opCreateIndex:
		r.createIndex(c.Table, *c.Index)
	case opDropIndex:
		if r.dialect == "mysql" {
			r.stmt("DROP INDEX %s ON %s", q(c.Index.Name), t)
		} else {
			r.stmt("DROP INDEX %s", q(c.Index.Name))
		}
	case opAddForeignKey:
		r.stmt("ALTER TABLE %s ADD %s", t, r.foreignKeyDef(*c.ForeignKey))
	case opDropForeignKey:
		if r.dialect == "mysql" {
			r.stmt("ALTER TABLE %s DROP FOREIGN KEY %s", t, q(c.ForeignKey.Name))
		} else {
			r.stmt("ALTER TABLE %s DROP CONSTRAINT %s", t, q(c.ForeignKey.Name))
		}
	default:
		return fmt.Errorf("migrate: unknown change %q", c.Op)
	}
	return nil
}

func (r *renderer) alterColumn(table string, from, to Column) {
	t, c := r.q(table), r.q(to.Name)
	if from.Nullable && !to.Nullable {
		r.stmt("UPDATE %s SET %s = %s WHERE %s IS NULL", t, c, r.fill(to), c)
	}
	if r.dialect == "mysql" {
		r.stmt("ALTER TABLE %s MODIFY COLUMN %s", t, r.columnDef(to))
		return
	}
	// postgres
	if from.Default != "" && from.Default != to.Default {
		r.stmt("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, c)
	}
	if typ := r.sqlType(to); typ != r.sqlType(from) {
		r.stmt("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s", t, c, typ, c, typ)
	}
	if to.Default != "" && from.Default != to.Default {
		r.stmt("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", t, c, to.Default)
	}
	if from.Nullable && !to.Nullable {
		r.stmt("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", t, c)
	} else if !from.Nullable && to.Nullable {
		r.stmt("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", t, c)
	}
}

// createTable writes CREATE TABLE for def under the name name; MySQL's
// indexes are part of it.
func (r *renderer) createTable(def *Table, name string) {
	var lines []string
	single := len(def.PrimaryKey) == 1
	for _, c := range def.Columns {
		line := r.columnDef(c)
		if single && c.Name == def.PrimaryKey[0] {
			line = r.primaryKeyDef(c)
		}
		lines = append(lines, line)
	}
	if !single {
		lines = append(lines, "PRIMARY KEY ("+r.list(def.PrimaryKey)+")")
	}
	for _, fk := range def.ForeignKeys {
		lines = append(lines, r.foreignKeyDef(fk))
	}
	if r.dialect == "mysql" {
		for _, ix := range def.Indexes {
			lines = append(lines, r.unique(ix)+"INDEX "+r.q(ix.Name)+" ("+r.list(ix.Columns)+")")
		}
	}
	suffix := ""
	if r.dialect == "mysql" {
		suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
	}
	r.stmt("CREATE TABLE %s (\n    %s\n)%s", r.q(name), strings.Join(lines, ",\n    "), suffix)
}

func (r *renderer) createIndex(table string, ix Index) {
	r.stmt("CREATE %sINDEX %s ON %s (%s)", r.unique(ix), r.q(ix.Name), r.q(table), r.list(ix.Columns))
}

func (r *renderer) unique(ix Index) string {
	if ix.Unique {
		return "UNIQUE "
	}
	return ""
}

func (r *renderer) foreignKeyDef(fk ForeignKey) string {
	s := fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)", r.q(fk.Name), r.q(fk.Column), r.q(fk.RefTable), r.q(fk.RefColumn))
	if fk.OnDelete != "" {
		s += " ON DELETE " + strings.ToUpper(fk.OnDelete)
	}
	return s
}

// rebuild writes SQLite's table rebuild from before to after.
func (r *renderer) rebuild(before, after *Table) {
	r.rebuilt = true
	q := r.q
	tmp := "_kiln_new_" + after.Name
	r.b.WriteString("-- SQLite cannot make these changes in place: rebuild " + after.Name + " and copy its rows.\n")
	r.createTable(after, tmp)
	var cols, exprs []string
	for _, c := range after.Columns {
		var expr string
		switch old := before.Column(c.Name); {
		case old != nil && old.Nullable && !c.Nullable:
			expr = "COALESCE(" + q(c.Name) + ", " + r.fill(c) + ")"
		case old != nil:
			expr = q(c.Name)
		case !c.Nullable && c.Default == "":
			expr = r.zero(c)
		default:
			continue // the default fills it
		}
		cols, exprs = append(cols, q(c.Name)), append(exprs, expr)
	}
	r.stmt("INSERT INTO %s (%s) SELECT %s FROM %s", q(tmp), strings.Join(cols, ", "), strings.Join(exprs, ", "), q(before.Name))
	if autoIncrement(before) && autoIncrement(after) {
		// Keep the sequence, so ids of deleted rows are not reused.
		r.stmt("DELETE FROM sqlite_sequence WHERE name = %s", sqlString(tmp))
		r.stmt("INSERT INTO sqlite_sequence (name, seq) SELECT %s, seq FROM sqlite_sequence WHERE name = %s", sqlString(tmp), sqlString(before.Name))
	}
	r.stmt("DROP TABLE %s", q(before.Name))
	r.stmt("ALTER TABLE %s RENAME TO %s", q(tmp), q(after.Name))
	for _, ix := range after.Indexes {
		r.createIndex(after.Name, ix)
	}
}

func autoIncrement(t *Table) bool {
	for _, c := range t.Columns {
		if c.AutoIncrement {
			return true
		}
	}
	return false
}

// sqliteNeedsRebuild reports whether SQLite's ALTER TABLE cannot make c.
func sqliteNeedsRebuild(c change) bool {
	switch c.Op {
	case opCreateIndex, opDropIndex:
		return false
	case opAddColumn:
		// ADD COLUMN takes a nullable column or a constant default.
		return !(c.Column.Default == "" && c.Column.Nullable || c.Column.Default != "" && constantDefault(c.Column.Default))
	}
	return true
}

// constantDefault reports whether SQLite's ADD COLUMN accepts the default:
// a number, a string or blob literal, NULL, TRUE or FALSE.
func constantDefault(d string) bool {
	d = strings.TrimSpace(d)
	switch strings.ToUpper(d) {
	case "NULL", "TRUE", "FALSE":
		return true
	}
	if _, err := strconv.ParseFloat(d, 64); err == nil {
		return true
	}
	if strings.HasPrefix(d, "X'") || strings.HasPrefix(d, "x'") {
		d = d[1:]
	}
	return len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\''
}

// q quotes an identifier for the dialect.
func (r *renderer) q(ident string) string {
	if r.dialect == "mysql" {
		return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func (r *renderer) list(idents []string) string {
	out := make([]string, len(idents))
	for i, id := range idents {
		out[i] = r.q(id)
	}
	return strings.Join(out, ", ")
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// columnDef is a column's definition in CREATE TABLE or ADD COLUMN,
// without a primary key.
func (r *renderer) columnDef(c Column) string {
	s := r.q(c.Name) + " " + r.sqlType(c)
	if !c.Nullable {
		s += " NOT NULL"
	} else if r.dialect == "mysql" {
		s += " NULL"
	}
	if c.Default != "" {
		s += " DEFAULT " + c.Default
	}
	return s
}

// primaryKeyDef is the definition of a table's only primary-key column.
func (r *renderer) primaryKeyDef(c Column) string {
	if !c.AutoIncrement {
		return r.columnDef(c) + " PRIMARY KEY"
	}
	name := r.q(c.Name)
	switch r.dialect {
	case "postgres":
		if c.Kind == orm.KindInt {
			return name + " SERIAL PRIMARY KEY"
		}
		return name + " BIGSERIAL PRIMARY KEY"
	case "mysql":
		return name + " " + r.sqlType(c) + " NOT NULL AUTO_INCREMENT PRIMARY KEY"
	}
	return name + " INTEGER PRIMARY KEY AUTOINCREMENT"
}

// sqlType is the column's SQL type on the dialect: orm.ColumnType, which
// Field.SQLType reports to everyone else.
func (r *renderer) sqlType(c Column) string {
	return orm.ColumnType(r.dialect, c.Kind, c.Size, c.Binary)
}

// fill is what existing rows get in a column that becomes NOT NULL: its
// default, else the zero value.
func (r *renderer) fill(c Column) string {
	if c.Default != "" {
		return c.Default
	}
	return r.zero(c)
}

// zero is the SQL for the Go zero value of the column's kind, what
// existing rows get in a new NOT NULL column without a default; a time
// column gets the current time instead of year 1, which MySQL cannot
// store.
func (r *renderer) zero(c Column) string {
	switch c.Kind {
	case orm.KindBool:
		if r.dialect == "sqlite" {
			return "0"
		}
		return "FALSE"
	case orm.KindInt, orm.KindInt64, orm.KindFloat:
		return "0"
	case orm.KindTime:
		if r.dialect == "mysql" {
			return "CURRENT_TIMESTAMP(6)"
		}
		return "CURRENT_TIMESTAMP"
	case orm.KindJSON:
		return "'{}'"
	case orm.KindBytes:
		if r.dialect == "postgres" {
			return "''"
		}
		return "X''"
	case orm.KindUUID:
		if c.Binary && r.dialect != "postgres" {
			return "X'00000000000000000000000000000000'"
		}
		return "'00000000-0000-0000-0000-000000000000'"
	}
	return "''"
}

// zeroText describes zero for messages.
func zeroText(c Column) string {
	switch c.Kind {
	case orm.KindBool:
		return "false"
	case orm.KindInt, orm.KindInt64, orm.KindFloat:
		return "0"
	case orm.KindTime:
		return "the current time"
	case orm.KindJSON:
		return "{}"
	case orm.KindUUID:
		return "the nil UUID"
	}
	return "''"
}
