package orm

import (
	"context"
	"fmt"
	"reflect"
	"strings"
)

// Preload loads the named relations of the rows All (or First, Get,
// Paginate…) returns, with one query per relation, however many rows
// there are — never one query per row (N+1). A dotted path loads the
// relations of related rows too:
//
//	posts, err := orm.Query[Post](db).
//		Preload("Author", "Tags", "Comments.Author").
//		Limit(20).All(ctx) // 5 queries: posts, authors, tags, comments, their authors
//
// A has_many or many_to_many field is set to an empty, non-nil slice when
// there are no related rows, so it encodes as [] in JSON. Related rows are
// ordered by primary key; soft-deleted ones are left out. Relation names
// are checked against the model, so an include=… request parameter cannot
// inject SQL: an unknown one is an *UnknownRelationError.
func (q *Q[T]) Preload(paths ...string) *Q[T] {
	c := q.clone()
	c.preload = append(c.preload, paths...)
	if c.m != nil && c.err == nil {
		if _, err := preloadTree(c.m, c.preload); err != nil {
			c.err = err
		}
	}
	return c
}

// preloadNode is one relation to load and what to load below it.
type preloadNode struct {
	rel      *Relation
	children []*preloadNode
}

// preloadTree turns dotted paths into a tree of relations, checking each
// name.
func preloadTree(m *Model, paths []string) ([]*preloadNode, error) {
	var roots []*preloadNode
	for _, p := range paths {
		level, model := &roots, m
		for _, name := range strings.Split(p, ".") {
			r := model.RelationByName(name)
			if r == nil {
				return nil, &UnknownRelationError{Model: model.Name, Relation: name, Relations: relationNames(model)}
			}
			var node *preloadNode
			for _, n := range *level {
				if n.rel == r {
					node = n
				}
			}
			if node == nil {
				node = &preloadNode{rel: r}
				*level = append(*level, node)
			}
			level, model = &node.children, r.Target
		}
	}
	return roots, nil
}

// preloadChunk is the most keys one IN list holds; more parents than this
// cost one more query per chunk.
var preloadChunk = 2000

func (q *Q[T]) runPreload(ctx context.Context, rows []T) error {
	tree, err := preloadTree(q.m, q.preload)
	if err != nil {
		return err
	}
	parents := make([]reflect.Value, len(rows))
	all := reflect.ValueOf(rows)
	for i := range rows {
		parents[i] = all.Index(i)
	}
	for _, n := range tree {
		if err := preload(ctx, q.on, n, parents); err != nil {
			return err
		}
	}
	return nil
}

// preload loads n's relation for parents (addressable struct values of the
// relation's model), then its children, then assigns the results.
func preload(ctx context.Context, on Querier, n *preloadNode, parents []reflect.Value) error {
	r := n.rel
	var keyField *Field // the parents' field whose values select the related rows
	if r.Kind == BelongsTo {
		keyField = r.ForeignKey
	} else {
		keyField = r.References
	}
	var keys []any
	seen := map[any]bool{}
	for _, p := range parents {
		k, ok := keyOf(p.FieldByIndex(keyField.Index))
		if ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	// found maps a key to the related rows (pointers to new structs) for it.
	found := map[any][]reflect.Value{}
	var loaded []reflect.Value
	for start := 0; start < len(keys); start += preloadChunk {
		chunk := keys[start:min(start+preloadChunk, len(keys))]
		rows, err := fetchRelated(ctx, on, r, chunk)
		if err != nil {
			return err
		}
		for _, row := range rows {
			found[row.key] = append(found[row.key], row.val)
			loaded = append(loaded, row.val.Elem())
		}
	}
	for _, child := range n.children {
		if err := preload(ctx, on, child, loaded); err != nil {
			return err
		}
	}
	for _, p := range parents {
		field := p.FieldByIndex(r.Index)
		k, ok := keyOf(p.FieldByIndex(keyField.Index))
		var matches []reflect.Value
		if ok {
			matches = found[k]
		}
		if !r.many {
			if len(matches) == 0 {
				field.SetZero()
			} else if r.ptrElem {
				field.Set(matches[0])
			} else {
				field.Set(matches[0].Elem())
			}
			continue
		}
		s := reflect.MakeSlice(field.Type(), 0, len(matches))
		for _, m := range matches {
			if r.ptrElem {
				s = reflect.Append(s, m)
			} else {
				s = reflect.Append(s, m.Elem())
			}
		}
		field.Set(s)
	}
	return nil
}

type relatedRow struct {
	key any           // the parent key it belongs to
	val reflect.Value // *Target
}

// fetchRelated runs the one query that loads r's rows for keys.
func fetchRelated(ctx context.Context, on Querier, r *Relation, keys []any) ([]relatedRow, error) {
	db := on.database()
	d := db.dialect
	t := r.Target
	qc := func(table, col string) string { return d.Quote(table) + "." + d.Quote(col) }
	cols := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = qc(t.Table, f.Column)
	}
	var b strings.Builder
	var keyCol *Field // the target's field holding the parent key, if any
	b.WriteString("SELECT ")
	switch r.Kind {
	case BelongsTo:
		keyCol = t.PrimaryKey
	case HasOne, HasMany:
		keyCol = r.ForeignKey
	case ManyToMany:
		b.WriteString(qc(r.JoinTable, r.JoinForeignKey) + ", ")
	}
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(" FROM " + d.Quote(t.Table))
	if r.Kind == ManyToMany {
		b.WriteString(" JOIN " + d.Quote(r.JoinTable) + " ON " + qc(r.JoinTable, r.JoinReferences) + " = " + qc(t.Table, t.PrimaryKey.Column))
		b.WriteString(" WHERE " + qc(r.JoinTable, r.JoinForeignKey) + " IN (")
	} else {
		b.WriteString(" WHERE " + qc(t.Table, keyCol.Column) + " IN (")
	}
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")")
	if t.DeletedAt != nil {
		b.WriteString(" AND " + qc(t.Table, t.DeletedAt.Column) + " IS NULL")
	}
	b.WriteString(" ORDER BY " + qc(t.Table, t.PrimaryKey.Column))
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = driverArg(k)
	}
	var out []relatedRow
	err := readRows(ctx, on, rebind(d, b.String()), args, func(rows resultRows) error {
		for rows.Next() {
			v := reflect.New(t.Type)
			var row relatedRow
			if r.Kind == ManyToMany {
				jk := reflect.New(r.References.Type)
				if err := scanRow(rows, t, v.Elem(), jk.Interface()); err != nil {
					return err
				}
				row.key, _ = keyOf(jk.Elem())
			} else {
				if err := scanRow(rows, t, v.Elem()); err != nil {
					return err
				}
				row.key, _ = keyOf(v.Elem().FieldByIndex(keyCol.Index))
			}
			row.val = v
			out = append(out, row)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("orm: preloading %s.%s: %w", r.Model.Name, r.Name, err)
	}
	return out, nil
}

// keyOf returns a key value normalised for map lookups and IN lists, so an
// int foreign key matches an int64 primary key; ok is false for NULL.
func keyOf(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	if sc, ok := v.Interface().(interface{ Value() (any, error) }); ok {
		// sql.Null* and other driver.Valuers: key by the stored value.
		val, err := sc.Value()
		if err != nil || val == nil {
			return nil, false
		}
		return keyOf(reflect.ValueOf(val))
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint()), true
	case reflect.String:
		return v.String(), true
	}
	return v.Interface(), true
}
