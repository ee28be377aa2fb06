package view_test

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/view"
)

// files is a small template tree with two layouts, partials and pages.
func files() fstest.MapFS {
	return fstest.MapFS{
		"layouts/app.html": {Data: []byte(
			`<title>{{block "title" .}}Kiln{{end}}</title><main>{{template "content" .}}</main>`)},
		"layouts/admin.html": {Data: []byte(
			`<title>Admin: {{block "title" .}}-{{end}}</title><div class="admin">{{template "content" .}}</div>`)},
		"_flash.html":       {Data: []byte(`<p class="flash">{{.}}</p>`)},
		"posts/_row.html":   {Data: []byte(`<li>{{.}}</li>`)},
		"posts/index.html":  {Data: []byte(`{{define "title"}}Posts{{end}}{{template "_flash" .Flash}}<ul>{{range .Titles}}{{template "posts/_row" .}}{{end}}</ul>`)},
		"home.html":         {Data: []byte(`Hello, {{.}}!`)},
		"broken.html":       {Data: []byte(`{{.Missing.Field}}`)},
		"notes.txt":         {Data: []byte(`not a template: {{`)},
		"static/site.css":   {Data: []byte(`body{}`)},
		"emails/_sig.html":  {Data: []byte(`-- Kiln`)},
		"emails/hello.html": {Data: []byte(`Hi {{.}} {{template "emails/_sig"}}`)},
	}
}

type postsPage struct {
	Flash  string
	Titles []string
}

func mustNew(t *testing.T, fsys fstest.MapFS, cfg *view.Config) *view.Renderer {
	t.Helper()
	v, err := view.New(fsys, cfg)
	if err != nil {
		t.Fatalf("view.New: %v", err)
	}
	return v
}

