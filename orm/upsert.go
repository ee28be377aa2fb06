package orm

import (
	"context"
	"fmt"
	"reflect"
	"strings"
)

// Upsert inserts v or, when a row with the same values in conflict (the
// columns of a primary key or unique constraint, by column or Go field
// name) exists, updates that row's update columns (all non-key columns
// when none are named). Either way v's primary key is filled in with the
// row's. created_at is set only by the insert; updated_at by both.
//
//	err := orm.Upsert(ctx, db, &setting, []string{"user_id", "key"}, "value")
//
// It runs as one statement: INSERT … ON CONFLICT … DO UPDATE on PostgreSQL
// and SQLite, INSERT … ON DUPLICATE KEY UPDATE on MySQL/MariaDB (where any
// unique key of the table counts as a conflict, not only conflict's).
// Upsert runs no hooks.
func Upsert[T any](ctx context.Context, q Querier, v *T, conflict []string, update ...string) error {
	db, w := q.database(), q.writer()
	m, err := Register[T](db)
	if err != nil {
		return err
	}
	if len(conflict) == 0 {
		return fmt.Errorf("orm: Upsert %s: name the conflict columns (a primary key or unique constraint)", m.Name)
	}
	d := db.dialect
	rv := reflect.ValueOf(v).Elem()
	pk := m.PrimaryKey
	now := timestamp()
	args, pkv, auto, err := insertArgs(m, rv, now, now, nil)
	if err != nil {
		return err
	}
	cols := m.sqlFor(d).insertCols[keyIndex(auto)]
	colFields := func(names []string) ([]*Field, error) {
		out := make([]*Field, 0, len(names))
		for _, n := range names {
			f := m.fieldByColumnOrName(n)
			if f == nil {
				return nil, &UnknownColumnError{Model: m.Name, Column: n, Columns: m.Columns()}
			}
			out = append(out, f)
		}
		return out, nil
	}
	conflictFields, err := colFields(conflict)
	if err != nil {
		return err
	}
	var updateFields []*Field
	if len(update) > 0 {
		if updateFields, err = colFields(update); err != nil {
			return err
		}
		if m.UpdatedAt != nil && !containsField(updateFields, m.UpdatedAt) {
			updateFields = append(updateFields, m.UpdatedAt)
		}
	} else {
		for _, f := range m.Fields {
			if f != pk && f != m.CreatedAt && !containsField(conflictFields, f) {
				updateFields = append(updateFields, f)
			}
		}
	}
	var b strings.Builder
	marks := strings.Repeat(", ?", len(cols))[2:]
	b.WriteString("INSERT INTO " + d.Quote(m.Table) + " (" + strings.Join(cols, ", ") + ") VALUES (" + marks + ")")
	var sets []string
	if d.Name() == "mysql" {
		for _, f := range updateFields {
			sets = append(sets, d.Quote(f.Column)+" = VALUES("+d.Quote(f.Column)+")")
		}
		// Makes LastInsertId report the existing row's id on an update.
		sets = append(sets, d.Quote(pk.Column)+" = LAST_INSERT_ID("+d.Quote(pk.Column)+")")
		b.WriteString(" ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", "))
		res, err := w.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return db.queryErr(err)
		}
		if pk.AutoIncrement {
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("orm: upsert %s: reading the id: %w", m.Name, err)
			}
			setInt(pkv, id)
		}
		return nil
	}
	var conflictCols []string
	for _, f := range conflictFields {
		conflictCols = append(conflictCols, d.Quote(f.Column))
	}
	for _, f := range updateFields {
		sets = append(sets, d.Quote(f.Column)+" = excluded."+d.Quote(f.Column))
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(conflictCols, ", ") + ")")
	if len(sets) == 0 {
		// Nothing to update: touch a conflict column so RETURNING still
		// yields the existing row.
		sets = append(sets, conflictCols[0]+" = excluded."+conflictCols[0])
	}
	b.WriteString(" DO UPDATE SET " + strings.Join(sets, ", "))
	b.WriteString(" RETURNING " + d.Quote(pk.Column))
	if pk.AutoIncrement {
		var id int64
		if err := w.QueryRowContext(ctx, rebind(d, b.String()), args...).Scan(&id); err != nil {
			return db.queryErr(err)
		}
		setInt(pkv, id)
		return nil
	}
	if err := w.QueryRowContext(ctx, rebind(d, b.String()), args...).Scan(pkv.Addr().Interface()); err != nil {
		return db.queryErr(err)
	}
	return nil
}
