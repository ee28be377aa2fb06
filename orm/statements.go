package orm

import (
	"strings"
	"sync"
	"sync/atomic"
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
	// partial caches the UPDATE statements of named columns (Update(ctx,
	// db, &v, "title")), keyed by the columns as given, joined by NULs.
	partial      sync.Map // string → *partialUpdate
	partialCount atomic.Int32
}

// partialUpdate is the UPDATE of some of a model's columns.
type partialUpdate struct {
	fields []*Field // the columns set, updated_at added; "" query when none
	query  string
}

// maxPartialUpdates bounds the partial-update cache of one model, so code
// that builds column lists from input cannot grow it without limit; past
// it, statements are built per call.
const maxPartialUpdates = 256

// partialUpdate returns the UPDATE of columns (names of columns or
// fields) of m: every named column but the key and created_at, plus
// updated_at, then the key's placeholder. It is built on first use of that
// column list and kept.
func (ms *modelSQL) partialUpdate(d Dialect, m *Model, columns []string) (*partialUpdate, error) {
	// The key joins the names with NUL, which no column name contains, so
	// ["a,b"] and ["a", "b"] never share one. A name with a NUL in it (from
	// hostile input) is never looked up or stored: it could alias a list.
	key, cacheable := columns[0], true
	if len(columns) > 1 {
		key = strings.Join(columns, "\x00")
	}
	for _, c := range columns {
		cacheable = cacheable && strings.IndexByte(c, 0) < 0
	}
	if !cacheable {
		return buildPartialUpdate(d, m, columns)
	}
	if pu, ok := ms.partial.Load(key); ok {
		return pu.(*partialUpdate), nil
	}
	pu, err := buildPartialUpdate(d, m, columns)
	if err != nil {
		return nil, err
	}
	if ms.partialCount.Add(1) <= maxPartialUpdates {
		ms.partial.Store(key, pu)
	}
	return pu, nil
}

// buildPartialUpdate builds what partialUpdate caches.
func buildPartialUpdate(d Dialect, m *Model, columns []string) (*partialUpdate, error) {
	var fields []*Field
	for _, c := range columns {
		f := m.fieldByColumnOrName(c)
		if f == nil {
			return nil, &UnknownColumnError{Model: m.Name, Column: c, Columns: m.Columns()}
		}
		if f != m.PrimaryKey && f != m.CreatedAt && !containsField(fields, f) {
			fields = append(fields, f)
		}
	}
	if m.UpdatedAt != nil && !containsField(fields, m.UpdatedAt) {
		fields = append(fields, m.UpdatedAt)
	}
	pu := &partialUpdate{fields: fields}
	if len(fields) > 0 {
		sets := make([]string, len(fields))
		for i, f := range fields {
			sets[i] = d.Quote(f.Column) + " = ?"
		}
		pu.query = rebind(d, "UPDATE "+d.Quote(m.Table)+" SET "+strings.Join(sets, ", ")+
			" WHERE "+d.Quote(m.PrimaryKey.Column)+" = ?")
	}
	return pu, nil
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