// serve runs h in a Kiln app behind a real HTTP server and returns the
// response to GET path, with its body read.
func serve(t *testing.T, h kiln.HandlerFunc, method string) (*http.Response, string) {
	t.Helper()
	app := kiln.New(kiln.Config{})
	app.Handle("/page", h)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(method, srv.URL+"/page", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestRenderInDefaultLayout(t *testing.T) {
	v := mustNew(t, files(), nil)
	res, body := serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return v.Render(w, http.StatusCreated, "posts/index", postsPage{
			Flash:  "Saved",
			Titles: []string{"First", `<script>alert("x")</script>`},
		})
	}, http.MethodGet)
	want := `<title>Posts</title><main><p class="flash">Saved</p><ul><li>First</li>` +
		`<li>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</li></ul></main>`
	if body != want {
		t.Errorf("body:\n got %s\nwant %s", body, want)
	}
	if res.StatusCode != http.StatusCreated {
		t.Errorf("status %d, want 201", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if res.ContentLength != int64(len(want)) {
		t.Errorf("Content-Length %d, want %d", res.ContentLength, len(want))
	}
}

func TestLayoutBlockDefault(t *testing.T) {
	v := mustNew(t, files(), nil)
	rec := httptest.NewRecorder()
	if err := v.Render(rec, http.StatusOK, "home", "Ada"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Body.String(), `<title>Kiln</title><main>Hello, Ada!</main>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRenderLayout(t *testing.T) {
	v := mustNew(t, files(), nil)
	for _, tc := range []struct{ layout, want string }{
		{"layouts/admin", `<title>Admin: -</title><div class="admin">Hello, Ada!</div>`},
		{"layouts/app", `<title>Kiln</title><main>Hello, Ada!</main>`},
		{"", `Hello, Ada!`},
	} {
		rec := httptest.NewRecorder()
		if err := v.RenderLayout(rec, http.StatusOK, tc.layout, "home", "Ada"); err != nil {
			t.Fatalf("layout %q: %v", tc.layout, err)
		}
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("layout %q: got %s, want %s", tc.layout, got, tc.want)
		}
	}
}

func TestConfigLayout(t *testing.T) {
	v := mustNew(t, files(), &view.Config{Layout: "layouts/admin"})
	rec := httptest.NewRecorder()
	if err := v.Render(rec, http.StatusOK, "home", "Ada"); err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); !strings.HasPrefix(got, "<title>Admin: -</title>") {
		t.Errorf("Config.Layout admin: got %s", got)
	}

	v = mustNew(t, files(), &view.Config{Layout: "-"})
	rec = httptest.NewRecorder()
	if err := v.Render(rec, http.StatusOK, "home", "Ada"); err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); got != "Hello, Ada!" {
		t.Errorf(`Config.Layout "-": got %s`, got)
	}

	for layout, want := range map[string]string{
		"admin":         `view: no layout "admin": layouts are named with their folder, as "layouts/admin"`,
		"print":         `view: no layout "print": layouts are files under layouts/; add layouts/print.html to the templates and name it "layouts/print" (layouts: layouts/admin, layouts/app)`,
		"layouts/print": `view: no layout "layouts/print": add layouts/print.html to the templates (layouts: layouts/admin, layouts/app)`,
	} {
		_, err := view.New(files(), &view.Config{Layout: layout})
		if err == nil || err.Error() != want {
			t.Errorf("Layout %q: error %v,\nwant %s", layout, err, want)
		}
	}
}

func TestNoLayoutsInTree(t *testing.T) {
	v := mustNew(t, fstest.MapFS{"home.html": {Data: []byte(`<p>{{.}}</p>`)}}, nil)
	rec := httptest.NewRecorder()
	if err := v.Render(rec, http.StatusOK, "home", "<b>"); err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); got != "<p>&lt;b&gt;</p>" {
		t.Errorf("got %s", got)
	}
}

func TestPagesAndExtension(t *testing.T) {
	v := mustNew(t, files(), nil)
	got := strings.Join(v.Pages(), ",")
	if want := "broken,emails/hello,home,posts/index"; got != want {
		t.Errorf("Pages() = %s, want %s", got, want)
	}
	v = mustNew(t, fstest.MapFS{"a.tmpl": {Data: []byte("A")}, "b.html": {Data: []byte("B")}},
		&view.Config{Extension: ".tmpl"})
	if got := strings.Join(v.Pages(), ","); got != "a" {
		t.Errorf("Extension .tmpl: Pages() = %s, want a", got)
	}
}

// A failed render sends nothing: the app's error handler answers 500 with
// no part of the page, and the cause stays out of the response.
func TestRenderFailureSendsNothing(t *testing.T) {
	v := mustNew(t, files(), nil)
	for _, tc := range []struct {
		name, page, inErr string
	}{
		{"execution error", "broken", `view: rendering page "broken" in layout "layouts/app"`},
		{"unknown page", "posts/show", `view: no page "posts/show": add posts/show.html to the templates (pages: broken, emails/hello, home, posts/index)`},
		{"layout as page", "layouts/app", `"layouts/app" is a layout, not a page`},
		{"partial as page", "_flash", `"_flash" is a partial, not a page`},
		{"page with its extension", "home.html", `view: no page "home.html": name pages without the extension, as "home"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var renderErr error
			res, body := serve(t, func(w http.ResponseWriter, r *http.Request) error {
				renderErr = v.Render(w, http.StatusOK, tc.page, map[string]any{"Missing": 1})
				return renderErr
			}, http.MethodGet)
			if renderErr == nil || !strings.Contains(renderErr.Error(), tc.inErr) {
				t.Fatalf("error %v, want one containing %q", renderErr, tc.inErr)
			}
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("status %d, want 500", res.StatusCode)
			}
			if strings.Contains(body, "<main>") || strings.Contains(body, "view:") {
				t.Errorf("the 500 page leaks the page or the cause:\n%s", body)
			}
		})
	}
}

