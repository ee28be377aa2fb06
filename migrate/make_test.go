package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/migrate"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// modelsOf registers models with register in a registry of their own
// and returns them.
func modelsOf(t *testing.T, register func(r *orm.Registry) error) []*orm.Model {
	t.Helper()
	var reg orm.Registry
	if err := register(&reg); err != nil {
		t.Fatal(err)
	}
	return reg.Models()
}

func v1Models(t *testing.T) []*orm.Model {
	return modelsOf(t, func(r *orm.Registry) error {
		_, err := orm.Register[Author](r)
		return err
	})
}

func v2Models(t *testing.T) []*orm.Model {
	return modelsOf(t, func(r *orm.Registry) error {
		_, err := orm.Register[AuthorV2](r)
		return err
	})
}

func mustMake(t *testing.T, models []*orm.Model, dir, name string) *migrate.MakeResult {
	t.Helper()
	res, err := migrate.Make(models, dir, name, nil)
	if err != nil {
		t.Fatalf("Make(%s): %v", name, err)
	}
	return res
}

func migrator(t *testing.T, db *orm.DB, dir string) *migrate.Migrator {
	t.Helper()
	m, err := migrate.New(db, os.DirFS(dir), &migrate.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// exec runs a statement written with ? placeholders on any database.
func exec(t *testing.T, db *orm.DB, query string, args ...any) error {
	t.Helper()
	parts := strings.Split(query, "?")
	query = parts[0]
	for i, p := range parts[1:] {
		query += db.Dialect().Placeholder(i+1) + p
	}
	_, err := db.Exec(context.Background(), query, args...)
	return err
}

func mustExec(t *testing.T, db *orm.DB, query string, args ...any) {
	t.Helper()
	if err := exec(t, db, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func count(t *testing.T, db *orm.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM " + db.Dialect().Quote(table)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func tableExists(db *orm.DB, table string) bool {
	_, err := db.SQL().Exec("SELECT 1 FROM " + db.Dialect().Quote(table) + " WHERE 1 = 0")
	return err == nil
}

// TestMake is the whole workflow on every database: Make from nothing,
// Up, use the tables through the orm; evolve the models, Make the diff,
// Up with rows in the tables, Down, Up again.
func TestMake(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		dir := t.TempDir()

		// v1: every table from nothing.
		res := mustMake(t, v1Models(t), dir, "")
		if res.Name != "0001_initial" || len(res.Files) != 7 {
			t.Fatalf("Make v1 = %s with files %v", res.Name, fileNames(res))
		}
		m := migrator(t, db, dir)
		if applied, err := m.Up(ctx); err != nil || len(applied) != 1 {
			t.Fatalf("Up v1: %v %v", applied, err)
		}
		ann, bob := seed(t, db)

		posts, err := orm.Query[Post](db).OrderBy("id").Preload("Author.Profile", "Editor", "Comments", "Tags").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != 2 || posts[0].Author.Name != "Ann" || posts[0].Author.Profile == nil || posts[0].Author.Profile.Bio != "hi" ||
			posts[0].Editor == nil || posts[0].Editor.ID != bob.ID || len(posts[0].Comments) != 2 || len(posts[0].Tags) != 2 ||
			posts[1].Editor != nil || len(posts[1].Tags) != 0 {
			t.Fatalf("preloaded posts = %+v", posts)
		}
		p := posts[0]
		if p.Meta["k"] != "v" || p.Extra.Lang != "en" || string(p.Cover) != "\x00\x01" || p.Score != 1.5 || p.Views != 7 || p.Draft {
			t.Errorf("post 1 columns = %+v", p)
		}
		// Defaults apply when an INSERT leaves the columns out.
		mustExec(t, db, "INSERT INTO posts (author_id, title, slug, body, score, extra, external_id, created_at, updated_at) VALUES (?, 'raw', 'raw', '', 0, '{}', '7d444840-9dc0-11d1-b245-5ffdce74fad2', ?, ?)",
			ann.ID, ann.CreatedAt, ann.CreatedAt)
		raw, err := orm.Query[Post](db).Where("slug = ?", "raw").First(ctx)
		if err != nil || !raw.Draft || raw.Views != 0 || raw.Meta != nil || raw.PublishedAt != nil {
			t.Errorf("defaults: %+v %v", raw, err)
		}
		if _, err := orm.Query[Post](db).Where("id = ?", raw.ID).Delete(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := orm.Query[Post](db).Count(ctx); n != 2 || count(t, db, "posts") != 3 {
			t.Errorf("soft delete: %d visible, %d rows", n, count(t, db, "posts"))
		}
		err = orm.Insert(ctx, db, &Post{AuthorID: 999, Title: "x", Slug: "x", ExternalID: "7d444840-9dc0-11d1-b245-5ffdce74fad3"})
		if !errors.Is(err, orm.ErrForeignKeyViolation) {
			t.Errorf("post by a missing author: %v, want ErrForeignKeyViolation", err)
		}
		err = orm.Insert(ctx, db, &Author{Name: "Ann 2", Email: ann.Email})
		if !errors.Is(err, orm.ErrUniqueViolation) {
			t.Errorf("second author with one email: %v, want ErrUniqueViolation", err)
		}
		err = exec(t, db, "INSERT INTO post_tags (post_id, tag_id) VALUES (?, ?)", p.ID, "7d444840-9dc0-11d1-b245-5ffdce74fad4")
		if !errors.Is(err, orm.ErrForeignKeyViolation) {
			t.Errorf("join row for a missing tag: %v, want ErrForeignKeyViolation", err)
		}
		// ON DELETE SET NULL on editor_id.
		mustExec(t, db, "UPDATE posts SET editor_id = NULL WHERE id = ?", p.ID)
		mustExec(t, db, "UPDATE posts SET editor_id = ? WHERE id = ?", bob.ID, p.ID)

		// Nothing changed: nothing to write.
		if res := mustMake(t, v1Models(t), dir, ""); len(res.Changes) != 0 || len(res.Files) != 0 {
			t.Fatalf("Make with unchanged models = %s", res)
		}

		// v2: the diff, applied to tables holding rows.
		res = mustMake(t, v2Models(t), dir, "evolve")
		if res.Name != "0002_evolve" || len(res.Files) != 7 {
			t.Fatalf("Make v2 = %s with files %v", res.Name, fileNames(res))
		}
		m = migrator(t, db, dir)
		if applied, err := m.Up(ctx); err != nil || len(applied) != 1 {
			t.Fatalf("Up v2: %v %v", applied, err)
		}
		checkV2(t, db, p.ID)

		// Down: back to the v1 schema, with the rows.
		if reverted, err := m.Down(ctx, 1); err != nil || len(reverted) != 1 {
			t.Fatalf("Down v2: %v %v", reverted, err)
		}
		back, err := orm.Query[Post](db).OrderBy("id").Preload("Author", "Comments", "Tags").All(ctx)
		if err != nil || len(back) != 2 || back[0].Title != "Hello" || back[0].Author.Name != "Ann" || len(back[0].Comments) != 2 || back[0].Score != 0 || len(back[0].Tags) != 0 {
			t.Fatalf("after Down, v1 posts = %+v, %v", back, err)
		}
		if _, err := orm.Raw[Post](ctx, db, "SELECT * FROM posts"); err != nil {
			t.Errorf("after Down the posts table has other columns than v1: %v", err)
		}
		if err := orm.Insert(ctx, db, &Tag{Name: "again"}); err != nil {
			t.Errorf("tags re-created by Down: %v", err)
		}
		if applied, err := m.Up(ctx); err != nil || len(applied) != 1 {
			t.Fatalf("Up v2 again: %v %v", applied, err)
		}
		checkV2(t, db, p.ID)
	})
}

// seed stores two authors, a profile, two posts (one with an editor,
// comments and tags) and returns the authors.
func seed(t *testing.T, db *orm.DB) (ann, bob *Author) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ann, bob = &Author{Name: "Ann", Email: "ann@example.com"}, &Author{Name: "Bob", Email: "bob@example.com"}
	must(orm.Insert(ctx, db, ann))
	must(orm.Insert(ctx, db, bob))
	must(orm.Insert(ctx, db, &Profile{AuthorID: ann.ID, Bio: "hi"}))
	p1 := &Post{AuthorID: ann.ID, EditorID: &bob.ID, Title: "Hello", Slug: "hello", Body: "body", Views: 7, Score: 1.5,
		Meta: map[string]string{"k": "v"}, Extra: PostExtra{Lang: "en"}, Cover: []byte{0, 1}, ExternalID: "7d444840-9dc0-11d1-b245-5ffdce74fad0"}
	p2 := &Post{AuthorID: bob.ID, Title: "Second", Slug: "second", Draft: true, ExternalID: "7d444840-9dc0-11d1-b245-5ffdce74fad1"}
	must(orm.Insert(ctx, db, p1))
	must(orm.Insert(ctx, db, p2))
	three := int32(3)
	must(orm.Insert(ctx, db, &Comment{PostID: p1.ID, Body: "rated", Stars: &three}))
	must(orm.Insert(ctx, db, &Comment{PostID: p1.ID, Body: "unrated"}))
	for _, name := range []string{"go", "sql"} {
		tag := &Tag{Name: name}
		must(orm.Insert(ctx, db, tag))
		mustExec(t, db, "INSERT INTO post_tags (post_id, tag_id) VALUES (?, ?)", p1.ID, tag.ID)
	}
	return ann, bob
}

// checkV2 checks the v2 schema and that the v1 rows survived it.
func checkV2(t *testing.T, db *orm.DB, postID int64) {
	t.Helper()
	ctx := context.Background()
	// SELECT * maps onto the v2 type only if the columns are v2's.
	posts, err := orm.Raw[PostV2](ctx, db, "SELECT * FROM posts ORDER BY id")
	if err != nil {
		t.Fatalf("v2 posts: %v", err)
	}
	if len(posts) != 3 {
		t.Fatalf("%d posts after v2, want 3", len(posts))
	}
	p := posts[0]
	if p.ID != postID || p.Title != "Hello" || p.Body == nil || *p.Body != "body" || p.Views != 7 || p.Rating != 0 || p.Summary != nil ||
		p.Draft || p.Meta["k"] != "v" || p.Extra.Lang != "en" || p.EditorID == nil || p.ReviewerID != nil || p.CreatedAt.IsZero() {
		t.Errorf("post 1 after v2 = %+v", p)
	}
	if !posts[1].Draft {
		t.Error("post 2's draft flag was lost")
	}
	comments, err := orm.Raw[CommentV2](ctx, db, "SELECT * FROM comments ORDER BY id")
	if err != nil || len(comments) != 2 || comments[0].Stars != 3 || comments[1].Stars != 5 {
		t.Errorf("comments after v2 (a NULL star becomes the default 5) = %+v, %v", comments, err)
	}
	if tableExists(db, "tags") || tableExists(db, "post_tags") {
		t.Error("tags and post_tags still exist")
	}
	if count(t, db, "profiles") != 1 {
		t.Error("the profile is gone")
	}
	// The new foreign key holds, and so do the rebuilt ones.
	err = exec(t, db, "UPDATE posts SET reviewer_id = 999 WHERE id = ?", postID)
	if !errors.Is(err, orm.ErrForeignKeyViolation) {
		t.Errorf("reviewer 999: %v, want ErrForeignKeyViolation", err)
	}
	err = exec(t, db, "INSERT INTO comments (post_id, body) VALUES (999, 'x')")
	if !errors.Is(err, orm.ErrForeignKeyViolation) {
		t.Errorf("comment on post 999: %v, want ErrForeignKeyViolation", err)
	}
	err = exec(t, db, "INSERT INTO posts (author_id, title, slug, rating, extra, external_id, created_at, updated_at) VALUES (?, ?, 'hello', 1, '{}', '7d444840-9dc0-11d1-b245-5ffdce74fad9', ?, ?)",
		p.AuthorID, strings.Repeat("t", 250), p.CreatedAt, p.CreatedAt)
	if !errors.Is(err, orm.ErrUniqueViolation) {
		t.Errorf("a second post with slug hello: %v, want ErrUniqueViolation", err)
	}
	mustExec(t, db, "UPDATE posts SET title = ? WHERE id = ?", strings.Repeat("t", 250), postID) // size 300 now
	mustExec(t, db, "UPDATE posts SET title = 'Hello' WHERE id = ?", postID)
}

func fileNames(res *migrate.MakeResult) []string {
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Name)
	}
	return names
}

