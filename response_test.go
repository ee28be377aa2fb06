package kiln

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// upperJSONCodec is a JSONCodec that proves JSON uses the app's codec.
type upperJSONCodec struct{ StdJSON }

func (c upperJSONCodec) Encode(w io.Writer, v any) error {
	var b bytes.Buffer
	if err := c.StdJSON.Encode(&b, v); err != nil {
		return err
	}
	_, err := w.Write(bytes.ToUpper(b.Bytes()))
	return err
}

// respInApp returns a recorder and a writer for it as an app with cfg hands it
// to handlers.
func respInApp(t testing.TB, cfg Config) (*httptest.ResponseRecorder, *ResponseWriter) {
	t.Helper()
	rec := httptest.NewRecorder()
	return rec, getWriter(rec, New(cfg), http.MethodGet)
}

type respMessage struct {
	Message string `json:"message" xml:"message"`
}

func TestJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    *Config // nil: a plain recorder outside any app
		status int
		v      any
		body   string
	}{
		{name: "outside an app", status: 200, v: respMessage{"Hello, World!"}, body: `{"message":"Hello, World!"}` + "\n"},
		{name: "status is kept", status: http.StatusCreated, v: []int{1, 2}, body: "[1,2]\n"},
		{name: "nil is null", status: 200, v: nil, body: "null\n"},
		{name: "html escaped by default", status: 200, v: "<b>&</b>", body: `"\u003cb\u003e\u0026\u003c/b\u003e"` + "\n"},
		{name: "app codec", cfg: &Config{JSON: upperJSONCodec{}}, status: 200, v: respMessage{"hi"}, body: `{"MESSAGE":"HI"}` + "\n"},
		{name: "app default codec", cfg: &Config{}, status: 200, v: "<b>", body: `"\u003cb\u003e"` + "\n"},
		{name: "html escape disabled", cfg: &Config{JSON: StdJSON{DisableHTMLEscape: true}}, status: 200, v: "<b>&", body: `"<b>&"` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			var w http.ResponseWriter = rec
			if tt.cfg != nil {
				rec, w = respInApp(t, *tt.cfg)
			}
			if err := JSON(w, tt.status, tt.v); err != nil {
				t.Fatalf("JSON: %v", err)
			}
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(len(tt.body)); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
			if got := rec.Body.String(); got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

func TestJSONEncodeErrorWritesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
	}{
		{name: "channel", v: make(chan int)},
		{name: "func in struct", v: struct{ F func() }{F: func() {}}},
		{name: "nan", v: []float64{1, 2, respNaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, rw := respInApp(t, Config{})
			err := JSON(rw, http.StatusOK, tt.v)
			if err == nil {
				t.Fatal("JSON returned nil for a value encoding/json cannot encode")
			}
			if !strings.Contains(err.Error(), "kiln.JSON: encoding") {
				t.Errorf("error %q does not say JSON encoding failed", err)
			}
			if got := ErrorStatus(err); got != http.StatusInternalServerError {
				t.Errorf("ErrorStatus = %d, want 500", got)
			}
			if rw.Written() || rw.Size() != 0 || rec.Body.Len() != 0 {
				t.Errorf("something was written: written=%v size=%d body=%q", rw.Written(), rw.Size(), rec.Body)
			}
			if len(rec.Header()) != 0 {
				t.Errorf("headers were set: %v", rec.Header())
			}
		})
	}
	t.Run("unwraps to the encoder error", func(t *testing.T) {
		t.Parallel()
		err := JSON(httptest.NewRecorder(), 200, make(chan int))
		var ute *json.UnsupportedTypeError
		if !errors.As(err, &ute) {
			t.Errorf("error %v does not wrap *json.UnsupportedTypeError", err)
		}
	})
}

