package migrate

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"strconv"

	"github.com/kiln-web/kiln/orm"
)

// Schema is a database schema described independently of the database:
// the tables that registered models need, with their columns, indexes and
// foreign keys. SchemaOf builds it from models; Make compares two of them
// to write a migration. Its JSON form is what Make stores beside each
// migration it writes.
type Schema struct {
	// Tables lists the tables: the models' tables in the order given,
	// then many-to-many join tables.
	Tables []Table `json:"tables"`
}

// Table is one table of a Schema.
type Table struct {
	// Name is the table name.
	Name string `json:"name"`
	// Model is the Go model stored in the table, such as "Post", or ""
	// for a many-to-many join table. It is for messages only: changing it
	// changes no SQL.
	Model string `json:"model,omitempty"`
	// Columns lists the columns in the order the database has them.
	Columns []Column `json:"columns"`
	// PrimaryKey lists the primary-key columns: one for a model's table,
	// two for a join table.
	PrimaryKey []string `json:"primary_key"`
	// Indexes lists the indexes, unique ones included.
	Indexes []Index `json:"indexes,omitempty"`
	// ForeignKeys lists the foreign keys whose column is in this table.
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
}

// Column is one column of a Table. The SQL type is derived per database
// from Kind, Size and Binary, the same way on every database Kiln
// supports (see Make).
type Column struct {
	// Name is the column name.
	Name string
	// Kind is the portable column kind, as in orm.Field.
	Kind orm.Kind
	// Size is the maximum length of a KindString column.
	Size int
	// Binary marks a KindUUID column stored as 16 bytes (a [16]byte
	// field) rather than as text.
	Binary bool
	// Nullable reports whether the column accepts NULL.
	Nullable bool
	// Default is the SQL default expression, or "".
	Default string
	// AutoIncrement marks an auto-increment integer primary key.
	AutoIncrement bool
}

// Index is one index of a Table.
type Index struct {
	// Name is the index name.
	Name string `json:"name"`
	// Columns lists the indexed columns in order.
	Columns []string `json:"columns"`
	// Unique reports a unique index.
	Unique bool `json:"unique,omitempty"`
}

// ForeignKey is a foreign key: Column of its table refers to RefColumn of
// RefTable.
type ForeignKey struct {
	// Name is the constraint name, "fk_<table>_<column>" (shortened with
	// a hash to 63 characters).
	Name string `json:"name"`
	// Column is the referencing column.
	Column string `json:"column"`
	// RefTable and RefColumn are the referenced table and column.
	RefTable  string `json:"ref_table"`
	RefColumn string `json:"ref_column"`
	// OnDelete is "cascade", "set null", "restrict" or "" (the
	// database's default, no action).
	OnDelete string `json:"on_delete,omitempty"`
}

// columnJSON is Column's JSON form, with the kind by name.
type columnJSON struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Size          int    `json:"size,omitempty"`
	Binary        bool   `json:"binary,omitempty"`
	Nullable      bool   `json:"nullable,omitempty"`
	Default       string `json:"default,omitempty"`
	AutoIncrement bool   `json:"auto_increment,omitempty"`
}

// MarshalJSON encodes the column with its kind by name ("int64").
func (c Column) MarshalJSON() ([]byte, error) {
	return json.Marshal(columnJSON{c.Name, c.Kind.String(), c.Size, c.Binary, c.Nullable, c.Default, c.AutoIncrement})
}

// UnmarshalJSON decodes a column encoded by MarshalJSON.
func (c *Column) UnmarshalJSON(b []byte) error {
	var j columnJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	k, ok := kindByName[j.Kind]
	if !ok {
		return fmt.Errorf("column %q has unknown kind %q", j.Name, j.Kind)
	}
	*c = Column{j.Name, k, j.Size, j.Binary, j.Nullable, j.Default, j.AutoIncrement}
	return nil
}

var kindByName = func() map[string]orm.Kind {
	m := map[string]orm.Kind{}
	for k := orm.KindString; k <= orm.KindUUID; k++ {
		m[k.String()] = k
	}
	return m
}()

// Table returns the table named name, or nil.
func (s *Schema) Table(name string) *Table {
	return find(s.Tables, name, func(t *Table) string { return t.Name })
}

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	return find(t.Columns, name, func(c *Column) string { return c.Name })
}

func (t *Table) index(name string) *Index {
	return find(t.Indexes, name, func(ix *Index) string { return ix.Name })
}

func (t *Table) foreignKey(name string) *ForeignKey {
	return find(t.ForeignKeys, name, func(fk *ForeignKey) string { return fk.Name })
}

// find returns the element of s whose key is name, or nil.
func find[T any](s []T, name string, key func(*T) string) *T {
	for i := range s {
		if key(&s[i]) == name {
			return &s[i]
		}
	}
	return nil
}

// clone returns a deep copy of t.
func (t Table) clone() Table {
	t.Columns = slices.Clone(t.Columns)
	t.PrimaryKey = slices.Clone(t.PrimaryKey)
	t.Indexes = slices.Clone(t.Indexes)
	for i := range t.Indexes {
		t.Indexes[i].Columns = slices.Clone(t.Indexes[i].Columns)
	}
	t.ForeignKeys = slices.Clone(t.ForeignKeys)
	return t
}