// TestMakeSummary pins the summary of the v1 → v2 change, the files'
// names and comments.
func TestMakeSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustMake(t, v1Models(t), dir, "")
	res := mustMake(t, v2Models(t), dir, "")
	want := `Migration 0002_index_authors_and_more:
  - Create index idx_authors_name on authors (name)
  - Add column posts.reviewer_id (nullable int64)
  - Add column posts.rating (int)
  - Add column posts.summary (nullable text)
  - Alter column posts.title: string(200) → string(300)
  - Alter column posts.body: text → nullable text
  - Alter column posts.draft: bool default true → bool default false
  - Alter column posts.views: int default 0 → int64 default 0
  - Create index idx_posts_reviewer_id on posts (reviewer_id)
  - Drop column posts.score
  - Add foreign key posts.reviewer_id → authors.id on delete set null
  - Alter column comments.stars: nullable int → int default 5
  - Drop table post_tags
  - Drop table tags
  ! Column posts.rating is NOT NULL without a default: existing rows get 0.
  ! Column posts.title: existing values are converted to the new type, and the migration fails on a value that does not convert (or is too long).
  ! Column posts.views: existing values are converted to the new type, and the migration fails on a value that does not convert (or is too long).
  ! Column posts.score is dropped with its data; Down re-adds it empty. Make cannot tell a renamed field from a dropped one and a new one: if you renamed it, edit the SQL to rename the column (ALTER TABLE … RENAME COLUMN) instead.
  ! Column comments.stars: existing NULLs become 5.
  ! Table post_tags is dropped with its rows; Down re-creates it empty.
  ! Table tags is dropped with its rows; Down re-creates it empty.`
	if got := res.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
	wantFiles := []string{
		"0002_index_authors_and_more.up.sqlite.sql", "0002_index_authors_and_more.down.sqlite.sql",
		"0002_index_authors_and_more.up.postgres.sql", "0002_index_authors_and_more.down.postgres.sql",
		"0002_index_authors_and_more.up.mysql.sql", "0002_index_authors_and_more.down.mysql.sql",
		"0002_index_authors_and_more.changes.json",
	}
	if got := fileNames(res); !slices.Equal(got, wantFiles) {
		t.Errorf("files = %v, want %v", got, wantFiles)
	}
	for _, f := range res.Files {
		disk, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || string(disk) != string(f.Data) {
			t.Errorf("%s on disk differs from the result: %v", f.Name, err)
		}
	}
	file := func(name string) string {
		for _, f := range res.Files {
			if f.Name == "0002_index_authors_and_more."+name {
				return string(f.Data)
			}
		}
		t.Fatalf("no file %s", name)
		return ""
	}
	up, down := file("up.sqlite.sql"), file("down.sqlite.sql")
	if !strings.HasPrefix(strings.SplitN(up, "\n\n", 3)[1], "-- SQLite rebuilds tables with foreign keys off") ||
		!strings.Contains(up, "PRAGMA foreign_keys = OFF;") || !strings.HasSuffix(up, "PRAGMA foreign_keys = ON;\n") {
		t.Errorf("the SQLite up file does not turn foreign keys off around its rebuilds:\n%s", up)
	}
	if n := strings.Count(up, `ALTER TABLE "_kiln_new_posts" RENAME TO "posts"`); n != 1 {
		t.Errorf("posts is rebuilt %d times, want once:\n%s", n, up)
	}
	if !strings.Contains(down, "-- Only the structure comes back: the rows or values it held are not restored.") {
		t.Errorf("the down file does not say dropped data is not restored:\n%s", down)
	}
	if pg := file("up.postgres.sql"); !strings.Contains(pg, `ALTER TABLE "posts" ALTER COLUMN "views" TYPE BIGINT USING "views"::BIGINT;`) ||
		!strings.Contains(pg, `UPDATE "comments" SET "stars" = 5 WHERE "stars" IS NULL;`) {
		t.Errorf("postgres up:\n%s", pg)
	}
	if my := file("up.mysql.sql"); !strings.Contains(my, "ALTER TABLE `posts` MODIFY COLUMN `title` VARCHAR(300) NOT NULL;") {
		t.Errorf("mysql up:\n%s", my)
	}
}

