package migrate_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kiln-web/kiln/migrate"
	"github.com/kiln-web/kiln/orm"
)

// Note is the model the example starts with.
type Note struct {
	ID    int64  `db:"id,pk"`
	Title string `db:"title,size=100,index"`
	Done  bool   `db:"done,default=false"`
}

// NoteV2 is Note after an edit: a new nullable column, and Done gone.
// (An app edits Note itself; the example needs both versions.)
type NoteV2 struct {
	ID    int64   `db:"id,pk"`
	Title string  `db:"title,size=100,index"`
	Body  *string `db:"body"`
}

func (NoteV2) TableName() string { return "notes" }

func ExampleMake() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kiln-make-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	migrations := filepath.Join(dir, "migrations")

	// In an app: migrate.Make(db.Models().Models(), "migrations", "", nil),
	// usually through the kiln CLI.
	var v1 orm.Registry
	orm.MustRegister[Note](&v1)
	res, err := migrate.Make(v1.Models(), migrations, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)

	db, err := orm.Open(ctx, "sqlite://"+filepath.Join(dir, "app.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := migrate.New(db, os.DirFS(migrations), &migrate.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}
	if err := orm.Insert(ctx, db, &Note{Title: "kept"}); err != nil {
		log.Fatal(err)
	}

	// The model changes: Make writes only the difference.
	var v2 orm.Registry
	orm.MustRegister[NoteV2](&v2)
	res, err = migrate.Make(v2.Models(), migrations, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
	for _, f := range res.Files {
		fmt.Println(f.Name)
	}
	if m, err = migrate.New(db, os.DirFS(migrations), &migrate.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}
	notes, err := orm.Raw[NoteV2](ctx, db, "SELECT * FROM notes")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(notes), notes[0].Title)

	// Unchanged models: nothing to do.
	res, err = migrate.Make(v2.Models(), migrations, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res)
	// Output:
	// Migration 0001_initial:
	//   - Create table notes (model Note)
	// Migration 0002_add_notes_body_and_more:
	//   - Add column notes.body (nullable text)
	//   - Drop column notes.done
	//   ! Column notes.done is dropped with its data; Down re-adds it empty. Make cannot tell a renamed field from a dropped one and a new one: if you renamed it, edit the SQL to rename the column (ALTER TABLE … RENAME COLUMN) instead.
	// 0002_add_notes_body_and_more.up.sqlite.sql
	// 0002_add_notes_body_and_more.down.sqlite.sql
	// 0002_add_notes_body_and_more.up.postgres.sql
	// 0002_add_notes_body_and_more.down.postgres.sql
	// 0002_add_notes_body_and_more.up.mysql.sql
	// 0002_add_notes_body_and_more.down.mysql.sql
	// 0002_add_notes_body_and_more.changes.json
	// 1 kept
	// No changes detected.
}
