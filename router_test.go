package kiln_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/kilntest"
)

// echo answers "<name>|<k>=<v>,..." so tests can see which route matched
// and with which path values.
func echo(name string, keys ...string) kiln.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b strings.Builder
		b.WriteString(name)
		for i, k := range keys {
			if i == 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%s=%s", k, r.PathValue(k))
		}
		return kiln.Text(w, http.StatusOK, b.String())
	}
}

func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRouterMatching(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/{$}", echo("home"))
	app.Get("/posts", echo("posts.index"))
	app.Get("/posts/new", echo("posts.new"))
	app.Get("/posts/{id}", echo("posts.show", "id"))
	app.Get("/posts/{id}/comments/{cid}", echo("comment", "id", "cid"))
	app.Get("/files/{path...}", echo("files", "path"))
	app.Get("/static/", echo("static"))
	app.Get("/exact/{$}", echo("exact"))
	app.Get("/a/b/z", echo("abz"))
	app.Get("/a/{x}/c", echo("axc", "x"))
	app.Handle("/any/{id}", echo("any", "id"))
	app.Post("/any/{id}", echo("any-post", "id"))
	app.Get("api.example.com/posts/{id}", echo("api-host", "id"))

	tests := []struct {
		method, target, host string
		want                 string
	}{
		{"GET", "/", "", "home"},
		{"GET", "/posts", "", "posts.index"},
		{"GET", "/posts/new", "", "posts.new"},
		{"GET", "/posts/42", "", "posts.show|id=42"},
		{"GET", "/posts/hello%20world", "", "posts.show|id=hello world"},
		{"GET", "/posts/a%2Fb", "", "posts.show|id=a/b"},
		// ServeMux answers 404 here (it reads a lone %2F as the trailing
		// slash); Kiln binds the escaped slash like any other character.
		{"GET", "/posts/%2F", "", "posts.show|id=/"},
		{"GET", "/posts/7/comments/9", "", "comment|id=7,cid=9"},
		{"GET", "/files/a/b/c.txt", "", "files|path=a/b/c.txt"},
		{"GET", "/files/", "", "files|path="},
		{"GET", "/static/", "", "static"},
		{"GET", "/static/css/site.css", "", "static"},
		{"GET", "/exact/", "", "exact"},
		{"GET", "/a/b/z", "", "abz"},
		{"GET", "/a/b/c", "", "axc|x=b"}, // backtracks from the literal branch
		{"GET", "/a/q/c", "", "axc|x=q"},
		{"DELETE", "/any/5", "", "any|id=5"}, // method-less route
		{"POST", "/any/5", "", "any-post|id=5"},
		{"GET", "/posts/3", "api.example.com", "api-host|id=3"},
		{"GET", "/posts/3", "api.example.com:8443", "api-host|id=3"},
		{"GET", "/posts/3", "other.example.com", "posts.show|id=3"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.host+tt.target, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, req)
			if rec.Code != 200 || rec.Body.String() != tt.want {
				t.Fatalf("got %d %q, want 200 %q", rec.Code, rec.Body.String(), tt.want)
			}
		})
	}
}

func TestRouterPatternVisibleEverywhere(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	var seenInMiddleware, seenPattern string
	app.Group("/users", func(g *kiln.Router) {
		g.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seenInMiddleware = r.PathValue("id")
				next.ServeHTTP(w, r)
			})
		})
		// A plain http.HandlerFunc reads path values too.
		g.Handle("GET /{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seenPattern = r.Pattern
			io.WriteString(w, r.PathValue("id"))
		}))
	})
	rec := serve(app, "GET", "/users/u1")
	if rec.Body.String() != "u1" || seenInMiddleware != "u1" || seenPattern != "GET /users/{id}" {
		t.Fatalf("body %q, middleware saw %q, pattern %q", rec.Body.String(), seenInMiddleware, seenPattern)
	}
}

func TestRouterNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}", echo("show", "id"))
	app.Put("/posts/{id}", echo("update", "id"))
	app.Handle("DELETE /posts/{id}", echo("delete"))

	t.Run("404 problem json", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "GET", "/nope", "Accept", "application/json")
		if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		var p kiln.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Status != 404 || p.Code != "not_found" || p.Instance != "/nope" {
			t.Fatalf("problem %+v", p)
		}
	})
	t.Run("404 html for browsers", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "GET", "/nope", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Body.String(), "Not Found") {
			t.Fatalf("got %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	})
	t.Run("405 with Allow", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "POST", "/posts/1")
		if rec.Code != 405 {
			t.Fatalf("status %d", rec.Code)
		}
		if got, want := rec.Header().Get("Allow"), "DELETE, GET, HEAD, OPTIONS, PUT"; got != want {
			t.Fatalf("Allow %q, want %q", got, want)
		}
	})
	t.Run("OPTIONS answers Allow", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "OPTIONS", "/posts/1")
		if rec.Code != 204 || rec.Header().Get("Allow") != "DELETE, GET, HEAD, OPTIONS, PUT" {
			t.Fatalf("got %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("custom handlers", func(t *testing.T) {
		t.Parallel()
		a := kiln.New(kiln.Config{})
		a.Get("/x", echo("x"))
		a.NotFound(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) })
		a.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(419) })
		if c := serve(a, "GET", "/y").Code; c != 418 {
			t.Errorf("not found: %d", c)
		}
		rec := serve(a, "POST", "/x")
		if rec.Code != 419 || rec.Header().Get("Allow") == "" {
			t.Errorf("method not allowed: %d allow=%q", rec.Code, rec.Header().Get("Allow"))
		}
	})
}

func TestRouterHEADServedByGET(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/page", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, 200, "hello body")
	})
	c := kilntest.New(t, app) // a real server: net/http drops the body of HEAD answers
	res := c.Head("/page").AssertStatus(200).AssertHeader("Content-Length", "10")
	if len(res.Body) != 0 {
		t.Fatalf("HEAD body %q", res.Body)
	}
	c.Get("/page").AssertStatus(200).AssertBodyContains("hello body")
}

func TestRouterRedirects(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/posts", echo("posts"))
	app.Get("/docs/", echo("docs"))
	app.Post("/forms", echo("forms"))
	tests := []struct {
		method, target string
		code           int
		location       string
	}{
		{"GET", "/posts/", 301, "/posts"},
		{"GET", "/docs", 301, "/docs/"},
		{"GET", "/posts/?page=2", 301, "/posts?page=2"},
		{"POST", "/forms/", 308, "/forms"},
		{"GET", "//posts", 301, "/posts"},
		{"GET", "/x/../posts", 301, "/posts"},
		{"GET", "/./posts", 301, "/posts"},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.target, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, "/", nil)
			req.URL.Path = strings.SplitN(tt.target, "?", 2)[0]
			if i := strings.IndexByte(tt.target, '?'); i >= 0 {
				req.URL.RawQuery = tt.target[i+1:]
			}
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, req)
			if rec.Code != tt.code || rec.Header().Get("Location") != tt.location {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Header().Get("Location"), tt.code, tt.location)
			}
		})
	}
	t.Run("disabled", func(t *testing.T) {
		t.Parallel()
		a := kiln.New(kiln.Config{DisableTrailingSlashRedirect: true, DisableCleanPath: true})
		a.Get("/posts", echo("posts"))
		a.Get("/u/{id}/x", echo("u", "id"))
		if c := serve(a, "GET", "/posts/").Code; c != 404 {
			t.Errorf("trailing slash: %d, want 404", c)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = "/u//x"
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.String() != "u|id=" {
			t.Errorf("unclean path: %d %q", rec.Code, rec.Body.String())
		}
	})
}

func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic; want one containing %q", want)
		}
		if !strings.Contains(fmt.Sprint(p), want) {
			t.Fatalf("panic %q does not contain %q", p, want)
		}
	}()
	fn()
}

