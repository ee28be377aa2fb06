package kiln_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/middleware"
)

// exDiscard is a logger that drops everything, so that examples whose
// apps log server errors keep stderr clean.
var exDiscard = slog.New(slog.DiscardHandler)

// exStdoutLogger logs to standard output without timestamps, so that an
// example can show what a logger receives.
func exStdoutLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// exDo serves one request on h and returns the recorded response.
func exDo(h http.Handler, method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// exPrint serves one request on h and prints the status and the body.
func exPrint(h http.Handler, method, target string, body io.Reader, header ...string) {
	rec := exDo(h, method, target, body, header...)
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
}

// exProblem decodes a problem+json answer.
func exProblem(rec *httptest.ResponseRecorder) kiln.Problem {
	var p kiln.Problem
	if err := json.NewDecoder(rec.Body).Decode(&p); err != nil {
		panic(err)
	}
	return p
}

// exNotes is a controller implementing all seven RESTful actions that
// Router.Resource looks for.
type exNotes struct{}

func (exNotes) Index(w http.ResponseWriter, r *http.Request) error {
	return kiln.JSON(w, http.StatusOK, []string{"buy milk", "call Ada"})
}

func (exNotes) New(w http.ResponseWriter, r *http.Request) error {
	return kiln.HTML(w, http.StatusOK, `<form method="post" action="/notes"><input name="text"></form>`)
}

func (exNotes) Create(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Text string `json:"text" validate:"required"`
	}
	if err := kiln.Bind(r, &in); err != nil {
		return err
	}
	w.Header().Set("Location", "/notes/3")
	return kiln.JSON(w, http.StatusCreated, map[string]any{"id": 3, "text": in.Text})
}

func (exNotes) Show(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("id") != "1" {
		return kiln.NotFound("No note has id " + r.PathValue("id") + ".")
	}
	return kiln.Text(w, http.StatusOK, "note 1: buy milk")
}

func (exNotes) Edit(w http.ResponseWriter, r *http.Request) error {
	return kiln.HTML(w, http.StatusOK, `<form method="post" action="/notes/`+r.PathValue("id")+`">…</form>`)
}

func (exNotes) Update(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, http.StatusOK, r.Method+" note "+r.PathValue("id"))
}

func (exNotes) Destroy(w http.ResponseWriter, r *http.Request) error {
	return kiln.NoContent(w)
}

func ExampleIndexer() {
	var _ kiln.Indexer = exNotes{} // Index lists the collection.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	fmt.Println(app.MustURL("notes.index"))
	exPrint(app, "GET", "/notes", nil)
	// Output:
	// /notes
	// 200 ["buy milk","call Ada"]
}

func ExampleNewer() {
	var _ kiln.Newer = exNotes{} // New shows the form for a new item.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	fmt.Println(app.MustURL("notes.new"))
	exPrint(app, "GET", "/notes/new", nil)
	// Output:
	// /notes/new
	// 200 <form method="post" action="/notes"><input name="text"></form>
}

func ExampleCreator() {
	var _ kiln.Creator = exNotes{} // Create handles POST to the collection.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	rec := exDo(app, "POST", "/notes", strings.NewReader(`{"text":"water plants"}`),
		"Content-Type", "application/json")
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	fmt.Print(rec.Body)
	// Output:
	// 201 /notes/3
	// {"id":3,"text":"water plants"}
}

func ExampleShower() {
	var _ kiln.Shower = exNotes{} // Show answers GET /notes/{id}.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	fmt.Println(app.MustURL("notes.show", "id", 1))
	exPrint(app, "GET", "/notes/1", nil)
	fmt.Println(exDo(app, "GET", "/notes/2", nil).Code)
	// Output:
	// /notes/1
	// 200 note 1: buy milk
	// 404
}

func ExampleEditor() {
	var _ kiln.Editor = exNotes{} // Edit shows the form to change an item.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	fmt.Println(app.MustURL("notes.edit", "id", 1))
	exPrint(app, "GET", "/notes/1/edit", nil)
	// Output:
	// /notes/1/edit
	// 200 <form method="post" action="/notes/1">…</form>
}

func ExampleUpdater() {
	var _ kiln.Updater = exNotes{} // Update answers both PUT and PATCH.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	exPrint(app, "PUT", "/notes/1", nil)
	exPrint(app, "PATCH", "/notes/1", nil)
	// Output:
	// 200 PUT note 1
	// 200 PATCH note 1
}

func ExampleDestroyer() {
	var _ kiln.Destroyer = exNotes{} // Destroy answers DELETE /notes/{id}.

	app := kiln.New(kiln.Config{})
	app.Resource("/notes", exNotes{})
	fmt.Println(app.MustURL("notes.destroy", "id", 1))
	fmt.Println(exDo(app, "DELETE", "/notes/1", nil).Code)
	// Output:
	// /notes/1
	// 204
}

