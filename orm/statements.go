package orm

import (
	"strings"
)

// modelSQL is the SQL of a model's fixed statements on one dialect, built
// on first use and kept on the model (Model.sqlFor), so the hot paths —
// Get, All's column list, Insert and a full Update — do not quote columns
// and join strings on every call. Statements that depend on the call
// (Where conditions, OrderBy, an Update of named columns) are still built
// per call. The statements are rebound: they carry the dialect's
// placeholders.
type modelSQL struct {
	// columns is every column, quoted, in field order, joined by ", ".
	columns string
	// get selects every column of the row with a primary key (one
	// placeholder), leaving out soft-deleted rows, LIMIT 1.
	get string
	// insertCols are the quoted columns of an insert: [withKey] every
	// field's, [noKey] all but the auto-increment key's, which the
	// database assigns when the key is empty.
	insertCols [2][]string
	// insert are the INSERT statements for insertCols (DEFAULT VALUES when
	// there is no column).
	insert [2]string
	// insertReturning is insert[noKey] with RETURNING the key, on
	// dialects that support it.
	insertReturning string
	// update sets updateFields (every field but the key and created_at)
	// of the row with a key (the last placeholder).
	update       string
	updateFields []*Field
}

// The indexes of modelSQL.insertCols and insert.
const (
	withKey = 0
	noKey   = 1
)

// keyIndex returns noKey when the database assigns the key, else withKey.
func keyIndex(auto bool) int {
	if auto {
		return noKey
	}
	return withKey
}

// sqlFor returns m's statements on dialect d, building them on first use.
// Safe for concurrent use.
func (m *Model) sqlFor(d Dialect) *modelSQL {
	if s, ok := m.sql.Load(d.Name()); ok {
		return s.(*modelSQL)
	}
	s, _ := m.sql.LoadOrStore(d.Name(), buildModelSQL(d, m))
	return s.(*modelSQL)
}

func buildModelSQL(d Dialect, m *Model) *modelSQL {
	s := &modelSQL{}
	table, pk := d.Quote(m.Table), d.Quote(m.PrimaryKey.Column)
	quoted := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		quoted[i] = d.Quote(f.Column)
		s.insertCols[withKey] = append(s.insertCols[withKey], quoted[i])
		if !(f == m.PrimaryKey && f.AutoIncrement) {
			s.insertCols[noKey] = append(s.insertCols[noKey], quoted[i])
		}
		if f != m.PrimaryKey && f != m.CreatedAt {
			s.updateFields = append(s.updateFields, f)
		}
	}
	s.columns = strings.Join(quoted, ", ")

	get := "SELECT " + s.columns + " FROM " + table + " WHERE " + pk + " = ?"
	if m.DeletedAt != nil {
		get += " AND " + d.Quote(m.DeletedAt.Column) + " IS NULL"
	}
	s.get = rebind(d, get+" LIMIT 1")

	for k, cols := range s.insertCols {
		if len(cols) == 0 {
			s.insert[k] = "INSERT INTO " + table + " DEFAULT VALUES"
			continue
		}
		marks := strings.Repeat("?, ", len(cols))
		s.insert[k] = rebind(d, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES ("+marks[:len(marks)-2]+")")
	}
	if d.SupportsReturning() {
		s.insertReturning = s.insert[noKey] + " RETURNING " + pk
	}

	sets := make([]string, len(s.updateFields))
	for i, f := range s.updateFields {
		sets[i] = d.Quote(f.Column) + " = ?"
	}
	s.update = rebind(d, "UPDATE "+table+" SET "+strings.Join(sets, ", ")+" WHERE "+pk+" = ?")
	return s
}
