package orm_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
)

type Timestamps struct {
	CreatedAt time.Time `db:",created_at,index=idx_author_created"`
	UpdatedAt time.Time `db:",updated_at"`
}

type BlogPost struct {
	ID          int64  `db:"id,pk"`
	Title       string `db:"title,size=200,index,label=Headline"`
	Slug        string `db:",unique"`
	Body        string
	AuthorID    int64  `db:",index=idx_author_created"`
	Draft       bool   `db:",default=true"`
	Secret      string `db:"-"`
	PublishedAt *time.Time
	Tags        []string
	Meta        json.RawMessage
	Score       sql.NullFloat64
	DeletedAt   *time.Time `db:",deleted_at"`
	Timestamps
	internal int //nolint:unused // unexported fields are not stored
}

type person struct {
	ID   string `db:"id,uuid"`
	Name string
}

func (person) TableName() string { return "people_v2" }

func TestRegisterMetadata(t *testing.T) {
	t.Parallel()
	var r orm.Registry
	m, err := orm.Register[BlogPost](&r)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "BlogPost" || m.Table != "blog_posts" || m.Label != "Blog post" || m.PluralLabel != "Blog posts" {
		t.Errorf("names: %q %q %q %q", m.Name, m.Table, m.Label, m.PluralLabel)
	}
	wantCols := "id title slug body author_id draft published_at tags meta score deleted_at created_at updated_at"
	if got := strings.Join(m.Columns(), " "); got != wantCols {
		t.Errorf("columns %q, want %q", got, wantCols)
	}
	pk := m.PrimaryKey
	if pk == nil || pk.Name != "ID" || !pk.AutoIncrement || pk.Kind != orm.KindInt64 {
		t.Errorf("primary key %+v", pk)
	}
	checks := []struct {
		col      string
		kind     orm.Kind
		nullable bool
		size     int
		label    string
	}{
		{"title", orm.KindString, false, 200, "Headline"},
		{"slug", orm.KindString, false, 255, "Slug"}, // unique text gets a bounded type
		{"body", orm.KindText, false, 0, "Body"},
		{"author_id", orm.KindInt64, false, 0, "Author ID"},
		{"draft", orm.KindBool, false, 0, "Draft"},
		{"published_at", orm.KindTime, true, 0, "Published at"},
		{"tags", orm.KindJSON, true, 0, "Tags"},
		{"meta", orm.KindJSON, true, 0, "Meta"},
		{"score", orm.KindFloat, true, 0, "Score"},
	}
	for _, c := range checks {
		f := m.FieldByColumn(c.col)
		if f == nil {
			t.Errorf("no field for column %s", c.col)
			continue
		}
		if f.Kind != c.kind || f.Nullable != c.nullable || f.Size != c.size || f.Label != c.label {
			t.Errorf("%s: kind %v nullable %v size %d label %q; want %v %v %d %q", c.col, f.Kind, f.Nullable, f.Size, f.Label, c.kind, c.nullable, c.size, c.label)
		}
	}
	if f := m.FieldByName("Draft"); f.Default != "true" {
		t.Errorf("draft default %q", f.Default)
	}
	if m.CreatedAt == nil || m.CreatedAt.Column != "created_at" || m.UpdatedAt == nil || m.DeletedAt == nil {
		t.Errorf("timestamps %v %v %v", m.CreatedAt, m.UpdatedAt, m.DeletedAt)
	}
	if f := m.FieldByName("CreatedAt"); len(f.Index) != 2 {
		t.Errorf("embedded field index path %v, want 2 levels", f.Index)
	}
	var idx []string
	for _, ix := range m.Indexes {
		idx = append(idx, fmt.Sprintf("%s%v%v", ix.Name, ix.Columns, ix.Unique))
	}
	want := "idx_blog_posts_title[title]false uq_blog_posts_slug[slug]true idx_author_created[author_id created_at]false"
	if got := strings.Join(idx, " "); got != want {
		t.Errorf("indexes %q, want %q", got, want)
	}
	if m.FieldByName("Secret") != nil || m.FieldByName("internal") != nil {
		t.Error("skipped fields are stored")
	}
	again, err := orm.Register[BlogPost](&r)
	if err != nil || again != m {
		t.Errorf("registering twice: %p %v, want the same model %p", again, err, m)
	}
	if r.Lookup(m.Type) != m || len(r.Models()) != 1 {
		t.Error("lookup")
	}

	p, err := orm.Register[person](&r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Table != "people_v2" || !p.PrimaryKey.UUID || p.PrimaryKey.AutoIncrement || p.PrimaryKey.Kind != orm.KindUUID {
		t.Errorf("person: table %q pk %+v", p.Table, p.PrimaryKey)
	}
}

type noPK struct{ Name string }
type twoPK struct {
	A int `db:",pk"`
	B int `db:",pk"`
}
type badType struct {
	ID int64
	C  chan int
}
type badOption struct {
	ID   int64
	Name string `db:",colour=red"`
}
type sizeOnInt struct {
	ID int64 `db:",size=3"`
}
type dupColumn struct {
	ID   int64
	Name string `db:"x"`
	Nick string `db:"x"`
}
type softNotPointer struct {
	ID      int64
	Deleted time.Time `db:",deleted_at"`
}
type nullablePK struct {
	ID *int64 `db:",pk"`
}
type embedsPointer struct {
	*Timestamps
	ID int64
}
type Category struct{ ID int64 }
type category2 struct{ ID int64 }

func (category2) TableName() string { return "categories" }

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		register func(*orm.Registry) error
		want     string
	}{
		{"not a struct", func(r *orm.Registry) error { _, err := orm.Register[int](r); return err }, "a model is a struct type"},
		{"no primary key", func(r *orm.Registry) error { _, err := orm.Register[noPK](r); return err }, `add a field tagged db:"id,pk"`},
		{"two primary keys", func(r *orm.Registry) error { _, err := orm.Register[twoPK](r); return err }, "two primary keys, A and B"},
		{"unsupported type", func(r *orm.Registry) error { _, err := orm.Register[badType](r); return err }, "field C: type chan int cannot be stored"},
		{"unknown option", func(r *orm.Registry) error { _, err := orm.Register[badOption](r); return err }, `tag option "colour=red" is unknown`},
		{"size on int", func(r *orm.Registry) error { _, err := orm.Register[sizeOnInt](r); return err }, "applies to string fields only"},
		{"duplicate column", func(r *orm.Registry) error { _, err := orm.Register[dupColumn](r); return err }, `fields Name and Nick both use column "x"`},
		{"soft delete not nullable", func(r *orm.Registry) error { _, err := orm.Register[softNotPointer](r); return err }, "needs a nullable field (*time.Time)"},
		{"nullable pk", func(r *orm.Registry) error { _, err := orm.Register[nullablePK](r); return err }, "cannot be nullable"},
		{"embedded pointer", func(r *orm.Registry) error { _, err := orm.Register[embedsPointer](r); return err }, "embed the struct by value"},
		{"same table", func(r *orm.Registry) error {
			if _, err := orm.Register[Category](r); err != nil {
				return err
			}
			_, err := orm.Register[category2](r)
			return err
		}, `both use table "categories"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.register(new(orm.Registry))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

type HTTPServer struct{ ID int64 }
type Box struct{ ID int64 }
type Company struct{ ID int64 }
type Day struct{ ID int64 }

func TestTableNames(t *testing.T) {
	t.Parallel()
	var r orm.Registry
	for _, c := range []struct {
		m    *orm.Model
		want string
	}{
		{orm.MustRegister[HTTPServer](&r), "http_servers"},
		{orm.MustRegister[Box](&r), "boxes"},
		{orm.MustRegister[Company](&r), "companies"},
		{orm.MustRegister[Day](&r), "days"},
	} {
		if c.m.Table != c.want {
			t.Errorf("%s: table %q, want %q", c.m.Name, c.m.Table, c.want)
		}
	}
}

func ExampleRegister() {
	type Article struct {
		ID        int64     `db:"id,pk"`
		Title     string    `db:",size=120"`
		Published bool      `db:",default=false,index"`
		CreatedAt time.Time `db:",created_at"`
	}
	var models orm.Registry
	m, err := orm.Register[Article](&models)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Table, m.PrimaryKey.Column, m.PrimaryKey.AutoIncrement)
	for _, f := range m.Fields {
		fmt.Printf("%s %s size=%d label=%q\n", f.Column, f.Kind, f.Size, f.Label)
	}
	fmt.Println(m.Indexes[0].Name)
	// Output:
	// articles id true
	// id int64 size=0 label="ID"
	// title string size=120 label="Title"
	// published bool size=0 label="Published"
	// created_at time size=0 label="Created at"
	// idx_articles_published
}