func ExampleNew() {
	app := kiln.New(kiln.Config{}) // the zero Config is production-ready
	app.Get("/ping", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "pong")
	})
	exPrint(app, "GET", "/ping", nil)
	// Output: 200 pong
}

func ExampleApp() {
	app := kiln.New(kiln.Config{Logger: exDiscard})
	// An App is a Router: register routes and middleware on it directly.
	app.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "DENY")
			next.ServeHTTP(w, r)
		})
	})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "home")
	})
	// An App is an http.Handler, so it works with httptest, http.Server
	// or any net/http middleware.
	var h http.Handler = app
	rec := exDo(h, "GET", "/", nil)
	fmt.Println(rec.Code, rec.Header().Get("X-Frame-Options"), rec.Body)
	fmt.Println(app.JSONCodec() == kiln.JSONCodec(kiln.StdJSON{}))
	// Output:
	// 200 DENY home
	// true
}

func ExampleConfig() {
	app := kiln.New(kiln.Config{
		Logger:                       exDiscard,
		Bind:                         kiln.BindConfig{MaxBodyBytes: 64 << 10},
		DisableTrailingSlashRedirect: true,
		Server:                       kiln.ServerConfig{Addr: "127.0.0.1:3000"},
	})
	app.Get("/posts", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "posts")
	})
	fmt.Println(app.Config().Server.Addr)
	// With the trailing-slash redirect turned off, /posts/ is not found.
	fmt.Println(exDo(app, "GET", "/posts/", nil).Code)

	// The zero Config redirects it to /posts instead.
	def := kiln.New(kiln.Config{})
	def.Get("/posts", func(w http.ResponseWriter, r *http.Request) error { return nil })
	rec := exDo(def, "GET", "/posts/", nil)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 127.0.0.1:3000
	// 404
	// 301 /posts
}

func ExampleServerConfig() {
	app := kiln.New(kiln.Config{Server: kiln.ServerConfig{
		Addr:         ":9000",
		WriteTimeout: 5 * time.Minute, // long downloads
	}})
	// Run and Serve use the *http.Server that Server builds; unset fields
	// get their slowloris-safe defaults.
	srv := app.Server()
	fmt.Println(srv.Addr)
	fmt.Println(srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	fmt.Println(srv.MaxHeaderBytes)
	// Output:
	// :9000
	// 5s 1m0s 5m0s 2m0s
	// 1048576
}

func ExampleBindConfig() {
	app := kiln.New(kiln.Config{Bind: kiln.BindConfig{
		MaxBodyBytes:       32, // tiny, to show the limit
		AllowUnknownFields: true,
	}})
	app.Post("/comments", func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Text string `json:"text"`
		}
		if err := kiln.Bind(r, &in); err != nil {
			return err
		}
		return kiln.Text(w, http.StatusOK, "comment: "+in.Text)
	})
	post := func(body string) {
		rec := exDo(app, "POST", "/comments", strings.NewReader(body), "Content-Type", "application/json")
		if rec.Code != http.StatusOK {
			fmt.Println(rec.Code, exProblem(rec).Code)
			return
		}
		fmt.Println(rec.Code, rec.Body)
	}
	post(`{"text":"hi","spam":1}`) // unknown key allowed
	post(`{"text":"` + strings.Repeat("a", 40) + `"}`)
	// Output:
	// 200 comment: hi
	// 413 body_too_large
}

func ExampleApp_Run() {
	app := kiln.New(kiln.Config{Server: kiln.ServerConfig{
		Addr:            ":8080",
		ShutdownTimeout: 10 * time.Second,
	}})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "hello")
	})
	// Run blocks until SIGINT or SIGTERM (or ctx is cancelled), then shuts
	// down gracefully.
	if err := app.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func ExampleApp_Serve() {
	app := kiln.New(kiln.Config{Logger: exDiscard})
	app.Get("/hello", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "hello over TCP")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0") // any free port
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/hello")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	cancel() // graceful shutdown
	fmt.Println("Serve returned:", <-done)
	// Output:
	// 200 hello over TCP
	// Serve returned: <nil>
}

