package migrate_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

// An app's main hands the command line to a CLI when its first argument is
// "migrate", so that "myapp migrate up" (or "kiln migrate up", which builds
// the app and runs it so) manages the app's embedded migrations:
//
//	if len(os.Args) > 1 && os.Args[1] == "migrate" {
//		os.Exit(cli.Main(ctx, os.Args[2:]))
//	}
func ExampleCLI() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kiln-cli-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cli := &migrate.CLI{
		// In an app: from DATABASE_URL. The CLI opens it only for the
		// commands that need it, and closes it.
		DatabaseURL: "sqlite://" + filepath.Join(dir, "app.db"),
		// In an app: //go:embed migrations/*.sql, then fs.Sub(files, "migrations").
		FS: fstest.MapFS{
			"0001_create_posts.up.sql":   {Data: []byte("CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);")},
			"0001_create_posts.down.sql": {Data: []byte("DROP TABLE posts;")},
			"0002_seed_posts.up.sql":     {Data: []byte("INSERT INTO posts (title) VALUES ('Hello');")},
			"0002_seed_posts.down.sql":   {Data: []byte("DELETE FROM posts;")},
		},
		Name:   "myapp migrate", // defaults to the program's name followed by " migrate"
		Stdout: os.Stdout,
	}
	for _, args := range [][]string{{"status"}, {"up"}, {"down"}, {"version"}, {"upp"}} {
		fmt.Println("$ myapp migrate", strings.Join(args, " "))
		if err := cli.Run(ctx, args); err != nil {
			fmt.Println(err) // Main writes it to Stderr and returns the exit status, here 2
		}
	}
	// Output:
	// $ myapp migrate status
	// VERSION  NAME          STATE    APPLIED AT  FILE
	// 1        create_posts  pending  -           0001_create_posts.up.sql
	// 2        seed_posts    pending  -           0002_seed_posts.up.sql
	// $ myapp migrate up
	// applied 0001_create_posts.up.sql
	// applied 0002_seed_posts.up.sql
	// at version 2
	// $ myapp migrate down
	// reverted 0002_seed_posts.down.sql
	// at version 1
	// $ myapp migrate version
	// 1
	// $ myapp migrate upp
	// migrate: unknown command "upp"; the commands are up, down, redo, status, version, create, make and help; run "myapp migrate help" for more
}
