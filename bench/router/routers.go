package router

import (
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/julienschmidt/httprouter"
	"github.com/kiln-web/kiln"
	"github.com/labstack/echo/v5"
)

func init() {
	// Release mode: no debug route printing, no debug warnings. Gin's logger
	// and recovery middleware are off because routers come from gin.New,
	// not gin.Default.
	gin.SetMode(gin.ReleaseMode)
}

// A Hook, if not nil, is called by the handler of route i (its index in the
// table passed to Load) with the router's own way of reading a path
// parameter. Benchmarks pass a nil Hook: the handlers are then empty, as in
// the original suite's "All" benchmarks.
type Hook func(i int, param func(name string) string)

// A Router is one router under test.
type Router struct {
	// Name names the sub-benchmark: BenchmarkGithubAll/<Name>.
	Name string

	// Load returns the router serving routes. See Hook.
	Load func(routes []Route, hook Hook) http.Handler

	// Single returns the router serving the one route "GET path". Its
	// handler reads each parameter in names the router's idiomatic way
	// into out[i] (len(out) == len(names)) and, if write, writes out[0]
	// to the response.
	Single func(path string, names, out []string, write bool) http.Handler
}

// Routers returns the routers under test, Kiln first.
func Routers() []Router {
	return []Router{
		{"kiln", loadKiln, singleKiln},
		{"servemux", loadServeMux, singleServeMux},
		{"httprouter", loadHTTPRouter, singleHTTPRouter},
		{"gin", loadGin, singleGin},
		{"echo", loadEcho, singleEcho},
		{"chi", loadChi, singleChi},
	}
}

// ServeMuxPattern converts a neutral path to Go 1.22 ServeMux syntax, which
// Kiln shares: ":name" becomes "{name}", "*name" becomes "{name...}", and a
// trailing "/" becomes "/{$}". The last matters: in ServeMux syntax a bare
// trailing slash matches the whole subtree, while in the original suite (and
// in httprouter, Gin, Echo and Chi) "/articles/" matches that path only;
// "{$}" is the ServeMux way to say the same.
func ServeMuxPattern(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, ":"):
			segs[i] = "{" + s[1:] + "}"
		case strings.HasPrefix(s, "*"):
			segs[i] = "{" + s[1:] + "...}"
		}
	}
	p := strings.Join(segs, "/")
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}
	return method + " " + p
}

// chiPath converts a neutral path to Chi syntax: ":name" becomes "{name}"
// and "*name" becomes "*" (read back as chi.URLParam(r, "*")).
func chiPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, ":"):
			segs[i] = "{" + s[1:] + "}"
		case strings.HasPrefix(s, "*"):
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// echoPath converts a neutral path to Echo syntax: ":name" stays and
// "*name" becomes "*" (read back as c.Param("*")).
func echoPath(path string) string {
	if i := strings.LastIndex(path, "/*"); i >= 0 {
		return path[:i] + "/*"
	}
	return path
}

// Kiln: handlers are kiln's func(w, r) error; parameters come from
// r.PathValue.

func loadKiln(routes []Route, hook Hook) http.Handler {
	app := kiln.New(kiln.Config{})
	for i, rt := range routes {
		h := func(http.ResponseWriter, *http.Request) error { return nil }
		if hook != nil {
			h = func(_ http.ResponseWriter, r *http.Request) error {
				hook(i, r.PathValue)
				return nil
			}
		}
		app.Handle(ServeMuxPattern(rt.Method, rt.Path), h)
	}
	return app
}

func singleKiln(path string, names, out []string, write bool) http.Handler {
	app := kiln.New(kiln.Config{})
	app.Handle(ServeMuxPattern("GET", path), func(w http.ResponseWriter, r *http.Request) error {
		for i, n := range names {
			out[i] = r.PathValue(n)
		}
		if write {
			io.WriteString(w, out[0])
		}
		return nil
	})
	return app
}

// net/http ServeMux: parameters come from r.PathValue.

