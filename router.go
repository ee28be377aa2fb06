package kiln

import (
	"fmt"
	"net/http"
	"path"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Router registers routes and middleware. The App embeds the root Router;
// Group and With return Routers that share its routes but add a path
// prefix or middleware.
//
// Patterns use the syntax of Go 1.22's http.ServeMux:
//
//	[METHOD ][HOST]/[PATH]
//
// for example "GET /posts/{id}", "/static/{path...}", "POST /posts/{$}" or
// "api.example.com/". Handlers read wildcard values with r.PathValue.
// Registration is not safe for concurrent use and must finish before the
// app serves requests; it panics on programming errors such as a bad
// pattern or a pattern that conflicts with an earlier one.
type Router struct {
	core   *routerCore
	prefix string
	mws    []Middleware
	root   bool
	used   bool // a route was registered through this Router
}

// routerCore is the state shared by a root Router and its groups.
type routerCore struct {
	app      *App
	root     node
	hosts    map[string]*node
	routes   []*Route
	names    map[string]*Route
	shapes   map[string]*Route
	global   []Middleware
	notFound http.Handler
	notAllow http.Handler

	once    sync.Once
	handler http.Handler // global middleware around dispatch, built on first use
}

func newRouter(app *App) *Router {
	c := &routerCore{app: app, names: map[string]*Route{}, shapes: map[string]*Route{}}
	return &Router{core: c, root: true}
}

// NewRouter returns a Router that is not part of an App, for building a
// sub-router to Mount. Most programs use App's Router instead.
func NewRouter() *Router { return newRouter(nil) }

// ServeHTTP dispatches the request to the matching route, running the
// Router's middleware first.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.serve(w, r) }

func (rt *Router) serve(w http.ResponseWriter, r *http.Request) {
	c := rt.core
	c.once.Do(c.build)
	c.handler.ServeHTTP(w, r)
}

func (c *routerCore) build() {
	var h http.Handler = http.HandlerFunc(c.dispatch)
	for i := len(c.global) - 1; i >= 0; i-- {
		h = c.global[i](h)
	}
	c.handler = h
}

func (c *routerCore) started() bool { return c.handler != nil }

// Use appends middleware. On the App (the root Router) the middleware wraps
// every request, including ones that end in 404, 405 or a redirect, in the
// order given: the first runs outermost. On a Group it wraps only the
// group's routes and must be called before the group registers any.
//
// Any func(http.Handler) http.Handler works, including third-party
// net/http middleware.
func (rt *Router) Use(mw ...Middleware) {
	for _, m := range mw {
		if m == nil {
			panic("kiln: Use: nil middleware")
		}
	}
	if rt.root {
		if rt.core.started() {
			panic("kiln: Use called after the app started serving; add middleware before the first request")
		}
		rt.core.global = append(rt.core.global, mw...)
		return
	}
	if rt.used {
		panic("kiln: Use on a group after it registered routes; call Use first so every route gets the middleware")
	}
	rt.mws = append(rt.mws, mw...)
}

// With returns a Router that registers routes with the extra middleware,
// for middleware on a few routes:
//
//	app.With(requireAdmin).Get("/admin", adminHome)
func (rt *Router) With(mw ...Middleware) *Router {
	g := &Router{core: rt.core, prefix: rt.prefix, mws: slices.Concat(rt.mws, mw)}
	return g
}

// Group calls fn with a Router whose routes get the prefix and whose Use
// adds middleware for those routes only. The prefix is a path such as
// "/admin" (no method or host); it may be "" for a middleware-only group.
// It returns the group's Router.
//
//	app.Group("/admin", func(g *kiln.Router) {
//		g.Use(requireAdmin)
//		g.Get("/users", listUsers) // GET /admin/users
//	})
func (rt *Router) Group(prefix string, fn func(g *Router)) *Router {
	if prefix != "" && (!strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, " \t")) {
		panic(fmt.Sprintf("kiln: Group prefix %q must be a path starting with \"/\"", prefix))
	}
	g := &Router{core: rt.core, prefix: joinPath(rt.prefix, prefix), mws: slices.Clone(rt.mws)}
	if fn != nil {
		fn(g)
	}
	return g
}

