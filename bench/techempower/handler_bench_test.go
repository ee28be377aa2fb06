package techempower

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler runs /json and /plaintext through each net/http
// contestant's handler in-process, without sockets, so that the
// framework's own per-request cost (routing, middleware, the response
// helpers) shows apart from the system calls that dominate the wrk runs:
//
//	cd bench && go test -run '^$' -bench Handler -benchmem ./techempower/
//
// Fiber and fasthttp are left out: they do not serve http.Handler.
// It needs PostgreSQL only because every contestant opens its pool.
func BenchmarkHandler(b *testing.B) {
	base, _ := setup(b)
	for _, path := range []string{"/json", "/plaintext"} {
		b.Run(path[1:], func(b *testing.B) {
			for _, c := range Contestants() {
				b.Run(c.Name, func(b *testing.B) {
					h := handlerOf(b, c, base)
					if h == nil {
						b.Skipf("%s does not serve an http.Handler", c.Name)
					}
					req := httptest.NewRequest(http.MethodGet, path, nil)
					w := &discardWriter{header: make(http.Header, 8)}
					h.ServeHTTP(w, req)
					if w.status != http.StatusOK || w.n == 0 {
						b.Fatalf("%s %s: status %d, %d bytes", c.Name, path, w.status, w.n)
					}
					b.ReportAllocs()
					for b.Loop() {
						clear(w.header)
						w.status, w.n = 0, 0
						h.ServeHTTP(w, req)
					}
					if w.status != http.StatusOK {
						b.Fatalf("%s %s: status %d", c.Name, path, w.status)
					}
				})
			}
		})
	}
}

// handlerOf starts contestant c (without listening) and returns its
// http.Handler, or nil for the fasthttp-based ones.
func handlerOf(b *testing.B, c Contestant, databaseURL string) http.Handler {
	srv, err := c.New(context.Background(), Config{DatabaseURL: databaseURL})
	if err != nil {
		b.Fatalf("%s: %v", c.Name, err)
	}
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	switch s := srv.(type) {
	case *kilnServer:
		return s.app
	case *httpServer:
		return s.srv.Handler
	}
	return nil
}

// discardWriter is an http.ResponseWriter that keeps the status and counts
// the body's bytes.
type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}
