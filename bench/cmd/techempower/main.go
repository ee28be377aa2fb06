// Command techempower sets up the TechEmpower database, serves one
// contestant, or runs the whole benchmark: the verifier, then every test
// against every contestant under wrk, in interleaved rounds, with a
// Markdown table of median requests per second and Kiln's ratio to each
// peer. bench/run-techempower.sh runs it; see BENCHMARKS.md.
//
// Usage:
//
//	techempower setup [-db URL]
//	techempower serve -contestant NAME [-addr HOST:PORT] [-db URL] [-pool N] [-pprof HOST:PORT]
//	techempower run [-db URL] [-rounds N] [-warmup D] [-duration D] [-connections N] ...
//
// The database defaults to postgres://postgres@127.0.0.1:5432/hello_world
// (TFB_DATABASE_URL overrides it); setup creates it if it is missing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with serve -pprof, on its own address
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kiln-web/kiln/bench/techempower"
)

func defaultDatabaseURL() string {
	if u := os.Getenv("TFB_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/hello_world?sslmode=disable"
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: techempower setup|serve|run [flags]; techempower CMD -h for the flags")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "setup":
		err = setupCmd(args)
	case "serve":
		err = serveCmd(args)
	case "run":
		err = runCmd(args)
	default:
		err = fmt.Errorf("unknown command %q; use setup, serve or run", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "techempower:", err)
		os.Exit(1)
	}
}

func setupCmd(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	db := fs.String("db", defaultDatabaseURL(), "PostgreSQL database `URL` to create and fill")
	fs.Parse(args)
	return setupDatabase(*db)
}

// setupDatabase creates the database if needed and fills its tables.
func setupDatabase(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := techempower.CreateDatabase(ctx, url); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	return techempower.Setup(ctx, pool)
}

func serveCmd(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	name := fs.String("contestant", "kiln", "the contestant to serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	db := fs.String("db", defaultDatabaseURL(), "PostgreSQL database `URL`")
	pool := fs.Int("pool", 8, "database pool size")
	pprofAddr := fs.String("pprof", "", "if set, serve net/http/pprof on this `address`")
	fs.Parse(args)

	c, err := techempower.Lookup(*name)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := c.New(ctx, techempower.Config{DatabaseURL: *db, PoolSize: *pool})
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		go func() {
			err := http.ListenAndServe(*pprofAddr, http.DefaultServeMux)
			fmt.Fprintln(os.Stderr, "techempower: pprof:", err)
		}()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var serveErr error
	returned := false
	select {
	case serveErr = <-served: // Kiln's App.Serve also stops on SIGTERM
		returned = true
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if !returned {
		serveErr = <-served
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("%s: %w", c.Name, serveErr))
	}
	return err
}
