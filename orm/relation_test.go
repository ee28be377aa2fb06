package orm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

type Author struct {
	ID      int64    `db:"id,pk"`
	Name    string   `db:",size=50"`
	Profile *Profile `rel:"has_one"`
	Posts   []Post   `rel:"has_many"`
}

type Profile struct {
	ID       int64 `db:"id,pk"`
	AuthorID int64
	Bio      string
}

type Post struct {
	ID       int64 `db:"id,pk"`
	Title    string
	AuthorID int64
	EditorID *int64
	Author   *Author    `rel:"belongs_to,ondelete=cascade"`
	Editor   Author     `rel:"belongs_to,ondelete=set null"`
	Comments []*Comment `rel:"has_many"`
	Tags     []Tag      `rel:"many_to_many"`
}

type Comment struct {
	ID        int64 `db:"id,pk"`
	PostID    int64
	AuthorID  int64
	Body      string
	Author    *Author    `rel:"belongs_to"`
	DeletedAt *time.Time `db:",deleted_at"`
}

type Tag struct {
	ID   int32 `db:"id,pk"`
	Name string
}

// blogDDL creates the tables for the relation tests, with each dialect's
// auto-increment key.
func createBlog(t *testing.T, db *orm.DB) {
	t.Helper()
	pk := map[string]string{
		"sqlite":   "INTEGER PRIMARY KEY AUTOINCREMENT",
		"postgres": "BIGSERIAL PRIMARY KEY",
		"mysql":    "BIGINT AUTO_INCREMENT PRIMARY KEY",
	}[db.Dialect().Name()]
	ts := map[string]string{"sqlite": "DATETIME", "postgres": "TIMESTAMPTZ", "mysql": "DATETIME(6)"}[db.Dialect().Name()]
	for _, ddl := range []string{
		"CREATE TABLE authors (id " + pk + ", name VARCHAR(50) NOT NULL)",
		"CREATE TABLE profiles (id " + pk + ", author_id BIGINT NOT NULL, bio TEXT NOT NULL)",
		"CREATE TABLE posts (id " + pk + ", title TEXT NOT NULL, author_id BIGINT NOT NULL, editor_id BIGINT)",
		"CREATE TABLE comments (id " + pk + ", post_id BIGINT NOT NULL, author_id BIGINT NOT NULL, body TEXT NOT NULL, deleted_at " + ts + ")",
		"CREATE TABLE tags (id " + pk + ", name VARCHAR(50) NOT NULL)",
		"CREATE TABLE post_tags (post_id BIGINT NOT NULL, tag_id BIGINT NOT NULL, PRIMARY KEY (post_id, tag_id))",
	} {
		exec(t, db, ddl)
	}
}

func TestRelationMetadata(t *testing.T) {
	t.Parallel()
	var reg orm.Registry
	m, err := orm.Register[Post](&reg)
	if err != nil {
		t.Fatal(err)
	}
	// The targets are registered with it, recursively and with cycles
	// (Author has many Posts, Post belongs to Author).
	var names []string
	for _, x := range reg.Models() {
		names = append(names, x.Name)
	}
	if want := []string{"Post", "Author", "Profile", "Comment", "Tag"}; !slices.Equal(names, want) {
		t.Errorf("registered %v, want %v", names, want)
	}
	if m.FieldByName("Author") != nil || m.FieldByColumn("tags") != nil {
		t.Error("relation fields must not be columns")
	}
	author := m.RelationByName("Author")
	if author.Kind != orm.BelongsTo || author.ForeignKey.Name != "AuthorID" || author.References.Column != "id" ||
		author.Target.Name != "Author" || author.OnDelete != "cascade" {
		t.Errorf("Author relation = %+v", author)
	}
	comments := m.RelationByName("Comments")
	if comments.Kind != orm.HasMany || comments.ForeignKey.Name != "PostID" || comments.ForeignKey != comments.Target.FieldByName("PostID") {
		t.Errorf("Comments relation = %+v", comments)
	}
	tags := m.RelationByName("Tags")
	if tags.Kind != orm.ManyToMany || tags.JoinTable != "post_tags" || tags.JoinForeignKey != "post_id" || tags.JoinReferences != "tag_id" {
		t.Errorf("Tags relation = %+v", tags)
	}
	if p := reg.Lookup(author.Target.Type).RelationByName("Profile"); p.Kind != orm.HasOne || p.ForeignKey.Column != "author_id" {
		t.Errorf("Profile relation = %+v", p)
	}
	if got := orm.HasMany.String(); got != "has_many" {
		t.Errorf("HasMany.String() = %q", got)
	}
}

