package techempower

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkHandler runs each test's request through each net/http
// contestant's handler in-process, without the HTTP sockets, so that the
// framework's own per-request cost (routing, middleware, the response
// helpers, the data access) shows apart from the system calls that
// dominate the wrk runs; allocs/op is the steadiest figure it gives:
//
//	cd bench && go test -run '^$' -bench Handler -benchmem ./techempower/
//	cd bench && go test -run '^$' -bench 'Handler/(json|plaintext)' -benchmem ./techempower/
//
// The database tests still talk to PostgreSQL over loopback, one request
// at a time. Each request carries a cancellable context, as a server's
// requests do (database/sql and pgx both cost more with one). Fiber and
// fasthttp are left out: they do not serve http.Handler.
func BenchmarkHandler(b *testing.B) {
	base, _ := setup(b)
	tests := []struct{ name, path string }{
		{"json", "/json"},
		{"db", "/db"},
		{"queries", "/queries?queries=20"},
		{"fortunes", "/fortunes"},
		{"updates", "/updates?queries=20"},
		{"plaintext", "/plaintext"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, test := range tests {
		path := test.path
		b.Run(test.name, func(b *testing.B) {
			for _, c := range Contestants() {
				b.Run(c.Name, func(b *testing.B) {
					h := handlerOf(b, c, base)
					if h == nil {
						b.Skipf("%s does not serve an http.Handler", c.Name)
					}
					req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
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

// WriteString is Write for a string, as net/http's own response writer
// has it, so that a framework writing strings is not charged a []byte
// conversion the real server would not make.
func (w *discardWriter) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(s)
	return len(s), nil
}

// SetWriteDeadline and EnableFullDuplex are there because net/http's own
// writer has them: Kiln takes a writer with both for the server's, which
// sends Content-Length itself for a small body, and then leaves it out of
// the header map, as the peers' handlers do (they rely on the server for
// it). Without them Kiln alone would be charged for the header.
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }

// EnableFullDuplex: see SetWriteDeadline.
func (w *discardWriter) EnableFullDuplex() error { return nil }
