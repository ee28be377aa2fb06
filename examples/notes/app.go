package main

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/middleware"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// newApp wires the whole application: middleware, routes and templates.
// Tests call it with their own config and store.
func newApp(cfg Config, store *store) (*kiln.App, error) {
	app := kiln.New(cfg.AppConfig())

	app.Use(
		middleware.RequestID,
		middleware.LoggerWith(middleware.LoggerConfig{Logger: app.Logger()}),
		middleware.Recoverer,
		middleware.SecureHeaders,
		http.NewCrossOriginProtection().Handler, // CSRF protection for the forms (Go 1.25+)
		middleware.Timeout(10*time.Second),
		middleware.Compress,
	)

	pages, err := newPages(app, cfg.Title)
	if err != nil {
		return nil, err
	}
	h := &handlers{store: store, pages: pages, app: app}

	app.Get("/{$}", h.home).Name("home")
	app.Post("/notes", h.createFromForm).Name("notes.create")
	app.Get("/notes/{id}", h.showPage).Name("notes.show")
	app.Get("/healthz", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	app.Group("/api", func(g *kiln.Router) {
		g.Resource("/notes", &api{store: store})
	})

	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	app.Mount("/static", middleware.Static(middleware.StaticConfig{FS: static}))
	return app, nil
}

// pages renders the HTML templates, with a "url" function for named routes.
type pages struct {
	tmpl  *template.Template
	title string
}

func newPages(app *kiln.App, title string) (*pages, error) {
	funcs := template.FuncMap{
		"url": func(name string, pairs ...any) (string, error) { return app.URL(name, pairs...) },
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &pages{tmpl: t, title: title}, nil
}

func (p *pages) render(w http.ResponseWriter, status int, name string, data map[string]any) error {
	data["Title"] = p.title
	var b strings.Builder
	if err := p.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	return kiln.HTML(w, status, b.String())
}