type noFK struct {
	ID     int64
	Author *Author `rel:"belongs_to"`
}

type sliceBelongs struct {
	ID       int64
	AuthorID int64
	Author   []Author `rel:"belongs_to"`
}

type badRelOption struct {
	ID   int64
	Tags []Tag `rel:"many_to_many,fk=TagID"`
}

type setNullNotNull struct {
	ID       int64
	AuthorID int64
	Author   *Author `rel:"belongs_to,ondelete=set null"`
}

type badKind struct {
	ID   int64
	Tags []Tag `rel:"has_lots"`
}

func TestRelationErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		register func(*orm.Registry) error
		want     string
	}{
		{func(r *orm.Registry) error { _, err := orm.Register[noFK](r); return err }, "no field AuthorID holds the foreign key; add a field AuthorID int64"},
		{func(r *orm.Registry) error { _, err := orm.Register[sliceBelongs](r); return err }, "needs a single value, such as *Author"},
		{func(r *orm.Registry) error { _, err := orm.Register[badRelOption](r); return err }, `rel option "fk=TagID" is unknown or does not apply to many_to_many`},
		{func(r *orm.Registry) error { _, err := orm.Register[setNullNotNull](r); return err }, "ondelete=set null needs a nullable foreign key; make AuthorID a pointer"},
		{func(r *orm.Registry) error { _, err := orm.Register[badKind](r); return err }, "must start with belongs_to, has_one, has_many or many_to_many"},
	} {
		var reg orm.Registry
		err := tc.register(&reg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v, want it to contain %q", err, tc.want)
		}
		if len(reg.Models()) != 0 {
			t.Errorf("a failed registration left models behind: %d", len(reg.Models()))
		}
	}
}

// seedBlog stores two authors (one with a profile), three posts, comments
// (one soft-deleted) and tags, and returns the posts' ids in order.
func seedBlog(t *testing.T, db *orm.DB) (ann, bob int64) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := &Author{Name: "Ann"}, &Author{Name: "Bob"}
	must(orm.Insert(ctx, db, a))
	must(orm.Insert(ctx, db, b))
	must(orm.Insert(ctx, db, &Profile{AuthorID: a.ID, Bio: "writes"}))
	go1, sql1 := &Tag{Name: "go"}, &Tag{Name: "sql"}
	must(orm.Insert(ctx, db, go1))
	must(orm.Insert(ctx, db, sql1))
	p1 := &Post{Title: "first", AuthorID: a.ID, EditorID: &b.ID}
	p2 := &Post{Title: "second", AuthorID: a.ID}
	p3 := &Post{Title: "third", AuthorID: b.ID}
	for _, p := range []*Post{p1, p2, p3} {
		must(orm.Insert(ctx, db, p))
	}
	for _, c := range []*Comment{
		{PostID: p1.ID, AuthorID: b.ID, Body: "nice"},
		{PostID: p1.ID, AuthorID: a.ID, Body: "thanks"},
		{PostID: p3.ID, AuthorID: a.ID, Body: "hm"},
	} {
		must(orm.Insert(ctx, db, c))
	}
	gone := &Comment{PostID: p2.ID, AuthorID: b.ID, Body: "deleted"}
	must(orm.Insert(ctx, db, gone))
	_, err := orm.Query[Comment](db).Where("id = ?", gone.ID).Delete(ctx)
	must(err)
	for _, pt := range [][2]int64{{p1.ID, int64(go1.ID)}, {p1.ID, int64(sql1.ID)}, {p3.ID, int64(sql1.ID)}} {
		exec(t, db, "INSERT INTO post_tags (post_id, tag_id) VALUES ("+db.Dialect().Placeholder(1)+", "+db.Dialect().Placeholder(2)+")", pt[0], pt[1])
	}
	return a.ID, b.ID
}

