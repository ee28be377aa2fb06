package middleware_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing/fstest"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/middleware"
)

func Example() {
	app := kiln.New(kiln.Config{})
	app.Use(middleware.RequestID, middleware.Recoverer, middleware.SecureHeaders)
	app.Get("/hello", func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.WriteString(w, "hello")
		return err
	})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/hello", nil)
	req.Header.Set("X-Request-Id", "abc123")
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	fmt.Println(rec.Header().Get("X-Request-Id"))
	fmt.Println(rec.Header().Get("X-Content-Type-Options"))
	// Output:
	// 200 hello
	// abc123
	// nosniff
}

func ExampleRequestID() {
	h := middleware.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler sees:", kiln.RequestID(r))
	}))

	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-Id", "from-the-proxy-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println("response header:", rec.Header().Get("X-Request-Id"))

	// Without an incoming id (or with an unsafe one), one is generated.
	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-Id", "<script>")
	rec = httptest.NewRecorder()
	middleware.RequestID(http.NotFoundHandler()).ServeHTTP(rec, req)
	fmt.Println("generated length:", len(rec.Header().Get("X-Request-Id")))
	// Output:
	// handler sees: from-the-proxy-42
	// response header: from-the-proxy-42
	// generated length: 24
}

func ExampleRecoverer() {
	// Log without time or stack, so the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "stack" {
				return slog.Attr{}
			}
			return a
		},
	}))
	app := kiln.New(kiln.Config{Logger: logger})
	app.Use(middleware.RequestID, middleware.Recoverer)
	app.Handle("GET /orders", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("nil map write")
	}))

	srv := httptest.NewServer(app)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/orders", nil)
	req.Header.Set("X-Request-Id", "req-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.Contains(string(body), "nil map"))
	// Output:
	// level=ERROR msg="panic recovered" status=500 method=GET path=/orders error="panic: nil map write" response_started=false request_id=req-1
	// 500 false
}

func ExampleRateLimit() {
	limit := middleware.RateLimit(middleware.RateLimitConfig{Limit: 2, Period: time.Minute})
	h := limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))

	for i := range 3 {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "203.0.113.9:51000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d: %d remaining=%s retry-after=%q\n", i+1, rec.Code,
			rec.Header().Get("RateLimit-Remaining"), rec.Header().Get("Retry-After"))
	}
	// Output:
	// 1: 200 remaining=1 retry-after=""
	// 2: 200 remaining=0 retry-after=""
	// 3: 429 remaining=0 retry-after="30"
}

func ExampleStatic() {
	// An embed.FS works the same way; fs.Sub picks a directory of it.
	assets := fstest.MapFS{
		"css/site.css": {Data: []byte("body { margin: 0 }")},
		".env":         {Data: []byte("SECRET=1")},
	}
	app := kiln.New(kiln.Config{})
	app.Mount("/static", middleware.Static(middleware.StaticConfig{FS: assets, MaxAge: time.Hour}))

	for _, path := range []string{"/static/css/site.css", "/static/.env", "/static/missing.css"} {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code)
	}
	// Output:
	// /static/css/site.css 200
	// /static/.env 404
	// /static/missing.css 404
}

func ExampleTimeout() {
	h := middleware.Timeout(20 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second): // slow work that honours the context
			io.WriteString(w, "done")
		case <-r.Context().Done():
			// Give up; the middleware answers 503.
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code)
	// Output: 503
}

func ExampleRealIP() {
	realIP, err := middleware.RealIP(middleware.RealIPConfig{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := realIP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.RemoteAddr)
	}))
	for _, peer := range []string{"10.1.2.3:4000", "198.51.100.7:4000"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", "203.0.113.50")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	// Output:
	// 203.0.113.50:0
	// 198.51.100.7:4000
}

// ExampleRateLimitStore shows the shape of a custom store, such as one
// backed by Redis for limits shared by several app nodes.
func ExampleRateLimitStore() {
	var store middleware.RateLimitStore = allowAll{}
	res, _ := store.Allow(context.Background(), "203.0.113.9")
	fmt.Println(res.Allowed)
	// Output: true
}

type allowAll struct{}

func (allowAll) Allow(context.Context, string) (middleware.RateLimitResult, error) {
	return middleware.RateLimitResult{Allowed: true, Limit: 100, Remaining: 100}, nil
}