// Handle registers h for pattern. h may be an http.Handler (including
// HandlerFunc and http.HandlerFunc), a func(w, r) error, or a func(w, r).
// It panics if the pattern is malformed or conflicts with one registered
// before, naming both. It returns the Route so it can be named:
//
//	app.Handle("GET /posts/{id}", showPost).Name("post.show")
func (rt *Router) Handle(pattern string, h any) *Route {
	p, err := parsePattern(rt.prefixed(pattern))
	if err != nil {
		panic(err.Error())
	}
	return rt.add(p, Handler(h))
}

// Get registers h for GET (and so HEAD) requests to path.
func (rt *Router) Get(path string, h any) *Route { return rt.Handle("GET "+path, h) }

// Post registers h for POST requests to path.
func (rt *Router) Post(path string, h any) *Route { return rt.Handle("POST "+path, h) }

// Put registers h for PUT requests to path.
func (rt *Router) Put(path string, h any) *Route { return rt.Handle("PUT "+path, h) }

// Patch registers h for PATCH requests to path.
func (rt *Router) Patch(path string, h any) *Route { return rt.Handle("PATCH "+path, h) }

// Delete registers h for DELETE requests to path.
func (rt *Router) Delete(path string, h any) *Route { return rt.Handle("DELETE "+path, h) }

// Options registers h for OPTIONS requests to path. Without one, OPTIONS
// requests get a 204 answer with an Allow header.
func (rt *Router) Options(path string, h any) *Route { return rt.Handle("OPTIONS "+path, h) }

// Mount serves every request under prefix with h, with the prefix removed
// from the request path (as http.StripPrefix does), so h sees paths relative
// to its mount point. Use it for sub-apps, sub-routers and http.FileServer:
//
//	app.Mount("/assets", http.FileServer(http.Dir("public")))
//
// A request for the prefix itself (without a trailing slash) is redirected
// to prefix + "/". To hand a handler whole paths instead (Connect and gRPC
// handlers want that), register it with Handle and a trailing-slash pattern:
// app.Handle("/greet.v1.GreetService/", h).
func (rt *Router) Mount(prefix string, h http.Handler) *Route {
	if h == nil {
		panic("kiln: Mount: nil handler")
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" && (prefix[0] != '/' || strings.ContainsAny(prefix, "{} \t")) {
		panic(fmt.Sprintf("kiln: Mount prefix %q must be a literal path starting with \"/\"", prefix))
	}
	full := joinPath(rt.prefix, prefix)
	strip := http.StripPrefix(full, h)
	return rt.Handle(prefix+"/", strip)
}

func (rt *Router) prefixed(pattern string) string {
	if rt.prefix == "" {
		return pattern
	}
	method, rest := "", pattern
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		method, rest = pattern[:i+1], strings.TrimLeft(pattern[i+1:], " \t")
	}
	if !strings.HasPrefix(rest, "/") {
		panic(fmt.Sprintf("kiln: pattern %q in group %q must be a path starting with \"/\" (host patterns cannot be grouped)", pattern, rt.prefix))
	}
	return method + joinPath(rt.prefix, rest)
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" || b == "/" {
		if b == "/" {
			return a + "/"
		}
		return a
	}
	return strings.TrimSuffix(a, "/") + b
}

