// Command notes is a small but complete Kiln app: HTML pages with a form,
// a JSON API, validation, named routes, static assets, request logging and
// graceful shutdown. It needs no database server and no setup:
//
//	go run ./examples/notes
//
// then open the printed address. Notes are stored in the embedded SQLite
// database kiln.db (migrations are applied at start); set DATABASE_URL to a
// postgres:// or mysql:// URL to use a server instead. Configuration comes
// from the environment (see the config package): KILN_ADDR, KILN_ENV,
// KILN_SECRET_KEY, DATABASE_URL, ...
//
// With "migrate" as its first argument it manages the migrations instead
// of serving (see migrate.CLI), and so does "kiln migrate" run in this
// directory:
//
//	go run ./examples/notes migrate status
//	go run ./examples/notes migrate down
//	go run ./examples/notes migrate help
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kiln-web/kiln/config"
)

// Config is the app's configuration: Kiln's base settings plus its own.
type Config struct {
	config.Base
	// Title is the site title shown on every page, from NOTES_TITLE.
	Title string `env:"NOTES_TITLE" envDefault:"Kiln notes"`
}

func main() {
	ctx := context.Background()
	if len(os.Args) > 1 && os.Args[1] == "migrate" {
		os.Exit(migrateMain(ctx, os.Args[2:]))
	}
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "notes:", err)
		os.Exit(1)
	}
}

// migrateMain runs "notes migrate <command>" on the database the app would
// serve from, and returns the exit status. Ctrl-C stops it cleanly: the
// migration in progress is rolled back where the database allows.
func migrateMain(ctx context.Context, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg Config
	if err := config.Load(&cfg, nil); err != nil {
		fmt.Fprintln(os.Stderr, "notes:", err)
		return 1
	}
	return migrateCLI(cfg.DatabaseURL).Main(ctx, args)
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg, nil); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DatabaseURL, cfg.Logger(os.Stderr))
	if err != nil {
		return err
	}
	app, err := newApp(cfg, st)
	if err != nil {
		st.db.Close()
		return err
	}
	app.OnShutdown(func(context.Context) error { return st.db.Close() })
	if cfg.EphemeralSecret {
		app.Logger().Info("no KILN_SECRET_KEY set; using a random one for this run")
	}
	return app.Run(ctx)
}
