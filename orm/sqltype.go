package orm

import (
	"reflect"
	"strconv"
)

// SQLType returns the SQL type of f's column on a database of dialect d,
// such as "VARCHAR(200)", "TIMESTAMPTZ" or "DATETIME(6)": the type
// migrate.Make gives the column. It is the base type: an auto-increment
// key is declared by the migration around it (BIGSERIAL on PostgreSQL,
// AUTOINCREMENT on SQLite, AUTO_INCREMENT on MySQL), and NULL, DEFAULT
// and constraints are separate.
func (f *Field) SQLType(d Dialect) string {
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return ColumnType(d.Name(), f.Kind, f.Size, f.Kind == KindUUID && t == uuidArrayType)
}

// ColumnType returns the SQL type of a column of kind k on the database
// dialect ("sqlite", "postgres" or "mysql"): size is a KindString
// column's maximum length, and binary marks a KindUUID column stored as 16
// bytes rather than as text. Field.SQLType is the usual way in; package
// migrate calls ColumnType for the columns of its schema snapshots, which
// are not fields.
func ColumnType(dialect string, k Kind, size int, binary bool) string {
	pick := func(sqlite, postgres, mysql string) string {
		switch dialect {
		case "postgres":
			return postgres
		case "mysql":
			return mysql
		}
		return sqlite
	}
	switch k {
	case KindString:
		return "VARCHAR(" + strconv.Itoa(size) + ")"
	case KindText:
		return pick("TEXT", "TEXT", "LONGTEXT")
	case KindBool:
		return "BOOLEAN"
	case KindInt:
		return pick("INTEGER", "INTEGER", "INT")
	case KindInt64:
		return "BIGINT"
	case KindFloat:
		return pick("REAL", "DOUBLE PRECISION", "DOUBLE")
	case KindTime:
		return pick("DATETIME", "TIMESTAMPTZ", "DATETIME(6)")
	case KindBytes:
		return pick("BLOB", "BYTEA", "LONGBLOB")
	case KindJSON:
		return pick("TEXT", "JSONB", "JSON")
	case KindUUID:
		if binary {
			return pick("BLOB", "UUID", "BINARY(16)")
		}
		return pick("VARCHAR(36)", "UUID", "CHAR(36)")
	}
	return "TEXT"
}
