package main

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/middleware"
	"github.com/kiln-web/kiln/view"
)

//go:embed templates
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

	views, err := newViews(app, cfg.Title)
	if err != nil {
		return nil, err
	}
	h := &handlers{store: store, views: views, app: app}

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

// newViews parses the HTML templates (layouts/app.html around each page),
// with a "url" function for named routes and a "site" function for the
// site title.
func newViews(app *kiln.App, title string) (*view.Renderer, error) {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	return view.New(sub, &view.Config{Funcs: template.FuncMap{
		"url":  func(name string, pairs ...any) (string, error) { return app.URL(name, pairs...) },
		"site": func() string { return title },
	}})
}