func loadServeMux(routes []Route, hook Hook) http.Handler {
	mux := http.NewServeMux()
	for i, rt := range routes {
		h := func(http.ResponseWriter, *http.Request) {}
		if hook != nil {
			h = func(_ http.ResponseWriter, r *http.Request) { hook(i, r.PathValue) }
		}
		mux.HandleFunc(ServeMuxPattern(rt.Method, rt.Path), h)
	}
	return mux
}

func singleServeMux(path string, names, out []string, write bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(ServeMuxPattern("GET", path), func(w http.ResponseWriter, r *http.Request) {
		for i, n := range names {
			out[i] = r.PathValue(n)
		}
		if write {
			io.WriteString(w, out[0])
		}
	})
	return mux
}

// httprouter: parameters come from the httprouter.Params argument.

func loadHTTPRouter(routes []Route, hook Hook) http.Handler {
	router := httprouter.New()
	for i, rt := range routes {
		h := func(http.ResponseWriter, *http.Request, httprouter.Params) {}
		if hook != nil {
			h = func(_ http.ResponseWriter, _ *http.Request, ps httprouter.Params) { hook(i, ps.ByName) }
		}
		router.Handle(rt.Method, rt.Path, h)
	}
	return router
}

func singleHTTPRouter(path string, names, out []string, write bool) http.Handler {
	router := httprouter.New()
	router.GET(path, func(w http.ResponseWriter, _ *http.Request, ps httprouter.Params) {
		for i, n := range names {
			out[i] = ps.ByName(n)
		}
		if write {
			io.WriteString(w, out[0])
		}
	})
	return router
}

// Gin (release mode, no middleware): parameters come from c.Param.

func loadGin(routes []Route, hook Hook) http.Handler {
	router := gin.New()
	for i, rt := range routes {
		h := func(*gin.Context) {}
		if hook != nil {
			h = func(c *gin.Context) { hook(i, c.Param) }
		}
		router.Handle(rt.Method, rt.Path, h)
	}
	return router
}

func singleGin(path string, names, out []string, write bool) http.Handler {
	router := gin.New()
	router.GET(path, func(c *gin.Context) {
		for i, n := range names {
			out[i] = c.Param(n)
		}
		if write {
			io.WriteString(c.Writer, out[0])
		}
	})
	return router
}

// Echo v5 (echo.New adds no middleware, so no logger): parameters come from
// c.Param.

func loadEcho(routes []Route, hook Hook) http.Handler {
	e := echo.New()
	for i, rt := range routes {
		h := func(*echo.Context) error { return nil }
		if hook != nil {
			h = func(c *echo.Context) error {
				hook(i, c.Param)
				return nil
			}
		}
		e.Add(rt.Method, echoPath(rt.Path), h)
	}
	return e
}

func singleEcho(path string, names, out []string, write bool) http.Handler {
	e := echo.New()
	e.GET(echoPath(path), func(c *echo.Context) error {
		for i, n := range names {
			out[i] = c.Param(n)
		}
		if write {
			io.WriteString(c.Response(), out[0])
		}
		return nil
	})
	return e
}

// Chi v5: parameters come from chi.URLParam.

func loadChi(routes []Route, hook Hook) http.Handler {
	router := chi.NewRouter()
	for i, rt := range routes {
		h := func(http.ResponseWriter, *http.Request) {}
		if hook != nil {
			h = func(_ http.ResponseWriter, r *http.Request) {
				hook(i, func(name string) string { return chi.URLParam(r, name) })
			}
		}
		router.MethodFunc(rt.Method, chiPath(rt.Path), h)
	}
	return router
}

func singleChi(path string, names, out []string, write bool) http.Handler {
	router := chi.NewRouter()
	router.Get(chiPath(path), func(w http.ResponseWriter, r *http.Request) {
		for i, n := range names {
			out[i] = chi.URLParam(r, n)
		}
		if write {
			io.WriteString(w, out[0])
		}
	})
	return router
}
