package orm_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/kiln-web/kiln/orm"
)

// The example models: a Writer has many Articles, an Article belongs to
// its Writer and has many Labels through article_labels.
type Writer struct {
	ID       int64
	Name     string
	Articles []Article `rel:"has_many"`
}

type Article struct {
	ID       int64
	WriterID int64
	Title    string
	Writer   *Writer `rel:"belongs_to"`
	Labels   []Label `rel:"many_to_many"`
}

type Label struct {
	ID   int64
	Name string
}

// exampleBlog opens a SQLite database with two writers, three articles and
// their labels.
func exampleBlog() (*orm.DB, func()) {
	db, cleanup := exampleDB()
	ctx := context.Background()
	for _, ddl := range []string{
		"CREATE TABLE writers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"CREATE TABLE articles (id INTEGER PRIMARY KEY, writer_id INTEGER NOT NULL REFERENCES writers(id), title TEXT NOT NULL)",
		"CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
		"CREATE TABLE article_labels (article_id INTEGER NOT NULL, label_id INTEGER NOT NULL, PRIMARY KEY (article_id, label_id))",
		"INSERT INTO writers (id, name) VALUES (1, 'Ann'), (2, 'Bob')",
		"INSERT INTO articles (id, writer_id, title) VALUES (1, 1, 'Generics'), (2, 1, 'Iterators'), (3, 2, 'SQLite')",
		"INSERT INTO labels (id, name) VALUES (1, 'go'), (2, 'databases')",
		"INSERT INTO article_labels VALUES (1, 1), (2, 1), (3, 2), (3, 1)",
	} {
		if _, err := db.Exec(ctx, ddl); err != nil {
			log.Fatal(err)
		}
	}
	return db, cleanup
}

func ExampleQ_Preload() {
	db, cleanup := exampleBlog()
	defer cleanup()

	// Three queries in all: the articles, their writers, their labels.
	ctx, queries := orm.CountQueries(context.Background())
	articles, err := orm.Query[Article](db).Preload("Writer", "Labels").OrderBy("id").All(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range articles {
		var labels []string
		for _, l := range a.Labels {
			labels = append(labels, l.Name)
		}
		fmt.Printf("%s by %s [%s]\n", a.Title, a.Writer.Name, strings.Join(labels, ", "))
	}
	fmt.Println(queries.Count(), "queries")
	// Output:
	// Generics by Ann [go]
	// Iterators by Ann [go]
	// SQLite by Bob [go, databases]
	// 3 queries
}

func ExampleQ_Join() {
	db, cleanup := exampleBlog()
	defer cleanup()

	// Join follows a relation so conditions can test the related table.
	articles, err := orm.Query[Article](db).Join("Labels").
		Where("labels.name = ?", "databases").All(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range articles {
		fmt.Println(a.Title)
	}
	// Output:
	// SQLite
}

func ExampleQ_Select() {
	db, cleanup := exampleBlog()
	defer cleanup()

	// Only the primary key and the title are read.
	articles, err := orm.Query[Article](db).Select("title").OrderBy("-id").Limit(2).All(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range articles {
		fmt.Println(a.ID, a.Title, a.WriterID)
	}
	// Output:
	// 3 SQLite 0
	// 2 Iterators 0
}

func ExampleWithQueryHook() {
	db, cleanup := exampleBlog()
	defer cleanup()

	// Log each statement, as a middleware might with the request id.
	ctx := orm.WithQueryHook(context.Background(), func(_ context.Context, q orm.QueryInfo) {
		fmt.Println("SQL:", q.SQL, q.Args)
	})
	w, err := orm.Query[Writer](db).Preload("Articles").Get(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Name, len(w.Articles))
	// Output:
	// SQL: SELECT "id", "name" FROM "writers" WHERE "id" = ? LIMIT 1 [2]
	// SQL: SELECT "articles"."id", "articles"."writer_id", "articles"."title" FROM "articles" WHERE "articles"."writer_id" IN (?) ORDER BY "articles"."id" [2]
	// Bob 1
}

func ExampleBatch() {
	db, cleanup := exampleBlog()
	defer cleanup()
	ctx := context.Background()

	// Queue reads by primary key, then run them together: one round trip
	// on PostgreSQL (a pgx pipeline).
	b := orm.NewBatch(db)
	articles := make([]Article, 3)
	for i := range articles {
		b.Get(&articles[i], i+1)
	}
	if err := b.Run(ctx); err != nil {
		log.Fatal(err)
	}
	// Then write them back the same way.
	for i := range articles {
		articles[i].Title += "!"
		b.Update(&articles[i], "title")
	}
	if err := b.Run(ctx); err != nil {
		log.Fatal(err)
	}
	again, _ := orm.Query[Article](db).OrderBy("id").All(ctx)
	for _, a := range again {
		fmt.Println(a.Title)
	}
	// Output:
	// Generics!
	// Iterators!
	// SQLite!
}

func ExampleBatch_Grow() {
	db, cleanup := exampleBlog()
	defer cleanup()
	ctx := context.Background()

	ids := []int{3, 1}
	b := orm.NewBatch(db)
	b.Grow(len(ids)) // the count is known: make room for it once
	articles := make([]Article, len(ids))
	for i, id := range ids {
		b.Get(&articles[i], id)
	}
	fmt.Println(b.Len(), "queued")
	if err := b.Run(ctx); err != nil {
		log.Fatal(err)
	}
	for _, a := range articles {
		fmt.Println(a.Title)
	}
	// Output:
	// 2 queued
	// SQLite
	// Generics
}
