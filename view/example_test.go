package view_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing/fstest"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/view"
)

// A page in the default layout, served by a Kiln handler. In an app the
// templates usually come from an embed.FS:
//
//	//go:embed templates
//	var templateFS embed.FS
//
//	sub, err := fs.Sub(templateFS, "templates")
func Example() {
	templates := fstest.MapFS{
		"layouts/app.html": {Data: []byte(`<title>{{block "title" .}}Blog{{end}}</title>
<main>{{template "content" .}}</main>`)},
		"posts/index.html": {Data: []byte(`{{define "title"}}Posts{{end}}
{{range .}}<h2>{{.}}</h2>{{end}}`)},
	}
	views, err := view.New(templates, nil)
	if err != nil {
		panic(err) // a syntax error, naming the file
	}

	app := kiln.New(kiln.Config{})
	app.Get("/posts", func(w http.ResponseWriter, r *http.Request) error {
		return views.Render(w, http.StatusOK, "posts/index", []string{"Hello", "<Kiln>"})
	})

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/posts", nil))
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body)
	// Output:
	// text/html; charset=utf-8
	// <title>Posts</title>
	// <main>
	// <h2>Hello</h2><h2>&lt;Kiln&gt;</h2></main>
}

// Partials are files whose name starts with an underscore; every page can
// include them by name. Funcs adds functions to every template.
func ExampleConfig() {
	templates := fstest.MapFS{
		"posts/_card.html": {Data: []byte(`<article>{{shout .}}</article>`)},
		"posts/show.html":  {Data: []byte(`{{template "posts/_card" .}}`)},
	}
	views, err := view.New(templates, &view.Config{
		Funcs: template.FuncMap{"shout": func(s string) string { return s + "!" }},
	})
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	if err := views.Render(rec, http.StatusOK, "posts/show", "Hello"); err != nil {
		panic(err)
	}
	fmt.Println(rec.Body)
	// Output: <article>Hello!</article>
}

// Pages render in another layout, or in none, with RenderLayout.
func ExampleRenderer_RenderLayout() {
	templates := fstest.MapFS{
		"layouts/app.html":   {Data: []byte(`<main>{{template "content" .}}</main>`)},
		"layouts/admin.html": {Data: []byte(`<div class="admin">{{template "content" .}}</div>`)},
		"users.html":         {Data: []byte(`{{len .}} users`)},
	}
	views, err := view.New(templates, nil)
	if err != nil {
		panic(err)
	}
	for _, layout := range []string{"layouts/app", "layouts/admin", ""} {
		rec := httptest.NewRecorder()
		if err := views.RenderLayout(rec, http.StatusOK, layout, "users", []string{"ada", "bob"}); err != nil {
			panic(err)
		}
		fmt.Println(rec.Body)
	}
	// Output:
	// <main>2 users</main>
	// <div class="admin">2 users</div>
	// 2 users
}

// Execute writes a page to any io.Writer, such as an e-mail body.
func ExampleRenderer_Execute() {
	templates := fstest.MapFS{
		"emails/welcome.html": {Data: []byte(`<p>Welcome, {{.}}.</p>`)},
	}
	views, err := view.New(templates, nil)
	if err != nil {
		panic(err)
	}
	if err := views.Execute(os.Stdout, "", "emails/welcome", "Ada"); err != nil {
		panic(err)
	}
	// Output: <p>Welcome, Ada.</p>
}

// badge is a Component, as templ generates them.
type badge string

func (b badge) Render(ctx context.Context, w io.Writer) error {
	_, err := fmt.Fprintf(w, "<span class=badge>%s</span>", template.HTMLEscapeString(string(b)))
	return err
}

func ExampleRenderComponent() {
	h := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return view.RenderComponent(w, r, http.StatusOK, badge("new & shiny"))
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(rec.Body)
	// Output: <span class=badge>new &amp; shiny</span>
}
