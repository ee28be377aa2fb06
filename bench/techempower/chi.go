package techempower

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Chi, as its users write it: chi.NewRouter with chi's RequestID,
// Recoverer and SetHeader middleware, plain net/http handlers that encode
// JSON with json.NewEncoder and execute the template straight into the
// ResponseWriter, and pgx for the data.

func newChi(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st := pgStore{pool: pool}
	tmpl := fortunesTemplate()
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer, middleware.SetHeader("Server", "Chi"))
	r.Get("/json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, &message{Message: helloWorld})
	})
	r.Get("/db", func(w http.ResponseWriter, r *http.Request) {
		world, err := st.world(r.Context(), RandomID())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, &world)
	})
	r.Get("/queries", func(w http.ResponseWriter, r *http.Request) {
		ws, err := st.worlds(r.Context(), QueryCount(r.URL.Query().Get("queries")))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, ws)
	})
	r.Get("/fortunes", func(w http.ResponseWriter, r *http.Request) {
		fs, err := st.fortunes(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		tmpl.Execute(w, fs)
	})
	r.Get("/updates", func(w http.ResponseWriter, r *http.Request) {
		ws, err := st.update(r.Context(), QueryCount(r.URL.Query().Get("queries")))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, ws)
	})
	r.Get("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, helloWorld)
	})
	return newHTTPServer(r, pool.Close), nil
}

// writeJSON is the helper a Chi app writes (or takes from go-chi/render).
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