func TestRender(t *testing.T) {
	t.Parallel()
	t.Run("sends what the function writes", func(t *testing.T) {
		t.Parallel()
		rec, rw := respInApp(t, Config{})
		err := Render(rw, http.StatusCreated, "text/csv", func(b io.Writer) error {
			_, err := io.WriteString(b, "a,b\n1,2\n")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusCreated || rec.Body.String() != "a,b\n1,2\n" ||
			rec.Header().Get("Content-Type") != "text/csv" || rec.Header().Get("Content-Length") != "8" {
			t.Errorf("got %d %v %q", rec.Code, rec.Header(), rec.Body)
		}
	})
	t.Run("an empty content type is sniffed", func(t *testing.T) {
		t.Parallel()
		rec, rw := respInApp(t, Config{})
		err := Render(rw, http.StatusOK, "", func(b io.Writer) error {
			_, err := io.WriteString(b, "<!DOCTYPE html><p>hi")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q, want the sniffed text/html; charset=utf-8", ct)
		}
	})
	t.Run("a failure sends nothing", func(t *testing.T) {
		t.Parallel()
		rec, rw := respInApp(t, Config{})
		boom := errors.New("template: page:3: boom")
		err := Render(rw, http.StatusOK, "text/html; charset=utf-8", func(b io.Writer) error {
			_, _ = io.WriteString(b, "<p>half a page")
			return boom
		})
		if err != boom {
			t.Errorf("error %v, want the function's error unchanged", err)
		}
		if rw.Written() || rec.Body.Len() != 0 || len(rec.Header()) != 0 {
			t.Errorf("something was written: %v %q", rec.Header(), rec.Body)
		}
	})
}

func respNaN() float64 {
	zero := 0.0
	return zero / zero
}

func TestStringHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		write  func(w http.ResponseWriter) error
		status int
		ctype  string
		body   string
	}{
		{
			name:   "text",
			write:  func(w http.ResponseWriter) error { return Text(w, http.StatusTeapot, "héllo") },
			status: http.StatusTeapot, ctype: "text/plain; charset=utf-8", body: "héllo",
		},
		{
			name:   "html is not escaped",
			write:  func(w http.ResponseWriter) error { return HTML(w, 200, "<p>a & b</p>") },
			status: 200, ctype: "text/html; charset=utf-8", body: "<p>a & b</p>",
		},
		{
			name:   "xml",
			write:  func(w http.ResponseWriter) error { return XML(w, http.StatusAccepted, respMessage{"a<b"}) },
			status: http.StatusAccepted, ctype: "application/xml; charset=utf-8",
			body: `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<respMessage><message>a&lt;b</message></respMessage>`,
		},
		{
			name:   "blob",
			write:  func(w http.ResponseWriter) error { return Blob(w, 200, "application/pdf", []byte("%PDF-1.7")) },
			status: 200, ctype: "application/pdf", body: "%PDF-1.7",
		},
		{
			name:   "blob sniffs an empty type",
			write:  func(w http.ResponseWriter) error { return Blob(w, 200, "", []byte("\x89PNG\r\n\x1a\nrest")) },
			status: 200, ctype: "image/png", body: "\x89PNG\r\n\x1a\nrest",
		},
		{
			name:   "empty text",
			write:  func(w http.ResponseWriter) error { return Text(w, 200, "") },
			status: 200, ctype: "text/plain; charset=utf-8", body: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := tt.write(rec); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(len(tt.body)); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
			if got := rec.Body.String(); got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

func TestXMLEncodeErrorWritesNothing(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	err := XML(rec, 200, map[string]int{"a": 1})
	if err == nil || !strings.Contains(err.Error(), "as XML") {
		t.Fatalf("XML(map) = %v, want an XML encoding error", err)
	}
	if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Errorf("something was written: headers %v body %q", rec.Header(), rec.Body)
	}
}

func TestNoContent(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	if err := NoContent(rec); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Errorf("got %d %q, want 204 and no body", rec.Code, rec.Body)
	}
}

func TestHelpersRefuseCommittedResponse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("file"), 0o600); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	tests := []struct {
		name  string
		write func(w http.ResponseWriter) error
	}{
		{"JSON", func(w http.ResponseWriter) error { return JSON(w, 200, 1) }},
		{"XML", func(w http.ResponseWriter) error { return XML(w, 200, respMessage{}) }},
		{"Text", func(w http.ResponseWriter) error { return Text(w, 200, "x") }},
		{"HTML", func(w http.ResponseWriter) error { return HTML(w, 200, "x") }},
		{"Blob", func(w http.ResponseWriter) error { return Blob(w, 200, "a/b", []byte("x")) }},
		{"Render", func(w http.ResponseWriter) error {
			return Render(w, 200, "a/b", func(io.Writer) error {
				t.Error("Render called its function on a committed response")
				return nil
			})
		}},
		{"Stream", func(w http.ResponseWriter) error { return Stream(w, 200, "a/b", strings.NewReader("x")) }},
		{"NoContent", NoContent},
		{"Redirect", func(w http.ResponseWriter) error { return Redirect(w, req, "/x", 302) }},
		{"File", func(w http.ResponseWriter) error { return File(w, req, file) }},
		{"FileFS", func(w http.ResponseWriter) error { return FileFS(w, req, os.DirFS(dir), "a.txt") }},
		{"Attachment", func(w http.ResponseWriter) error { return Attachment(w, req, file, "") }},
		{"Respond", func(w http.ResponseWriter) error { return Respond(w, req, 200, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, rw := respInApp(t, Config{})
			// A middleware wrapping Kiln's writer: the check must see through it.
			var w http.ResponseWriter = respUnwrapper{rw}
			rw.WriteHeader(http.StatusAccepted)
			_, _ = rw.Write([]byte("first"))
			err := tt.write(w)
			if !errors.Is(err, ErrCommitted) {
				t.Fatalf("error = %v, want ErrCommitted", err)
			}
			if !strings.Contains(err.Error(), "kiln."+tt.name) {
				t.Errorf("error %q does not name the helper", err)
			}
			if rec.Code != http.StatusAccepted || rec.Body.String() != "first" {
				t.Errorf("response changed to %d %q", rec.Code, rec.Body)
			}
		})
	}
}

// respUnwrapper is a middleware's writer that exposes the one it wraps.
type respUnwrapper struct{ http.ResponseWriter }

func (u respUnwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func TestRedirect(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/posts/new", nil)
			if err := Redirect(rec, req, "/posts/1", status); err != nil {
				t.Fatal(err)
			}
			if rec.Code != status || rec.Header().Get("Location") != "/posts/1" {
				t.Errorf("got %d Location %q, want %d /posts/1", rec.Code, rec.Header().Get("Location"), status)
			}
		})
	}
	bad := []struct {
		name   string
		url    string
		status int
		want   string
	}{
		{"200 is not a redirect", "/x", 200, "status 200 is not a redirect; use 301, 302, 303, 307 or 308"},
		{"300 multiple choices", "/x", 300, "status 300 is not a redirect"},
		{"304 not modified", "/x", 304, "status 304 is not a redirect"},
		{"zero status", "/x", 0, "status 0 is not a redirect"},
		{"arguments swapped by mistake", "/x", 404, "status 404 is not a redirect"},
		{"CRLF injection", "/x\r\nSet-Cookie: a=b", 302, "contains CR or LF"},
		{"bare LF", "/x\nA: b", 303, "contains CR or LF"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			err := Redirect(rec, httptest.NewRequest("GET", "/", nil), tt.url, tt.status)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if len(rec.Header()) != 0 || rec.Body.Len() != 0 {
				t.Errorf("something was written: %v %q", rec.Header(), rec.Body)
			}
		})
	}
}