// TestMakeNoChanges: models that match the migrations make nothing,
// distinguishable from an error; DryRun writes nothing.
func TestMakeNoChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dry, err := migrate.Make(v1Models(t), dir, "", &migrate.MakeOptions{DryRun: true})
	if err != nil || len(dry.Changes) == 0 || len(dry.Files) != 7 {
		t.Fatalf("dry run = %v, %v", dry, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a dry run wrote %d files", len(entries))
	}
	mustMake(t, v1Models(t), dir, "")
	before, _ := os.ReadDir(dir)
	res, err := migrate.Make(v1Models(t), dir, "", nil)
	if err != nil || len(res.Changes) != 0 || len(res.Files) != 0 || res.Version != 0 || res.Name != "" {
		t.Fatalf("Make again = %+v, %v", res, err)
	}
	if res.String() != "No changes detected." {
		t.Errorf("String() = %q", res.String())
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("Make without changes wrote files: %d → %d", len(before), len(after))
	}
}

// TestSchemaRoundTrip: a schema survives JSON, and replaying the stored
// changes gives the schema of the models they were made from.
func TestSchemaRoundTrip(t *testing.T) {
	t.Parallel()
	for _, models := range [][]*orm.Model{v1Models(t), v2Models(t)} {
		s, err := migrate.SchemaOf(models)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back migrate.Schema
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, &back) {
			t.Errorf("schema changed through JSON:\n%+v\n%+v", s, &back)
		}
		if !strings.Contains(string(b), `"kind":"int64"`) {
			t.Errorf("kinds are not stored by name: %s", b)
		}
	}
	dir := t.TempDir()
	mustMake(t, v1Models(t), dir, "")
	mustMake(t, v2Models(t), dir, "")
	got, err := migrate.SchemaFrom(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := migrate.SchemaOf(v2Models(t))
	if !sameTables(got, want) {
		t.Errorf("replayed schema:\n%+v\nwant:\n%+v", got, want)
	}
}

