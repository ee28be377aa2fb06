package orm

import (
	"database/sql"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Model is the metadata of a registered model: a Go struct type and the
// table it is stored in. It is the single description of the model that
// queries, migrations, forms, validation and the admin panel read, so it is
// a public, stable API. Models are built by Register and never change
// afterwards; they are safe for concurrent use.
type Model struct {
	// Name is the Go type's name, such as "BlogPost".
	Name string
	// Type is the struct type.
	Type reflect.Type
	// Table is the table name: the TableName() method's result when the
	// type has one, else the snake_case plural of Name ("blog_posts").
	Table string
	// Label and PluralLabel are human names: "Blog post", "Blog posts".
	Label, PluralLabel string
	// Fields are the stored fields in struct order, fields of embedded
	// structs inlined.
	Fields []*Field
	// PrimaryKey is the primary-key field. Kiln models have exactly one.
	PrimaryKey *Field
	// CreatedAt, UpdatedAt and DeletedAt are the timestamp fields Kiln
	// maintains, or nil. A model with DeletedAt is soft-deleted.
	CreatedAt, UpdatedAt, DeletedAt *Field
	// Indexes lists the indexes declared with the index and unique options,
	// a unique index per unique field and one composite index per shared
	// name.
	Indexes []Index
	// Relations lists the relations declared with rel tags, in struct
	// order. Their fields are not columns.
	Relations []*Relation

	byColumn map[string]*Field
	byName   map[string]*Field
	sql      sync.Map // dialect name → *modelSQL, see sqlFor
}

// Field is one stored struct field.
type Field struct {
	// Name is the Go field name, such as "AuthorID".
	Name string
	// Column is the column name: the db tag's name, or the snake_case of
	// Name ("author_id").
	Column string
	// Label is a human name for forms and the admin: the label option, or
	// Name split into words ("Author ID").
	Label string
	// Type is the Go type.
	Type reflect.Type
	// Kind is the portable column kind the dialects map to SQL types
	// (SQLType gives the type on a database).
	Kind Kind
	// Size is the maximum length of a string (size option), or 0 for
	// unlimited text.
	Size int
	// Nullable reports whether the column accepts NULL: pointer,
	// sql.Null* and the null option.
	Nullable bool
	// PrimaryKey, AutoIncrement and UUID describe a primary key: an
	// integer key is auto-increment unless noauto is given; a key tagged
	// uuid gets a random UUID on insert when empty.
	PrimaryKey, AutoIncrement, UUID bool
	// Unique reports a unique constraint on the column alone.
	Unique bool
	// Default is the SQL default expression from the default option, or "".
	Default string
	// Index is the reflect index path, for reflect.Value.FieldByIndex.
	Index []int
}

// Index is a table index.
type Index struct {
	// Name is the index name, such as "idx_posts_author_id".
	Name string
	// Columns lists the indexed columns in order.
	Columns []string
	// Unique reports a unique index.
	Unique bool
}

// Kind is a column kind, independent of the database.
type Kind int

// The column kinds.
const (
	KindString Kind = iota + 1
	KindText
	KindBool
	KindInt
	KindInt64
	KindFloat
	KindTime
	KindBytes
	KindJSON
	KindUUID
)

var kindNames = [...]string{"", "string", "text", "bool", "int", "int64", "float", "time", "bytes", "json", "uuid"}

// String returns the kind's name, such as "int64".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// FieldByColumn returns the field stored in column, or nil.
func (m *Model) FieldByColumn(column string) *Field { return m.byColumn[column] }

// FieldByName returns the field with the Go name, or nil.
func (m *Model) FieldByName(name string) *Field { return m.byName[name] }

// Columns returns the column names in field order.
func (m *Model) Columns() []string {
	cols := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		cols[i] = f.Column
	}
	return cols
}

