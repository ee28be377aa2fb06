package kiln

import "net/http"

// Router registers routes (placeholder, being written).
type Router struct {
	app *App
	mux *http.ServeMux
}

func newRouter(app *App) *Router { return &Router{app: app, mux: http.NewServeMux()} }

// Handle registers h for pattern (placeholder).
func (rt *Router) Handle(pattern string, h any) { rt.mux.Handle(pattern, Handler(h)) }

func (rt *Router) serve(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