func TestPreload(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createBlog(t, db)
		ann, bob := seedBlog(t, db)
		ctx, n := orm.CountQueries(context.Background())
		posts, err := orm.Query[Post](db).OrderBy("id").
			Preload("Author", "Editor", "Comments.Author", "Tags", "Author.Profile").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// posts, authors, their profiles, editors, comments, comment
		// authors, tags: one query each, however many rows.
		if n.Count() != 7 {
			t.Errorf("ran %d queries, want 7:\n%s", n.Count(), n)
		}
		if len(posts) != 3 {
			t.Fatalf("got %d posts", len(posts))
		}
		p1, p2, p3 := posts[0], posts[1], posts[2]
		if p1.Author == nil || p1.Author.Name != "Ann" || p3.Author.Name != "Bob" || p1.Author.ID != ann {
			t.Errorf("authors: %+v %+v", p1.Author, p3.Author)
		}
		if p1.Author.Profile == nil || p1.Author.Profile.Bio != "writes" || p3.Author.Profile != nil {
			t.Errorf("nested profile: %+v / %+v", p1.Author.Profile, p3.Author.Profile)
		}
		if p1.Editor.ID != bob || p1.Editor.Name != "Bob" || p2.Editor.ID != 0 {
			t.Errorf("editors (nullable foreign key): %+v %+v", p1.Editor, p2.Editor)
		}
		var bodies []string
		for _, c := range p1.Comments {
			bodies = append(bodies, c.Body+" by "+c.Author.Name)
		}
		if want := []string{"nice by Bob", "thanks by Ann"}; !slices.Equal(bodies, want) {
			t.Errorf("p1 comments = %v, want %v", bodies, want)
		}
		if p2.Comments == nil || len(p2.Comments) != 0 {
			t.Errorf("p2's only comment is soft-deleted; comments = %#v, want an empty slice", p2.Comments)
		}
		tagNames := func(p Post) (s []string) {
			for _, tg := range p.Tags {
				s = append(s, tg.Name)
			}
			return s
		}
		if got := tagNames(p1); !slices.Equal(got, []string{"go", "sql"}) {
			t.Errorf("p1 tags = %v", got)
		}
		if got := tagNames(p3); !slices.Equal(got, []string{"sql"}) || p2.Tags == nil || len(p2.Tags) != 0 {
			t.Errorf("p3 tags = %v, p2 tags = %#v", got, p2.Tags)
		}

		// Without Preload nothing is loaded and one query runs.
		ctx, n = orm.CountQueries(context.Background())
		plain, err := orm.Query[Post](db).Get(ctx, p1.ID)
		if err != nil || plain.Author != nil || plain.Tags != nil || n.Count() != 1 {
			t.Errorf("Get without Preload: %+v, %v, %d queries", plain, err, n.Count())
		}

		// has_many from the other side, and First with Preload.
		a, err := orm.Query[Author](db).Preload("Posts.Tags").Get(context.Background(), ann)
		if err != nil || len(a.Posts) != 2 || len(a.Posts[0].Tags) != 2 {
			t.Errorf("author with posts: %+v, %v", a, err)
		}

	})
}

// TestPreloadChunks is not parallel: it changes the package's chunk size,
// and Go runs it before any parallel test.
func TestPreloadChunks(t *testing.T) {
	t.Cleanup(orm.SetPreloadChunk(2))
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createBlog(t, db)
		seedBlog(t, db)
		// Two distinct authors fit one IN list of 2; three posts' comments
		// need two.
		ctx, n := orm.CountQueries(context.Background())
		posts, err := orm.Query[Post](db).OrderBy("id").Preload("Author", "Comments").All(ctx)
		if err != nil || n.Count() != 4 || len(posts[0].Comments) != 2 || len(posts[2].Comments) != 1 || posts[2].Author.Name != "Bob" {
			t.Errorf("chunked preload: %d queries, %v\n%s", n.Count(), err, n)
		}
	})
}