func ExampleApp_OnShutdown() {
	app := kiln.New(kiln.Config{Logger: exDiscard})
	app.OnShutdown(func(ctx context.Context) error {
		fmt.Println("closing database")
		return nil
	})
	app.OnShutdown(func(ctx context.Context) error {
		fmt.Println("flushing metrics")
		return errors.New("metrics backend unreachable")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	app.Addr(context.Background()) // wait until it serves
	cancel()
	// Hooks run in reverse order; their errors are returned by Serve.
	fmt.Println("Serve returned:", <-done)
	// Output:
	// flushing metrics
	// closing database
	// Serve returned: metrics backend unreachable
}

func ExampleShutdownHook() {
	app := kiln.New(kiln.Config{Logger: exDiscard})
	var closeQueue kiln.ShutdownHook = func(ctx context.Context) error {
		_, hasDeadline := ctx.Deadline() // the remaining shutdown time
		fmt.Println("closing queue, deadline set:", hasDeadline)
		return nil
	}
	app.OnShutdown(closeQueue)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	app.Addr(context.Background())
	cancel()
	fmt.Println(<-done)
	// Output:
	// closing queue, deadline set: true
	// <nil>
}

func ExampleRoute() {
	app := kiln.New(kiln.Config{})
	var route *kiln.Route
	app.Group("/api", func(g *kiln.Router) {
		route = g.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	})
	fmt.Println(route.Pattern()) // group prefix included
	// Output: GET /api/users/{id}
}

func ExampleRoute_Name() {
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}/comments/{cid}", func(w http.ResponseWriter, r *http.Request) error {
		return nil
	}).Name("comment.show")
	// Build links from the name, never by hand.
	fmt.Println(app.MustURL("comment.show", "id", 7, "cid", "a b"))
	// Output: /posts/7/comments/a%20b
}

func exListPosts(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, http.StatusOK, "posts")
}

func ExampleRouteInfo() {
	app := kiln.New(kiln.Config{})
	app.Get("/posts", exListPosts).Name("post.index")
	app.Handle("api.example.com/status", http.NotFoundHandler())
	for _, ri := range app.Routes() {
		file, _, _ := strings.Cut(filepath.Base(ri.Source), ":")
		fmt.Printf("method=%q host=%q path=%q name=%q\n", ri.Method, ri.Host, ri.Path, ri.Name)
		fmt.Printf("  handler=%s source=%s\n", ri.Handler, file)
	}
	// Output:
	// method="GET" host="" path="/posts" name="post.index"
	//   handler=github.com/kiln-web/kiln_test.exListPosts source=example_more_test.go
	// method="" host="api.example.com" path="/status" name=""
	//   handler=net/http.NotFound source=example_more_test.go
}

func ExampleRouter_Routes() {
	app := kiln.New(kiln.Config{})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error { return nil }).Name("home")
	app.Resource("/posts", exNotes{})
	for _, r := range app.Routes() {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-22s %s", r.Pattern, r.Name)))
	}
	// Output:
	// GET /                  home
	// GET /posts             posts.index
	// GET /posts/new         posts.new
	// POST /posts            posts.create
	// GET /posts/{id}        posts.show
	// GET /posts/{id}/edit   posts.edit
	// PUT /posts/{id}        posts.update
	// PATCH /posts/{id}
	// DELETE /posts/{id}     posts.destroy
}

func ExampleRouter_MustURL() {
	app := kiln.New(kiln.Config{})
	app.Get("/files/{path...}", func(w http.ResponseWriter, r *http.Request) error { return nil }).Name("file")
	fmt.Println(app.MustURL("file", "path", "docs/read me.txt"))

	defer func() { fmt.Println("panic:", recover()) }()
	app.MustURL("flie") // a typo in a fixed name is a programming error
	// Output:
	// /files/docs/read%20me.txt
	// panic: kiln: no route named "flie"
}

func ExampleRouter_With() {
	app := kiln.New(kiln.Config{})
	noCache := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	}
	ok := func(w http.ResponseWriter, r *http.Request) error { return kiln.Text(w, http.StatusOK, "ok") }
	app.With(noCache).Get("/account", ok) // only this route gets noCache
	app.Get("/about", ok)

	fmt.Printf("%q\n", exDo(app, "GET", "/account", nil).Header().Get("Cache-Control"))
	fmt.Printf("%q\n", exDo(app, "GET", "/about", nil).Header().Get("Cache-Control"))
	// Output:
	// "no-store"
	// ""
}

func ExampleRouter_NotFound() {
	app := kiln.New(kiln.Config{})
	app.NotFound(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.HTML(w, http.StatusNotFound, "<h1>Nothing at "+r.URL.Path+"</h1>")
	})
	exPrint(app, "GET", "/nowhere", nil)
	// Output: 404 <h1>Nothing at /nowhere</h1>
}

func ExampleRouter_MethodNotAllowed() {
	app := kiln.New(kiln.Config{})
	app.Get("/posts", func(w http.ResponseWriter, r *http.Request) error { return nil })
	app.Post("/posts", func(w http.ResponseWriter, r *http.Request) error { return nil })
	app.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) error {
		// The Allow header is already set.
		return kiln.Text(w, http.StatusMethodNotAllowed, "use one of: "+w.Header().Get("Allow"))
	})
	exPrint(app, "DELETE", "/posts", nil)
	// Output: 405 use one of: GET, HEAD, OPTIONS, POST
}