func (rt *Router) add(p *pattern, h http.Handler) *Route {
	c := rt.core
	if c.started() {
		panic(fmt.Sprintf("kiln: route %q registered after the app started serving", p.str))
	}
	r := &Route{pat: p, core: c, pattern: p.str, inner: h}
	r.handler = h
	for i := len(rt.mws) - 1; i >= 0; i-- {
		r.handler = rt.mws[i](r.handler)
	}
	r.names = p.wildcards()
	if len(r.names) > 0 {
		// Bind path values natively (pathvalue.go); fall back to a private
		// one-pattern ServeMux if this Go release does not allow it.
		if r.native = nativePattern(p); r.native == nil {
			r.mux = http.NewServeMux()
			r.mux.Handle(p.str, r.handler)
		}
	}
	if prev, ok := c.shapes[p.shape()]; ok {
		panic(fmt.Sprintf("kiln: pattern %q conflicts with %q registered at %s: both match the same requests", p.str, prev.pattern, prev.source))
	}
	r.source = callerSource()
	tree := &c.root
	if p.host != "" {
		if c.hosts == nil {
			c.hosts = map[string]*node{}
		}
		if c.hosts[p.host] == nil {
			c.hosts[p.host] = &node{}
		}
		tree = c.hosts[p.host]
	}
	if prev := tree.insert(r); prev != nil {
		panic(fmt.Sprintf("kiln: pattern %q conflicts with %q: both match the same requests", p.str, prev.pattern))
	}
	c.shapes[p.shape()] = r
	c.routes = append(c.routes, r)
	rt.used = true
	return r
}

// NotFound sets the handler for requests that match no route. Defaults to
// an error answer with status 404 through the app's ErrorHandler.
func (rt *Router) NotFound(h any) { rt.core.notFound = Handler(h) }

// MethodNotAllowed sets the handler for requests whose path matches a route
// but whose method does not. The Allow header is set before it runs.
// Defaults to an error answer with status 405.
func (rt *Router) MethodNotAllowed(h any) { rt.core.notAllow = Handler(h) }

