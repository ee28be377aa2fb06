package kiln

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unsafe"
)

// Route is one registered route. Handle and the method helpers return it
// so it can be named.
type Route struct {
	pattern string
	pat     *pattern
	names   []string
	name    string
	source  string
	core    *routerCore
	inner   http.Handler // as registered, for listings
	handler http.Handler // with the group's middleware
	mux     *http.ServeMux
	native  unsafe.Pointer // net/http's *pattern for this route, when usable
}

// Name gives the route a name for URL reversal with App.URL. Names are
// unique; reusing one panics. By convention names are "resource.action",
// such as "post.show". It returns r.
func (r *Route) Name(name string) *Route {
	if name == "" {
		panic("kiln: empty route name")
	}
	if prev, ok := r.core.names[name]; ok {
		panic(fmt.Sprintf("kiln: route name %q used for both %q and %q", name, prev.pattern, r.pattern))
	}
	if r.name != "" {
		delete(r.core.names, r.name)
	}
	r.name = name
	r.core.names[name] = r
	return r
}

// Pattern returns the route's full pattern, group prefix included.
func (r *Route) Pattern() string { return r.pattern }

// RouteInfo describes a registered route, for listings such as
// `kiln routes`.
type RouteInfo struct {
	// Method is the HTTP method, or "" for a route that takes any method.
	Method string
	// Host is the host the route is limited to, or "".
	Host string
	// Path is the path part of the pattern.
	Path string
	// Pattern is the whole pattern as registered, group prefix included.
	Pattern string
	// Name is the route's name, or "".
	Name string
	// Handler names the handler: a function's name or a type.
	Handler string
	// Source is the file and line where the route was registered.
	Source string
}

// Routes returns every registered route in registration order.
func (rt *Router) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(rt.core.routes))
	for _, r := range rt.core.routes {
		out = append(out, RouteInfo{
			Method:  r.pat.method,
			Host:    r.pat.host,
			Path:    r.pat.path(),
			Pattern: r.pattern,
			Name:    r.name,
			Handler: handlerName(r.inner),
			Source:  r.source,
		})
	}
	return out
}

// URL builds the path of the route named name, filling its wildcards from
// pairs of name and value:
//
//	app.URL("post.show", "id", 42) // "/posts/42", nil
//
// Values are formatted with fmt.Sprint and escaped: a {name} value is one
// path segment (a "/" in it is escaped), a {name...} value may contain "/".
// It returns an error for an unknown route name, a missing or unknown
// parameter, an empty {name} value, or an odd number of arguments.
func (rt *Router) URL(name string, pairs ...any) (string, error) {
	r, ok := rt.core.names[name]
	if !ok {
		return "", fmt.Errorf("kiln: no route named %q", name)
	}
	if len(pairs)%2 != 0 {
		return "", fmt.Errorf("kiln: URL(%q): odd number of arguments; pass name, value pairs", name)
	}
	vals := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return "", fmt.Errorf("kiln: URL(%q): parameter name %v is not a string", name, pairs[i])
		}
		if !containsString(r.names, k) {
			return "", fmt.Errorf("kiln: URL(%q): route %q has no parameter %q", name, r.pattern, k)
		}
		vals[k] = fmt.Sprint(pairs[i+1])
	}
	var b strings.Builder
	for _, s := range r.pat.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(escapeSegment(s.s))
		case segParam:
			v, ok := vals[s.s]
			if !ok {
				return "", fmt.Errorf("kiln: URL(%q): missing parameter %q for %q", name, s.s, r.pattern)
			}
			if v == "" {
				return "", fmt.Errorf("kiln: URL(%q): parameter %q is empty; {%s} needs a value", name, s.s, s.s)
			}
			b.WriteString(escapeSegment(v))
		case segMulti:
			if s.s == "" {
				continue
			}
			v, ok := vals[s.s]
			if !ok {
				return "", fmt.Errorf("kiln: URL(%q): missing parameter %q for %q", name, s.s, r.pattern)
			}
			parts := strings.Split(v, "/")
			for i, p := range parts {
				parts[i] = escapeSegment(p)
			}
			b.WriteString(strings.Join(parts, "/"))
		case segSlash:
		}
	}
	if b.Len() == 0 {
		return "/", nil
	}
	return b.String(), nil
}

// MustURL is like URL but panics on error. Use it in templates and code
// where the route names are fixed.
func (rt *Router) MustURL(name string, pairs ...any) string {
	u, err := rt.URL(name, pairs...)
	if err != nil {
		panic(err)
	}
	return u
}

func escapeSegment(s string) string { return url.PathEscape(s) }

func urlPathUnescape(s string) (string, error) { return url.PathUnescape(s) }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
