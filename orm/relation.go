package orm

import (
	"fmt"
	"reflect"
	"strings"
)

// RelationKind is how a model relates to another.
type RelationKind int

// The relation kinds.
const (
	// BelongsTo: this model holds the foreign key (Post.AuthorID → User).
	BelongsTo RelationKind = iota + 1
	// HasOne: the other model holds a foreign key to this one, at most
	// one row per row of this model (User → Profile.UserID).
	HasOne
	// HasMany: the other model holds a foreign key to this one (Post →
	// Comment.PostID).
	HasMany
	// ManyToMany: a join table holds pairs of keys (Post ↔ Tag through
	// post_tags).
	ManyToMany
)

var relationKindNames = [...]string{"", "belongs_to", "has_one", "has_many", "many_to_many"}

// String returns the kind as written in the rel tag, such as "has_many".
func (k RelationKind) String() string {
	if k > 0 && int(k) < len(relationKindNames) {
		return relationKindNames[k]
	}
	return fmt.Sprintf("RelationKind(%d)", int(k))
}

// Relation is a relation between two registered models, declared by a
// struct field with a rel tag. Relations are what Preload and Join follow
// and what model-diff migrations turn into foreign keys and join tables.
type Relation struct {
	// Name is the Go field that holds the related rows, such as "Author".
	Name string
	// Kind is the relation's kind.
	Kind RelationKind
	// Model is the model declaring the relation, and Target the related
	// one.
	Model, Target *Model
	// ForeignKey is the field holding the key: on Model for BelongsTo
	// (Post.AuthorID), on Target for HasOne and HasMany (Comment.PostID),
	// and nil for ManyToMany.
	ForeignKey *Field
	// References is the field the foreign key points at: Target's
	// primary key for BelongsTo, Model's for the others.
	References *Field
	// JoinTable is the ManyToMany join table, such as "post_tags", with
	// JoinForeignKey the column pointing at Model ("post_id") and
	// JoinReferences the column pointing at Target ("tag_id").
	JoinTable, JoinForeignKey, JoinReferences string
	// OnDelete is the foreign key's ON DELETE action: "cascade",
	// "set null", "restrict", or "" for the database's default (no
	// action).
	OnDelete string
	// Index is the reflect index path of the field, for
	// reflect.Value.FieldByIndex.
	Index []int
	// Type is the field's Go type: *T or T for one row, []T or []*T for
	// many.
	Type reflect.Type

	targetType reflect.Type
	fkName     string // the fk option, resolved to ForeignKey
	many       bool   // the field is a slice
	ptrElem    bool   // the field (or its slice element) is a pointer
}

// RelationByName returns the relation declared by the Go field name, or
// nil.
func (m *Model) RelationByName(name string) *Relation {
	for _, r := range m.Relations {
		if r.Name == name {
			return r
		}
	}
	return nil
}

const relOptions = "belongs_to, has_one, has_many or many_to_many, then optionally fk=Field, join=table, join_fk=column, join_ref=column, ondelete=cascade|set null|restrict"

// parseRelation reads a field tagged rel:"…". The target model is
// resolved later, once it is registered.
func parseRelation(m *Model, sf reflect.StructField, tag string, idx []int) (*Relation, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("orm: model %s, field %s: "+format, append([]any{m.Type, sf.Name}, a...)...)
	}
	parts := strings.Split(tag, ",")
	r := &Relation{Name: sf.Name, Model: m, Index: idx, Type: sf.Type}
	switch strings.TrimSpace(parts[0]) {
	case "belongs_to":
		r.Kind = BelongsTo
	case "has_one":
		r.Kind = HasOne
	case "has_many":
		r.Kind = HasMany
	case "many_to_many":
		r.Kind = ManyToMany
	default:
		return nil, bad("rel tag %q must start with %s", tag, relOptions)
	}
	t := sf.Type
	if t.Kind() == reflect.Slice {
		r.many = true
		t = t.Elem()
	}
	if t.Kind() == reflect.Pointer {
		r.ptrElem = true
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, bad("a %s relation needs a struct type, not %s", r.Kind, sf.Type)
	}
	if want := r.Kind == HasMany || r.Kind == ManyToMany; want != r.many {
		if want {
			return nil, bad("a %s relation needs a slice field, such as []%s", r.Kind, t.Name())
		}
		return nil, bad("a %s relation needs a single value, such as *%s", r.Kind, t.Name())
	}
	r.targetType = t
	for _, opt := range parts[1:] {
		key, val, _ := strings.Cut(strings.TrimSpace(opt), "=")
		switch {
		case key == "fk" && val != "" && r.Kind != ManyToMany:
			r.fkName = val
		case key == "join" && val != "" && r.Kind == ManyToMany:
			r.JoinTable = val
		case key == "join_fk" && val != "" && r.Kind == ManyToMany:
			r.JoinForeignKey = val
		case key == "join_ref" && val != "" && r.Kind == ManyToMany:
			r.JoinReferences = val
		case key == "ondelete":
			switch strings.ToLower(val) {
			case "cascade", "set null", "restrict":
				r.OnDelete = strings.ToLower(val)
			default:
				return nil, bad("ondelete=%q: use cascade, set null or restrict", val)
			}
		default:
			return nil, bad("rel option %q is unknown or does not apply to %s; options are %s", opt, r.Kind, relOptions)
		}
	}
	return r, nil
}

// resolve links r to its target model, which must be registered, and
// finds the foreign-key fields.
func (r *Relation) resolve(target *Model) error {
	m := r.Model
	r.Target = target
	bad := func(format string, a ...any) error {
		return fmt.Errorf("orm: model %s, relation %s (%s %s): "+format, append([]any{m.Type, r.Name, r.Kind, target.Name}, a...)...)
	}
	switch r.Kind {
	case BelongsTo:
		name := r.fkName
		if name == "" {
			name = r.Name + "ID"
		}
		r.ForeignKey = m.fieldByColumnOrName(name)
		if r.ForeignKey == nil {
			return bad("no field %s holds the foreign key; add a field %s %s, or name it with rel:\"belongs_to,fk=Field\"", name, name, target.PrimaryKey.Type)
		}
		r.References = target.PrimaryKey
	case HasOne, HasMany:
		name := r.fkName
		if name == "" {
			name = m.Name + "ID"
		}
		r.ForeignKey = target.fieldByColumnOrName(name)
		if r.ForeignKey == nil {
			return bad("%s has no field %s holding the foreign key to %s; add one, or name it with rel:\"%s,fk=Field\"", target.Name, name, m.Name, r.Kind)
		}
		r.References = m.PrimaryKey
	case ManyToMany:
		if r.JoinTable == "" {
			r.JoinTable = snake(m.Name) + "_" + target.Table
		}
		if r.JoinForeignKey == "" {
			r.JoinForeignKey = snake(m.Name) + "_id"
		}
		if r.JoinReferences == "" {
			r.JoinReferences = snake(target.Name) + "_id"
		}
		if r.JoinForeignKey == r.JoinReferences {
			return bad("join table %s would use column %s for both sides (a model related to itself); set join_fk= and join_ref=", r.JoinTable, r.JoinForeignKey)
		}
		r.References = m.PrimaryKey
	}
	if r.OnDelete == "set null" && r.ForeignKey != nil && !r.ForeignKey.Nullable {
		return bad("ondelete=set null needs a nullable foreign key; make %s a pointer", r.ForeignKey.Name)
	}
	return nil
}
