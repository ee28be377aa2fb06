package orm

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Q is a query for rows of model T. Build it with Query, refine it with
// Where, OrderBy, Limit and Offset, and run it with All, First, Get, Count,
// Exists or Delete. Each refining method returns a new Q, so a Q can be
// shared and reused; it is not tied to a context until it runs.
//
// Values always travel as bound parameters. Column names given to OrderBy
// are checked against the model's metadata, so user input such as a sort
// parameter cannot inject SQL.
type Q[T any] struct {
	on          Querier
	db          *DB
	m           *Model
	err         error
	where       []string
	args        []any
	order       []string
	limit       int
	offset      int
	withDeleted bool
	fields      []*Field // Select's columns; nil means all
	joins       []string
	preload     []string
}

// Query starts a query for model T on q, a *DB or a *Tx. T is registered
// on first use (see Register); a registration error is returned when the
// query runs.
func Query[T any](q Querier) *Q[T] {
	db := q.database()
	m, err := Register[T](db)
	return &Q[T]{on: q, db: db, m: m, err: err, limit: -1}
}

// clone returns a copy of q to refine. Its slices share q's arrays but
// are clipped to their length, so an append to the copy's copies instead
// of writing into q's.
func (q *Q[T]) clone() *Q[T] {
	c := *q
	c.where = q.where[:len(q.where):len(q.where)]
	c.args = q.args[:len(q.args):len(q.args)]
	c.order = q.order[:len(q.order):len(q.order)]
	c.joins = q.joins[:len(q.joins):len(q.joins)]
	c.preload = q.preload[:len(q.preload):len(q.preload)]
	return &c
}

// Where adds a condition, joined to the others with AND. Use ? for each
// value; a slice value after "IN ?" expands to one placeholder per element:
//
//	Query[Post](db).Where("author_id = ? AND draft = ?", id, false)
//	Query[Post](db).Where("id IN ?", []int64{1, 2, 3})
//
// The condition is SQL written by the programmer: never build it from user
// input. Values are always bound, never interpolated.
func (q *Q[T]) Where(cond string, args ...any) *Q[T] {
	c := q.clone()
	expanded, flat, err := expandIn(cond, args)
	if err != nil && c.err == nil {
		c.err = err
	}
	c.where = append(c.where, "("+expanded+")")
	c.args = append(c.args, flat...)
	return c
}

// OrderBy sets the order by column names, each optionally prefixed with
// "-" for descending: OrderBy("-created_at", "title"). Names must be
// columns (or Go field names) of the model; anything else is an error when
// the query runs, so it is safe to pass a sort parameter from a request.
func (q *Q[T]) OrderBy(columns ...string) *Q[T] {
	c := q.clone()
	for _, col := range columns {
		desc := strings.HasPrefix(col, "-")
		name := strings.TrimPrefix(col, "-")
		f := c.m.fieldByColumnOrName(name)
		if f == nil {
			if c.err == nil {
				c.err = &UnknownColumnError{Model: c.m.Name, Column: name, Columns: c.m.Columns()}
			}
			continue
		}
		expr := c.col(f)
		if desc {
			expr += " DESC"
		}
		c.order = append(c.order, expr)
	}
	return c
}

// Limit limits the number of rows; n < 0 means no limit.
func (q *Q[T]) Limit(n int) *Q[T] { c := q.clone(); c.limit = n; return c }

// Offset skips the first n rows.
func (q *Q[T]) Offset(n int) *Q[T] { c := q.clone(); c.offset = n; return c }

// WithDeleted includes soft-deleted rows of a model with a deleted_at
// field, which queries leave out by default.
func (q *Q[T]) WithDeleted() *Q[T] { c := q.clone(); c.withDeleted = true; return c }

// UnknownColumnError is returned for an OrderBy (or other) column that the
// model does not have. Its StatusCode is 400, since the name usually comes
// from a request's sort parameter.
type UnknownColumnError struct {
	Model, Column string
	Columns       []string
}

// Error names the column and lists the valid ones.
func (e *UnknownColumnError) Error() string {
	return fmt.Sprintf("orm: model %s has no column %q; valid columns are %s", e.Model, e.Column, strings.Join(e.Columns, ", "))
}

