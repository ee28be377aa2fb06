package middleware

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// setupStatic returns a server for a MapFS (no modification times, like
// embed.FS) mounted under /static/.
func setupStatic(t *testing.T, cfg StaticConfig) *httptest.Server {
	t.Helper()
	js := "console.log('hello, world');"
	fsys := fstest.MapFS{
		"index.html":        {Data: []byte("<h1>home</h1>")},
		"app.js":            {Data: []byte(js)},
		"app.js.gz":         {Data: gz(t, js)},
		"app.js.br":         {Data: []byte("fake brotli bytes")},
		"style.css":         {Data: []byte("body{}")},
		"noext":             {Data: []byte("plain text here")},
		"noext.gz":          {Data: gz(t, "plain text here")},
		"docs/index.html":   {Data: []byte("<h1>docs</h1>")},
		"empty/.keep":       {Data: nil},
		".env":              {Data: []byte("SECRET=1")},
		"sub/.git/config":   {Data: []byte("secret")},
		".well-known/x.txt": {Data: []byte("acme")},
		"weird\\name.txt":   {Data: []byte("backslash")},
		"%2e%2e":            {Data: []byte("literal percent name")},
		"range.txt":         {Data: []byte("0123456789")},
	}
	cfg.FS = fsys
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", Static(cfg)))
	return serve(t, mux)
}

func TestStatic(t *testing.T) {
	t.Parallel()
	srv := setupStatic(t, StaticConfig{})
	js := "console.log('hello, world');"
	tests := []struct {
		name       string
		method     string
		path       string
		header     http.Header
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{
			name: "file", path: "/static/app.js", wantStatus: 200, wantBody: js,
			wantHeader: map[string]string{
				"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=600",
				"Vary": "Accept-Encoding", "Content-Encoding": "",
			},
		},
		{
			name: "gzip variant", path: "/static/app.js", header: http.Header{"Accept-Encoding": {"gzip"}},
			wantStatus: 200, wantBody: "gzip:" + js,
			wantHeader: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
		},
		{
			name: "br preferred", path: "/static/app.js", header: http.Header{"Accept-Encoding": {"gzip, br"}},
			wantStatus: 200, wantBody: "fake brotli bytes",
			wantHeader: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Content-Encoding": "br"},
		},
		{
			name: "br refused", path: "/static/app.js", header: http.Header{"Accept-Encoding": {"br;q=0, gzip"}},
			wantStatus: 200, wantBody: "gzip:" + js,
			wantHeader: map[string]string{"Content-Encoding": "gzip"},
		},
		{
			name: "variant without extension keeps sniffed type", path: "/static/noext", header: http.Header{"Accept-Encoding": {"gzip"}},
			wantStatus: 200, wantBody: "gzip:plain text here",
			wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Encoding": "gzip"},
		},
		{
			name: "no variant", path: "/static/style.css", header: http.Header{"Accept-Encoding": {"gzip, br"}},
			wantStatus: 200, wantBody: "body{}",
			wantHeader: map[string]string{"Content-Type": "text/css; charset=utf-8", "Content-Encoding": ""},
		},
		{
			name: "root index", path: "/static/", wantStatus: 200, wantBody: "<h1>home</h1>",
			wantHeader: map[string]string{"Cache-Control": "no-cache", "Content-Type": "text/html; charset=utf-8"},
		},
		{name: "directory index", path: "/static/docs/", wantStatus: 200, wantBody: "<h1>docs</h1>"},
		{
			name: "directory without slash redirects", path: "/static/docs?x=1", wantStatus: 301,
			wantHeader: map[string]string{"Location": "docs/?x=1"},
		},
		{name: "directory without index", path: "/static/empty/", wantStatus: 404},
		{name: "missing", path: "/static/nope.js", wantStatus: 404},
		{name: "dotfile", path: "/static/.env", wantStatus: 404},
		{name: "dot directory", path: "/static/sub/.git/config", wantStatus: 404},
		{name: "well-known allowed", path: "/static/.well-known/x.txt", wantStatus: 200, wantBody: "acme"},
		{name: "range", path: "/static/range.txt", header: http.Header{"Range": {"bytes=2-4"}}, wantStatus: 206, wantBody: "234"},
		{name: "head", method: "HEAD", path: "/static/app.js", wantStatus: 200, wantHeader: map[string]string{"Content-Length": "28"}},
		{
			name: "post refused", method: "POST", path: "/static/app.js", wantStatus: 405,
			wantHeader: map[string]string{"Allow": "GET, HEAD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = "GET"
			}
			h := tt.header
			if h == nil {
				h = http.Header{"Accept-Encoding": {"identity"}}
			}
			req, _ := http.NewRequest(method, srv.URL+tt.path, nil)
			req.Header = h
			res, err := srv.Client().Transport.RoundTrip(req) // no redirects followed
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			body.ReadFrom(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			got := body.String()
			if strings.HasPrefix(tt.wantBody, "gzip:") {
				got = "gzip:" + gunzip(t, body.Bytes())
			}
			if tt.wantBody != "" && got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.wantStatus == 404 && strings.Contains(got, "SECRET") {
				t.Errorf("404 body leaks the file: %q", got)
			}
		})
	}
}

