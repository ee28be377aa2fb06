package orm_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/orm"
)

// exampleDB opens a fresh SQLite file for an example.
func exampleDB() (db *orm.DB, cleanup func()) {
	dir, err := os.MkdirTemp("", "orm-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err = orm.Open(context.Background(), "sqlite://"+filepath.Join(dir, "app.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "orm-example")
	defer os.RemoveAll(dir)

	// A missing SQLite file (and its directory) is created.
	db, err := orm.Open(ctx, "sqlite://"+filepath.Join(dir, "data", "app.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	h := db.Health(ctx)
	fmt.Println(h.Dialect, h.OK)
	// Output: sqlite true
}

func ExampleDB_Exec() {
	ctx := context.Background()
	db, cleanup := exampleDB()
	defer cleanup()

	d := db.Dialect()
	if _, err := db.Exec(ctx, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)"); err != nil {
		log.Fatal(err)
	}
	// Values travel as bound parameters, never formatted into the SQL.
	insert := fmt.Sprintf("INSERT INTO %s (title) VALUES (%s)", d.Quote("posts"), d.Placeholder(1))
	for _, title := range []string{"Hello", "Robert'); DROP TABLE posts;--"} {
		if _, err := db.Exec(ctx, insert, title); err != nil {
			log.Fatal(err)
		}
	}

	rows, err := db.Query(ctx, "SELECT id, title FROM posts ORDER BY id")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, title)
	}
	// Output:
	// 1 Hello
	// 2 Robert'); DROP TABLE posts;--
}

func ExampleConstraintError() {
	ctx := context.Background()
	db, cleanup := exampleDB()
	defer cleanup()

	if _, err := db.Exec(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(ctx, "INSERT INTO users (email) VALUES (?)", "ann@example.com"); err != nil {
		log.Fatal(err)
	}
	_, err := db.Exec(ctx, "INSERT INTO users (email) VALUES (?)", "ann@example.com")

	fmt.Println(errors.Is(err, orm.ErrUniqueViolation))
	var ce *orm.ConstraintError
	if errors.As(err, &ce) {
		fmt.Println(ce.Table, ce.Column, ce.StatusCode())
	}
	// Kiln's error handler answers it with 409 and a field error.
	ke := ce.KilnError()
	fmt.Println(kiln.ErrorStatus(err), ke.Code, ke.Fields[0].Field, ke.Fields[0].Message)
	// Output:
	// true
	// users email 409
	// 409 unique_violation email is already taken
}

func ExampleInsertMany() {
	ctx := context.Background()
	db, cleanup := exampleDB()
	defer cleanup()

	type Post struct {
		ID        int64     `db:"id,pk"`
		Title     string    `db:",size=200"`
		CreatedAt time.Time `db:",created_at"`
	}
	if _, err := db.Exec(ctx, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, created_at DATETIME NOT NULL)"); err != nil {
		log.Fatal(err)
	}

	// One INSERT for the three rows; keys and timestamps are written back
	// into the slice.
	posts := []Post{{Title: "Hello"}, {Title: "Bulk"}, {Title: "Insert"}}
	if err := orm.InsertMany(ctx, db, posts); err != nil {
		log.Fatal(err)
	}
	for _, p := range posts {
		fmt.Println(p.ID, p.Title, p.CreatedAt.Equal(posts[0].CreatedAt))
	}

	// All or nothing: a violation stores no row of the batch.
	if _, err := db.Exec(ctx, "CREATE UNIQUE INDEX posts_title ON posts (title)"); err != nil {
		log.Fatal(err)
	}
	err := orm.InsertMany(ctx, db, []Post{{Title: "New"}, {Title: "Hello"}})
	n, _ := orm.Query[Post](db).Count(ctx)
	fmt.Println(errors.Is(err, orm.ErrUniqueViolation), n)
	// Output:
	// 1 Hello true
	// 2 Bulk true
	// 3 Insert true
	// true 3
}

// Field metadata describes each column: admin screens, form builders and
// code generators read it instead of the struct tags.
func ExampleField_SQLType() {
	db, cleanup := exampleDB()
	defer cleanup()

	type Article struct {
		ID        int64  `db:"id,pk"`
		Title     string `db:",size=200,label=Headline"`
		Body      string
		Published *time.Time
	}
	m, err := orm.Register[Article](db)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range m.Fields {
		fmt.Printf("%-9s %-9s %-12s %-6s null=%v\n", f.Column, f.Label, f.SQLType(db.Dialect()), f.Kind, f.Nullable)
	}
	// Output:
	// id        ID        BIGINT       int64  null=false
	// title     Headline  VARCHAR(200) string null=false
	// body      Body      TEXT         text   null=false
	// published Published DATETIME     time   null=true
}
