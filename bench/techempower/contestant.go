package techempower

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is what every contestant is built from, so that all of them run
// with the same database settings.
type Config struct {
	// DatabaseURL is the PostgreSQL database with the world and fortune
	// tables (see Setup).
	DatabaseURL string

	// PoolSize is the maximum number of database connections. Defaults to
	// 8 (four per core on the two-core benchmark machine, as TechEmpower's
	// fastest Go entries size theirs).
	PoolSize int

	// Counter, if not nil, counts the statements the contestant runs: the
	// pgx contestants set it as their pool's tracer, Kiln installs its
	// orm hook in every request's context. The verifier sets it; the
	// benchmark leaves it nil.
	Counter *QueryCounter
}

func (c Config) poolSize() int {
	if c.PoolSize > 0 {
		return c.PoolSize
	}
	return 8
}

// A Server is a contestant ready to serve.
type Server interface {
	// Serve serves on ln until Shutdown; it returns nil or
	// http.ErrServerClosed after a shutdown.
	Serve(ln net.Listener) error
	// Shutdown stops serving and closes the database pool.
	Shutdown(ctx context.Context) error
}

// A Contestant is one framework (or baseline) under test.
type Contestant struct {
	// Name is a short lower-case name: "kiln", "gin", ...
	Name string
	// Baseline marks the raw baselines, which are ceilings rather than
	// peers.
	Baseline bool
	// New builds the contestant's server and connects its pool.
	New func(ctx context.Context, cfg Config) (Server, error)
}

// Contestants returns every contestant, Kiln first, then its peers, then
// the baselines.
func Contestants() []Contestant {
	return []Contestant{
		{Name: "kiln", New: newKiln},
		{Name: "gin", New: newGin},
		{Name: "echo", New: newEcho},
		{Name: "chi", New: newChi},
		{Name: "fiber", New: newFiber},
		{Name: "nethttp", Baseline: true, New: newNetHTTP},
		{Name: "fasthttp", Baseline: true, New: newFastHTTP},
	}
}

// Lookup returns the contestant called name.
func Lookup(name string) (Contestant, error) {
	var names []string
	for _, c := range Contestants() {
		if c.Name == name {
			return c, nil
		}
		names = append(names, c.Name)
	}
	return Contestant{}, fmt.Errorf("techempower: no contestant %q; choose one of %v", name, names)
}

// newPool opens the pgx pool every pgx contestant uses: PoolSize
// connections, pgx's default statement cache (each statement is prepared
// once per connection), and cfg.Counter as tracer.
func newPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("techempower: bad database URL: %w", err)
	}
	pc.MaxConns = int32(cfg.poolSize())
	if cfg.Counter != nil {
		pc.ConnConfig.Tracer = cfg.Counter
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("techempower: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("techempower: connect: %w", err)
	}
	return pool, nil
}

// viewsFS holds the fortunes page, views/fortunes.html, for
// html/template, which escapes each message for its HTML context. Kiln
// renders it with its view package; the other contestants parse
// fortunesHTML, the same file.
//
//go:embed views
var viewsFS embed.FS

//go:embed views/fortunes.html
var fortunesHTML string

// fortunesTemplate is parsed once per contestant, as an app parses its
// templates at start-up.
func fortunesTemplate() *template.Template {
	return template.Must(template.New("fortunes").Parse(fortunesHTML))
}

// message is the JSON test's object, built anew for every request.
type message struct {
	Message string `json:"message"`
}

const helloWorld = "Hello, World!"

// httpServer serves a net/http handler with the same server settings for
// every net/http contestant except Kiln, which uses its own
// (kiln.App.Server): read-header and idle timeouts, as a production
// server has.
type httpServer struct {
	srv   *http.Server
	close func()
}

func newHTTPServer(h http.Handler, close func()) *httpServer {
	return &httpServer{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 5 * time.Second,
			IdleTimeout:       120 * time.Second,
		},
		close: close,
	}
}

func (s *httpServer) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

func (s *httpServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.close()
	return err
}
