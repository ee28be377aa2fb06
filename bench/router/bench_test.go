// Router benchmarks: Kiln against net/http's ServeMux, httprouter, Gin,
// Echo v5 and Chi v5, on the suites of
// github.com/julienschmidt/go-http-routing-benchmark, side by side as
// sub-benchmarks: BenchmarkGithubAll/kiln, BenchmarkGithubAll/servemux, ...
//
// # Fairness
//
// Every router runs through the same harness (serve, below), with these
// rules:
//
//   - A fresh *http.Request per served request. The original suite serves
//     one *http.Request over and over. That flatters routers that keep state
//     on the request: what ServeMux and Kiln store on the request for
//     r.PathValue (r.SetPathValue's map and slices) is already there on a
//     reused request, and anything cached on it survives into the next
//     iteration. A real server hands every request a new *http.Request, so
//     here each one is a shallow copy of a prepared request
//     (r := new(http.Request); *r = *prepared), made inside the timed loop
//     for every router alike. BenchmarkBaseline_Copy times that copy plus one
//     indirect call of an empty handler, the floor under every number here;
//     subtract it (per request served) to see the router alone.
//   - Requests shaped like the server's. Prepared requests come from
//     httptest.NewRequest (Host, RemoteAddr, RequestURI set, as http.Server
//     sets them) and carry the context chain http.Server gives a request:
//     the BaseContext, then ServerContextKey and LocalAddrContextKey values,
//     then a connection and a request cancel context. For Kiln the
//     BaseContext is app.BaseContext(nil), which App.Run's server uses; for
//     the others it is context.Background(), as in http.Server by default.
//     The per-request allocations of the server itself are not measured.
//   - One ResponseWriter type for all (discardWriter): its Header map is
//     reused, Write discards. It counts error and redirect statuses, and a
//     benchmark fails if any request got one: a router that 404s is not
//     fast, it is wrong. router_test.go checks, for every router, that
//     every route reaches its own handler with the right parameters.
//   - Idiomatic handlers. In the Param* suites each router's handler reads
//     every parameter its own way (r.PathValue for Kiln and ServeMux,
//     httprouter.Params.ByName, gin's c.Param, echo's c.Param,
//     chi.URLParam) and ParamWrite also writes one. In the Static*, Github*
//     suites the handlers are empty, as in the original: those measure
//     matching and whatever parameter extraction the router does eagerly.
//   - Routers in their production configuration: Gin in release mode from
//     gin.New (no logger, no recovery), Echo from echo.New (no middleware),
//     Kiln from kiln.New(kiln.Config{}) with its defaults.
//   - Route syntax converted per router: ":name" and "*name" stay for
//     httprouter, Gin and Echo ("*" for Echo's catch-all); Kiln and ServeMux
//     get "{name}", "{name...}", and "/{$}" for a trailing slash (see
//     ServeMuxPattern); Chi gets "{name}" and "*".
package router

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is the ResponseWriter every benchmark serves into.
type discardWriter struct {
	h   http.Header
	bad int // responses with a status >= 300
}

func newDiscardWriter() *discardWriter { return &discardWriter{h: make(http.Header)} }

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func (w *discardWriter) WriteString(s string) (int, error) { return len(s), nil }

func (w *discardWriter) WriteHeader(code int) {
	if code >= 300 {
		w.bad++
	}
}

var (
	benchServer = &http.Server{}
	benchAddr   = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
)

// newServerRequest returns a request for h shaped like one http.Server
// hands to a handler; see the fairness notes above.
func newServerRequest(tb testing.TB, h http.Handler, method, target string) *http.Request {
	tb.Helper()
	base := context.Background()
	if bc, ok := h.(interface {
		BaseContext(net.Listener) context.Context
	}); ok {
		base = bc.BaseContext(nil)
	}
	ctx := context.WithValue(base, http.ServerContextKey, benchServer)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, benchAddr)
	ctx, cancelConn := context.WithCancel(ctx)
	ctx, cancelReq := context.WithCancel(ctx)
	tb.Cleanup(cancelConn)
	tb.Cleanup(cancelReq)
	return httptest.NewRequestWithContext(ctx, method, target, nil)
}

// serve is the timed loop of every benchmark: one op serves each of reqs
// once, each as a fresh shallow copy.
func serve(b *testing.B, h http.Handler, reqs ...*http.Request) {
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range reqs {
			r := new(http.Request)
			*r = *p
			h.ServeHTTP(w, r)
		}
	}
	if w.bad > 0 {
		b.Fatalf("%d responses had an error or redirect status: the router did not match", w.bad)
	}
}

// benchRoutes runs one sub-benchmark per router, each serving every route
// of routes (with empty handlers) per op.
func benchRoutes(b *testing.B, routes []Route) {
	for _, rt := range Routers() {
		b.Run(rt.Name, func(b *testing.B) {
			h := rt.Load(routes, nil)
			reqs := make([]*http.Request, len(routes))
			for i, route := range routes {
				// As in the original, the request path is the route
				// itself: parameter ":owner" gets the value ":owner".
				reqs[i] = newServerRequest(b, h, route.Method, route.Path)
			}
			serve(b, h, reqs...)
		})
	}
}

