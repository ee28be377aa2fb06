package orm

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Raw runs a hand-written SELECT through q (a *DB or a *Tx) and maps each
// row into a T by column name: a field's db tag name or its snake_case
// name, as for models. T may be a registered model or any struct, such as
// one shaped for a report; it needs no primary key. Use ? for values; they
// are bound, never interpolated:
//
//	type AuthorStats struct {
//		AuthorID int64
//		Posts    int64
//	}
//	stats, err := orm.Raw[AuthorStats](db,
//		"SELECT author_id, COUNT(*) AS posts FROM posts WHERE created_at > ? GROUP BY author_id", since)
//
// A result column that matches no field is an error that names it, so a
// typo in an alias cannot silently leave a field empty.
func Raw[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	db := q.database()
	plan, err := rawPlanFor(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	expanded, flat, err := expandIn(query, args)
	if err != nil {
		return nil, err
	}
	out := []T{}
	err = readRows(ctx, q, rebind(db.dialect, expanded), flat, func(rows resultRows) error {
		cols, err := columnsOf(rows)
		if err != nil {
			return err
		}
		fields := make([]*Field, len(cols))
		for i, c := range cols {
			f := plan.byColumn[strings.ToLower(c)]
			if f == nil {
				return fmt.Errorf("orm: Raw[%s]: result column %q matches no field; valid columns are %s", plan.Name, c, strings.Join(plan.Columns(), ", "))
			}
			fields[i] = f
		}
		out, err = scanAll(rows, &Model{Name: plan.Name, Fields: fields}, out, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var rawPlans sync.Map // reflect.Type → *Model

// rawPlanFor builds a Model for t's column mapping without requiring a
// primary key or a table, with lower-cased column keys (databases report
// alias case differently).
func rawPlanFor(t reflect.Type) (*Model, error) {
	if m, ok := rawPlans.Load(t); ok {
		return m.(*Model), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("orm: Raw needs a struct type to map rows into, not %s", t)
	}
	m := &Model{Name: t.Name(), Type: t, Table: "raw", byColumn: map[string]*Field{}, byName: map[string]*Field{}}
	var order []string
	if err := collectFields(m, t, nil, map[string]*Index{}, &order); err != nil {
		return nil, err
	}
	lower := make(map[string]*Field, len(m.byColumn))
	for c, f := range m.byColumn {
		lower[strings.ToLower(c)] = f
	}
	m.byColumn = lower
	rawPlans.Store(t, m)
	return m, nil
}