// StatusCode returns 400 Bad Request.
func (e *UnknownColumnError) StatusCode() int { return 400 }

// col returns f's column qualified with the model's table, so conditions
// stay unambiguous when the query joins other tables.
func (q *Q[T]) col(f *Field) string {
	return q.db.dialect.Quote(q.m.Table) + "." + q.db.dialect.Quote(f.Column)
}

func (m *Model) fieldByColumnOrName(s string) *Field {
	if f := m.byColumn[s]; f != nil {
		return f
	}
	return m.byName[s]
}

// expandIn replaces "?" with one placeholder per element when the matching
// argument is a slice (other than []byte), and counts that every ? has an
// argument. Without a slice argument it returns cond and args as they are.
func expandIn(cond string, args []any) (string, []any, error) {
	if !slices.ContainsFunc(args, needsRewrite) {
		if n := countMarks(cond); n != len(args) {
			return cond, args, fmt.Errorf("orm: condition %q has %d ? but %d values", cond, n, len(args))
		}
		return cond, args, nil
	}
	var b strings.Builder
	var flat []any
	n := 0
	inQuote := byte(0)
	for i := 0; i < len(cond); i++ {
		ch := cond[i]
		if inQuote != 0 {
			if ch == inQuote {
				inQuote = 0
			}
			b.WriteByte(ch)
			continue
		}
		if ch == '\'' || ch == '"' || ch == '`' {
			inQuote = ch
			b.WriteByte(ch)
			continue
		}
		if ch != '?' {
			b.WriteByte(ch)
			continue
		}
		if n >= len(args) {
			return cond, args, fmt.Errorf("orm: condition %q has more ? than values (%d)", cond, len(args))
		}
		a := args[n]
		n++
		v := reflect.ValueOf(a)
		if a != nil && v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 {
			if v.Len() == 0 {
				// IN () is invalid SQL; an empty list matches nothing.
				b.WriteString("(NULL)")
				continue
			}
			b.WriteByte('(')
			for j := 0; j < v.Len(); j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('?')
				flat = append(flat, v.Index(j).Interface())
			}
			b.WriteByte(')')
			continue
		}
		b.WriteByte('?')
		flat = append(flat, driverArg(a))
	}
	if n != len(args) {
		return cond, args, fmt.Errorf("orm: condition %q has %d ? but %d values", cond, n, len(args))
	}
	return b.String(), flat, nil
}

// isList reports whether a is a slice that "IN ?" expands: any slice but
// []byte.
func isList(a any) bool {
	if a == nil {
		return false
	}
	t := reflect.TypeOf(a)
	return t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
}

// needsRewrite reports whether expandIn must rewrite a: a list to expand,
// or a [16]byte UUID to send as bytes.
func needsRewrite(a any) bool {
	_, uuid := a.([16]byte)
	return uuid || isList(a)
}

// driverArg turns a [16]byte UUID into the []byte drivers take (they take
// no arrays), and returns other values as they are.
func driverArg(a any) any {
	if u, ok := a.([16]byte); ok {
		return u[:]
	}
	return a
}

// countMarks counts the ? outside quotes in cond, as expandIn reads them.
func countMarks(cond string) int {
	n := 0
	inQuote := byte(0)
	for i := 0; i < len(cond); i++ {
		switch ch := cond[i]; {
		case inQuote != 0:
			if ch == inQuote {
				inQuote = 0
			}
		case ch == '\'' || ch == '"' || ch == '`':
			inQuote = ch
		case ch == '?':
			n++
		}
	}
	return n
}

