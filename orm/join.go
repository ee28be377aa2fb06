package orm

import (
	"fmt"
	"strings"
)

// Select limits the columns the query reads to the named ones (column or
// Go field names); the other fields of the returned rows keep their zero
// values. Names are checked against the model like OrderBy's, so a
// fields=… request parameter cannot inject SQL. The primary key is always
// read, so the rows can be updated or have relations preloaded.
//
//	titles, err := orm.Query[Post](db).Select("title").All(ctx)
func (q *Q[T]) Select(columns ...string) *Q[T] {
	c := q.clone()
	if c.m == nil {
		return c
	}
	fields := []*Field{c.m.PrimaryKey}
	for _, name := range columns {
		f := c.m.fieldByColumnOrName(name)
		if f == nil {
			if c.err == nil {
				c.err = &UnknownColumnError{Model: c.m.Name, Column: name, Columns: c.m.Columns()}
			}
			continue
		}
		if !containsField(fields, f) {
			fields = append(fields, f)
		}
	}
	c.fields = fields
	return c
}

// Join adds an INNER JOIN along the model's relation named rel (its Go
// field name), so conditions can test the related table's columns, named
// by table:
//
//	posts, err := orm.Query[Post](db).Join("Author").
//		Where("users.email = ?", email).All(ctx)
//
// The rows returned are still T's; to read the related rows too, use
// Preload. A has_many or many_to_many join repeats a row once per match.
// Soft-deleted related rows are left out. The related table is joined
// under its own name, so one query joins a table at most once.
func (q *Q[T]) Join(rel string) *Q[T] { return q.join("JOIN", rel) }

// LeftJoin is Join with LEFT JOIN: rows without a related row are kept,
// with the related table's columns NULL.
func (q *Q[T]) LeftJoin(rel string) *Q[T] { return q.join("LEFT JOIN", rel) }

func (q *Q[T]) join(kind, name string) *Q[T] {
	c := q.clone()
	if c.m == nil {
		return c
	}
	r := c.m.RelationByName(name)
	if r == nil {
		if c.err == nil {
			c.err = &UnknownRelationError{Model: c.m.Name, Relation: name, Relations: relationNames(c.m)}
		}
		return c
	}
	d := c.db.dialect
	qc := func(table, col string) string { return d.Quote(table) + "." + d.Quote(col) }
	target := d.Quote(r.Target.Table)
	var on string
	switch r.Kind {
	case BelongsTo:
		on = qc(r.Target.Table, r.References.Column) + " = " + qc(c.m.Table, r.ForeignKey.Column)
	case HasOne, HasMany:
		on = qc(r.Target.Table, r.ForeignKey.Column) + " = " + qc(c.m.Table, r.References.Column)
	case ManyToMany:
		jt := d.Quote(r.JoinTable)
		c.joins = append(c.joins, " "+kind+" "+jt+" ON "+qc(r.JoinTable, r.JoinForeignKey)+" = "+qc(c.m.Table, r.References.Column))
		on = qc(r.Target.Table, r.Target.PrimaryKey.Column) + " = " + qc(r.JoinTable, r.JoinReferences)
	}
	if r.Target.DeletedAt != nil {
		on += " AND " + qc(r.Target.Table, r.Target.DeletedAt.Column) + " IS NULL"
	}
	c.joins = append(c.joins, " "+kind+" "+target+" ON "+on)
	return c
}

// UnknownRelationError is returned for a Join or Preload of a relation the
// model does not declare. Its StatusCode is 400, since the name may come
// from a request's include parameter.
type UnknownRelationError struct {
	Model, Relation string
	Relations       []string
}

// Error names the relation and lists the model's relations.
func (e *UnknownRelationError) Error() string {
	if len(e.Relations) == 0 {
		return fmt.Sprintf("orm: model %s has no relation %q; it declares none (add a field tagged rel:\"belongs_to\", \"has_many\"…)", e.Model, e.Relation)
	}
	return fmt.Sprintf("orm: model %s has no relation %q; its relations are %s", e.Model, e.Relation, strings.Join(e.Relations, ", "))
}

// StatusCode returns 400 Bad Request.
func (e *UnknownRelationError) StatusCode() int { return 400 }

func relationNames(m *Model) []string {
	names := make([]string, len(m.Relations))
	for i, r := range m.Relations {
		names[i] = r.Name
	}
	return names
}