func TestStaticConditional(t *testing.T) {
	t.Parallel()
	srv := setupStatic(t, StaticConfig{})
	res, _ := send(t, srv, "GET", "/static/app.js", nil, http.Header{"Accept-Encoding": {"identity"}})
	tag := res.Header.Get("ETag")
	if !strings.HasPrefix(tag, `"`) {
		t.Fatalf("ETag = %q, want a strong tag from the content (MapFS has no mod times)", tag)
	}
	res, body := send(t, srv, "GET", "/static/app.js", nil, http.Header{"Accept-Encoding": {"identity"}, "If-None-Match": {tag}})
	if res.StatusCode != 304 || len(body) != 0 {
		t.Errorf("conditional GET = %d with %d body bytes, want 304 and none", res.StatusCode, len(body))
	}
	gzRes, _ := send(t, srv, "GET", "/static/app.js", nil, http.Header{"Accept-Encoding": {"gzip"}})
	if gzTag := gzRes.Header.Get("ETag"); gzTag == "" || gzTag == tag {
		t.Errorf("gzip variant ETag = %q, want one different from the identity's %q", gzTag, tag)
	}
}

func TestStaticHostilePaths(t *testing.T) {
	t.Parallel()
	h := Static(StaticConfig{FS: fstest.MapFS{
		"ok.txt":       {Data: []byte("ok")},
		"%2e%2e":       {Data: []byte("literal")},
		"weird\\x.txt": {Data: []byte("backslash")},
	}})
	tests := []struct {
		path string // set as r.URL.Path, as after decoding
		want int
	}{
		{"/ok.txt", 200},
		{"ok.txt", 200}, // no leading slash, as http.StripPrefix can leave
		{"", 404},       // the root directory, which has no index
		{"/../ok.txt", 404},
		{"/a/../../ok.txt", 404},
		{"/..", 404},
		{"..", 404},
		{"/..\\ok.txt", 404},
		{"/weird\\x.txt", 404},
		{"\\ok.txt", 404},
		{"//etc/passwd", 404},
		{"/etc/passwd", 404},
		{"/ok.txt\x00.png", 404},
		{"/%2e%2e", 200}, // a literal name: never decoded twice
		{"/./ok.txt", 200},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = tt.path
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("GET %q: status %d, want %d", tt.path, rec.Code, tt.want)
			}
		})
	}
	t.Run("encoded dot-dot over a socket", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, h) // no mux: the handler sees the decoded path as sent
		for _, raw := range []string{"/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%5Cok.txt", "/..%2fok.txt"} {
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.URL.Opaque = raw // sent exactly as written
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 404 {
				t.Errorf("GET %s: status %d, want 404", raw, res.StatusCode)
			}
		}
	})
}

func TestStaticDir(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	h, err := StaticDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, h)
	res, body := send(t, srv, "GET", "/a.txt", nil, nil)
	if res.StatusCode != 200 || string(body) != "hello" || res.Header.Get("Last-Modified") == "" || res.Header.Get("ETag") == "" {
		t.Errorf("GET /a.txt = %d %q, Last-Modified %q, ETag %q; want 200 hello with both validators",
			res.StatusCode, body, res.Header.Get("Last-Modified"), res.Header.Get("ETag"))
	}
	res, _ = send(t, srv, "GET", "/a.txt", nil, http.Header{"If-Modified-Since": {res.Header.Get("Last-Modified")}})
	if res.StatusCode != 304 {
		t.Errorf("If-Modified-Since: status %d, want 304", res.StatusCode)
	}
	res, body = send(t, srv, "GET", "/escape.txt", nil, nil)
	if res.StatusCode != 404 || strings.Contains(string(body), "secret") {
		t.Errorf("symlink out of the root: %d %q, want 404", res.StatusCode, body)
	}
	if _, err := StaticDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("StaticDir of a missing directory: no error")
	}
}

func TestStaticConfig(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"a.css": {Data: []byte("a")}, "d/index.html": {Data: []byte("i")}}
	tests := []struct {
		name      string
		cfg       StaticConfig
		path      string
		wantCode  int
		wantCache string
	}{
		{name: "immutable", cfg: StaticConfig{Immutable: true}, path: "/a.css", wantCode: 200, wantCache: "public, max-age=31536000, immutable"},
		{name: "max age", cfg: StaticConfig{MaxAge: 90e9}, path: "/a.css", wantCode: 200, wantCache: "public, max-age=90"},
		{name: "negative max age", cfg: StaticConfig{MaxAge: -1}, path: "/a.css", wantCode: 200, wantCache: "no-cache"},
		{name: "index disabled", cfg: StaticConfig{Index: "-"}, path: "/d/", wantCode: 404},
		{name: "other index", cfg: StaticConfig{Index: "a.css"}, path: "/d/", wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.FS = fsys
			rec := httptest.NewRecorder()
			Static(tt.cfg).ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.wantCode || rec.Header().Get("Cache-Control") != tt.wantCache && tt.wantCode == 200 {
				t.Errorf("got %d Cache-Control %q, want %d %q", rec.Code, rec.Header().Get("Cache-Control"), tt.wantCode, tt.wantCache)
			}
		})
	}
	t.Run("nil FS panics", func(t *testing.T) {
		t.Parallel()
		defer func() {
			if recover() == nil {
				t.Error("Static with a nil FS did not panic")
			}
		}()
		Static(StaticConfig{})
	})
}