// rebind turns ? placeholders into the dialect's ($1, $2… on PostgreSQL),
// leaving quoted text alone.
func rebind(d Dialect, q string) string {
	if d.Placeholder(1) == "?" {
		return q
	}
	var b strings.Builder
	n := 0
	inQuote := byte(0)
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case inQuote != 0:
			if ch == inQuote {
				inQuote = 0
			}
		case ch == '\'' || ch == '"':
			inQuote = ch
		case ch == '?':
			n++
			b.WriteString(d.Placeholder(n))
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

func (q *Q[T]) selectSQL(cols string) string {
	var b strings.Builder
	b.Grow(64 + len(cols) + len(q.m.Table))
	b.WriteString("SELECT ")
	b.WriteString(cols)
	b.WriteString(" FROM ")
	b.WriteString(q.db.dialect.Quote(q.m.Table))
	for _, j := range q.joins {
		b.WriteString(j)
	}
	q.writeWhere(&b)
	if len(q.order) > 0 {
		b.WriteString(" ORDER BY ")
		b.WriteString(strings.Join(q.order, ", "))
	}
	if q.limit >= 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.Itoa(q.limit))
	} else if q.offset > 0 && q.db.dialect.Name() != "postgres" {
		b.WriteString(" LIMIT " + noLimit(q.db.dialect))
	}
	if q.offset > 0 {
		b.WriteString(" OFFSET ")
		b.WriteString(strconv.Itoa(q.offset))
	}
	return rebind(q.db.dialect, b.String())
}

func noLimit(d Dialect) string {
	if d.Name() == "mysql" {
		return "18446744073709551615"
	}
	return "-1"
}

func (q *Q[T]) writeWhere(b *strings.Builder) {
	softDeleted := q.m.DeletedAt != nil && !q.withDeleted
	if len(q.where) == 0 && !softDeleted {
		return
	}
	b.WriteString(" WHERE ")
	for i, c := range q.where {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(c)
	}
	if softDeleted {
		if len(q.where) > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(q.col(q.m.DeletedAt) + " IS NULL")
	}
}

// columnList is the SELECT list: the model's columns built once, or
// Select's, qualified with the table when the query joins others.
func (q *Q[T]) columnList() string {
	if q.fields == nil && len(q.joins) == 0 {
		return q.m.sqlFor(q.db.dialect).columns
	}
	fields := q.fields
	if fields == nil {
		fields = q.m.Fields
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		if len(q.joins) > 0 {
			cols[i] = q.col(f)
		} else {
			cols[i] = q.db.dialect.Quote(f.Column)
		}
	}
	return strings.Join(cols, ", ")
}

// All runs the query and returns every matching row.
func (q *Q[T]) All(ctx context.Context) ([]T, error) {
	if q.err != nil {
		return nil, q.err
	}
	return q.fetch(ctx, q.selectSQL(q.columnList()), q.args, q.limit)
}