// serveResp runs h on a real server, answering a returned error with its
// status and Error() as body, independent of the app's error handler.
func serveResp(t *testing.T, h func(w http.ResponseWriter, r *http.Request) error) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if Committed(w) {
				t.Errorf("handler failed after writing: %v", err)
				return
			}
			http.Error(w, err.Error(), ErrorStatus(err))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func getResp(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestFileServesConditionalAndRangeRequests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const content = "0123456789abcdefghij"
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "notes.txt"), mod, mod); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })

	servers := map[string]*httptest.Server{
		"File": serveResp(t, func(w http.ResponseWriter, r *http.Request) error {
			return File(w, r, filepath.Join(dir, r.URL.Path))
		}),
		"FileFS": serveResp(t, func(w http.ResponseWriter, r *http.Request) error {
			return FileFS(w, r, root.FS(), r.URL.Path)
		}),
	}
	for name, srv := range servers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			full, body := getResp(t, srv.URL+"/notes.txt")
			if full.StatusCode != 200 || body != content {
				t.Fatalf("GET = %d %q", full.StatusCode, body)
			}
			if got := full.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := full.Header.Get("Last-Modified"); got != mod.Format(http.TimeFormat) {
				t.Errorf("Last-Modified = %q", got)
			}
			etag := full.Header.Get("Etag")
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 4 {
				t.Fatalf("ETag = %q, want a strong entity tag", etag)
			}

			tests := []struct {
				name   string
				header []string
				status int
				body   string
				check  func(t *testing.T, resp *http.Response)
			}{
				{name: "range", header: []string{"Range", "bytes=2-5"}, status: 206, body: "2345",
					check: func(t *testing.T, resp *http.Response) {
						if got := resp.Header.Get("Content-Range"); got != "bytes 2-5/20" {
							t.Errorf("Content-Range = %q", got)
						}
					}},
				{name: "suffix range", header: []string{"Range", "bytes=-3"}, status: 206, body: "hij"},
				{name: "unsatisfiable range", header: []string{"Range", "bytes=50-60"}, status: 416},
				{name: "if-none-match", header: []string{"If-None-Match", etag}, status: 304},
				{name: "if-none-match other", header: []string{"If-None-Match", `"other"`}, status: 200, body: content},
				{name: "if-modified-since", header: []string{"If-Modified-Since", mod.Format(http.TimeFormat)}, status: 304},
				{name: "modified since", header: []string{"If-Modified-Since", mod.Add(-time.Hour).Format(http.TimeFormat)}, status: 200, body: content},
				{name: "if-range matching", header: []string{"Range", "bytes=0-1", "If-Range", etag}, status: 206, body: "01"},
				{name: "if-range stale", header: []string{"Range", "bytes=0-1", "If-Range", `"stale"`}, status: 200, body: content},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					resp, body := getResp(t, srv.URL+"/notes.txt", tt.header...)
					if resp.StatusCode != tt.status {
						t.Fatalf("status = %d, want %d (body %q)", resp.StatusCode, tt.status, body)
					}
					if tt.body != "" && body != tt.body {
						t.Errorf("body = %q, want %q", body, tt.body)
					}
					if tt.check != nil {
						tt.check(t, resp)
					}
				})
			}
			for _, p := range []string{"/missing.txt", "/sub", "/sub/", "/notes.txt/x"} {
				t.Run("404 "+p, func(t *testing.T) {
					t.Parallel()
					resp, body := getResp(t, srv.URL+p)
					if resp.StatusCode != 404 {
						t.Errorf("GET %s = %d %q, want 404", p, resp.StatusCode, body)
					}
				})
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"a.txt":        {Data: []byte("a")},
		"dir/b.txt":    {Data: []byte("b")},
		"secret/k.txt": {Data: []byte("k")},
	}
	req := httptest.NewRequest("GET", "/", nil)
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter) error
		cause string
	}{
		{"missing file", func(w http.ResponseWriter) error { return File(w, req, filepath.Join(dir, "nope")) }, "no such file"},
		{"directory", func(w http.ResponseWriter) error { return File(w, req, dir) }, "not a regular file"},
		{"fs missing", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "nope.txt") }, "not exist"},
		{"fs directory", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "dir") }, "not a regular file"},
		{"fs root", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "/") }, "invalid file name"},
		{"fs dot-dot", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "dir/../secret/k.txt") }, "invalid file name"},
		{"fs escape", func(w http.ResponseWriter) error { return FileFS(w, req, os.DirFS(dir), "../a.txt") }, "invalid file name"},
		{"fs absolute", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "//etc/passwd") }, "invalid file name"},
		{"fs dot element", func(w http.ResponseWriter) error { return FileFS(w, req, fsys, "./a.txt") }, "invalid file name"},
		{"attachment of missing file", func(w http.ResponseWriter) error {
			return Attachment(w, req, filepath.Join(dir, "nope"), "x.txt")
		}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			err := tt.serve(rec)
			var ke *Error
			if !errors.As(err, &ke) || ke.StatusCode() != http.StatusNotFound {
				t.Fatalf("error = %v, want a 404 *kiln.Error", err)
			}
			if !strings.Contains(err.Error(), tt.cause) {
				t.Errorf("error %q does not contain the cause %q", err, tt.cause)
			}
			if strings.Contains(ke.PublicMessage(), dir) {
				t.Errorf("public message %q reveals the path", ke.PublicMessage())
			}
			if len(rec.Header()) != 0 || rec.Body.Len() != 0 {
				t.Errorf("something was written: %v %q", rec.Header(), rec.Body)
			}
		})
	}
}