// clone returns a deep copy of s.
func (s *Schema) clone() *Schema {
	out := &Schema{Tables: make([]Table, len(s.Tables))}
	for i, t := range s.Tables {
		out.Tables[i] = t.clone()
	}
	return out
}

// maxIdent is the longest identifier PostgreSQL keeps (MySQL allows 64).
const maxIdent = 63

// shortIdent returns s, or, when it is longer than maxIdent, its start
// and a hash of the whole, so generated names stay distinct and valid.
func shortIdent(s string) string {
	if len(s) <= maxIdent {
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%s_%08x", s[:maxIdent-9], h.Sum32())
}

var uuidArrayType = reflect.TypeFor[[16]byte]()

// SchemaOf returns the schema that models need: a table per model, a
// foreign key per relation and a join table per many-to-many relation.
// Pass every registered model (orm.Registry.Models, or db.Models().Models()):
// a relation to a model that is not passed is an error.
//
//   - BelongsTo puts a foreign key on the model's table (ForeignKey →
//     the target's primary key); HasOne and HasMany put it on the
//     target's table (ForeignKey → the model's primary key). A key
//     declared from both sides is one foreign key; the ON DELETE action
//     is whichever side gives one.
//   - ManyToMany adds the join table JoinTable, unless a model uses that
//     table: JoinForeignKey and JoinReferences, typed like the primary
//     keys they refer to, form its primary key, and each is a foreign
//     key with ON DELETE CASCADE.
//   - A foreign-key column that does not lead an index or the primary key
//     gets an index, idx_<table>_<column>: deletes of the referenced rows
//     need it, and MySQL would otherwise create one under a name of its
//     own.
//   - Index names longer than 63 characters (PostgreSQL's limit) are
//     shortened, keeping a hash of the whole name.
//
// SchemaOf fails, saying what to change, where a schema would not work
// on all three databases: an index on unlimited text (MySQL cannot index
// it; give the field a size=N), or a foreign key whose column type differs from the referenced key's
// (MySQL refuses it).
func SchemaOf(models []*orm.Model) (*Schema, error) {
	s := &Schema{}
	for _, m := range models {
		if s.Table(m.Table) != nil {
			return nil, fmt.Errorf("migrate: two models use table %q; give one a TableName() method", m.Table)
		}
		t := Table{Name: m.Table, Model: m.Name, PrimaryKey: []string{m.PrimaryKey.Column}}
		for _, f := range m.Fields {
			t.Columns = append(t.Columns, columnOf(f))
		}
		for _, ix := range m.Indexes {
			t.Indexes = append(t.Indexes, Index{Name: ix.Name, Columns: slices.Clone(ix.Columns), Unique: ix.Unique})
		}
		s.Tables = append(s.Tables, t)
	}
	for _, m := range models {
		for _, r := range m.Relations {
			if err := s.addRelation(r); err != nil {
				return nil, err
			}
		}
	}
	indexTables := map[string]string{} // index name → table
	for i := range s.Tables {
		t := &s.Tables[i]
		if err := s.finish(t); err != nil {
			return nil, err
		}
		for _, ix := range t.Indexes {
			if other, ok := indexTables[ix.Name]; ok {
				return nil, fmt.Errorf("migrate: index name %s is used on tables %s and %s; PostgreSQL and SQLite need index names unique in the database: rename one with index=name", ix.Name, other, t.Name)
			}
			indexTables[ix.Name] = t.Name
		}
	}
	return s, nil
}

func columnOf(f *orm.Field) Column {
	c := Column{Name: f.Column, Kind: f.Kind, Size: f.Size, Nullable: f.Nullable, Default: f.Default, AutoIncrement: f.AutoIncrement}
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	c.Binary = f.Kind == orm.KindUUID && t == uuidArrayType
	return c
}

// addRelation adds r's foreign keys, and join table, to s.
func (s *Schema) addRelation(r *orm.Relation) error {
	where := fmt.Sprintf("relation %s.%s", r.Model.Name, r.Name)
	need := func(table string, model string) (*Table, error) {
		t := s.Table(table)
		if t == nil {
			return nil, fmt.Errorf("migrate: %s refers to model %s (table %s), which is not among the models given; pass all registered models (db.Models().Models())", where, model, table)
		}
		return t, nil
	}
	switch r.Kind {
	case orm.BelongsTo, orm.HasOne, orm.HasMany:
		from, to := r.Model, r.Target
		if r.Kind != orm.BelongsTo {
			from, to = r.Target, r.Model
		}
		t, err := need(from.Table, from.Name)
		if err != nil {
			return err
		}
		if _, err := need(to.Table, to.Name); err != nil {
			return err
		}
		return addForeignKey(t, r.ForeignKey.Column, to.Table, r.References.Column, r.OnDelete, where)
	case orm.ManyToMany:
		if _, err := need(r.Model.Table, r.Model.Name); err != nil {
			return err
		}
		if _, err := need(r.Target.Table, r.Target.Name); err != nil {
			return err
		}
		if t := s.Table(r.JoinTable); t != nil && t.Model != "" {
			return nil // a model of its own maps the join table
		}
		left := joinColumn(r.JoinForeignKey, r.Model.PrimaryKey)
		right := joinColumn(r.JoinReferences, r.Target.PrimaryKey)
		t := s.Table(r.JoinTable)
		if t == nil {
			s.Tables = append(s.Tables, Table{Name: r.JoinTable, Columns: []Column{left, right}, PrimaryKey: []string{left.Name, right.Name}})
			t = &s.Tables[len(s.Tables)-1]
		} else if !sameColumnSet(t.Columns, left, right) {
			return fmt.Errorf("migrate: %s uses join table %s with columns %s and %s, but another many_to_many relation uses it with other columns; give the relations the same join_fk and join_ref, or different join tables", where, r.JoinTable, left.Name, right.Name)
		}
		if err := addForeignKey(t, left.Name, r.Model.Table, r.Model.PrimaryKey.Column, "cascade", where); err != nil {
			return err
		}
		return addForeignKey(t, right.Name, r.Target.Table, r.Target.PrimaryKey.Column, "cascade", where)
	}
	return nil
}

// joinColumn is a join-table column referring to pk.
func joinColumn(name string, pk *orm.Field) Column {
	c := columnOf(pk)
	c.Name, c.AutoIncrement, c.Default, c.Nullable = name, false, "", false
	return c
}

func sameColumnSet(cols []Column, a, b Column) bool {
	return len(cols) == 2 && (cols[0] == a && cols[1] == b || cols[0] == b && cols[1] == a)
}

// addForeignKey adds a foreign key to t, or merges it with the same key
// declared from the other side of the relation.
func addForeignKey(t *Table, column, refTable, refColumn, onDelete, where string) error {
	fk := ForeignKey{Name: shortIdent("fk_" + t.Name + "_" + column), Column: column, RefTable: refTable, RefColumn: refColumn, OnDelete: onDelete}
	for i, have := range t.ForeignKeys {
		if have.Column != column {
			continue
		}
		if have.RefTable != refTable || have.RefColumn != refColumn {
			return fmt.Errorf("migrate: %s makes %s.%s a foreign key to %s.%s, but another relation makes it one to %s.%s; a column can refer to one table", where, t.Name, column, refTable, refColumn, have.RefTable, have.RefColumn)
		}
		switch {
		case have.OnDelete == "":
			t.ForeignKeys[i].OnDelete = onDelete
		case onDelete != "" && onDelete != have.OnDelete:
			return fmt.Errorf("migrate: %s gives the foreign key %s.%s ondelete=%s, but the relation on the other side gives ondelete=%s; make them agree, or set it on one side only", where, t.Name, column, onDelete, have.OnDelete)
		}
		return nil
	}
	t.ForeignKeys = append(t.ForeignKeys, fk)
	return nil
}

// finish checks t against the other tables of s and adds the indexes its
// foreign keys need.
func (s *Schema) finish(t *Table) error {
	for i, ix := range t.Indexes {
		t.Indexes[i].Name = shortIdent(ix.Name)
		for _, col := range ix.Columns {
			if c := t.Column(col); c != nil && (c.Kind == orm.KindText || c.Kind == orm.KindJSON || c.Kind == orm.KindBytes) {
				return fmt.Errorf("migrate: index %s on table %s includes %s, a column of unlimited %s, which MySQL cannot index; give the field a size (db:\"%s,size=200,index\")", ix.Name, t.Name, col, c.Kind, col)
			}
		}
	}
	for _, fk := range t.ForeignKeys {
		c, ref := t.Column(fk.Column), s.Table(fk.RefTable).Column(fk.RefColumn)
		if c.Kind != ref.Kind || c.Binary != ref.Binary {
			return fmt.Errorf("migrate: foreign key %s.%s is a %s column but refers to %s.%s, a %s column; MySQL refuses foreign keys between different types, so give both fields the same Go type", t.Name, fk.Column, c.Kind, fk.RefTable, fk.RefColumn, ref.Kind)
		}
		if !leadsIndex(t, fk.Column) {
			t.Indexes = append(t.Indexes, Index{Name: shortIdent("idx_" + t.Name + "_" + fk.Column), Columns: []string{fk.Column}})
		}
	}
	return nil
}

// leadsIndex reports whether column is the first column of t's primary
// key or of one of its indexes.
func leadsIndex(t *Table, column string) bool {
	if len(t.PrimaryKey) > 0 && t.PrimaryKey[0] == column {
		return true
	}
	for _, ix := range t.Indexes {
		if ix.Columns[0] == column {
			return true
		}
	}
	return false
}

// describe is a column's type for messages: "int64", "string(200)",
// "nullable text".
func (c Column) describe() string {
	s := c.Kind.String()
	if c.Size > 0 {
		s += "(" + strconv.Itoa(c.Size) + ")"
	}
	if c.Binary {
		s += " (binary)"
	}
	if c.Nullable {
		s = "nullable " + s
	}
	if c.Default != "" {
		s += " default " + c.Default
	}
	return s
}