func TestRenderUnknownLayout(t *testing.T) {
	v := mustNew(t, files(), nil)
	rec := httptest.NewRecorder()
	err := v.RenderLayout(rec, http.StatusOK, "layouts/print", "home", "Ada")
	if err == nil || !strings.Contains(err.Error(), `no layout "layouts/print": add layouts/print.html`) {
		t.Errorf("error %v", err)
	}
	if rec.Body.Len() != 0 || rec.Code != http.StatusOK || len(rec.Header()) != 0 {
		t.Errorf("something was written: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
}

func TestNewReportsTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fsys  fstest.MapFS
		inErr string
	}{
		{"syntax error in a page", fstest.MapFS{"posts/index.html": {Data: []byte("\n{{if}}")}},
			"view: parsing posts/index.html: template: posts/index.html:2: missing value for if"},
		{"syntax error in a layout New does not use", fstest.MapFS{"home.html": {Data: []byte("x")}, "layouts/app.html": {Data: []byte(`{{template "content" .}}`)}, "layouts/admin.html": {Data: []byte("{{if}}")}},
			"view: parsing layouts/admin.html"},
		{"syntax error in a layout", fstest.MapFS{"home.html": {Data: []byte("x")}, "layouts/app.html": {Data: []byte("{{end}}")}},
			"view: parsing layouts/app.html"},
		{"syntax error in a partial", fstest.MapFS{"home.html": {Data: []byte("x")}, "_p.html": {Data: []byte("{{")}},
			"view: parsing _p.html"},
		{"undefined function", fstest.MapFS{"home.html": {Data: []byte(`{{url "home"}}`)}},
			`function "url" not defined`},
		{"no pages", fstest.MapFS{"layouts/app.html": {Data: []byte("x")}},
			`view: no pages (files named *.html outside layouts/ and not starting with _) in the templates FS; pass the directory that holds them`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := view.New(tc.fsys, nil)
			if err == nil || !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("error %v, want one containing %q", err, tc.inErr)
			}
		})
	}
	if _, err := view.New(nil, nil); err == nil || !strings.Contains(err.Error(), "needs a file system") {
		t.Errorf("nil FS: %v", err)
	}
}