// fetch runs query, whose columns are the model's fields in order, and
// returns the rows (never nil). limit, when above 0, is the query's LIMIT:
// the result has room for that many rows (up to 256) from the start, and
// once that many are read fetch stops without asking for more, as
// QueryRow does, which on SQLite saves running the statement one more
// step.
func (q *Q[T]) fetch(ctx context.Context, query string, args []any, limit int) ([]T, error) {
	out := make([]T, 0, min(max(limit, 0), 256))
	scanModel := q.m
	if q.fields != nil {
		scanModel = &Model{Name: q.m.Name, Fields: q.fields}
	}
	err := readRows(ctx, q.on, query, args, func(rows resultRows) (err error) {
		out, err = scanAll(rows, scanModel, out, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(q.preload) > 0 && len(out) > 0 {
		if err := q.runPreload(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// First returns the first matching row, or ErrNotFound.
func (q *Q[T]) First(ctx context.Context) (T, error) {
	rows, err := q.Limit(1).All(ctx)
	var zero T
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, fmt.Errorf("orm: %s: %w", q.m.Name, ErrNotFound)
	}
	return rows[0], nil
}

// Get returns the row whose primary key is pk, or ErrNotFound.
func (q *Q[T]) Get(ctx context.Context, pk any) (T, error) {
	var zero T
	if q.err != nil {
		return zero, q.err
	}
	if len(q.where) > 0 || len(q.order) > 0 || q.offset > 0 || q.withDeleted || q.fields != nil || len(q.joins) > 0 {
		return q.Where(q.col(q.m.PrimaryKey)+" = ?", pk).First(ctx)
	}
	// The plain Query[T](db).Get(ctx, id): a statement built once.
	rows, err := q.fetch(ctx, q.m.sqlFor(q.db.dialect).get, []any{driverArg(pk)}, 1)
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, fmt.Errorf("orm: %s: %w", q.m.Name, ErrNotFound)
	}
	return rows[0], nil
}

// Count returns the number of matching rows (ignoring Limit and Offset).
func (q *Q[T]) Count(ctx context.Context) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	c := q.clone()
	c.order, c.limit, c.offset, c.preload = nil, -1, 0, nil
	var n int64
	err := readRows(ctx, q.on, c.selectSQL("COUNT(*)"), c.args, func(rows resultRows) error {
		if !rows.Next() {
			return nil // the error, if any, comes from readRows
		}
		return rows.Scan(&n)
	})
	if err != nil {
		return 0, q.db.queryErr(err)
	}
	return n, nil
}

// Exists reports whether any row matches.
func (q *Q[T]) Exists(ctx context.Context) (bool, error) {
	n, err := q.Limit(1).Count(ctx)
	return n > 0, err
}

// Delete deletes every matching row and returns how many it deleted. On a
// soft-deleted model (one with a deleted_at field) it sets deleted_at
// instead, and only on rows not deleted yet; HardDelete removes rows for
// good. Delete without any Where condition is refused, so a missing
// condition cannot empty a table: write Where("1 = 1") to mean it.
func (q *Q[T]) Delete(ctx context.Context) (int64, error) {
	return q.delete(ctx, "Delete", q.m.DeletedAt == nil)
}

// HardDelete deletes every matching row for good, with DELETE, even on a
// soft-deleted model, and returns how many it deleted. Like every query it
// leaves out rows already soft-deleted unless WithDeleted is set, so
// purging old soft-deleted rows reads:
//
//	orm.Query[Post](db).WithDeleted().Where("deleted_at < ?", cutoff).HardDelete(ctx)
//
// On a model without deleted_at it is Delete. It is refused without a
// Where condition, as Delete is.
func (q *Q[T]) HardDelete(ctx context.Context) (int64, error) {
	return q.delete(ctx, "HardDelete", true)
}

// delete is Delete (hard only for a model without deleted_at) and
// HardDelete; op names the method in errors.
func (q *Q[T]) delete(ctx context.Context, op string, hard bool) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	if len(q.joins) > 0 {
		return 0, fmt.Errorf("orm: %s on %s cannot use Join; select the keys first, or write Where(\"id IN (SELECT …)\")", op, q.m.Name)
	}
	if len(q.where) == 0 {
		return 0, fmt.Errorf("orm: %s on %s without a Where condition would delete every row; add Where(\"1 = 1\") if that is what you mean", op, q.m.Name)
	}
	var b strings.Builder
	args := q.args
	if hard {
		b.WriteString("DELETE FROM " + q.db.dialect.Quote(q.m.Table))
	} else {
		b.WriteString("UPDATE " + q.db.dialect.Quote(q.m.Table) + " SET " + q.db.dialect.Quote(q.m.DeletedAt.Column) + " = ?")
		args = append([]any{time.Now().UTC()}, args...)
	}
	q.writeWhere(&b)
	res, err := q.on.writer().ExecContext(ctx, rebind(q.db.dialect, b.String()), args...)
	if err != nil {
		return 0, q.db.queryErr(err)
	}
	return res.RowsAffected()
}

// Insert inserts v through q (a *DB or a *Tx) and fills in what the
// database or Kiln assigned: an auto-increment primary key, an empty UUID
// key, and the created_at and updated_at timestamps. It runs v's
// BeforeInsert and AfterInsert hooks, if any.
func Insert[T any](ctx context.Context, q Querier, v *T) error {
	m, err := Register[T](q.database())
	if err != nil {
		return err
	}
	return insert(ctx, q, m, v, reflect.ValueOf(v).Elem())
}

// InsertValue is Insert for code that knows the model only at run time,
// such as fixture loaders and admin screens built from Model metadata: v
// is a pointer to a struct, often made with reflect.New(model.Type). The
// type is registered on first use, as with Insert.
func InsertValue(ctx context.Context, q Querier, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("orm: InsertValue needs a non-nil pointer to a model struct, not %T; pass &post or reflect.New(model.Type).Interface()", v)
	}
	m, err := q.database().models.register(rv.Elem().Type())
	if err != nil {
		return err
	}
	return insert(ctx, q, m, v, rv.Elem())
}

// insert runs the hooks of v, a pointer to the struct rv, around the
// insert.
func insert(ctx context.Context, q Querier, m *Model, v any, rv reflect.Value) error {
	if h, ok := v.(BeforeInserter); ok {
		if err := h.BeforeInsert(ctx, q); err != nil {
			return err
		}
	}
	if err := insertRow(ctx, q, m, rv); err != nil {
		return err
	}
	if h, ok := v.(AfterInserter); ok {
		return h.AfterInsert(ctx, q)
	}
	return nil
}

// timestamp is the time Kiln writes to created_at and updated_at: now, in
// UTC, truncated to the microseconds every supported database stores.
func timestamp() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// insertArgs prepares rv for an insert — it sets created_at and updated_at
// to now and fills an empty UUID key — and appends to args the values of
// the insert's columns, modelSQL.insertCols[keyIndex(auto)]. auto reports
// an empty auto-increment key, which is left out for the database to
// assign. nowArg is now as a driver argument: boxed once, it serves both
// timestamps (of every row of a batch).
func insertArgs(m *Model, rv reflect.Value, now time.Time, nowArg any, args []any) (_ []any, pkv reflect.Value, auto bool, err error) {
	for _, f := range []*Field{m.CreatedAt, m.UpdatedAt} {
		if f != nil {
			setTime(rv.FieldByIndex(f.Index), now)
		}
	}
	pk := m.PrimaryKey
	pkv = rv.FieldByIndex(pk.Index)
	if pk.UUID && pkv.IsZero() {
		if err := setUUID(pkv); err != nil {
			return args, pkv, false, err
		}
	}
	auto = pk.AutoIncrement && pkv.IsZero()
	for _, f := range m.Fields {
		switch {
		case f == pk && auto:
			continue
		case f == m.CreatedAt || f == m.UpdatedAt:
			args = append(args, nowArg)
			continue
		}
		a, err := valueOf(f, rv.FieldByIndex(f.Index))
		if err != nil {
			return args, pkv, auto, err
		}
		args = append(args, a)
	}
	return args, pkv, auto, nil
}

func insertRow(ctx context.Context, q Querier, m *Model, rv reflect.Value) error {
	db, w := q.database(), q.writer()
	now := timestamp()
	args, pkv, auto, err := insertArgs(m, rv, now, now, make([]any, 0, len(m.Fields)))
	if err != nil {
		return err
	}
	ms := m.sqlFor(db.dialect)
	if !auto {
		_, err := w.ExecContext(ctx, ms.insert[withKey], args...)
		return db.queryErr(err)
	}
	if ms.insertReturning != "" {
		var id int64
		if err := writeRow(ctx, q, ms.insertReturning, args, &id); err != nil {
			return err
		}
		setInt(pkv, id)
		return nil
	}
	res, err := w.ExecContext(ctx, ms.insert[noKey], args...)
	if err != nil {
		return db.queryErr(err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("orm: insert %s: reading the new id: %w", m.Name, err)
	}
	setInt(pkv, id)
	return nil
}

// Update writes v's columns (or only the named ones, by column or Go field
// name) to the row with v's primary key, through q (a *DB or a *Tx),
// setting updated_at. It returns ErrNotFound when no row has that key. It
// runs v's BeforeUpdate and AfterUpdate hooks, if any.
func Update[T any](ctx context.Context, q Querier, v *T, columns ...string) error {
	db, w := q.database(), q.writer()
	m, err := Register[T](db)
	if err != nil {
		return err
	}
	if h, ok := any(v).(BeforeUpdater); ok {
		if err := h.BeforeUpdate(ctx, q); err != nil {
			return err
		}
	}
	if err := updateRow(ctx, db, w, m, v, columns); err != nil {
		return err
	}
	if h, ok := any(v).(AfterUpdater); ok {
		return h.AfterUpdate(ctx, q)
	}
	return nil
}

func updateRow[T any](ctx context.Context, db *DB, w executor, m *Model, v *T, columns []string) error {
	query, args, err := updateStmt(db.dialect, m, reflect.ValueOf(v).Elem(), columns)
	if err != nil || query == "" {
		return err
	}
	res, err := w.ExecContext(ctx, query, args...)
	if err != nil {
		return db.queryErr(err)
	}
	return updated(db, m, res)
}

// updated turns an UPDATE that matched no row into ErrNotFound.
func updated(db *DB, m *Model, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return nil // the driver cannot tell; the statement succeeded
	}
	return updatedRows(db, m, n)
}

// updatedRows is updated for an UPDATE that changed n rows.
func updatedRows(db *DB, m *Model, n int64) error {
	if n == 0 {
		// MySQL counts matched rows too: Open sets clientFoundRows.
		return fmt.Errorf("orm: update %s: %w", m.Name, ErrNotFound)
	}
	return nil
}

// updateStmt sets rv's updated_at and returns the UPDATE statement (in the
// dialect's placeholders; built once per model and column list) and its
// arguments for the named columns, or all; query is "" when there is
// nothing to set.
func updateStmt(d Dialect, m *Model, rv reflect.Value, columns []string) (query string, args []any, err error) {
	var pu *partialUpdate
	if len(columns) > 0 {
		if pu, err = m.sqlFor(d).partialUpdate(d, m, columns); err != nil {
			return "", nil, err
		}
	}
	return updateStmtFor(d, m, rv, pu)
}

// updateStmtFor is updateStmt with the column list already resolved: pu is
// the partial update, or nil for every column.
func updateStmtFor(d Dialect, m *Model, rv reflect.Value, pu *partialUpdate) (query string, args []any, err error) {
	ms := m.sqlFor(d)
	var now any
	if m.UpdatedAt != nil {
		t := timestamp()
		setTime(rv.FieldByIndex(m.UpdatedAt.Index), t)
		now = t
	}
	fields, query := ms.updateFields, ms.update
	if pu != nil {
		fields, query = pu.fields, pu.query
	}
	if len(fields) == 0 {
		return "", nil, nil
	}
	args = make([]any, 0, len(fields)+1)
	for _, f := range fields {
		if f == m.UpdatedAt {
			args = append(args, now)
			continue
		}
		a, err := valueOf(f, rv.FieldByIndex(f.Index))
		if err != nil {
			return "", nil, err
		}
		args = append(args, a)
	}
	pk, err := valueOf(m.PrimaryKey, rv.FieldByIndex(m.PrimaryKey.Index))
	if err != nil {
		return "", nil, err
	}
	return query, append(args, pk), nil
}

func containsField(fs []*Field, f *Field) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// valueOf converts a field's value into a driver argument.
func valueOf(f *Field, v reflect.Value) (any, error) {
	if f.Kind == KindJSON {
		if v.Kind() == reflect.Pointer && v.IsNil() || (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.IsNil() {
			return nil, nil
		}
		if raw, ok := v.Interface().(json.RawMessage); ok {
			return string(raw), nil
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, fmt.Errorf("orm: field %s: encoding JSON: %w", f.Name, err)
		}
		return string(b), nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil
		}
		return driverArg(v.Elem().Interface()), nil
	}
	if f.Kind == KindUUID && f.Type == uuidArrayType {
		// database/sql drivers take no arrays: send the 16 bytes (BLOB on
		// SQLite, BINARY(16) on MySQL; pgx encodes them as a uuid).
		u := v.Interface().([16]byte)
		return u[:], nil
	}
	if f.Kind == KindTime && v.CanAddr() {
		// Through the field's address: v.Interface() would box a copy
		// only to unbox it.
		if t, ok := v.Addr().Interface().(*time.Time); ok {
			return t.UTC(), nil
		}
	}
	return v.Interface(), nil
}

// rowScanner reads rows whose columns are a model's fields, in order, into
// structs of the model. It keeps its scan targets from row to row.
type rowScanner struct {
	m       *Model
	targets []any
	json    []sql.NullString // one per field when some field is JSON, else nil
}

func newRowScanner(m *Model) rowScanner {
	s := rowScanner{m: m, targets: make([]any, len(m.Fields))}
	for _, f := range m.Fields {
		if f.Kind == KindJSON {
			s.json = make([]sql.NullString, len(m.Fields))
			break
		}
	}
	return s
}

// scanAll appends the rows of rows, whose columns are m's fields in order,
// to out and returns it. With limit above 0 it stops once out holds that
// many, without asking for more.
func scanAll[T any](rows resultRows, m *Model, out []T, limit int) ([]T, error) {
	sc := newRowScanner(m)
	for (limit <= 0 || len(out) < limit) && rows.Next() {
		var zero T
		out = append(out, zero)
		if err := sc.scanWith(rows, reflect.ValueOf(&out[len(out)-1]).Elem()); err != nil {
			return out, err
		}
	}
	return out, nil
}

// rowSource is a row to read: *sql.Rows, *sql.Row, pgx.Rows, pgx.Row.
// Taking it as an interface, rather than its Scan method as a func value,
// saves an allocation per row.
type rowSource interface {
	Scan(dest ...any) error
}

// scanWith reads the current row of src into dst, after the leading
// columns that go into extra.
func (s *rowScanner) scanWith(src rowSource, dst reflect.Value, extra ...any) error {
	m := s.m
	for i, f := range m.Fields {
		if f.Kind == KindJSON {
			s.targets[i] = &s.json[i]
			continue
		}
		fv := dst.FieldByIndex(f.Index).Addr().Interface()
		if f.Kind == KindUUID && f.Type == uuidArrayType {
			fv = (*uuidScanner)(fv.(*[16]byte))
		}
		s.targets[i] = fv
	}
	targets := s.targets
	if len(extra) > 0 {
		targets = append(extra[:len(extra):len(extra)], s.targets...)
	}
	if err := src.Scan(targets...); err != nil {
		return fmt.Errorf("orm: reading %s: %w", m.Name, err)
	}
	for i, f := range m.Fields {
		if f.Kind != KindJSON || !s.json[i].Valid {
			continue
		}
		fv := dst.FieldByIndex(f.Index)
		if err := json.Unmarshal([]byte(s.json[i].String), fv.Addr().Interface()); err != nil {
			return fmt.Errorf("orm: reading %s.%s: decoding JSON: %w", m.Name, f.Name, err)
		}
	}
	return nil
}

// scanRow reads the current row of src into dst, whose columns are m's
// fields in order, after the leading columns that go into extra.
func scanRow(src rowSource, m *Model, dst reflect.Value, extra ...any) error {
	s := newRowScanner(m)
	return s.scanWith(src, dst, extra...)
}

// uuidScanner reads a UUID into a [16]byte field: 16 raw bytes (SQLite,
// MySQL) or the text form (PostgreSQL).
type uuidScanner [16]byte

// Scan implements sql.Scanner.
func (u *uuidScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case [16]byte:
		*u = v
		return nil
	default:
		return fmt.Errorf("cannot read a UUID from %T", src)
	}
	if len(b) == 16 {
		copy(u[:], b)
		return nil
	}
	h := strings.ReplaceAll(string(b), "-", "")
	if _, err := hex.Decode(u[:], []byte(h)); err != nil || len(h) != 32 {
		return fmt.Errorf("cannot read %q as a UUID", b)
	}
	return nil
}

// setTime sets a time field (time.Time, *time.Time or sql.NullTime) to t.
func setTime(v reflect.Value, t time.Time) {
	switch p := v.Addr().Interface().(type) {
	case *time.Time:
		*p = t
	case **time.Time:
		c := t // only this case needs a copy on the heap
		*p = &c
	case *sql.NullTime:
		*p = sql.NullTime{Time: t, Valid: true}
	default:
		v.Set(reflect.ValueOf(t))
	}
}

func setInt(v reflect.Value, id int64) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(id)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(id))
	}
}

func setUUID(v reflect.Value) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	if v.Kind() == reflect.Array {
		v.Set(reflect.ValueOf(b))
		return nil
	}
	v.SetString(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
	return nil
}

// queryErr turns driver errors into Kiln's typed errors: ErrNotFound for
// no rows, *ConstraintError for constraint violations.
func (db *DB) queryErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return ClassifyError(err)
}