// dispatch routes one request. It is the innermost handler of the global
// middleware chain.
func (c *routerCore) dispatch(w http.ResponseWriter, r *http.Request) {
	var m matcher
	m.method = r.Method
	if rw, ok := w.(*ResponseWriter); ok {
		m.vals = &rw.scratch
	} else {
		// A Router served without an App (NewRouter under plain net/http)
		// has no pooled writer: its scratch costs one allocation.
		m.vals = new([maxParams]string)
	}
	p := r.URL.Path
	if r.URL.RawPath != "" {
		p = r.URL.EscapedPath()
		m.escaped = true
	}
	if p == "" || p[0] != '/' {
		if r.Method == http.MethodConnect {
			c.notFoundServe(w, r)
			return
		}
		p = "/" + p
	}
	cfg := c.config()
	m.clean = !cfg.DisableCleanPath
	rt := c.lookup(r.Host, p, &m)
	if m.clean && (m.unclean || rt == nil && needsClean(p)) {
		// The walk checks the segments it visits; a miss may have stopped
		// before an unclean one.
		redirectPath(w, r, cleanPath(p))
		return
	}
	if rt != nil {
		r.Pattern = rt.pattern
		if rt.native != nil {
			setNativePathValues(r, rt.native, m.vals[:m.n])
			rt.handler.ServeHTTP(w, r)
			return
		}
		// Fallback (see pathvalue.go): the route's private ServeMux binds
		// the values, unless the path is unclean (it would redirect).
		if rt.mux != nil && !needsClean(p) {
			rt.mux.ServeHTTP(w, r)
			return
		}
		for i, name := range rt.names {
			r.SetPathValue(name, m.vals[i])
		}
		rt.handler.ServeHTTP(w, r)
		return
	}
	if !m.found && !cfg.DisableTrailingSlashRedirect && r.Method != http.MethodConnect {
		alt := p + "/"
		if strings.HasSuffix(p, "/") && len(p) > 1 {
			alt = p[:len(p)-1]
		}
		var m2 matcher
		m2.method, m2.escaped, m2.vals = r.Method, m.escaped, m.vals
		if c.lookup(r.Host, alt, &m2) != nil {
			redirectPath(w, r, alt)
			return
		}
	}
	if m.found {
		allow := c.allowedMethods(r.Host, p, m.escaped)
		if r.Method == http.MethodOptions {
			w.Header().Set("Allow", allow)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Allow", allow)
		if c.notAllow != nil {
			c.notAllow.ServeHTTP(w, r)
			return
		}
		WriteError(w, r, &Error{
			Status:  http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("Method %s is not allowed here; allowed: %s.", r.Method, allow),
		})
		return
	}
	c.notFoundServe(w, r)
}

func (c *routerCore) notFoundServe(w http.ResponseWriter, r *http.Request) {
	if c.notFound != nil {
		c.notFound.ServeHTTP(w, r)
		return
	}
	WriteError(w, r, &Error{Status: http.StatusNotFound, Message: "No page or resource exists at this address."})
}

func (c *routerCore) config() *Config {
	if c.app != nil {
		return &c.app.cfg
	}
	return &zeroConfig
}

var zeroConfig Config

func (c *routerCore) lookup(host, path string, m *matcher) *Route {
	if c.hosts != nil {
		if t := c.hosts[stripPort(host)]; t != nil {
			if rt := t.match(path, m); rt != nil {
				return rt
			}
			m.n = 0
		}
	}
	return c.root.match(path, m)
}

// allowedMethods lists, comma-separated and sorted, the methods that some
// route accepts for path.
func (c *routerCore) allowedMethods(host, path string, escaped bool) string {
	set := map[string]bool{}
	if c.hosts != nil {
		if t := c.hosts[stripPort(host)]; t != nil {
			t.allowed(path, escaped, set)
		}
	}
	c.root.allowed(path, escaped, set)
	if set["*"] {
		return "CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE"
	}
	set["OPTIONS"] = true
	methods := make([]string, 0, len(set))
	for k := range set {
		methods = append(methods, k)
	}
	sort.Strings(methods)
	return strings.Join(methods, ", ")
}

func stripPort(h string) string {
	if !strings.ContainsRune(h, ':') {
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

// cleanPath returns the canonical form of p: no "." or ".." elements and no
// repeated slashes, keeping a trailing slash.
func cleanPath(p string) string {
	if !needsClean(p) {
		return p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

func needsClean(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		if i+1 < len(p) && p[i+1] == '/' {
			return true
		}
		if i+1 < len(p) && p[i+1] == '.' {
			if i+2 == len(p) || p[i+2] == '/' {
				return true
			}
			if p[i+2] == '.' && (i+3 == len(p) || p[i+3] == '/') {
				return true
			}
		}
	}
	return false
}

// redirectPath redirects to the same URL with path p: 301 for GET and
// HEAD, 308 otherwise so the method and body are kept.
func redirectPath(w http.ResponseWriter, r *http.Request, p string) {
	u := *r.URL
	u.Path, u.RawPath = p, ""
	if strings.Contains(p, "%") {
		u.RawPath = p
		if up, err := urlPathUnescape(p); err == nil {
			u.Path = up
		}
	}
	code := http.StatusMovedPermanently
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		code = http.StatusPermanentRedirect
	}
	u.Scheme, u.Host, u.User = "", "", nil
	http.Redirect(w, r, u.String(), code)
}

func callerSource() string {
	pc := make([]uintptr, 16)
	n := runtime.Callers(3, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		// Skip Kiln's own registration helpers (Handle, Get, Mount,
		// Resource…), but not user code in other packages.
		if !strings.HasPrefix(f.Function, "github.com/kiln-web/kiln.") {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

func handlerName(h http.Handler) string {
	switch f := h.(type) {
	case HandlerFunc:
		return funcName(f)
	case http.HandlerFunc:
		return funcName(f)
	}
	return fmt.Sprintf("%T", h)
}

func funcName(f any) string {
	v := reflect.ValueOf(f)
	if fn := runtime.FuncForPC(v.Pointer()); fn != nil {
		return strings.TrimSuffix(fn.Name(), "-fm")
	}
	return v.Type().String()
}