// Registry holds registered models. A DB has one; the zero Registry is
// ready to use. Register models at start-up: registration is safe for
// concurrent use, but models are meant to be registered once.
type Registry struct {
	mu     sync.RWMutex
	byType map[reflect.Type]*Model
	order  []*Model
}

// Models returns the registered models in registration order.
func (r *Registry) Models() []*Model {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Model(nil), r.order...)
}

// Lookup returns the model for type t (a struct or pointer to struct), or
// nil if it is not registered.
func (r *Registry) Lookup(t reflect.Type) *Model {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byType[t]
}

// Register registers T, a struct type, in r (a *DB or a *Registry) and
// returns its model. It is
// idempotent: registering T again returns the same model. It fails with
// an error that says what to change for a type that is not a struct, a
// model without a primary key, an unsupported field type or a bad tag.
//
// Fields are mapped by the db tag:
//
//	type Post struct {
//		ID        int64      `db:"id,pk"`                   // auto-increment primary key
//		Title     string     `db:"title,size=200,index"`
//		Slug      string     `db:"slug,unique"`
//		Body      string     // column "body", unlimited text
//		AuthorID  int64      `db:"author_id,index=idx_author_created"`
//		Draft     bool       `db:",default=true"`           // column "draft"
//		Secret    string     `db:"-"`                       // not stored
//		PublishedAt *time.Time                              // nullable
//		CreatedAt time.Time  `db:",created_at,index=idx_author_created"`
//		UpdatedAt time.Time  `db:",updated_at"`
//		DeletedAt *time.Time `db:",deleted_at"`             // soft delete
//	}
//
// Options after the name: pk, noauto (an integer key that is not
// auto-increment), uuid (a string or [16]byte key filled with a random UUID),
// unique, index or index=name (composite when shared), size=N, default=SQL,
// null, label=Text, created_at, updated_at, deleted_at. A field named ID is
// the primary key when no field is tagged pk.
//
// Fields tagged rel declare relations to other models, which Register
// registers too (see Relation):
//
//	type Post struct {
//		ID       int64
//		AuthorID int64
//		Author   *User     `rel:"belongs_to"`          // via AuthorID
//		Comments []Comment `rel:"has_many"`            // via Comment.PostID
//		Cover    *Image    `rel:"has_one,fk=OwnerID"`  // via Image.OwnerID
//		Tags     []Tag     `rel:"many_to_many"`        // through post_tags(post_id, tag_id)
//	}
//
// Options after the kind: fk=Field names the foreign-key field (default:
// the relation's name plus ID for belongs_to, the model's name plus ID on
// the target for has_one and has_many); join=table, join_fk=column and
// join_ref=column name a many_to_many join table and its columns (default
// post_tags, post_id, tag_id); ondelete=cascade, set null or restrict sets
// the foreign key's ON DELETE action for migrations.
func Register[T any](r modelRegistry) (*Model, error) {
	return r.registry().register(reflect.TypeFor[T]())
}

// MustRegister is Register for program start-up: it panics on error.
func MustRegister[T any](r modelRegistry) *Model {
	m, err := Register[T](r)
	if err != nil {
		panic(err)
	}
	return m
}

func (r *Registry) register(t reflect.Type) (*Model, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("orm: cannot register %s: a model is a struct type, such as orm.Register[Post]", t)
	}
	// Queries register their model on every call: find it under the read
	// lock, and take the write lock only to add one.
	r.mu.RLock()
	m, ok := r.byType[t]
	r.mu.RUnlock()
	if ok {
		return m, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.order)
	m, err := r.registerLocked(t)
	if err != nil {
		// Forget every model this call added, so a fixed type can be
		// registered again.
		for _, added := range r.order[n:] {
			delete(r.byType, added.Type)
		}
		r.order = r.order[:n]
		return nil, err
	}
	return m, nil
}

