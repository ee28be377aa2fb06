package techempower

import (
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The net/http baseline: one handler with a switch on the path, no
// router and no middleware, raw pgx, and header values shared between
// responses instead of allocated per request. It is the ceiling for the
// frameworks built on net/http (Kiln, Gin, Echo, Chi).

type rawHTTP struct {
	st   pgStore
	tmpl *template.Template
}

// Header values set by assigning the map entry: no canonicalisation and
// no allocation per response.
var (
	hdrServer = []string{"net/http"}[:1:1]
	hdrJSON   = []string{"application/json"}[:1:1]
	hdrHTML   = []string{"text/html; charset=utf-8"}[:1:1]
	hdrText   = []string{"text/plain; charset=utf-8"}[:1:1]
)

func newNetHTTP(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &rawHTTP{st: pgStore{pool: pool}, tmpl: fortunesTemplate()}
	return newHTTPServer(h, pool.Close), nil
}

func (h *rawHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["Server"] = hdrServer
	ctx := r.Context()
	switch r.URL.Path {
	case "/json":
		h.json(w, &message{Message: helloWorld})
	case "/db":
		world, err := h.st.world(ctx, RandomID())
		h.reply(w, &world, err)
	case "/queries":
		ws, err := h.st.worlds(ctx, QueryCount(rawQueryValue(r.URL.RawQuery, "queries")))
		h.reply(w, ws, err)
	case "/fortunes":
		fs, err := h.st.fortunes(ctx)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var page strings.Builder
		if err := h.tmpl.Execute(&page, fs); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header()["Content-Type"] = hdrHTML
		w.Header()["Content-Length"] = []string{strconv.Itoa(page.Len())}
		io.WriteString(w, page.String())
	case "/updates":
		ws, err := h.st.update(ctx, QueryCount(rawQueryValue(r.URL.RawQuery, "queries")))
		h.reply(w, ws, err)
	case "/plaintext":
		w.Header()["Content-Type"] = hdrText
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(helloWorld))}
		io.WriteString(w, helloWorld)
	default:
		http.NotFound(w, r)
	}
}

func (h *rawHTTP) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.json(w, v)
}

func (h *rawHTTP) json(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = hdrJSON
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.Write(b)
}

// rawQueryValue returns the value of key in an unparsed query string
// without building url.Values, and without unescaping (the queries
// parameter is digits).
func rawQueryValue(query, key string) string {
	for query != "" {
		var kv string
		kv, query, _ = strings.Cut(query, "&")
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}