func TestRouterRegistrationErrors(t *testing.T) {
	t.Parallel()
	h := echo("x")
	tests := []struct {
		name  string
		setup func(app *kiln.App)
		want  string
	}{
		{"same shape", func(a *kiln.App) { a.Get("/posts/{id}", h); a.Get("/posts/{slug}", h) },
			`"GET /posts/{slug}" conflicts with "GET /posts/{id}"`},
		{"same literal", func(a *kiln.App) { a.Handle("/x", h); a.Handle("/x", h) }, `"/x" conflicts with "/x"`},
		{"empty", func(a *kiln.App) { a.Handle("", h) }, "empty pattern"},
		{"no slash", func(a *kiln.App) { a.Handle("GET posts", h) }, "missing /"},
		{"partial wildcard", func(a *kiln.App) { a.Get("/posts/x{id}", h) }, "whole segment"},
		{"multi not last", func(a *kiln.App) { a.Get("/{p...}/x", h) }, "not at the end"},
		{"dup name", func(a *kiln.App) { a.Get("/{id}/{id}", h) }, "duplicate wildcard"},
		{"bad name", func(a *kiln.App) { a.Get("/{a-b}", h) }, "bad wildcard name"},
		{"unclean", func(a *kiln.App) { a.Get("/a/../b", h) }, "not clean"},
		{"host wildcard", func(a *kiln.App) { a.Handle("{h}.example.com/", h) }, "host"},
		{"bad handler", func(a *kiln.App) { a.Handle("/x", 42) }, "unsupported handler type int"},
		{"nil handler", func(a *kiln.App) { a.Handle("/x", nil) }, "nil handler"},
		{"dup route name", func(a *kiln.App) { a.Get("/a", h).Name("n"); a.Get("/b", h).Name("n") }, `route name "n" used for both`},
		{"use after routes in group", func(a *kiln.App) {
			a.Group("/g", func(g *kiln.Router) { g.Get("/x", h); g.Use(func(n http.Handler) http.Handler { return n }) })
		}, "after it registered routes"},
		{"empty resource", func(a *kiln.App) { a.Resource("/things", struct{}{}) }, "implements none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mustPanic(t, tt.want, func() { tt.setup(kiln.New(kiln.Config{})) })
		})
	}
}

func TestRouterGroupsAndWith(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	tag := func(v string) kiln.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Mw", v)
				next.ServeHTTP(w, r)
			})
		}
	}
	app.Use(tag("global"))
	app.Get("/", echo("root"))
	app.Group("/admin", func(g *kiln.Router) {
		g.Use(tag("admin"))
		g.Get("/users", echo("users"))
		g.Group("/reports", func(g *kiln.Router) {
			g.Use(tag("reports"))
			g.Get("/{year}", echo("report", "year"))
		})
	})
	app.With(tag("with")).Get("/special", echo("special"))
	tests := []struct {
		target, body string
		mw           []string
	}{
		{"/", "root", []string{"global"}},
		{"/admin/users", "users", []string{"global", "admin"}},
		{"/admin/reports/2026", "report|year=2026", []string{"global", "admin", "reports"}},
		{"/special", "special", []string{"global", "with"}},
		{"/missing", "", []string{"global"}}, // global middleware also sees 404s
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			rec := serve(app, "GET", tt.target)
			if tt.body != "" && rec.Body.String() != tt.body {
				t.Errorf("body %q, want %q", rec.Body.String(), tt.body)
			}
			if got := rec.Header().Values("X-Mw"); strings.Join(got, ",") != strings.Join(tt.mw, ",") {
				t.Errorf("middleware %v, want %v", got, tt.mw)
			}
		})
	}
}

func TestRouterMount(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	files := fstest.MapFS{"css/site.css": {Data: []byte("body{}")}}
	app.Mount("/assets", http.FileServerFS(files))

	sub := kiln.NewRouter()
	sub.Get("/{id}", echo("sub", "id"))
	app.Mount("/sub", sub)

	other := kiln.New(kiln.Config{})
	other.Get("/hello", echo("other"))
	app.Group("/v1", func(g *kiln.Router) { g.Mount("/other", other) })

	app.Handle("/greet.v1.Greeter/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "rpc "+r.URL.Path)
	}))

	tests := []struct{ target, want string }{
		{"/assets/css/site.css", "body{}"},
		{"/sub/9", "sub|id=9"},
		{"/v1/other/hello", "other"},
		{"/greet.v1.Greeter/Greet", "rpc /greet.v1.Greeter/Greet"},
	}
	for _, tt := range tests {
		rec := serve(app, "GET", tt.target)
		if rec.Code != 200 || rec.Body.String() != tt.want {
			t.Errorf("%s: %d %q, want %q", tt.target, rec.Code, rec.Body.String(), tt.want)
		}
	}
	if rec := serve(app, "GET", "/sub"); rec.Code != 301 || rec.Header().Get("Location") != "/sub/" {
		t.Errorf("/sub: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestRouterURL(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}", echo("x")).Name("post.show")
	app.Get("/posts/{id}/comments/{cid}", echo("x")).Name("comment.show")
	app.Get("/files/{path...}", echo("x")).Name("files")
	app.Get("/{$}", echo("x")).Name("home")
	app.Get("/docs/", echo("x")).Name("docs")
	app.Group("/admin", func(g *kiln.Router) { g.Get("/users/{id}", echo("x")).Name("admin.user") })

	ok := []struct {
		name  string
		pairs []any
		want  string
	}{
		{"post.show", []any{"id", 42}, "/posts/42"},
		{"post.show", []any{"id", "a b/c?"}, "/posts/a%20b%2Fc%3F"},
		{"comment.show", []any{"cid", 2, "id", 1}, "/posts/1/comments/2"},
		{"files", []any{"path", "a/b c/d.txt"}, "/files/a/b%20c/d.txt"},
		{"home", nil, "/"},
		{"docs", nil, "/docs/"},
		{"admin.user", []any{"id", 7}, "/admin/users/7"},
	}
	for _, tt := range ok {
		got, err := app.URL(tt.name, tt.pairs...)
		if err != nil || got != tt.want {
			t.Errorf("URL(%q, %v) = %q, %v; want %q", tt.name, tt.pairs, got, err, tt.want)
		}
	}
	bad := []struct {
		name  string
		pairs []any
		want  string
	}{
		{"nope", nil, `no route named "nope"`},
		{"post.show", nil, `missing parameter "id"`},
		{"post.show", []any{"id"}, "odd number"},
		{"post.show", []any{"id", 1, "slug", "x"}, `has no parameter "slug"`},
		{"post.show", []any{"id", ""}, `parameter "id" is empty`},
		{"post.show", []any{1, 1}, "not a string"},
	}
	for _, tt := range bad {
		_, err := app.URL(tt.name, tt.pairs...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("URL(%q, %v) error %v, want it to contain %q", tt.name, tt.pairs, err, tt.want)
		}
	}
	// A built URL routes back to the same route with the same values.
	u := app.MustURL("post.show", "id", "a b/c")
	app2 := kiln.New(kiln.Config{})
	app2.Get("/posts/{id}", echo("show", "id"))
	if rec := serve(app2, "GET", u); rec.Body.String() != "show|id=a b/c" {
		t.Errorf("round trip of %q: %q", u, rec.Body.String())
	}
}