func TestFuncs(t *testing.T) {
	fsys := fstest.MapFS{"home.html": {Data: []byte(`<a href="{{url "post" 7}}">{{upper .}}</a>`)}}
	v := mustNew(t, fsys, &view.Config{Funcs: template.FuncMap{
		"url":   func(name string, id int) string { return "/posts/" + strconv.Itoa(id) + "?x=<" },
		"upper": strings.ToUpper,
	}})
	rec := httptest.NewRecorder()
	if err := v.Render(rec, http.StatusOK, "home", "ada"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Body.String(), `<a href="/posts/7?x=%3c">ADA</a>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestReload(t *testing.T) {
	fsys := fstest.MapFS{"home.html": {Data: []byte("v1")}}
	cached := mustNew(t, fsys, nil)
	reloading := mustNew(t, fsys, &view.Config{Reload: true})
	fsys["home.html"] = &fstest.MapFile{Data: []byte("v2")}
	fsys["new.html"] = &fstest.MapFile{Data: []byte("new page")}
	for _, tc := range []struct {
		v          *view.Renderer
		page, want string
	}{
		{cached, "home", "v1"},
		{reloading, "home", "v2"},
		{reloading, "new", "new page"},
	} {
		rec := httptest.NewRecorder()
		if err := tc.v.Render(rec, http.StatusOK, tc.page, nil); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.page, got, tc.want)
		}
	}
	if err := cached.Render(httptest.NewRecorder(), http.StatusOK, "new", nil); err == nil {
		t.Error("a renderer without Reload rendered a page added after New")
	}
	if got := strings.Join(reloading.Pages(), ","); got != "home,new" {
		t.Errorf("Reload: Pages() = %s", got)
	}
}

func TestExecute(t *testing.T) {
	v := mustNew(t, files(), nil)
	var b strings.Builder
	if err := v.Execute(&b, "", "emails/hello", "Ada"); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "Hi Ada -- Kiln" {
		t.Errorf("got %q", got)
	}
	if err := v.Execute(&b, "", "emails/bye", nil); err == nil || !strings.Contains(err.Error(), `no page "emails/bye"`) {
		t.Errorf("unknown page: %v", err)
	}
}

// Many goroutines rendering pages in layouts that New did not build.
// Run with -race.
func TestConcurrentRenders(t *testing.T) {
	v := mustNew(t, files(), nil)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			layout := []string{"layouts/admin", "", "layouts/app"}[i%3]
			for range 50 {
				rec := httptest.NewRecorder()
				if err := v.RenderLayout(rec, http.StatusOK, layout, "home", i); err != nil {
					t.Error(err)
					return
				}
				if !strings.Contains(rec.Body.String(), fmt.Sprintf("Hello, %d!", i)) {
					t.Errorf("got %s", rec.Body)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A page larger than net/http's response buffer still arrives whole, with
// its length.
func TestLargePage(t *testing.T) {
	v := mustNew(t, files(), nil)
	titles := make([]string, 5000)
	for i := range titles {
		titles[i] = "post " + strconv.Itoa(i)
	}
	res, body := serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return v.Render(w, http.StatusOK, "posts/index", postsPage{Titles: titles})
	}, http.MethodGet)
	if !strings.HasSuffix(body, "<li>post 4999</li></ul></main>") || res.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d, body of %d bytes ending %q", res.ContentLength, len(body), body[max(0, len(body)-40):])
	}
	getLength := len(body)
	res, _ = serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return v.Render(w, http.StatusOK, "posts/index", postsPage{Titles: titles})
	}, http.MethodHead)
	if res.StatusCode != http.StatusOK || res.ContentLength != int64(getLength) {
		t.Errorf("HEAD: status %d, Content-Length %d, want 200 and %d", res.StatusCode, res.ContentLength, getLength)
	}
}

// greeting is a Component, as templ generates them.
type greeting struct{ name string }

func (g greeting) Render(ctx context.Context, w io.Writer) error {
	if g.name == "" {
		return errors.New("no name")
	}
	_, err := io.WriteString(w, "<p>Hello, "+template.HTMLEscapeString(g.name)+"</p>")
	return err
}

func TestRenderComponent(t *testing.T) {
	res, body := serve(t, func(w http.ResponseWriter, r *http.Request) error {
		return view.RenderComponent(w, r, http.StatusOK, greeting{"<Ada>"})
	}, http.MethodGet)
	if body != "<p>Hello, &lt;Ada&gt;</p>" || res.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		res.ContentLength != int64(len(body)) {
		t.Errorf("got %d %v %q", res.StatusCode, res.Header, body)
	}

	var renderErr error
	res, body = serve(t, func(w http.ResponseWriter, r *http.Request) error {
		renderErr = view.RenderComponent(w, r, http.StatusOK, greeting{})
		return renderErr
	}, http.MethodGet)
	if renderErr == nil || renderErr.Error() != "view: rendering view_test.greeting: no name" {
		t.Errorf("error %v", renderErr)
	}
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "Hello") {
		t.Errorf("failed component: status %d, body %q", res.StatusCode, body)
	}
}

// Page names cannot clash with the templates layouts and partials define:
// a page called title or content renders as itself.
func TestPageNamesDoNotClash(t *testing.T) {
	v := mustNew(t, fstest.MapFS{
		"layouts/app.html":   {Data: []byte(`<title>{{block "title" .}}Default{{end}}</title>{{template "layouts/_nav"}}<main>{{template "content" .}}</main>`)},
		"layouts/_nav.html":  {Data: []byte(`<nav>{{template "_brand"}}</nav>`)},
		"_brand.html":        {Data: []byte(`Kiln`)},
		"title.html":         {Data: []byte(`<h1>About</h1>`)},
		"content.html":       {Data: []byte(`{{define "title"}}Contents{{end}}`)},
		".#title.html":       {Data: []byte(`{{ an editor's lock file`)},
		"sub/.hidden.html":   {Data: []byte(`{{`)},
		"emptydefine.html":   {Data: []byte(`{{define "title"}}{{end}}x`)},
		"blankedblock.html":  {Data: []byte(`{{define "title"}}{{""}}{{end}}x`)},
		"brandoverride.html": {Data: []byte(`{{define "_brand"}}Mine{{end}}y`)},
	}, nil)
	for page, want := range map[string]string{
		"title":         `<title>Default</title><nav>Kiln</nav><main><h1>About</h1></main>`,
		"content":       `<title>Contents</title><nav>Kiln</nav><main></main>`,
		"emptydefine":   `<title>Default</title><nav>Kiln</nav><main>x</main>`, // an empty define replaces nothing
		"blankedblock":  `<title></title><nav>Kiln</nav><main>x</main>`,
		"brandoverride": `<title>Default</title><nav>Mine</nav><main>y</main>`,
	} {
		rec := httptest.NewRecorder()
		if err := v.Render(rec, http.StatusOK, page, nil); err != nil {
			t.Errorf("%s: %v", page, err)
			continue
		}
		if got := rec.Body.String(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", page, got, want)
		}
	}
	if got := strings.Join(v.Pages(), ","); got != "blankedblock,brandoverride,content,emptydefine,title" {
		t.Errorf("Pages() = %s (layouts/_nav is a partial; dot-files are ignored)", got)
	}
}
