package techempower

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/middleware"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/view"
)

// Kiln, as its users write it: an App with the middleware an API
// configures (request ids and panic recovery; no access log, since
// logging is off), HandlerFunc handlers that return errors, the response
// helpers, the orm for every query (Query.Get per row; the updates'
// writes in one orm.Batch), and the view package for the fortunes.
//
// Kiln sets no Server header of its own, so a one-line middleware adds
// it, as a user would.

type kilnApp struct {
	db    *orm.DB
	views *view.Renderer
}

func newKiln(ctx context.Context, cfg Config) (Server, error) {
	db, err := orm.Open(ctx, cfg.DatabaseURL, &orm.Options{MaxOpenConns: cfg.poolSize()})
	if err != nil {
		return nil, err
	}
	kc := kiln.Config{
		// Warnings and errors only: no start-up and shutdown lines.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	// Two diagnostic switches, off in every published run, for
	// diagnose-kiln-stack.sh: they measure what the request id and the
	// write timeout cost by taking them away.
	if os.Getenv("KILN_BENCH_NO_WRITE_TIMEOUT") != "" {
		kc.Server.WriteTimeout = -1 // net/http: no write deadline
	}
	app := kiln.New(kc)
	if os.Getenv("KILN_BENCH_NO_REQUEST_ID") != "" {
		app.Use(serverHeader("Kiln"), middleware.Recoverer)
	} else {
		app.Use(serverHeader("Kiln"), middleware.RequestID, middleware.Recoverer)
	}
	if cfg.Counter != nil {
		app.Use(countORMQueries(cfg.Counter))
	}
	views, err := fs.Sub(viewsFS, "views")
	if err != nil {
		return nil, err
	}
	renderer, err := view.New(views, nil)
	if err != nil {
		return nil, err
	}
	k := &kilnApp{db: db, views: renderer}
	app.Get("/json", k.json)
	app.Get("/db", k.world)
	app.Get("/queries", k.queries)
	app.Get("/fortunes", k.fortunes)
	app.Get("/updates", k.updates)
	app.Get("/plaintext", k.plaintext)
	serveCtx, cancel := context.WithCancel(context.Background())
	return &kilnServer{app: app, db: db, ctx: serveCtx, cancel: cancel, done: make(chan struct{})}, nil
}

// serverHeader sets the Server response header.
func serverHeader(name string) kiln.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", name)
			next.ServeHTTP(w, r)
		})
	}
}

// countORMQueries reports every statement the orm runs for a request to
// c, through the orm's query hook (the verifier's only way in: the orm
// owns its pgx pool).
func countORMQueries(c *QueryCounter) kiln.Middleware {
	hook := c.ORMHook()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(orm.WithQueryHook(r.Context(), hook)))
		})
	}
}

func (k *kilnApp) json(w http.ResponseWriter, r *http.Request) error {
	return kiln.JSON(w, http.StatusOK, &message{Message: helloWorld})
}

func (k *kilnApp) world(w http.ResponseWriter, r *http.Request) error {
	world, err := orm.Query[World](k.db).Get(r.Context(), RandomID())
	if err != nil {
		return err
	}
	return kiln.JSON(w, http.StatusOK, &world)
}

// readWorlds reads n random worlds, one query each.
func (k *kilnApp) readWorlds(ctx context.Context, n int) ([]World, error) {
	q := orm.Query[World](k.db)
	worlds := make([]World, n)
	for i := range worlds {
		world, err := q.Get(ctx, RandomID())
		if err != nil {
			return nil, err
		}
		worlds[i] = world
	}
	return worlds, nil
}

func (k *kilnApp) queries(w http.ResponseWriter, r *http.Request) error {
	worlds, err := k.readWorlds(r.Context(), QueryCount(r.URL.Query().Get("queries")))
	if err != nil {
		return err
	}
	return kiln.JSON(w, http.StatusOK, worlds)
}

func (k *kilnApp) fortunes(w http.ResponseWriter, r *http.Request) error {
	fortunes, err := orm.Query[Fortune](k.db).All(r.Context())
	if err != nil {
		return err
	}
	fortunes = sortFortunes(append(fortunes, Fortune{ID: 0, Message: AdditionalFortune}))
	return k.views.Render(w, http.StatusOK, "fortunes", fortunes)
}

// updates reads the rows one by one, then writes them with an orm.Batch:
// on PostgreSQL one pipeline (one round trip, one implicit transaction),
// sorted by id so that concurrent requests lock rows in the same order.
func (k *kilnApp) updates(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	worlds, err := k.readWorlds(ctx, QueryCount(r.URL.Query().Get("queries")))
	if err != nil {
		return err
	}
	sortWorlds(worlds)
	b := orm.NewBatch(k.db)
	b.Grow(len(worlds))
	for i := range worlds {
		worlds[i].RandomNumber = RandomNumber()
		b.Update(&worlds[i], "randomnumber")
	}
	if err := b.Run(ctx); err != nil {
		return err
	}
	return kiln.JSON(w, http.StatusOK, worlds)
}

func (k *kilnApp) plaintext(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, http.StatusOK, helloWorld)
}

// kilnServer runs the app with App.Serve, Kiln's production server
// (timeouts against slow clients, graceful shutdown).
// Shutdown waits for Serve to return, or for ctx to end.
type kilnServer struct {
	app    *kiln.App
	db     *orm.DB
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	served atomic.Bool // Serve was called
}

func (s *kilnServer) Serve(ln net.Listener) error {
	s.served.Store(true)
	defer close(s.done)
	return s.app.Serve(s.ctx, ln)
}

func (s *kilnServer) Shutdown(ctx context.Context) error {
	s.cancel()
	if s.served.Load() { // a server that never served has nothing to wait for
		select {
		case <-s.done:
		case <-ctx.Done():
		}
	}
	return s.db.Close()
}