type postsController struct{}

func (postsController) Index(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "index")
}
func (postsController) New(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "new")
}
func (postsController) Create(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 201, "create")
}
func (postsController) Show(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "show "+r.PathValue("id"))
}
func (postsController) Edit(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "edit "+r.PathValue("id"))
}
func (postsController) Update(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, r.Method+" update "+r.PathValue("id"))
}
func (postsController) Destroy(w http.ResponseWriter, r *http.Request) error {
	return kiln.NoContent(w)
}

type readOnly struct{}

func (readOnly) Index(w http.ResponseWriter, r *http.Request) error { return kiln.Text(w, 200, "ro") }

func TestRouterResource(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Resource("/posts", postsController{})
	app.Resource("/tags", readOnly{})
	tests := []struct {
		method, target string
		code           int
		body           string
	}{
		{"GET", "/posts", 200, "index"},
		{"GET", "/posts/new", 200, "new"},
		{"POST", "/posts", 201, "create"},
		{"GET", "/posts/5", 200, "show 5"},
		{"GET", "/posts/5/edit", 200, "edit 5"},
		{"PUT", "/posts/5", 200, "PUT update 5"},
		{"PATCH", "/posts/5", 200, "PATCH update 5"},
		{"DELETE", "/posts/5", 204, ""},
		{"GET", "/tags", 200, "ro"},
		{"POST", "/tags", 405, ""},
	}
	for _, tt := range tests {
		rec := serve(app, tt.method, tt.target)
		if rec.Code != tt.code || (tt.body != "" && rec.Body.String() != tt.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.target, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
	}
	for name, want := range map[string]string{"posts.index": "/posts", "posts.show": "/posts/1", "posts.edit": "/posts/1/edit", "posts.new": "/posts/new"} {
		got, err := app.URL(name, map[bool][]any{true: {"id", 1}, false: nil}[strings.Contains(want, "1")]...)
		if err != nil || got != want {
			t.Errorf("URL(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestRouterRoutes(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}", postsController{}.Show).Name("post.show")
	app.Handle("api.example.com/", http.NotFoundHandler())
	routes := app.Routes()
	if len(routes) != 2 {
		t.Fatalf("%d routes", len(routes))
	}
	r := routes[0]
	if r.Method != "GET" || r.Path != "/posts/{id}" || r.Name != "post.show" ||
		!strings.Contains(r.Handler, "postsController.Show") || !strings.Contains(r.Source, "router_test.go") {
		t.Errorf("route 0: %+v", r)
	}
	if r := routes[1]; r.Method != "" || r.Host != "api.example.com" || r.Path != "/" {
		t.Errorf("route 1: %+v", r)
	}
}

func TestThirdPartyMiddlewareUnchanged(t *testing.T) {
	t.Parallel()
	// rs/cors's plain net/http handler wrapper, used as any net/http app would.
	app := kiln.New(kiln.Config{})
	app.Use(corsAllowExample)
	app.Get("/data", echo("data"))
	rec := serve(app, "GET", "/data", "Origin", "https://example.com")
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://example.com" {
		t.Fatalf("got %d, ACAO=%q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestErrorHandler(t *testing.T) {
	t.Parallel()
	type teapot struct{ error }
	app := kiln.New(kiln.Config{})
	app.Get("/kiln", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Conflict("That slug is taken.").WithCause(errors.New("pq: duplicate key"))
	})
	app.Get("/wrapped", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("saving: %w", kiln.ValidationError(kiln.FieldError{Field: "title", Message: "is required", Code: "required"}))
	})
	app.Get("/unknown", func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("dial tcp 10.0.0.5:5432: connection refused")
	})
	app.Get("/coder", func(w http.ResponseWriter, r *http.Request) error {
		return statusErr{418}
	})
	app.Get("/late", func(w http.ResponseWriter, r *http.Request) error {
		io.WriteString(w, "partial")
		return errors.New("too late")
	})
	t.Run("kiln error", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "GET", "/kiln")
		p := decodeProblem(t, rec, 409)
		if p.Detail != "That slug is taken." || strings.Contains(rec.Body.String(), "pq:") {
			t.Errorf("problem %+v body %s", p, rec.Body)
		}
	})
	t.Run("wrapped validation", func(t *testing.T) {
		t.Parallel()
		p := decodeProblem(t, serve(app, "GET", "/wrapped"), 422)
		if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != "title" {
			t.Errorf("problem %+v", p)
		}
	})
	t.Run("unknown error hides internals", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest("GET", "/unknown", nil)
		req = req.WithContext(kiln.WithRequestID(req.Context(), "req-123"))
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		p := decodeProblem(t, rec, 500)
		if strings.Contains(rec.Body.String(), "10.0.0.5") || p.RequestID != "req-123" || !strings.Contains(p.Detail, "req-123") || p.Debug != nil {
			t.Errorf("leak or missing id: %s", rec.Body)
		}
	})
	t.Run("status coder", func(t *testing.T) {
		t.Parallel()
		decodeProblem(t, serve(app, "GET", "/coder"), 418)
	})
	t.Run("after response started", func(t *testing.T) {
		t.Parallel()
		rec := serve(app, "GET", "/late")
		if rec.Code != 200 || rec.Body.String() != "partial" {
			t.Errorf("got %d %q", rec.Code, rec.Body.String())
		}
	})
	t.Run("debug page", func(t *testing.T) {
		t.Parallel()
		dev := kiln.New(kiln.Config{Debug: true})
		dev.Get("/boom", func(w http.ResponseWriter, r *http.Request) error {
			return fmt.Errorf("loading post: %w", errors.New("disk on fire"))
		})
		p := decodeProblem(t, serve(dev, "GET", "/boom"), 500)
		if p.Debug == nil || !strings.Contains(p.Debug.Error, "disk on fire") || len(p.Debug.Chain) != 2 {
			t.Errorf("debug %+v", p.Debug)
		}
		rec := serve(dev, "GET", "/boom", "Accept", "text/html")
		if !strings.Contains(rec.Body.String(), "disk on fire") || !strings.Contains(rec.Body.String(), "Development details") {
			t.Errorf("html debug page: %s", rec.Body)
		}
	})
}

