package kiln_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	path2 "path"
	"strings"
	"testing"

	"github.com/kiln-web/kiln"
)

var fuzzPatterns = []string{
	"/", "/{$}", "GET /posts/{id}", "/files/{path...}", "POST /a/b/", "GET /x/{a}/{b}/{$}",
	"example.com/p/{q}", "GET  /sp", "DELETE /%41/{x}", "/a%2Fb/{c}", "GET /{x}/y",
	"/{a-b}", "GET /{x...}/y", "GET /a/../b", "GET posts", "{h}/x", "/x}", "BAD\x00 /x", "  /x",
}

// registers reports whether registering pattern panics (false) or not.
func registers(fn func()) (ok bool, msg string) {
	defer func() {
		if p := recover(); p != nil {
			ok, msg = false, fmt.Sprint(p)
		}
	}()
	fn()
	return true, ""
}

// FuzzPatternLikeServeMux checks that Kiln accepts exactly the patterns
// http.ServeMux accepts.
func FuzzPatternLikeServeMux(f *testing.F) {
	for _, p := range fuzzPatterns {
		f.Add(p)
	}
	h := http.NotFoundHandler()
	f.Fuzz(func(t *testing.T, pattern string) {
		if strings.Count(pattern, "{") > 30 {
			t.Skip("Kiln limits patterns to 32 wildcards")
		}
		muxOK, muxMsg := registers(func() { http.NewServeMux().Handle(pattern, h) })
		kilnOK, kilnMsg := registers(func() { kiln.New(kiln.Config{}).Handle(pattern, h) })
		if muxOK != kilnOK {
			t.Fatalf("pattern %q: ServeMux ok=%v (%s), Kiln ok=%v (%s)", pattern, muxOK, muxMsg, kilnOK, kilnMsg)
		}
	})
}

// FuzzMatchLikeServeMux checks that for a single route, Kiln matches the
// same paths as http.ServeMux with the same path values, and redirects
// where ServeMux redirects. (Kiln also redirects /a/ to /a when only /a
// exists, where ServeMux answers 404; that difference is allowed.)
func FuzzMatchLikeServeMux(f *testing.F) {
	seeds := [][2]string{
		{"GET /posts/{id}", "/posts/42"}, {"GET /posts/{id}", "/posts/a%2Fb"}, {"/files/{path...}", "/files/a/b"},
		{"/files/{path...}", "/files"}, {"GET /x/{a}/{$}", "/x/1/"}, {"GET /x/{a}/{$}", "/x/1"},
		{"/", "/anything/at/all"}, {"/{$}", "/"}, {"/{$}", "/a"}, {"GET /a/", "/a"}, {"GET /p/{x}", "/p//"},
		{"GET /p/{x}", "/p/../p/1"}, {"GET /%61/{b}", "/a/%62"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		if strings.Count(pattern, "{") > 30 {
			t.Skip()
		}
		if pp := pattern[strings.IndexByte(pattern+"/", '/'):]; pp != "" && !isClean(pp) {
			// Unclean patterns never match a clean request path; ServeMux
			// treats an empty literal segment as a wildcard, a quirk Kiln
			// does not copy.
			t.Skip()
		}
		u, err := url.Parse("http://example.com" + path)
		if err != nil || u.Path == "" || u.Host != "example.com" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Skip()
		}
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			if strings.EqualFold(seg, "%2F") {
				// ServeMux reads a segment that unescapes to exactly "/"
				// as the trailing slash, which no single wildcard matches
				// (net/http's routing tree, firstSegment): "GET /{a}" is
				// 404 on "/%2F". Kiln matches it, with a = "/", as it does
				// "/x%2F" with a = "x/", which ServeMux matches too.
				t.Skip()
			}
		}
		var names []string
		for _, seg := range strings.Split(pattern, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && seg != "{$}" {
				names = append(names, strings.TrimSuffix(seg[1:len(seg)-1], "..."))
			}
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "ok")
			for _, n := range names {
				fmt.Fprintf(w, "|%s=%s", n, r.PathValue(n))
			}
		})
		mux := http.NewServeMux()
		if ok, _ := registers(func() { mux.Handle(pattern, h) }); !ok {
			t.Skip()
		}
		app := kiln.New(kiln.Config{})
		app.Handle(pattern, h)
		do := func(hh http.Handler) *httptest.ResponseRecorder {
			req := &http.Request{Method: "GET", URL: u, Host: u.Host, Header: http.Header{}, RequestURI: u.RequestURI()}
			rec := httptest.NewRecorder()
			hh.ServeHTTP(rec, req.WithContext(t.Context()))
			return rec
		}
		want, got := do(mux), do(app)
		switch {
		case want.Code == 200:
			if got.Code != 200 || got.Body.String() != want.Body.String() {
				t.Fatalf("%q %q: ServeMux 200 %q, Kiln %d %q", pattern, path, want.Body, got.Code, got.Body)
			}
		case want.Code == 301:
			if got.Code != 301 || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Fatalf("%q %q: ServeMux 301 to %q, Kiln %d %q", pattern, path, want.Header().Get("Location"), got.Code, got.Header().Get("Location"))
			}
		default:
			if got.Code == 200 {
				t.Fatalf("%q %q: ServeMux %d, Kiln 200 %q", pattern, path, want.Code, got.Body)
			}
		}
	})
}

// isClean reports whether p is its own clean form (trailing slash kept).
func isClean(p string) bool {
	c := path2.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}