// respNoSeekFS hides Seek from the files of an fs.FS.
type respNoSeekFS struct{ fs.FS }

func (f respNoSeekFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	return struct{ fs.File }{file}, err
}

func TestFileFSWithoutSeek(t *testing.T) {
	t.Parallel()
	mod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := respNoSeekFS{fstest.MapFS{"data.json": {Data: []byte(`{"a":1}`), ModTime: mod}}}
	for _, method := range []string{"GET", "HEAD"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := FileFS(rec, httptest.NewRequest(method, "/data.json", nil), fsys, "/data.json"); err != nil {
				t.Fatal(err)
			}
			want := `{"a":1}`
			if method == "HEAD" {
				want = ""
			}
			h := rec.Header()
			if rec.Code != 200 || rec.Body.String() != want || h.Get("Content-Type") != "application/json" ||
				h.Get("Content-Length") != "7" || h.Get("Last-Modified") != mod.Format(http.TimeFormat) {
				t.Errorf("got %d %v %q", rec.Code, h, rec.Body)
			}
		})
	}
}

func TestFileFSEmbedLikeZeroModTime(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"app.js": {Data: []byte("let a")}}
	rec := httptest.NewRecorder()
	if err := FileFS(rec, httptest.NewRequest("GET", "/", nil), fsys, "app.js"); err != nil {
		t.Fatal(err)
	}
	if rec.Body.String() != "let a" || rec.Header().Get("Etag") != "" || rec.Header().Get("Last-Modified") != "" {
		t.Errorf("got %v %q; want the body and no validators for a zero mod time", rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("Etag", `"build-42"`)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", `"build-42"`)
	if err := FileFS(rec, req, fsys, "app.js"); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusNotModified {
		t.Errorf("status = %d, want 304 for the handler's own ETag", rec.Code)
	}
}

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, kind, filename string
		want                 string
		parsed               string // the filename a client decodes; "" means filename
	}{
		{name: "ascii", kind: "attachment", filename: "report.pdf",
			want: `attachment; filename="report.pdf"`},
		{name: "spaces and semicolons", kind: "inline", filename: "a b; c.txt",
			want: `inline; filename="a b; c.txt"`},
		{name: "japanese", kind: "attachment", filename: "報告書.txt",
			want: `attachment; filename="___.txt"; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.txt`},
		{name: "accents", kind: "attachment", filename: "résumé 2024.pdf",
			want: `attachment; filename="r_sum_ 2024.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf`},
		{name: "header injection", kind: "attachment", filename: "evil\"\r\nX-Injected: 1.txt",
			want: `attachment; filename="evilX-Injected: 1.txt"`, parsed: "evilX-Injected: 1.txt"},
		{name: "quote escape attempt", kind: "attachment", filename: `a\"; filename="b.exe`,
			want: `attachment; filename="a; filename=b.exe"`, parsed: "a; filename=b.exe"},
		{name: "injection with non-ascii", kind: "attachment", filename: "é\r\nSet-Cookie: a=b\x00.txt",
			want:   `attachment; filename="_Set-Cookie: a=b.txt"; filename*=UTF-8''%C3%A9Set-Cookie%3A%20a%3Db.txt`,
			parsed: "éSet-Cookie: a=b.txt"},
		{name: "invalid utf-8", kind: "attachment", filename: "a\xffb",
			want:   `attachment; filename="a_b"; filename*=UTF-8''a%EF%BF%BDb`,
			parsed: "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ContentDisposition(tt.kind, tt.filename)
			if got != tt.want {
				t.Errorf("ContentDisposition = %s\n                      want %s", got, tt.want)
			}
			if strings.ContainsAny(got, "\r\n\x00") {
				t.Errorf("value %q contains control characters", got)
			}
			kind, params, err := mime.ParseMediaType(got)
			if err != nil {
				t.Fatalf("a client cannot parse %q: %v", got, err)
			}
			want := tt.parsed
			if want == "" {
				want = tt.filename
			}
			if kind != tt.kind || params["filename"] != want {
				t.Errorf("client reads %s filename %q, want %s %q", kind, params["filename"], tt.kind, want)
			}
		})
	}
}

func TestAttachmentOverRealServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := serveResp(t, func(w http.ResponseWriter, r *http.Request) error {
		name := r.URL.Query().Get("name")
		if r.URL.Query().Has("inline") {
			return Inline(w, r, path, name)
		}
		return Attachment(w, r, path, name)
	})
	tests := []struct {
		name, query, want string
	}{
		{"default name", "", `attachment; filename="data.csv"`},
		{"japanese", "name=%E5%A0%B1%E5%91%8A.csv", `attachment; filename="__.csv"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.csv`},
		{"injection", "name=evil%22%0D%0AX-Injected:%201.txt", `attachment; filename="evilX-Injected: 1.txt"`},
		{"inline", "inline&name=x.csv", `inline; filename="x.csv"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := getResp(t, srv.URL+"/?"+tt.query)
			if resp.StatusCode != 200 || body != "a,b\n1,2\n" {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Disposition"); got != tt.want {
				t.Errorf("Content-Disposition = %q, want %q", got, tt.want)
			}
			if got := resp.Header.Values("X-Injected"); len(got) != 0 {
				t.Errorf("injected header arrived: %q", got)
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/csv") {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func TestStreamFlushesEachChunk(t *testing.T) {
	t.Parallel()
	next := make(chan struct{})
	srv := serveResp(t, func(w http.ResponseWriter, r *http.Request) error {
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("first\n"))
			select { // the client must have seen "first" before "second" exists
			case <-next:
			case <-r.Context().Done():
			}
			pw.Write([]byte("second\n"))
			pw.Close()
		}()
		return Stream(w, http.StatusOK, "application/x-ndjson", pr)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("headers did not arrive before the body ended: %v", err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/x-ndjson" || resp.ContentLength != -1 {
		t.Errorf("Content-Type %q, length %d", resp.Header.Get("Content-Type"), resp.ContentLength)
	}
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	if err != nil || string(buf[:n]) != "first\n" {
		t.Fatalf("first read = %q, %v; the chunk was not flushed", buf[:n], err)
	}
	close(next)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second\n" {
		t.Errorf("rest = %q, %v", rest, err)
	}
}

type respFailingReader struct{ n int }

func (f *respFailingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		f.n++
		return copy(p, "partial"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestStream(t *testing.T) {
	t.Parallel()
	t.Run("read error is returned after the partial body", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		err := Stream(rec, 200, "text/plain", &respFailingReader{})
		if err == nil || !strings.Contains(err.Error(), "kiln.Stream: reading: disk on fire") {
			t.Fatalf("err = %v", err)
		}
		if rec.Body.String() != "partial" || !rec.Flushed {
			t.Errorf("body %q flushed %v", rec.Body, rec.Flushed)
		}
	})
	t.Run("writer without flush", func(t *testing.T) {
		t.Parallel()
		w := &respPlainWriter{h: http.Header{}}
		big := strings.Repeat("x", 3*streamBufferSize+5)
		if err := Stream(w, http.StatusPartialContent, "", strings.NewReader(big)); err != nil {
			t.Fatal(err)
		}
		if w.status != http.StatusPartialContent || w.body.String() != big || w.h.Get("Content-Type") != "" {
			t.Errorf("status %d, %d bytes, type %q", w.status, w.body.Len(), w.h.Get("Content-Type"))
		}
	})
}

// respPlainWriter is an http.ResponseWriter with no optional interfaces.
type respPlainWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (w *respPlainWriter) Header() http.Header { return w.h }
func (w *respPlainWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *respPlainWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.body.Write(p)
}

func TestPutBufferDropsOversizedBuffers(t *testing.T) {
	// Not parallel: it inspects the shared pool.
	big := bytes.NewBuffer(make([]byte, 0, maxPooledBuffer+1))
	putBuffer(big)
	for range 100 {
		if b := getBuffer(); b == big {
			t.Fatal("an oversized buffer was pooled")
		}
	}
}

// respBenchWriter is a minimal writer for benchmarks: it reuses its header
// map, so the allocations measured are the helper's own.
type respBenchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *respBenchWriter) Header() http.Header         { return w.h }
func (w *respBenchWriter) WriteHeader(s int)           { w.status = s }
func (w *respBenchWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func BenchmarkJSON(b *testing.B) {
	v := &respMessage{Message: "Hello, World!"} // the TechEmpower JSON test
	b.Run("plain", func(b *testing.B) {
		w := &respBenchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			if err := JSON(w, 200, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in app", func(b *testing.B) {
		w := &respBenchWriter{h: http.Header{}}
		rw := getWriter(w, New(Config{}), http.MethodGet)
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			rw.written = false
			if err := JSON(rw, 200, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline net/http", func(b *testing.B) {
		w := &respBenchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			w.Header().Set("Content-Type", "application/json")
			if err := json.NewEncoder(w).Encode(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkText(b *testing.B) {
	w := &respBenchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := Text(w, 200, "Hello, World!"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestContentLengthOnTheWire checks that every helper's response reaches a
// real client with the right Content-Length and no chunking, whichever of
// Kiln and net/http writes the header: net/http for small bodies written
// straight to its writer, Kiln for larger ones and whenever a middleware
// writer sits in between. Over HTTP/1.1 and HTTP/2, for GET and HEAD.
// Handlers that write without the helpers (Write, io.Copy) get net/http's
// own Content-Length for a small body, HEAD included. No HEAD answer logs
// an error: net/http's HTTP/2 server fails body writes past its buffer
// for HEAD, which the ResponseWriter avoids by dropping them.
func TestContentLengthOnTheWire(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 13, serverLengthMax - 1, serverLengthMax, serverLengthMax + 1, 5000, 100_000}
	var logs bytes.Buffer // slog's handler serialises its writes
	app := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	// wrapped is a middleware writer that forwards everything, as an
	// instrumentation middleware's would.
	type wrapped struct{ http.ResponseWriter }
	app.Group("/wrapped", func(g *Router) {
		g.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(wrapped{w}, r)
			})
		})
		g.Get("/text/{n}", func(w http.ResponseWriter, r *http.Request) error {
			n, _ := strconv.Atoi(r.PathValue("n"))
			return Text(w, http.StatusOK, strings.Repeat("x", n))
		})
	})
	app.Get("/text/{n}", func(w http.ResponseWriter, r *http.Request) error {
		n, _ := strconv.Atoi(r.PathValue("n"))
		return Text(w, http.StatusOK, strings.Repeat("x", n))
	})
	app.Get("/blob/{n}", func(w http.ResponseWriter, r *http.Request) error {
		n, _ := strconv.Atoi(r.PathValue("n"))
		return Blob(w, http.StatusCreated, "application/octet-stream", bytes.Repeat([]byte{'y'}, n))
	})
	app.Get("/render/{n}", func(w http.ResponseWriter, r *http.Request) error {
		n, _ := strconv.Atoi(r.PathValue("n"))
		return Render(w, http.StatusOK, "text/html; charset=utf-8", func(b io.Writer) error {
			_, err := io.WriteString(b, strings.Repeat("h", n))
			return err
		})
	})
	app.Get("/json/{n}", func(w http.ResponseWriter, r *http.Request) error {
		n, _ := strconv.Atoi(r.PathValue("n"))
		return JSON(w, http.StatusOK, strings.Repeat("z", max(n-3, 0))) // "…"\n is n bytes
	})
	app.Handle("GET /raw/{n}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		io.WriteString(w, strings.Repeat("r", n))
	}))
	// Two writes, the second past the threshold: the HEAD answer must
	// not carry the first write's size as Content-Length.
	app.Handle("GET /two/{n}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		io.WriteString(w, strings.Repeat("a", 100))
		io.WriteString(w, strings.Repeat("b", n-100))
	}))
	app.Handle("GET /copy/{n}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if _, err := io.Copy(w, strings.NewReader(strings.Repeat("c", n))); err != nil {
			t.Errorf("%s %s: io.Copy: %v", r.Method, r.URL.Path, err)
		}
	}))
	srv := httptest.NewUnstartedServer(app)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	h2 := srv.Client() // httptest configures it for HTTP/2
	t1 := h2.Transport.(*http.Transport).Clone()
	t1.Protocols = new(http.Protocols)
	t1.Protocols.SetHTTP1(true)
	t1.TLSClientConfig = t1.TLSClientConfig.Clone()
	t1.TLSClientConfig.NextProtos = []string{"http/1.1"}
	h1 := &http.Client{Transport: t1}

	for _, client := range []struct {
		proto string
		c     *http.Client
	}{{"HTTP/1.1", h1}, {"HTTP/2.0", h2}} {
		for _, path := range []string{"/text/", "/wrapped/text/", "/blob/", "/render/", "/json/", "/raw/", "/copy/", "/two/"} {
			helper := path != "/raw/" && path != "/copy/" && path != "/two/"
			for _, n := range sizes {
				if path == "/json/" && n < 3 || path == "/two/" && n < 100 {
					continue
				}
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					req, _ := http.NewRequest(method, srv.URL+path+strconv.Itoa(n), nil)
					res, err := client.c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, err := io.ReadAll(res.Body)
					res.Body.Close()
					what := client.proto + " " + method + " " + path + strconv.Itoa(n)
					if err != nil {
						t.Fatalf("%s: reading body: %v", what, err)
					}
					if res.Proto != client.proto {
						t.Fatalf("%s: served over %s", what, res.Proto)
					}
					// Without a helper, net/http sends Content-Length for a
					// small, non-empty body only.
					// A Content-Length, when there is one, is the whole body's.
					if got := res.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(n) {
						t.Errorf("%s: Content-Length %q for a body of %d bytes", what, got, n)
					}
					if helper || n > 0 && n <= serverLengthMax {
						if got := res.Header.Get("Content-Length"); got != strconv.Itoa(n) {
							t.Errorf("%s: Content-Length %q, want %d (Transfer-Encoding %v)", what, got, n, res.TransferEncoding)
						}
						if len(res.TransferEncoding) != 0 {
							t.Errorf("%s: Transfer-Encoding %v, want none", what, res.TransferEncoding)
						}
					}
					want := n
					if method == http.MethodHead {
						want = 0
					}
					if len(body) != want {
						t.Errorf("%s: %d body bytes, want %d", what, len(body), want)
					}
				}
			}
		}
	}
	srv.Close() // waits for every handler, so the log is complete
	if l := logs.String(); l != "" {
		t.Errorf("the app logged:\n%s", l)
	}
}