type statusErr struct{ code int }

func (e statusErr) Error() string   { return "status" }
func (e statusErr) StatusCode() int { return e.code }

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) kiln.Problem {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q %s, want %d problem+json", rec.Code, rec.Header().Get("Content-Type"), rec.Body, status)
	}
	var p kiln.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != status {
		t.Fatalf("problem status %d, want %d", p.Status, status)
	}
	return p
}

func TestRouterResourceNamesInGroups(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	app.Resource("/posts", readOnly{})
	app.Group("/api", func(g *kiln.Router) { g.Resource("/posts", readOnly{}) })
	app.Resource("/users/{uid}/posts", readOnly{})
	for name, want := range map[string]string{"posts.index": "/posts", "api.posts.index": "/api/posts"} {
		if got, err := app.URL(name); err != nil || got != want {
			t.Errorf("URL(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if got, err := app.URL("users.posts.index", "uid", 4); err != nil || got != "/users/4/posts" {
		t.Errorf("nested: %q, %v", got, err)
	}
}

// TestNativePathValuesActive fails when Kiln cannot bind path values the
// fast way on this Go release (see pathvalue.go); the router then still
// works through its ServeMux fallback, but the change must be noticed.
func TestNativePathValuesActive(t *testing.T) {
	t.Parallel()
	if !kiln.NativePathValues() {
		t.Fatal("net/http's Request layout changed: path values fall back to a per-route ServeMux; update pathvalue.go")
	}
}

// TestRouterWideNodes covers nodes with many literal children (indexed by
// first byte), including keys that share their first byte.
func TestRouterWideNodes(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{})
	var paths []string
	for _, first := range []string{"a", "b", "g", "go", "gopher", "z", "Z", "0", "~", "é"} {
		for _, suffix := range []string{"", "x", "xy"} {
			p := "/" + first + suffix
			paths = append(paths, p)
			app.Get(p, echo(p))
			app.Get(p+"/{id}", echo(p+"/id", "id"))
		}
	}
	for _, p := range paths {
		if rec := serve(app, "GET", p); rec.Body.String() != p {
			t.Errorf("GET %s: %d %q", p, rec.Code, rec.Body.String())
		}
		if rec := serve(app, "GET", p+"/7"); rec.Body.String() != p+"/id|id=7" {
			t.Errorf("GET %s/7: %d %q", p, rec.Code, rec.Body.String())
		}
	}
	for _, miss := range []string{"/c", "/gop", "/gopherx2", "/zz", "/é2", "/A"} {
		if rec := serve(app, "GET", miss); rec.Code != 404 {
			t.Errorf("GET %s: %d, want 404", miss, rec.Code)
		}
	}
}

// TestErrorHandlerClientGone checks that a handler stopped by its client
// going away (the request's context cancelled) is neither answered nor
// logged as a server error, while a context.Canceled that is not the
// client's (the request's context still live) remains a logged 500.
func TestErrorHandlerClientGone(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := kiln.New(kiln.Config{Logger: logger})
	app.Get("/slow", func(w http.ResponseWriter, r *http.Request) error {
		<-r.Context().Done()
		return fmt.Errorf("loading rows: %w", r.Context().Err())
	})
	app.Get("/own-cancel", func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return fmt.Errorf("background job: %w", ctx.Err())
	})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/slow", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("client gone: answered %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	mu.Lock()
	got := logs.String()
	logs.Reset()
	mu.Unlock()
	if strings.Contains(got, "level=ERROR") || !strings.Contains(got, "client closed request") || !strings.Contains(got, "status=499") {
		t.Errorf("client gone: log\n%s\nwant one DEBUG line with status=499 and no ERROR", got)
	}

	decodeProblem(t, serve(app, "GET", "/own-cancel"), 500)
	mu.Lock()
	got = logs.String()
	mu.Unlock()
	if !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "background job") {
		t.Errorf("own cancellation: log\n%s\nwant an ERROR line with the cause", got)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// The request-id context behaves as context.WithValue's would: it answers
// its own key, passes every other key, cancellation and deadline to its
// parent, and is found under contexts derived from it.
func TestRequestIDContext(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "outer"))
	ctx := kiln.WithRequestID(parent, "id-1")
	if got := kiln.RequestIDFrom(ctx); got != "id-1" {
		t.Fatalf("RequestIDFrom = %q, want id-1", got)
	}
	if got := ctx.Value(key{}); got != "outer" {
		t.Fatalf("a parent's value through the request-id context = %v, want outer", got)
	}
	child, stop := context.WithTimeout(ctx, time.Hour)
	defer stop()
	if got := kiln.RequestIDFrom(context.WithValue(child, key{}, "inner")); got != "id-1" {
		t.Fatalf("RequestIDFrom a derived context = %q, want id-1", got)
	}
	if got := kiln.RequestIDFrom(kiln.WithRequestID(ctx, "id-2")); got != "id-2" {
		t.Fatalf("the innermost id should win, got %q", got)
	}
	cancel()
	<-child.Done() // the parent's cancellation reaches a child of the request-id context
	if ctx.Err() != context.Canceled {
		t.Fatalf("ctx.Err() = %v after the parent was cancelled", ctx.Err())
	}
	if s := fmt.Sprint(ctx); !strings.Contains(s, `WithRequestID("id-1")`) {
		t.Fatalf("String() = %s", s)
	}
}