func ExampleNewRouter() {
	// A Router outside any App is an http.Handler of its own; its errors
	// are answered by the default error handler.
	rt := kiln.NewRouter()
	rt.Get("/version", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "v1.2.3")
	})
	exPrint(rt, "GET", "/version", nil)
	rec := exDo(rt, "GET", "/missing", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))

	// Usually it is mounted in an app.
	app := kiln.New(kiln.Config{})
	app.Mount("/api", rt)
	exPrint(app, "GET", "/api/version", nil)
	// Output:
	// 200 v1.2.3
	// 404 application/problem+json
	// 200 v1.2.3
}

func ExampleHandler() {
	// Handler turns any handler kind Kiln accepts into an http.Handler,
	// for use with plain net/http.
	mux := http.NewServeMux()
	mux.Handle("GET /a", kiln.Handler(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Conflict("Already taken.")
	}))
	mux.Handle("GET /b", kiln.Handler(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain")
	}))
	fmt.Println(exDo(mux, "GET", "/a", nil).Code)
	exPrint(mux, "GET", "/b", nil)

	defer func() { fmt.Println("panic:", recover()) }()
	kiln.Handler(42)
	// Output:
	// 409
	// 200 plain
	// panic: kiln: unsupported handler type int; use an http.Handler, a kiln.HandlerFunc, func(w, r) error or func(w, r)
}

func ExampleHandlerFunc() {
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.URL.Query().Get("q") == "" {
			return kiln.BadRequest("The q parameter is required.")
		}
		return kiln.Text(w, http.StatusOK, "results for "+r.URL.Query().Get("q"))
	})
	// A HandlerFunc is an http.Handler; outside an app the default error
	// handler answers its errors.
	var _ http.Handler = h
	exPrint(h, "GET", "/search?q=kiln", nil)
	p := exProblem(exDo(h, "GET", "/search", nil))
	fmt.Println(p.Status, p.Code, p.Detail)
	// Output:
	// 200 results for kiln
	// 400 bad_request The q parameter is required.
}

func ExampleMiddleware() {
	var poweredBy kiln.Middleware = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Powered-By", "Kiln")
			next.ServeHTTP(w, r)
		})
	}
	app := kiln.New(kiln.Config{})
	app.Use(poweredBy) // also runs for 404s
	fmt.Println(exDo(app, "GET", "/anything", nil).Header().Get("X-Powered-By"))
	// Output: Kiln
}

func ExampleBadRequest() {
	app := kiln.New(kiln.Config{})
	app.Get("/report", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := time.Parse(time.DateOnly, r.URL.Query().Get("from")); err != nil {
			return kiln.BadRequest("from must be a date such as 2024-01-31.").WithCause(err)
		}
		return kiln.NoContent(w)
	})
	p := exProblem(exDo(app, "GET", "/report?from=yesterday", nil))
	fmt.Println(p.Status, p.Code, p.Detail) // the cause is not shown
	// Output: 400 bad_request from must be a date such as 2024-01-31.
}