// sameTables compares schemas ignoring the order of tables, columns,
// indexes and foreign keys (an added column comes last in the database,
// wherever the field is), and the model names.
func sameTables(a, b *migrate.Schema) bool {
	if len(a.Tables) != len(b.Tables) {
		return false
	}
	for _, ta := range a.Tables {
		tb := b.Table(ta.Name)
		if tb == nil {
			return false
		}
		x, y := ta, *tb
		sortTable(&x)
		sortTable(&y)
		x.Model, y.Model = "", "" // recorded when the table was created
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func sortTable(t *migrate.Table) {
	t.Columns = slices.Clone(t.Columns)
	slices.SortFunc(t.Columns, func(a, b migrate.Column) int { return strings.Compare(a.Name, b.Name) })
	t.Indexes = slices.Clone(t.Indexes)
	t.ForeignKeys = slices.Clone(t.ForeignKeys)
	slices.SortFunc(t.Indexes, func(a, b migrate.Index) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(t.ForeignKeys, func(a, b migrate.ForeignKey) int { return strings.Compare(a.Name, b.Name) })
}

type baseTag struct {
	ID   int64  `db:"id,pk"`
	Name string `db:"name,size=50"`
}

func (baseTag) TableName() string { return "tags" }

type colorTag struct {
	ID    int64  `db:"id,pk"`
	Name  string `db:"name,size=50"`
	Color string `db:"color,size=20,default='red'"`
}

func (colorTag) TableName() string { return "tags" }

type widget struct {
	ID int64 `db:"id,pk"`
}

// TestMakeMergedBranches: two branches each made a migration from the
// same base; after the merge the next Make sees both, and a change made
// on both branches is an error naming the file.
func TestMakeMergedBranches(t *testing.T) {
	t.Parallel()
	base, branch := t.TempDir(), t.TempDir()
	mustMake(t, modelsOf(t, func(r *orm.Registry) error { _, err := orm.Register[baseTag](r); return err }), base, "")
	copyDir(t, base, branch, "")
	// Branch A adds a column in base; branch B adds a table in branch.
	mustMake(t, modelsOf(t, func(r *orm.Registry) error { _, err := orm.Register[colorTag](r); return err }), base, "color")
	mustMake(t, modelsOf(t, func(r *orm.Registry) error {
		_, err := orm.Register[baseTag](r)
		if err == nil {
			_, err = orm.Register[widget](r)
		}
		return err
	}), branch, "widgets")
	// The merge renumbers B's migration after A's.
	copyDir(t, branch, base, "0002_widgets")
	merged := modelsOf(t, func(r *orm.Registry) error {
		_, err := orm.Register[colorTag](r)
		if err == nil {
			_, err = orm.Register[widget](r)
		}
		return err
	})
	if res := mustMake(t, merged, base, ""); len(res.Changes) != 0 {
		t.Errorf("after the merge Make found changes:\n%s", res)
	}
	if _, err := migrate.New(ormtest.Open(t, "sqlite"), os.DirFS(base), nil); err != nil {
		t.Errorf("New on the merged migrations: %v", err)
	}

	// Both branches add the column: the replay fails, naming the file.
	conflict := t.TempDir()
	copyDir(t, base, conflict, "")
	dup, _ := os.ReadFile(filepath.Join(base, "0002_color.changes.json"))
	if err := os.WriteFile(filepath.Join(conflict, "0004_color_again.changes.json"), dup, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := migrate.Make(merged, conflict, "", nil)
	if err == nil || !strings.Contains(err.Error(), "0004_color_again.changes.json") || !strings.Contains(err.Error(), "already has column color") {
		t.Errorf("conflicting branches: %v", err)
	}
}

// copyDir copies the files of src whose names start with prefix (all for
// "") into dst; a "0002_widgets" prefix is renumbered 0003.
func copyDir(t *testing.T, src, dst, prefix string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		if prefix != "" {
			name = "0003" + strings.TrimPrefix(name, "0002")
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMakeCycle: tables that refer to each other are created, then
// their foreign keys added, and dropped in the reverse order.
func TestMakeCycle(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		res := mustMake(t, modelsOf(t, func(r *orm.Registry) error { _, err := orm.Register[Team](r); return err }), dir, "")
		want := []string{"Create table teams (model Team)", "Create table players (model Player)", "Add foreign key teams.captain_id → players.id on delete set null"}
		if !slices.Equal(res.Changes, want) {
			t.Errorf("changes = %q, want %q", res.Changes, want)
		}
		m := migrator(t, db, dir)
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		team := &Team{}
		if err := orm.Insert(ctx, db, team); err != nil {
			t.Fatal(err)
		}
		player := &Player{TeamID: &team.ID}
		if err := orm.Insert(ctx, db, player); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, "UPDATE teams SET captain_id = ? WHERE id = ?", player.ID, team.ID)
		if err := exec(t, db, "UPDATE teams SET captain_id = 999"); !errors.Is(err, orm.ErrForeignKeyViolation) {
			t.Errorf("captain 999: %v, want ErrForeignKeyViolation", err)
		}
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if tableExists(db, "teams") || tableExists(db, "players") {
			t.Error("Down left the tables")
		}
	})
}

type textIndexed struct {
	ID   int64
	Body string `db:"body,index"`
}

type smallKey struct {
	ID int32
}

type wideRef struct {
	ID         int64
	SmallKeyID int64
	SmallKey   *smallKey `rel:"belongs_to"`
}

type pkInt struct {
	ID int64 `db:"id,pk"`
}

func (pkInt) TableName() string { return "keys" }

type pkString struct {
	ID string `db:"id,pk,size=20"`
}

func (pkString) TableName() string { return "keys" }

type sharedIndexA struct {
	ID   int64
	Code string `db:"code,size=10,index=idx_code"`
}

type sharedIndexB struct {
	ID   int64
	Code string `db:"code,size=10,index=idx_code"`
}

// TestMakeErrors: what Make refuses, and that each error says what to do.
func TestMakeErrors(t *testing.T) {
	t.Parallel()
	reg := func(f func(r *orm.Registry) error) []*orm.Model { return modelsOf(t, f) }
	for _, tc := range []struct {
		name   string
		models []*orm.Model
		before []*orm.Model // made first, when set
		want   string
	}{
		{"text index", reg(func(r *orm.Registry) error { _, err := orm.Register[textIndexed](r); return err }), nil, "which MySQL cannot index; give the field a size"},
		{"key types differ", reg(func(r *orm.Registry) error { _, err := orm.Register[wideRef](r); return err }), nil, "give both fields the same Go type"},
		{"model left out", v1Models(t)[2:], nil, "pass all registered models"},
		{"index name twice", reg(func(r *orm.Registry) error {
			_, err := orm.Register[sharedIndexA](r)
			if err == nil {
				_, err = orm.Register[sharedIndexB](r)
			}
			return err
		}), nil, "index name idx_code is used on tables shared_index_as and shared_index_bs"},
		{"primary key changes", reg(func(r *orm.Registry) error { _, err := orm.Register[pkString](r); return err }),
			reg(func(r *orm.Registry) error { _, err := orm.Register[pkInt](r); return err }), "write that migration by hand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.before != nil {
				mustMake(t, tc.before, dir, "")
			}
			_, err := migrate.Make(tc.models, dir, "", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := migrate.Make(v1Models(t), t.TempDir(), "bad name", nil); err == nil || !strings.Contains(err.Error(), "use letters, digits") {
		t.Errorf("bad name: %v", err)
	}
	if _, err := migrate.Make(v1Models(t), t.TempDir(), "", &migrate.MakeOptions{Dialects: []string{"oracle"}}); err == nil {
		t.Error("an unknown dialect was accepted")
	}
}

// TestMakeNumbering: the next version follows the highest in the
// directory, hand-written migrations included, keeping its digits.
func TestMakeNumbering(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"000041_by_hand.up.sql", "README.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("SELECT 1;"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := mustMake(t, v1Models(t), dir, "models")
	if res.Version != 42 || res.Name != "000042_models" {
		t.Errorf("version %d, name %s; want 42, 000042_models", res.Version, res.Name)
	}
	m, err := migrate.New(ormtest.Open(t, "sqlite"), os.DirFS(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mig := range m.Migrations() {
		got = append(got, strconv.FormatInt(mig.Version, 10)+" "+mig.UpFile)
	}
	if want := []string{"41 000041_by_hand.up.sql", "42 000042_models.up.sqlite.sql"}; !slices.Equal(got, want) {
		t.Errorf("migrations = %v, want %v", got, want)
	}
}

type Course struct {
	ID       int64     `db:"id,pk"`
	Students []Student `rel:"many_to_many,join=enrollments,join_fk=course_id,join_ref=student_id"`
}

type Student struct {
	ID int64 `db:"id,pk"`
}

// Enrollment maps the join table of Course.Students itself.
type Enrollment struct {
	ID        int64    `db:"id,pk"`
	CourseID  int64    `db:"course_id"`
	StudentID int64    `db:"student_id"`
	Grade     string   `db:"grade,size=2"`
	Course    *Course  `rel:"belongs_to,ondelete=cascade"`
	Student   *Student `rel:"belongs_to"`
}

func (Enrollment) TableName() string { return "enrollments" }

type cascadeParent struct {
	ID       int64
	Children []cascadeChild `rel:"has_many,fk=ParentID,ondelete=cascade"`
}

type cascadeChild struct {
	ID       int64
	ParentID int64
	Parent   *cascadeParent `rel:"belongs_to,fk=ParentID,ondelete=restrict"`
}

// TestSchemaOf: a join table a model maps is left to the model, and a
// foreign key declared on both sides is one.
func TestSchemaOf(t *testing.T) {
	t.Parallel()
	s, err := migrate.SchemaOf(modelsOf(t, func(r *orm.Registry) error {
		_, err := orm.Register[Course](r)
		if err == nil {
			_, err = orm.Register[Enrollment](r)
		}
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range s.Tables {
		names = append(names, tb.Name)
	}
	if want := []string{"courses", "students", "enrollments"}; !slices.Equal(names, want) {
		t.Fatalf("tables = %v, want %v", names, want)
	}
	e := s.Table("enrollments")
	if e.Model != "Enrollment" || len(e.Columns) != 4 || !slices.Equal(e.PrimaryKey, []string{"id"}) {
		t.Errorf("enrollments = %+v, want the model's table", e)
	}
	want := []migrate.ForeignKey{
		{Name: "fk_enrollments_course_id", Column: "course_id", RefTable: "courses", RefColumn: "id", OnDelete: "cascade"},
		{Name: "fk_enrollments_student_id", Column: "student_id", RefTable: "students", RefColumn: "id"},
	}
	if !slices.Equal(e.ForeignKeys, want) {
		t.Errorf("enrollments foreign keys = %+v, want %+v", e.ForeignKeys, want)
	}

	var reg orm.Registry
	if _, err := orm.Register[cascadeParent](&reg); err != nil {
		t.Fatal(err)
	}
	_, err = migrate.SchemaOf(reg.Models())
	if err == nil || !strings.Contains(err.Error(), "ondelete=restrict, but the relation on the other side gives ondelete=cascade; make them agree") {
		t.Errorf("ondelete differing between the sides: %v", err)
	}
}

// TestMakeIndexForForeignKey: removing the index a foreign key relied on
// creates the foreign key's own index first, on every database.
func TestMakeIndexForForeignKey(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		mustMake(t, modelsOf(t, func(r *orm.Registry) error { _, err := orm.Register[Book](r); return err }), dir, "")
		res := mustMake(t, modelsOf(t, func(r *orm.Registry) error { _, err := orm.Register[BookV2](r); return err }), dir, "")
		want := []string{"Create index idx_books_shelf_id on books (shelf_id)", "Drop index idx_books_shelf_title on books"}
		if !slices.Equal(res.Changes, want) {
			t.Errorf("changes = %q, want %q", res.Changes, want)
		}
		m := migrator(t, db, dir)
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