// benchRequest runs one sub-benchmark per router, each serving one request
// per op to a router loaded with routes (with empty handlers).
func benchRequest(b *testing.B, routes []Route, method, target string) {
	for _, rt := range Routers() {
		b.Run(rt.Name, func(b *testing.B) {
			h := rt.Load(routes, nil)
			serve(b, h, newServerRequest(b, h, method, target))
		})
	}
}

// A paramCase is one single-route suite.
type paramCase struct {
	path   string   // neutral syntax
	names  []string // parameters the handler reads
	target string   // request path
	values []string // values the handler must read
	write  bool     // whether the handler writes values[0]
}

var (
	param1 = paramCase{
		path: "/user/:name", names: []string{"name"},
		target: "/user/gordon", values: []string{"gordon"},
	}
	param5 = paramCase{
		path:   "/:a/:b/:c/:d/:e",
		names:  []string{"a", "b", "c", "d", "e"},
		target: "/test/test/test/test/test",
		values: []string{"test", "test", "test", "test", "test"},
	}
	param20 = paramCase{
		path:   "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/:q/:r/:s/:t",
		names:  []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"},
		target: "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t",
		values: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"},
	}
	paramWrite = paramCase{
		path: "/user/:name", names: []string{"name"},
		target: "/user/gordon", values: []string{"gordon"}, write: true,
	}
)

func benchParam(b *testing.B, pc paramCase) {
	for _, rt := range Routers() {
		b.Run(rt.Name, func(b *testing.B) {
			out := make([]string, len(pc.names))
			h := rt.Single(pc.path, pc.names, out, pc.write)
			serve(b, h, newServerRequest(b, h, "GET", pc.target))
			if out[len(out)-1] != pc.values[len(out)-1] {
				b.Fatalf("handler read %q, want %q", out, pc.values)
			}
		})
	}
}

// BenchmarkBaseline_Copy times the harness alone: the fresh copy of the
// request and an indirect call of an empty handler. Subtract it per request
// from the other figures (once for single-request suites; "static-all" and
// "github-all" are the floors of StaticAll and GithubAll).
func BenchmarkBaseline_Copy(b *testing.B) {
	empty := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	many := func(routes []Route) []*http.Request {
		reqs := make([]*http.Request, len(routes))
		for i, route := range routes {
			reqs[i] = newServerRequest(b, empty, route.Method, route.Path)
		}
		return reqs
	}
	b.Run("single", func(b *testing.B) {
		serve(b, empty, newServerRequest(b, empty, "GET", "/user/repos"))
	})
	b.Run("static-all", func(b *testing.B) { serve(b, empty, many(StaticRoutes)...) })
	b.Run("github-all", func(b *testing.B) { serve(b, empty, many(GithubAPI)...) })
}

// Static routes: all 157 per op, and one.

func BenchmarkStaticAll(b *testing.B) { benchRoutes(b, StaticRoutes) }

func BenchmarkStaticSingle(b *testing.B) {
	benchRequest(b, StaticRoutes, "GET", "/gopher/pencil/gopherswim.jpg")
}

// GitHub API: one static route, one with two parameters, all 203 per op.

func BenchmarkGithubStatic(b *testing.B) { benchRequest(b, GithubAPI, "GET", "/user/repos") }

func BenchmarkGithubParam(b *testing.B) {
	benchRequest(b, GithubAPI, "GET", "/repos/julienschmidt/httprouter/stargazers")
}

func BenchmarkGithubAll(b *testing.B) { benchRoutes(b, GithubAPI) }

// Single-route routers whose handler reads every parameter.

func BenchmarkParam1(b *testing.B)     { benchParam(b, param1) }
func BenchmarkParam5(b *testing.B)     { benchParam(b, param5) }
func BenchmarkParam20(b *testing.B)    { benchParam(b, param20) }
func BenchmarkParamWrite(b *testing.B) { benchParam(b, paramWrite) }

// BenchmarkStaticAllReused is StaticAll without the per-request copy: one
// prepared request per route, served again every iteration. It isolates
// the cost of matching, which the copy's allocation and garbage
// collection otherwise dwarf. Reusing requests is fair here, and only here:
// on static routes no router stores anything on the request (the reason the
// other suites copy it is path values left behind on a reused request).
func BenchmarkStaticAllReused(b *testing.B) {
	for _, rt := range Routers() {
		b.Run(rt.Name, func(b *testing.B) {
			h := rt.Load(StaticRoutes, nil)
			reqs := make([]*http.Request, len(StaticRoutes))
			for i, route := range StaticRoutes {
				reqs[i] = newServerRequest(b, h, route.Method, route.Path)
			}
			w := newDiscardWriter()
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range reqs {
					h.ServeHTTP(w, r)
				}
			}
			if w.bad > 0 {
				b.Fatalf("%d responses had an error or redirect status: the router did not match", w.bad)
			}
		})
	}
}