func ExampleUnauthorized() {
	app := kiln.New(kiln.Config{})
	app.Get("/me", func(w http.ResponseWriter, r *http.Request) error {
		if _, _, ok := r.BasicAuth(); !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="kiln"`)
			return kiln.Unauthorized("Sign in first.")
		}
		return kiln.Text(w, http.StatusOK, "you")
	})
	rec := exDo(app, "GET", "/me", nil)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), exProblem(rec).Detail)
	// Output: 401 Basic realm="kiln" Sign in first.
}

func ExampleForbidden() {
	app := kiln.New(kiln.Config{})
	app.Delete("/users/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if r.Header.Get("X-Role") != "admin" {
			return kiln.Forbidden("Only admins can delete users.")
		}
		return kiln.NoContent(w)
	})
	p := exProblem(exDo(app, "DELETE", "/users/1", nil, "X-Role", "editor"))
	fmt.Println(p.Status, p.Code, p.Detail)
	fmt.Println(exDo(app, "DELETE", "/users/1", nil, "X-Role", "admin").Code)
	// Output:
	// 403 forbidden Only admins can delete users.
	// 204
}

func ExampleNotFound() {
	app := kiln.New(kiln.Config{})
	app.Get("/users/{name}", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NotFound("No user is called " + r.PathValue("name") + ".")
	})
	p := exProblem(exDo(app, "GET", "/users/bob", nil))
	fmt.Println(p.Status, p.Code, p.Detail)
	// Output: 404 not_found No user is called bob.
}

func ExampleConflict() {
	taken := map[string]bool{"ada": true}
	app := kiln.New(kiln.Config{})
	app.Post("/users/{name}", func(w http.ResponseWriter, r *http.Request) error {
		if taken[r.PathValue("name")] {
			return kiln.Conflict("That name is taken.").WithCode("name_taken")
		}
		return kiln.NoContent(w)
	})
	p := exProblem(exDo(app, "POST", "/users/ada", nil))
	fmt.Println(p.Status, p.Code, p.Detail)
	// Output: 409 name_taken That name is taken.
}

func ExampleErrorf() {
	errQuota := errors.New("quota exceeded")
	err := kiln.Errorf(http.StatusTooManyRequests, "upload %q refused: %w", "cat.png", errQuota)
	fmt.Println(err.StatusCode(), err.PublicMessage())
	fmt.Println(errors.Is(err, errQuota)) // %w makes the error the cause
	// Output:
	// 429 upload "cat.png" refused: quota exceeded
	// true
}

func ExampleError() {
	err := &kiln.Error{
		Status:  http.StatusUnprocessableEntity,
		Code:    "bad_coupon",
		Message: "The coupon has expired.",
		Fields:  []kiln.FieldError{{Field: "coupon", Message: "has expired", Code: "expired"}},
		Err:     errors.New("coupon SPRING24 ended 2024-05-31"),
	}
	// Error() is for logs: it includes the cause.
	fmt.Println(err)

	// Clients only see the status, code, message and fields.
	app := kiln.New(kiln.Config{})
	app.Post("/checkout", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("checkout: %w", err) // found through the wrapping
	})
	fmt.Print(exDo(app, "POST", "/checkout", nil).Body)
	// Output:
	// 422 bad_coupon: The coupon has expired.; coupon has expired: coupon SPRING24 ended 2024-05-31
	// {
	//   "type": "about:blank",
	//   "title": "Unprocessable Entity",
	//   "status": 422,
	//   "detail": "The coupon has expired.",
	//   "code": "bad_coupon",
	//   "instance": "/checkout",
	//   "errors": [
	//     {
	//       "field": "coupon",
	//       "message": "has expired",
	//       "code": "expired"
	//     }
	//   ]
	// }
}

func ExampleError_WithCause() {
	errTimeout := errors.New("dial tcp 10.0.0.7:443: i/o timeout")
	app := kiln.New(kiln.Config{Logger: exStdoutLogger(slog.LevelError)})
	app.Post("/pay", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NewError(http.StatusBadGateway, "The payment provider is unavailable.").WithCause(errTimeout)
	})
	// The cause goes to the log, never to the client.
	p := exProblem(exDo(app, "POST", "/pay", nil))
	fmt.Println(p.Status, p.Detail)
	// Output:
	// level=ERROR msg="request failed" status=502 method=POST path=/pay error="502 bad_gateway: The payment provider is unavailable.: dial tcp 10.0.0.7:443: i/o timeout" response_started=false
	// 502 The payment provider is unavailable.
}

func ExampleFieldError() {
	app := kiln.New(kiln.Config{})
	app.Post("/transfer", func(w http.ResponseWriter, r *http.Request) error {
		// Checks Validate cannot express are reported the same way.
		return kiln.ValidationError(
			kiln.FieldError{Field: "amount", Message: "exceeds your balance", Code: "balance"},
			kiln.FieldError{Field: "to", Message: "cannot be your own account"},
		)
	})
	for _, f := range exProblem(exDo(app, "POST", "/transfer", nil)).Errors {
		fmt.Printf("%s: %s (%q)\n", f.Field, f.Message, f.Code)
	}
	// Output:
	// amount: exceeds your balance ("balance")
	// to: cannot be your own account ("")
}

func ExampleValidationError() {
	err := kiln.ValidationError(kiln.FieldError{Field: "email", Message: "is already registered", Code: "unique"})
	fmt.Println(err.StatusCode(), err.ErrorCode(), err.PublicMessage())
	fmt.Println(err)
	// Output:
	// 422 validation_failed The request has invalid fields.
	// 422 validation_failed: The request has invalid fields.; email is already registered
}

func ExampleStatusCodeName() {
	for _, status := range []int{400, 404, 422, 418, 599} {
		fmt.Println(status, kiln.StatusCodeName(status))
	}
	// Output:
	// 400 bad_request
	// 404 not_found
	// 422 unprocessable_entity
	// 418 im_a_teapot
	// 599 error
}

// exRateLimited is a third-party error type that knows its HTTP status.
type exRateLimited struct{ retryAfter int }

func (e exRateLimited) Error() string   { return fmt.Sprintf("rate limited; retry in %ds", e.retryAfter) }
func (e exRateLimited) StatusCode() int { return http.StatusTooManyRequests }

func ExampleStatusCoder() {
	var _ kiln.StatusCoder = exRateLimited{}
	app := kiln.New(kiln.Config{})
	app.Get("/search", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("search: %w", exRateLimited{retryAfter: 30})
	})
	p := exProblem(exDo(app, "GET", "/search", nil))
	fmt.Println(p.Status, p.Code)
	// Output: 429 too_many_requests
}

func ExampleErrorHandler() {
	// A custom ErrorHandler decides how every error is answered: here as
	// plain text.
	var plain kiln.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		status := kiln.ErrorStatus(err)
		msg := http.StatusText(status)
		var ke *kiln.Error
		if errors.As(err, &ke) && status < 500 {
			msg = ke.PublicMessage()
		}
		http.Error(w, msg, status)
	}
	app := kiln.New(kiln.Config{ErrorHandler: plain})
	app.Get("/boom", func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("database password is hunter2") // never shown
	})
	exPrint(app, "GET", "/boom", nil)
	exPrint(app, "GET", "/missing", nil) // the router's 404 goes through it too
	// Output:
	// 500 Internal Server Error
	// 404 No page or resource exists at this address.
}

func ExampleNewErrorHandler() {
	base := kiln.NewErrorHandler(kiln.ErrorHandlerConfig{Logger: exDiscard})
	app := kiln.New(kiln.Config{
		// Wrap the default handler to add a header, then let it answer.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if kiln.ErrorStatus(err) == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", "120")
			}
			base(w, r, err)
		},
	})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NewError(http.StatusServiceUnavailable, "Down for maintenance.")
	})
	rec := exDo(app, "GET", "/", nil)
	fmt.Println(rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Content-Type"))

	// Browsers get an HTML page instead of problem+json.
	rec = exDo(app, "GET", "/", nil, "Accept", "text/html")
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// 503 120 application/problem+json
	// 503 text/html; charset=utf-8
}

func ExampleErrorHandlerConfig() {
	eh := kiln.NewErrorHandler(kiln.ErrorHandlerConfig{
		Logger: exStdoutLogger(slog.LevelError), // 5xx at Error, 4xx at Debug
	})
	r := httptest.NewRequest("GET", "/orders", nil)
	eh(httptest.NewRecorder(), r, fmt.Errorf("listing orders: %w", errors.New("connection refused")))
	eh(httptest.NewRecorder(), r, kiln.NotFound("")) // Debug: not logged at this level
	// Output:
	// level=ERROR msg="request failed" status=500 method=GET path=/orders error="listing orders: connection refused" response_started=false
}

func ExamplePanicError() {
	base := kiln.NewErrorHandler(kiln.ErrorHandlerConfig{Logger: exDiscard})
	app := kiln.New(kiln.Config{
		Logger: exDiscard,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var pe *kiln.PanicError
			if errors.As(err, &pe) {
				fmt.Println("recovered:", pe.Value, "stack captured:", len(pe.Stack) > 0)
			}
			base(w, r, err)
		},
	})
	app.Get("/crash", func(w http.ResponseWriter, r *http.Request) error {
		var m map[string]int
		m["x"] = 1 // panics: assignment to entry in nil map
		return nil
	})
	rec := exDo(app, "GET", "/crash", nil)
	p := exProblem(rec)
	fmt.Println(rec.Code, p.Detail)
	// Output:
	// recovered: assignment to entry in nil map stack captured: true
	// 500 Something went wrong on our side. It has been logged.
}

func ExampleProblem() {
	app := kiln.New(kiln.Config{})
	app.Post("/signup", func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Email string `json:"email" validate:"required,email"`
		}
		return kiln.Bind(r, &in)
	})
	rec := exDo(app, "POST", "/signup", strings.NewReader(`{"email":"nope"}`), "Content-Type", "application/json")
	fmt.Println(rec.Header().Get("Content-Type"))

	// API clients decode the answer into a Problem.
	var p kiln.Problem
	if err := json.NewDecoder(rec.Body).Decode(&p); err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.Title, p.Code, p.Instance)
	fmt.Println(p.Detail)
	for _, f := range p.Errors {
		fmt.Println(" ", f.Field, f.Message)
	}
	// Output:
	// application/problem+json
	// 422 Unprocessable Entity validation_failed /signup
	// The request has invalid fields.
	//   email must be a valid email address
}

func ExampleProblemDebug() {
	errNoRows := errors.New("no rows in result set")
	app := kiln.New(kiln.Config{Debug: true, Logger: exDiscard}) // development only
	app.Get("/posts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("loading post %s: %w", r.PathValue("id"), errNoRows)
	})
	p := exProblem(exDo(app, "GET", "/posts/5", nil))
	fmt.Println(p.Debug.Error)
	fmt.Println(p.Debug.Chain)
	// Output:
	// loading post 5: no rows in result set
	// [*fmt.wrapError *errors.errorString]
}

func ExampleErrAbort() {
	app := kiln.New(kiln.Config{Logger: exStdoutLogger(slog.LevelDebug)})
	app.Get("/legacy", func(w http.ResponseWriter, r *http.Request) error {
		// A handler that wrote its own error answer stops the chain with
		// ErrAbort: nothing is logged and the answer is left as it is.
		http.Error(w, "gone fishing", http.StatusServiceUnavailable)
		return kiln.ErrAbort
	})
	exPrint(app, "GET", "/legacy", nil)
	// Output: 503 gone fishing
}

func ExampleErrCommitted() {
	app := kiln.New(kiln.Config{Logger: exDiscard})
	app.Get("/twice", func(w http.ResponseWriter, r *http.Request) error {
		io.WriteString(w, "first")
		err := kiln.JSON(w, http.StatusOK, "second") // a bug: second response
		fmt.Println(errors.Is(err, kiln.ErrCommitted))
		return nil
	})
	exPrint(app, "GET", "/twice", nil) // the second response was not sent
	// Output:
	// true
	// 200 first
}

func ExampleCommitted() {
	app := kiln.New(kiln.Config{})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		fmt.Println("before:", kiln.Committed(w))
		w.WriteHeader(http.StatusAccepted)
		fmt.Println("after:", kiln.Committed(w))
		return nil
	})
	exDo(app, "GET", "/", nil)
	// A writer Kiln never wrapped cannot tell.
	rec := httptest.NewRecorder()
	rec.WriteHeader(http.StatusOK)
	fmt.Println("recorder:", kiln.Committed(rec))
	// Output:
	// before: false
	// after: true
	// recorder: false
}

func ExampleResponseWriter() {
	accessLog := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			rw := w.(*kiln.ResponseWriter) // an App's middleware gets one
			fmt.Println(r.Method, r.URL.Path, rw.Status(), rw.Size(), rw.App() != nil)
		})
	}
	app := kiln.New(kiln.Config{})
	app.Use(accessLog)
	app.Get("/hi", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "hello")
	})
	app.Post("/items", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.JSON(w, http.StatusCreated, []int{1, 2})
	})
	exDo(app, "GET", "/hi", nil)
	exDo(app, "POST", "/items", nil)
	// Output:
	// GET /hi 200 5 true
	// POST /items 201 6 true
}

func ExampleWrapWriter() {
	// Middleware outside a Kiln app wraps the writer itself.
	timing := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := kiln.WrapWriter(w)
			next.ServeHTTP(rw, r)
			fmt.Println("status", rw.Status(), "bytes", rw.Size(), "written", rw.Written())
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain net/http")
	})
	exDo(timing(mux), "GET", "/", nil)

	rw := kiln.WrapWriter(httptest.NewRecorder())
	fmt.Println(kiln.WrapWriter(rw) == rw) // never wrapped twice
	// Output:
	// status 200 bytes 14 written true
	// true
}

func ExampleRequestID() {
	app := kiln.New(kiln.Config{})
	app.Use(middleware.RequestID)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "request "+kiln.RequestID(r))
	})
	// The middleware keeps a sane id set by a proxy (and otherwise makes one).
	rec := exDo(app, "GET", "/", nil, "X-Request-Id", "req-7f3a")
	fmt.Println(rec.Body, rec.Header().Get("X-Request-Id"))
	fmt.Printf("%q\n", kiln.RequestID(httptest.NewRequest("GET", "/", nil)))
	// Output:
	// request req-7f3a req-7f3a
	// ""
}

func ExampleWithRequestID() {
	// In a background job, carry the id of the request that started it.
	ctx := kiln.WithRequestID(context.Background(), "job-42")
	r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	fmt.Println(kiln.RequestID(r))
	// Output: job-42
}

func ExampleRequestIDFrom() {
	// A query hook, a slog.Handler or a job has the context, not the request.
	ctx := kiln.WithRequestID(context.Background(), "req-7f3a")
	type tenantKey struct{}
	ctx = context.WithValue(ctx, tenantKey{}, "acme") // later values keep it reachable
	fmt.Println(kiln.RequestIDFrom(ctx), kiln.RequestIDFrom(context.Background()) == "")
	// Output: req-7f3a true
}

func ExampleSetRequestID() {
	// Custom request-id middleware: SetRequestID stores the id in the
	// request's context and on the app's writer.
	fromTrace := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := "trace-" + r.Header.Get("X-Trace")
			next.ServeHTTP(w, kiln.SetRequestID(w, r, id))
		})
	}
	app := kiln.New(kiln.Config{Logger: exDiscard})
	app.Use(fromTrace)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error {
		panic("boom")
	})
	// The App recovers the panic outside the request's context, yet the
	// answer still quotes the id.
	p := exProblem(exDo(app, "GET", "/", nil, "X-Trace", "99"))
	fmt.Println(p.Status, p.RequestID)
	fmt.Println(p.Detail)
	// Output:
	// 500 trace-99
	// Something went wrong on our side. It has been logged; quote request id trace-99 if you report it.
}

func ExampleText() {
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "héllo")
	})
	rec := exDo(h, "GET", "/", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Length"))
	fmt.Println(rec.Body)
	// Output:
	// 200 text/plain; charset=utf-8 6
	// héllo
}

func ExampleHTML() {
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		// Trusted markup only: HTML does not escape.
		return kiln.HTML(w, http.StatusOK, "<h1>Welcome</h1>")
	})
	rec := exDo(h, "GET", "/", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body)
	// Output:
	// 200 text/html; charset=utf-8
	// <h1>Welcome</h1>
}

func ExampleXML() {
	type feed struct {
		Title string   `xml:"title"`
		Items []string `xml:"item"`
	}
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.XML(w, http.StatusOK, feed{Title: "News", Items: []string{"a", "b"}})
	})
	rec := exDo(h, "GET", "/feed.xml", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body)
	// Output:
	// 200 application/xml; charset=utf-8
	// <?xml version="1.0" encoding="UTF-8"?>
	// <feed><title>News</title><item>a</item><item>b</item></feed>
}

func ExampleBlob() {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.URL.Path == "/logo.png" {
			return kiln.Blob(w, http.StatusOK, "", png) // type sniffed from the bytes
		}
		return kiln.Blob(w, http.StatusOK, "text/csv", []byte("a,b\n1,2\n"))
	})
	for _, path := range []string{"/logo.png", "/data.csv"} {
		rec := exDo(h, "GET", path, nil)
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Length"))
	}
	// Output:
	// 200 image/png 16
	// 200 text/csv 8
}

func ExampleNoContent() {
	app := kiln.New(kiln.Config{})
	app.Delete("/sessions/current", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NoContent(w)
	})
	rec := exDo(app, "DELETE", "/sessions/current", nil)
	fmt.Println(rec.Code, rec.Body.Len())
	// Output: 204 0
}

func ExampleStream() {
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		events := strings.NewReader("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n")
		return kiln.Stream(w, http.StatusOK, "application/x-ndjson", events)
	})
	rec := exDo(h, "GET", "/events", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Flushed)
	fmt.Printf("Content-Length: %q\n", rec.Header().Get("Content-Length"))
	fmt.Print(rec.Body)
	// Output:
	// 200 application/x-ndjson true
	// Content-Length: ""
	// {"n":1}
	// {"n":2}
	// {"n":3}
}

func ExampleFile() {
	f, err := os.CreateTemp("", "kiln-example-*.txt")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString("0123456789abcdef"); err != nil {
		panic(err)
	}
	f.Close()

	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.File(w, r, f.Name()) // a fixed path, never request input
	})
	rec := exDo(h, "GET", "/notes.txt", nil, "Range", "bytes=10-13")
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Content-Range"), rec.Body)

	missing := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.File(w, r, filepath.Join(os.TempDir(), "kiln-example-missing"))
	})
	fmt.Println(exDo(missing, "GET", "/gone.txt", nil).Code)
	// Output:
	// 206 text/plain; charset=utf-8
	// bytes 10-13/16 abcd
	// 404
}

func ExampleFileFS() {
	// An embed.FS or os.Root's FS in a real app; fstest.MapFS here.
	assets := fstest.MapFS{
		"css/site.css": {Data: []byte("body{margin:0}")},
	}
	app := kiln.New(kiln.Config{})
	app.Get("/assets/{path...}", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("ETag", `"v1"`) // no modification time: set an ETag
		return kiln.FileFS(w, r, assets, r.PathValue("path"))
	})
	rec := exDo(app, "GET", "/assets/css/site.css", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	fmt.Println(exDo(app, "GET", "/assets/css/site.css", nil, "If-None-Match", `"v1"`).Code)
	fmt.Println(exDo(app, "GET", "/assets/css", nil).Code) // directories are not listed
	// Output:
	// 200 text/css; charset=utf-8 body{margin:0}
	// 304
	// 404
}

func ExampleInline() {
	dir, err := os.MkdirTemp("", "kiln-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "scan-0042.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.7\n"), 0o600); err != nil {
		panic(err)
	}
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Inline(w, r, path, "invoice.pdf") // shown, saved as invoice.pdf
	})
	rec := exDo(h, "GET", "/invoices/42", nil)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Content-Disposition"))
	// Output:
	// 200 application/pdf
	// inline; filename="invoice.pdf"
}

// exIndentJSON is a JSONCodec that indents responses and delegates
// decoding to StdJSON.
type exIndentJSON struct{ kiln.StdJSON }

func (exIndentJSON) Encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ExampleJSONCodec() {
	var codec kiln.JSONCodec = exIndentJSON{}
	app := kiln.New(kiln.Config{JSON: codec})
	app.Get("/user", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.JSON(w, http.StatusOK, map[string]any{"name": "Ada", "admin": false})
	})
	fmt.Print(exDo(app, "GET", "/user", nil).Body)
	// Output:
	// {
	//   "admin": false,
	//   "name": "Ada"
	// }
}