func TestPreloadUnknownRelation(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createBlog(t, db)
		for _, path := range []string{"Writer", "Author.Nope", "Author; DROP TABLE posts"} {
			_, err := orm.Query[Post](db).Preload(path).All(context.Background())
			var ure *orm.UnknownRelationError
			if !errors.As(err, &ure) || ure.StatusCode() != 400 {
				t.Errorf("Preload(%q) error = %v, want *UnknownRelationError", path, err)
			}
		}
		_, err := orm.Query[Post](db).Preload("Author.Nope").All(context.Background())
		if err == nil || !strings.Contains(err.Error(), `model Author has no relation "Nope"; its relations are Profile, Posts`) {
			t.Errorf("error = %v", err)
		}
		if _, err := orm.Query[Post](db).Join("Writer").All(context.Background()); !errors.As(err, new(*orm.UnknownRelationError)) {
			t.Errorf("Join(Writer) error = %v", err)
		}
	})
}

func TestJoin(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createBlog(t, db)
		seedBlog(t, db)
		ctx := context.Background()
		titles := func(ps []Post, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range ps {
				s = append(s, p.Title)
			}
			return s
		}
		// belongs_to: posts by Ann, ordered by a column of posts (qualified,
		// since authors has an id too).
		got := titles(orm.Query[Post](db).Join("Author").Where("authors.name = ?", "Ann").OrderBy("-id").All(ctx))
		if !slices.Equal(got, []string{"second", "first"}) {
			t.Errorf("posts by Ann = %v", got)
		}
		// many_to_many through post_tags.
		got = titles(orm.Query[Post](db).Join("Tags").Where("tags.name = ?", "sql").OrderBy("id").All(ctx))
		if !slices.Equal(got, []string{"first", "third"}) {
			t.Errorf("posts tagged sql = %v", got)
		}
		// has_many: soft-deleted comments do not match.
		got = titles(orm.Query[Post](db).Join("Comments").Where("comments.body = ?", "deleted").All(ctx))
		if len(got) != 0 {
			t.Errorf("join matched a soft-deleted comment: %v", got)
		}
		// LEFT JOIN keeps posts without an editor.
		n, err := orm.Query[Post](db).LeftJoin("Editor").Where("authors.id IS NULL").Count(ctx)
		if err != nil || n != 2 {
			t.Errorf("posts without an editor = %d, %v; want 2", n, err)
		}
		// Joins combine with Select, Get and Preload.
		p, err := orm.Query[Post](db).Join("Author").Where("authors.name = ?", "Bob").Select("title").Preload("Author").First(ctx)
		if err != nil || p.Title != "third" || p.ID == 0 || p.AuthorID != 0 || p.Author != nil {
			// Select left author_id out, so the preload has no key.
			t.Errorf("join+select+preload = %+v, %v", p, err)
		}
		if _, err := orm.Query[Post](db).Join("Author").Where("authors.name = ?", "Bob").Delete(ctx); err == nil {
			t.Error("Delete with Join must be refused")
		}
	})
}

func TestSelect(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createBlog(t, db)
		seedBlog(t, db)
		ctx, n := orm.CountQueries(context.Background())
		posts, err := orm.Query[Post](db).Select("Title", "editor_id").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 3 || posts[0].Title != "first" || posts[0].ID == 0 || posts[0].AuthorID != 0 || posts[0].EditorID == nil {
			t.Errorf("Select(title, editor_id) = %+v", posts)
		}
		if sql := n.SQL()[0]; strings.Contains(sql, "author_id") {
			t.Errorf("Select read unselected columns: %s", sql)
		}
		_, err = orm.Query[Post](db).Select("title; DROP TABLE posts").All(context.Background())
		var uce *orm.UnknownColumnError
		if !errors.As(err, &uce) || uce.StatusCode() != 400 {
			t.Errorf("Select of an unknown column: %v", err)
		}
	})
}
