package router

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-web/kiln"
)

// A benchmark of a router that 404s everything is worthless: these tests
// check that, for every router, every route of every suite reaches its own
// handler with the right parameters, served twice through fresh copies of
// one prepared request exactly as the benchmarks serve it.

func TestRouteTables(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []Route
		want   int
	}{
		{"static", StaticRoutes, 157},
		{"github", GithubAPI, 203},
	} {
		if len(tc.routes) != tc.want {
			t.Errorf("%s: %d routes, want %d", tc.name, len(tc.routes), tc.want)
		}
		seen := make(map[Route]bool)
		for _, r := range tc.routes {
			if seen[r] {
				t.Errorf("%s: duplicate route %v", tc.name, r)
			}
			seen[r] = true
		}
	}
}

func TestServeMuxPattern(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "GET /{$}"},
		{"/articles/", "GET /articles/{$}"},
		{"/user/repos", "GET /user/repos"},
		{"/repos/:owner/:repo/stargazers", "GET /repos/{owner}/{repo}/stargazers"},
		{"/files/*path", "GET /files/{path...}"},
	} {
		if got := ServeMuxPattern("GET", tc.in); got != tc.want {
			t.Errorf("ServeMuxPattern(GET, %q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := chiPath("/files/:id/*path"), "/files/{id}/*"; got != want {
		t.Errorf("chiPath = %q, want %q", got, want)
	}
	if got, want := echoPath("/files/:id/*path"), "/files/:id/*"; got != want {
		t.Errorf("echoPath = %q, want %q", got, want)
	}
}

// paramNames returns the parameter names of a neutral path.
func paramNames(path string) []string {
	var names []string
	for s := range strings.SplitSeq(path, "/") {
		if strings.HasPrefix(s, ":") {
			names = append(names, s[1:])
		}
	}
	return names
}

// recorder is a Hook that remembers which route ran and the parameters it
// read.
type recorder struct {
	calls  int
	route  int
	names  []string
	params []string
}

func (rec *recorder) hook(i int, param func(string) string) {
	rec.calls++
	rec.route = i
	rec.params = rec.params[:0]
	for _, n := range rec.names {
		rec.params = append(rec.params, param(n))
	}
}

// serveFresh serves a fresh shallow copy of prepared, as the benchmarks do.
func serveFresh(h http.Handler, prepared *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := new(http.Request)
	*r = *prepared
	h.ServeHTTP(w, r)
	return w
}

func TestEveryRouteMatches(t *testing.T) {
	for _, suite := range []struct {
		name   string
		routes []Route
	}{
		{"static", StaticRoutes},
		{"github", GithubAPI},
	} {
		for _, rt := range Routers() {
			t.Run(suite.name+"/"+rt.Name, func(t *testing.T) {
				rec := new(recorder)
				h := rt.Load(suite.routes, rec.hook)
				for i, route := range suite.routes {
					// The benchmarks request the route itself, so
					// parameter ":owner" has the value ":owner".
					rec.names = paramNames(route.Path)
					want := make([]string, len(rec.names))
					for j, n := range rec.names {
						want[j] = ":" + n
					}
					req := newServerRequest(t, h, route.Method, route.Path)
					for range 2 {
						rec.calls, rec.route = 0, -1
						w := serveFresh(h, req)
						if rec.calls != 1 || rec.route != i {
							t.Fatalf("%s %s: status %d, handler calls %d, route %d; want route %d called once",
								route.Method, route.Path, w.Code, rec.calls, rec.route, i)
						}
						if w.Code != http.StatusOK {
							t.Errorf("%s %s: status %d, want 200", route.Method, route.Path, w.Code)
						}
						if !slices.Equal(rec.params, want) {
							t.Errorf("%s %s: params %q, want %q", route.Method, route.Path, rec.params, want)
						}
					}
				}
			})
		}
	}
}

// TestNoFalseMatches checks that the routers match exactly, not by prefix:
// a path below a static route ending in "/" (which a bare ServeMux "/articles/"
// pattern would serve) and a path of no route reach no handler.
func TestNoFalseMatches(t *testing.T) {
	for _, rt := range Routers() {
		for _, tc := range []struct {
			routes []Route
			target string
		}{
			{StaticRoutes, "/articles/nope.html"},
			{StaticRoutes, "/nope/"},
			{GithubAPI, "/repos/julienschmidt/httprouter/nope"},
		} {
			rec := new(recorder)
			h := rt.Load(tc.routes, rec.hook)
			w := serveFresh(h, newServerRequest(t, h, "GET", tc.target))
			if rec.calls != 0 {
				t.Errorf("%s: GET %s reached route %v", rt.Name, tc.target, tc.routes[rec.route])
			}
			if w.Code < 300 {
				t.Errorf("%s: GET %s: status %d, want an error or redirect", rt.Name, tc.target, w.Code)
			}
		}
	}
}

// TestBenchmarkRequests checks the single requests the Static and Github
// benchmarks serve reach the intended route, with real parameter values.
func TestBenchmarkRequests(t *testing.T) {
	for _, rt := range Routers() {
		for _, tc := range []struct {
			routes []Route
			target string
			route  Route
			params []string
		}{
			{StaticRoutes, "/gopher/pencil/gopherswim.jpg", Route{"GET", "/gopher/pencil/gopherswim.jpg"}, nil},
			{GithubAPI, "/user/repos", Route{"GET", "/user/repos"}, nil},
			{GithubAPI, "/repos/julienschmidt/httprouter/stargazers", Route{"GET", "/repos/:owner/:repo/stargazers"},
				[]string{"julienschmidt", "httprouter"}},
			{GithubAPI, "/legacy/issues/search/kiln-web/kiln/open/router", Route{"GET", "/legacy/issues/search/:owner/:repository/:state/:keyword"},
				[]string{"kiln-web", "kiln", "open", "router"}},
			{GithubAPI, "/teams/7/repos/kiln-web/kiln", Route{"GET", "/teams/:id/repos/:owner/:repo"},
				[]string{"7", "kiln-web", "kiln"}},
		} {
			want := slices.Index(tc.routes, tc.route)
			rec := &recorder{names: paramNames(tc.route.Path)}
			h := rt.Load(tc.routes, rec.hook)
			serveFresh(h, newServerRequest(t, h, "GET", tc.target))
			if rec.calls != 1 || rec.route != want {
				t.Errorf("%s: GET %s: %d calls, route %d; want route %d (%s)", rt.Name, tc.target, rec.calls, rec.route, want, tc.route.Path)
				continue
			}
			if len(tc.params) > 0 && !slices.Equal(rec.params, tc.params) {
				t.Errorf("%s: GET %s: params %q, want %q", rt.Name, tc.target, rec.params, tc.params)
			}
		}
	}
}

func TestParamHandlers(t *testing.T) {
	for _, tc := range []struct {
		name string
		pc   paramCase
	}{
		{"Param1", param1},
		{"Param5", param5},
		{"Param20", param20},
		{"ParamWrite", paramWrite},
	} {
		for _, rt := range Routers() {
			t.Run(tc.name+"/"+rt.Name, func(t *testing.T) {
				out := make([]string, len(tc.pc.names))
				h := rt.Single(tc.pc.path, tc.pc.names, out, tc.pc.write)
				req := newServerRequest(t, h, "GET", tc.pc.target)
				for range 2 {
					clear(out)
					w := serveFresh(h, req)
					if w.Code != http.StatusOK {
						t.Fatalf("status %d, want 200", w.Code)
					}
					if !slices.Equal(out, tc.pc.values) {
						t.Errorf("handler read %q, want %q", out, tc.pc.values)
					}
					wantBody := ""
					if tc.pc.write {
						wantBody = tc.pc.values[0]
					}
					if got := w.Body.String(); got != wantBody {
						t.Errorf("body %q, want %q", got, wantBody)
					}
				}
			})
		}
	}
}

// TestKilnGetsBaseContext checks the Kiln requests carry the server's
// context chain, as App.Run's server gives them.
func TestKilnGetsBaseContext(t *testing.T) {
	h := loadKiln(GithubAPI, nil)
	if _, ok := h.(*kiln.App); !ok {
		t.Fatalf("loadKiln returned %T, want *kiln.App", h)
	}
	r := newServerRequest(t, h, "GET", "/user/repos")
	if r.Context().Value(http.ServerContextKey) == nil || r.Context().Value(http.LocalAddrContextKey) == nil {
		t.Error("prepared request lacks the server's context values")
	}
}
