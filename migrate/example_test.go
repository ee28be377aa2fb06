package migrate_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"testing/fstest"

	"github.com/kiln-web/kiln/migrate"
	"github.com/kiln-web/kiln/orm"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kiln-migrate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := orm.Open(ctx, "sqlite://"+filepath.Join(dir, "app.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// In an app: //go:embed migrations/*.sql, then fs.Sub(files, "migrations").
	files := fstest.MapFS{
		"0001_create_posts.up.sql":   {Data: []byte("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);")},
		"0001_create_posts.down.sql": {Data: []byte("DROP TABLE posts;")},
		"0002_seed_posts.up.sql":     {Data: []byte("INSERT INTO posts (title) VALUES ('Hello; world');\nINSERT INTO posts (title) VALUES ('Second');")},
		"0002_seed_posts.down.sql":   {Data: []byte("DELETE FROM posts;")},
	}
	m, err := migrate.New(db, files, &migrate.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}

	applied, err := m.Up(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, mig := range applied {
		fmt.Println("applied", mig.UpFile)
	}
	var n int
	db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM posts").Scan(&n)
	fmt.Println("posts:", n)

	if _, err := m.Down(ctx, 1); err != nil {
		log.Fatal(err)
	}
	status, err := m.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range status {
		fmt.Println(s.Version, s.Name, s.State)
	}
	// Output:
	// applied 0001_create_posts.up.sql
	// applied 0002_seed_posts.up.sql
	// posts: 2
	// 1 create_posts applied
	// 2 seed_posts pending
}