// registerLocked registers t and, recursively, the targets of its
// relations. A model is added before its relations are resolved, so
// models may refer to each other.
func (r *Registry) registerLocked(t reflect.Type) (*Model, error) {
	if m, ok := r.byType[t]; ok {
		return m, nil
	}
	m, err := buildModel(t)
	if err != nil {
		return nil, err
	}
	for _, o := range r.order {
		if o.Table == m.Table {
			return nil, fmt.Errorf("orm: models %s and %s both use table %q; give one a TableName() string method", o.Type, t, m.Table)
		}
	}
	if r.byType == nil {
		r.byType = map[reflect.Type]*Model{}
	}
	r.byType[t] = m
	r.order = append(r.order, m)
	for _, rel := range m.Relations {
		target, err := r.registerLocked(rel.targetType)
		if err != nil {
			return nil, fmt.Errorf("%w (registering %s for relation %s.%s)", err, rel.targetType, m.Name, rel.Name)
		}
		if err := rel.resolve(target); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// modelRegistry is implemented by *Registry and *DB, so Register takes
// either.
type modelRegistry interface{ registry() *Registry }

func (r *Registry) registry() *Registry { return r }

// tableNamer lets a model choose its table name.
type tableNamer interface{ TableName() string }

func buildModel(t reflect.Type) (*Model, error) {
	m := &Model{Name: t.Name(), Type: t, byColumn: map[string]*Field{}, byName: map[string]*Field{}}
	if tn, ok := reflect.New(t).Interface().(tableNamer); ok {
		m.Table = tn.TableName()
	} else if tn, ok := reflect.Zero(t).Interface().(tableNamer); ok {
		m.Table = tn.TableName()
	} else {
		m.Table = plural(snake(t.Name()))
	}
	if m.Table == "" {
		return nil, fmt.Errorf("orm: model %s has an empty table name; name the type or give it a TableName() method", t)
	}
	m.Label = humanize(t.Name())
	m.PluralLabel = humanize(plural(snake(t.Name())))
	indexes := map[string]*Index{}
	var indexOrder []string
	if err := collectFields(m, t, nil, indexes, &indexOrder); err != nil {
		return nil, err
	}
	if len(m.Fields) == 0 {
		return nil, fmt.Errorf("orm: model %s has no stored fields; export its fields (db:\"-\" skips one)", t)
	}
	for _, f := range m.Fields {
		if f.PrimaryKey {
			if m.PrimaryKey != nil {
				return nil, fmt.Errorf("orm: model %s has two primary keys, %s and %s; Kiln models have one (use a unique index=name on several fields for a natural key)", t, m.PrimaryKey.Name, f.Name)
			}
			m.PrimaryKey = f
		}
	}
	if m.PrimaryKey == nil {
		if f := m.byName["ID"]; f != nil {
			f.PrimaryKey = true
			f.AutoIncrement = isInt(f.Kind) && !f.UUID
			m.PrimaryKey = f
		}
	}
	if m.PrimaryKey == nil {
		return nil, fmt.Errorf("orm: model %s has no primary key; add a field tagged db:\"id,pk\" (for example ID int64 `db:\"id,pk\"`)", t)
	}
	if m.PrimaryKey.Nullable {
		return nil, fmt.Errorf("orm: model %s: primary key %s cannot be nullable; use a non-pointer type", t, m.PrimaryKey.Name)
	}
	for _, name := range indexOrder {
		m.Indexes = append(m.Indexes, *indexes[name])
	}
	return m, nil
}

func collectFields(m *Model, t reflect.Type, path []int, indexes map[string]*Index, order *[]string) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, hasTag := sf.Tag.Lookup("db")
		if tag == "-" {
			continue
		}
		idx := append(append([]int(nil), path...), i)
		if rel, ok := sf.Tag.Lookup("rel"); ok {
			if !sf.IsExported() {
				return fmt.Errorf("orm: model %s, field %s: a relation field must be exported", m.Type, sf.Name)
			}
			r, err := parseRelation(m, sf, rel, idx)
			if err != nil {
				return err
			}
			m.Relations = append(m.Relations, r)
			continue
		}
		if sf.Anonymous && !hasTag {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				return fmt.Errorf("orm: model %s embeds *%s; embed the struct by value so its fields can be stored", m.Type, ft.Elem())
			}
			if ft.Kind() == reflect.Struct && ft != timeType {
				if err := collectFields(m, ft, idx, indexes, order); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		f, err := buildField(m, sf, tag, idx, indexes, order)
		if err != nil {
			return err
		}
		if prev := m.byColumn[f.Column]; prev != nil {
			return fmt.Errorf("orm: model %s: fields %s and %s both use column %q; rename one with db:\"name\"", m.Type, prev.Name, f.Name, f.Column)
		}
		m.Fields = append(m.Fields, f)
		m.byColumn[f.Column] = f
		m.byName[f.Name] = f
	}
	return nil
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	bytesType           = reflect.TypeFor[[]byte]()
	rawJSONType         = reflect.TypeFor[json.RawMessage]()
	scannerType         = reflect.TypeFor[sql.Scanner]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	uuidArrayType       = reflect.TypeFor[[16]byte]()
)

func buildField(m *Model, sf reflect.StructField, tag string, idx []int, indexes map[string]*Index, order *[]string) (*Field, error) {
	parts := strings.Split(tag, ",")
	f := &Field{Name: sf.Name, Column: parts[0], Type: sf.Type, Index: idx, Label: humanize(sf.Name)}
	if f.Column == "" {
		f.Column = snake(sf.Name)
	}
	kind, nullable, err := kindOf(sf.Type)
	if err != nil {
		return nil, fmt.Errorf("orm: model %s, field %s: %w", m.Type, sf.Name, err)
	}
	f.Kind, f.Nullable = kind, nullable
	noauto := false
	for _, opt := range parts[1:] {
		key, val, hasVal := strings.Cut(strings.TrimSpace(opt), "=")
		bad := func(why string) error {
			return fmt.Errorf("orm: model %s, field %s: tag option %q %s", m.Type, sf.Name, opt, why)
		}
		switch key {
		case "":
		case "pk":
			f.PrimaryKey = true
		case "noauto":
			noauto = true
		case "uuid":
			f.UUID = true
			if sf.Type.Kind() != reflect.String && sf.Type != uuidArrayType {
				return nil, bad("needs a string or [16]byte field")
			}
			f.Kind = KindUUID
		case "unique":
			f.Unique = true
		case "index":
			name := val
			if !hasVal || name == "" {
				name = "idx_" + m.Table + "_" + f.Column
			}
			ix := indexes[name]
			if ix == nil {
				ix = &Index{Name: name}
				indexes[name] = ix
				*order = append(*order, name)
			}
			ix.Columns = append(ix.Columns, f.Column)
		case "size":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return nil, bad("needs a positive number, such as size=200")
			}
			if f.Kind != KindString && f.Kind != KindText {
				return nil, bad("applies to string fields only")
			}
			f.Size, f.Kind = n, KindString
		case "default":
			if !hasVal || val == "" {
				return nil, bad("needs a value, such as default=0 or default='draft'")
			}
			f.Default = val
		case "null":
			f.Nullable = true
		case "label":
			if val == "" {
				return nil, bad("needs a value, such as label=Email address")
			}
			f.Label = val
		case "created_at", "updated_at", "deleted_at":
			if f.Kind != KindTime {
				return nil, bad("needs a time.Time or *time.Time field")
			}
			slot := map[string]**Field{"created_at": &m.CreatedAt, "updated_at": &m.UpdatedAt, "deleted_at": &m.DeletedAt}[key]
			if *slot != nil {
				return nil, bad(fmt.Sprintf("is also on field %s; a model has one", (*slot).Name))
			}
			if key == "deleted_at" && !f.Nullable {
				return nil, bad("needs a nullable field (*time.Time), NULL meaning not deleted")
			}
			*slot = f
		default:
			return nil, bad("is unknown; valid options are pk, noauto, uuid, unique, index, index=name, size=N, default=SQL, null, label=Text, created_at, updated_at, deleted_at")
		}
	}
	if f.Kind == KindText && f.Size == 0 && (f.Unique || f.PrimaryKey) {
		// Unique and key columns need a bounded type on MySQL.
		f.Kind, f.Size = KindString, 255
	}
	if f.Unique {
		name := "uq_" + m.Table + "_" + f.Column
		indexes[name] = &Index{Name: name, Columns: []string{f.Column}, Unique: true}
		*order = append(*order, name)
	}
	if f.PrimaryKey {
		f.AutoIncrement = isInt(f.Kind) && !noauto && !f.UUID
		if f.Nullable {
			return nil, fmt.Errorf("orm: model %s: primary key %s cannot be nullable; use a non-pointer type", m.Type, f.Name)
		}
	}
	return f, nil
}

