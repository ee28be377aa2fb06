package kiln_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kiln-web/kiln"
)

// get serves one GET request and prints the status and body.
func get(h http.Handler, target string, header ...string) {
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
}

func Example() {
	app := kiln.New(kiln.Config{})
	app.Get("/hello/{name}", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, http.StatusOK, "Hello, "+r.PathValue("name")+"!")
	})
	get(app, "/hello/gopher")
	// Output: 200 Hello, gopher!
}

func ExampleRouter_Handle() {
	app := kiln.New(kiln.Config{})
	// Any ServeMux pattern works: method, host, wildcards, {$}, {path...}.
	app.Handle("GET /files/{path...}", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, 200, "file "+r.PathValue("path"))
	})
	// Plain net/http handlers are accepted everywhere.
	app.Handle("GET /health", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	get(app, "/files/css/site.css")
	get(app, "/health")
	// Output:
	// 200 file css/site.css
	// 200 ok
}

func ExampleRouter_Group() {
	app := kiln.New(kiln.Config{})
	requireToken := func(next http.Handler) http.Handler {
		return kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			if r.Header.Get("Authorization") != "Bearer secret" {
				return kiln.Unauthorized("A valid token is required.")
			}
			next.ServeHTTP(w, r)
			return nil
		})
	}
	app.Group("/admin", func(g *kiln.Router) {
		g.Use(requireToken)
		g.Get("/stats", func(w http.ResponseWriter, r *http.Request) error {
			return kiln.Text(w, 200, "42 users")
		})
	})
	get(app, "/admin/stats", "Authorization", "Bearer secret")
	req := httptest.NewRequest("GET", "/admin/stats", nil)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// 200 42 users
	// 401 application/problem+json
}

func ExampleRouter_URL() {
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil }).Name("post.show")
	u, err := app.URL("post.show", "id", 42)
	fmt.Println(u, err)
	_, err = app.URL("post.show")
	fmt.Println(err)
	// Output:
	// /posts/42 <nil>
	// kiln: URL("post.show"): missing parameter "id" for "GET /posts/{id}"
}

type photos struct{}

func (photos) Index(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "all photos")
}
func (photos) Show(w http.ResponseWriter, r *http.Request) error {
	return kiln.Text(w, 200, "photo "+r.PathValue("id"))
}

func ExampleRouter_Resource() {
	app := kiln.New(kiln.Config{})
	app.Resource("/photos", photos{}) // registers only the actions photos implements
	for _, r := range app.Routes() {
		fmt.Println(r.Pattern, r.Name)
	}
	get(app, "/photos/7")
	// Output:
	// GET /photos photos.index
	// GET /photos/{id} photos.show
	// 200 photo 7
}

func ExampleRouter_Mount() {
	app := kiln.New(kiln.Config{})
	api := kiln.NewRouter()
	api.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Text(w, 200, "user "+r.PathValue("id")+" at "+r.URL.Path)
	})
	app.Mount("/api/v1", api) // api sees paths without the prefix
	get(app, "/api/v1/users/3")
	// Output: 200 user 3 at /users/3
}

func ExampleNewError() {
	app := kiln.New(kiln.Config{})
	app.Get("/posts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NewError(http.StatusNotFound, "No post has id "+r.PathValue("id")+".").WithCode("post_not_found")
	})
	req := httptest.NewRequest("GET", "/posts/9", nil)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 404 application/problem+json
	// {
	//   "type": "about:blank",
	//   "title": "Not Found",
	//   "status": 404,
	//   "detail": "No post has id 9.",
	//   "code": "post_not_found",
	//   "instance": "/posts/9"
	// }
}

func ExampleWriteError() {
	// Middleware answers errors in the app's format with WriteError.
	onlyJSON := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/json" {
				kiln.WriteError(w, r, kiln.NewError(http.StatusUnsupportedMediaType, "Send JSON."))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	app := kiln.New(kiln.Config{})
	app.Use(onlyJSON)
	app.Post("/items", func(w http.ResponseWriter, r *http.Request) error { return kiln.NoContent(w) })
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("POST", "/items", strings.NewReader("x=1")))
	fmt.Println(rec.Code)
	// Output: 415
}

func ExampleErrorStatus() {
	err := fmt.Errorf("loading: %w", kiln.NotFound("no such post"))
	fmt.Println(kiln.ErrorStatus(err))
	fmt.Println(kiln.ErrorStatus(errors.New("boom")))
	// Output:
	// 404
	// 500
}
