package techempower

import (
	"context"
	"encoding/json"
	"html/template"
	"net"

	"github.com/valyala/fasthttp"
)

// The fasthttp baseline: a fasthttp.Server with one handler switching on
// the path, raw pgx, and fasthttp's own Server and Date headers. It is the
// ceiling overall (Fiber runs on it).

type rawFast struct {
	st   pgStore
	tmpl *template.Template
	srv  *fasthttp.Server
}

func newFastHTTP(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h := &rawFast{st: pgStore{pool: pool}, tmpl: fortunesTemplate()}
	h.srv = &fasthttp.Server{Handler: h.serve, Name: "fasthttp"}
	return h, nil
}

func (h *rawFast) Serve(ln net.Listener) error { return h.srv.Serve(ln) }

func (h *rawFast) Shutdown(ctx context.Context) error {
	err := h.srv.ShutdownWithContext(ctx)
	h.st.pool.Close()
	return err
}

func (h *rawFast) serve(c *fasthttp.RequestCtx) {
	switch string(c.Path()) {
	case "/json":
		h.json(c, &message{Message: helloWorld})
	case "/db":
		w, err := h.st.world(c, RandomID())
		h.reply(c, &w, err)
	case "/queries":
		ws, err := h.st.worlds(c, QueryCount(string(c.QueryArgs().Peek("queries"))))
		h.reply(c, ws, err)
	case "/fortunes":
		fs, err := h.st.fortunes(c)
		if err != nil {
			c.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		c.SetContentType("text/html; charset=utf-8")
		if err := h.tmpl.Execute(c, fs); err != nil {
			c.Error(err.Error(), fasthttp.StatusInternalServerError)
		}
	case "/updates":
		ws, err := h.st.update(c, QueryCount(string(c.QueryArgs().Peek("queries"))))
		h.reply(c, ws, err)
	case "/plaintext":
		c.SetContentType("text/plain; charset=utf-8")
		c.SetBodyString(helloWorld)
	default:
		c.Error("not found", fasthttp.StatusNotFound)
	}
}

func (h *rawFast) reply(c *fasthttp.RequestCtx, v any, err error) {
	if err != nil {
		c.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	h.json(c, v)
}

func (h *rawFast) json(c *fasthttp.RequestCtx, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	c.SetContentType("application/json")
	c.SetBody(b)
}