func isInt(k Kind) bool { return k == KindInt || k == KindInt64 }

// kindOf maps a Go type to a column kind and whether it is nullable.
func kindOf(t reflect.Type) (Kind, bool, error) {
	nullable := false
	if t.Kind() == reflect.Pointer {
		nullable = true
		t = t.Elem()
	}
	switch t {
	case timeType:
		return KindTime, nullable, nil
	case bytesType, rawJSONType:
		if t == rawJSONType {
			return KindJSON, true, nil
		}
		return KindBytes, true, nil
	case uuidArrayType:
		return KindUUID, nullable, nil
	}
	switch t.Name() {
	case "NullString":
		if t.PkgPath() == "database/sql" {
			return KindText, true, nil
		}
	case "NullInt64", "NullInt32", "NullInt16", "NullByte":
		if t.PkgPath() == "database/sql" {
			return KindInt64, true, nil
		}
	case "NullFloat64":
		if t.PkgPath() == "database/sql" {
			return KindFloat, true, nil
		}
	case "NullBool":
		if t.PkgPath() == "database/sql" {
			return KindBool, true, nil
		}
	case "NullTime":
		if t.PkgPath() == "database/sql" {
			return KindTime, true, nil
		}
	}
	switch t.Kind() {
	case reflect.String:
		return KindText, nullable, nil
	case reflect.Bool:
		return KindBool, nullable, nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return KindInt, nullable, nil
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return KindInt64, nullable, nil
	case reflect.Float32, reflect.Float64:
		return KindFloat, nullable, nil
	case reflect.Map, reflect.Slice, reflect.Struct:
		if reflect.PointerTo(t).Implements(scannerType) {
			return KindText, true, nil
		}
		// Stored as JSON.
		return KindJSON, nullable || t.Kind() != reflect.Struct, nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return KindText, nullable, nil
	}
	return 0, false, fmt.Errorf("type %s cannot be stored; use a string, number, bool, time.Time, []byte, a struct/map/slice (stored as JSON), a sql.Scanner, or tag the field db:\"-\"", t)
}

// snake turns a Go name into snake_case: "AuthorID" → "author_id",
// "HTTPServer" → "http_server".
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plural is an English plural good enough for table names.
func plural(s string) string {
	switch {
	case s == "":
		return s
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "z"),
		strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// initialisms stay upper case in labels.
var initialisms = map[string]string{"id": "ID", "url": "URL", "uuid": "UUID", "api": "API", "http": "HTTP", "ip": "IP", "json": "JSON", "html": "HTML", "sql": "SQL"}

// humanize turns "AuthorID" or "blog_posts" into "Author ID", "Blog posts".
func humanize(s string) string {
	words := strings.Split(snake(s), "_")
	for i, w := range words {
		if up, ok := initialisms[w]; ok {
			words[i] = up
		} else if i == 0 && w != "" {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, " ")
}
