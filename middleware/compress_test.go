package middleware

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip stream: %v", err)
	}
	return string(out)
}

func TestCompress(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("compress me please, ", 200) // 4000 bytes
	tests := []struct {
		name           string
		method         string
		acceptEncoding string
		handler        http.HandlerFunc
		wantGzip       bool
		wantVary       bool
		wantStatus     int
	}{
		{
			name: "large text", acceptEncoding: "gzip",
			handler:  textHandler("text/plain; charset=utf-8", big),
			wantGzip: true, wantVary: true,
		},
		{
			name: "large text written in small pieces", acceptEncoding: "br, gzip;q=0.5",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for i := 0; i < len(big); i += 10 {
					io.WriteString(w, big[i:i+10])
				}
			},
			wantGzip: true, wantVary: true,
		},
		{
			name: "no type set is sniffed", acceptEncoding: "gzip",
			handler:  textHandler("", "<!DOCTYPE html>"+big),
			wantGzip: true, wantVary: true,
		},
		{
			name: "star accepts gzip", acceptEncoding: "*",
			handler:  textHandler("text/css", big),
			wantGzip: true, wantVary: true,
		},
		{
			name: "case-insensitive coding", acceptEncoding: "GZIP",
			handler:  textHandler("text/css", big),
			wantGzip: true, wantVary: true,
		},
		{
			name: "q=0 refuses", acceptEncoding: "gzip;q=0, identity",
			handler:  textHandler("text/plain", big),
			wantVary: true,
		},
		{
			name: "star q=0 refuses", acceptEncoding: "*;q=0",
			handler:  textHandler("text/plain", big),
			wantVary: true,
		},
		{
			name: "gzip q=0 wins over star", acceptEncoding: "*, gzip;q=0",
			handler:  textHandler("text/plain", big),
			wantVary: true,
		},
		{
			name: "malformed q refuses", acceptEncoding: "gzip;q=abc",
			handler:  textHandler("text/plain", big),
			wantVary: true,
		},
		{
			name: "identity only", acceptEncoding: "identity",
			handler:  textHandler("text/plain", big),
			wantVary: true,
		},
		{
			name: "small body", acceptEncoding: "gzip",
			handler:  textHandler("text/plain", "tiny"),
			wantVary: true,
		},
		{
			name: "small declared length", acceptEncoding: "gzip",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Length", "4")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, "tiny")
			},
			wantVary: true,
		},
		{
			name: "png", acceptEncoding: "gzip",
			handler: textHandler("image/png", big),
		},
		{
			name: "sniffed png", acceptEncoding: "gzip",
			handler: textHandler("", "\x89PNG\x0D\x0A\x1A\x0A"+big),
		},
		{
			name: "svg is compressed", acceptEncoding: "gzip",
			handler:  textHandler("image/svg+xml", big),
			wantGzip: true, wantVary: true,
		},
		{
			name: "zip", acceptEncoding: "gzip",
			handler: textHandler("application/zip", big),
		},
		{
			name: "video", acceptEncoding: "gzip",
			handler: textHandler("video/mp4", big),
		},
		{
			name: "already encoded", acceptEncoding: "gzip",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Encoding", "br")
				io.WriteString(w, big)
			},
		},
		{
			name: "no content", acceptEncoding: "gzip",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
			wantStatus: http.StatusNoContent, wantVary: true,
		},
		{
			name: "not modified", acceptEncoding: "gzip",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) },
			wantStatus: http.StatusNotModified, wantVary: true,
		},
		{
			name: "partial content", acceptEncoding: "gzip",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Range", "bytes 0-3999/8000")
				w.WriteHeader(http.StatusPartialContent)
				io.WriteString(w, big)
			},
			wantStatus: http.StatusPartialContent, wantVary: true,
		},
		{
			name: "head", method: "HEAD", acceptEncoding: "gzip",
			handler: textHandler("text/plain", big),
		},
		{
			name: "error status is compressed", acceptEncoding: "gzip",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, big)
			},
			wantStatus: http.StatusNotFound, wantGzip: true, wantVary: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, Compress(tt.handler))
			method := tt.method
			if method == "" {
				method = "GET"
			}
			// Setting Accept-Encoding turns off the transport's transparent gzip.
			res, body := send(t, srv, method, "/", nil, http.Header{"Accept-Encoding": {tt.acceptEncoding}})
			wantStatus := tt.wantStatus
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if res.StatusCode != wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, wantStatus)
			}
			gotGzip := res.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q, want gzip: %v", res.Header.Get("Content-Encoding"), tt.wantGzip)
			}
			if gotVary := res.Header.Get("Vary") == "Accept-Encoding"; gotVary != tt.wantVary {
				t.Errorf("Vary = %q, want Accept-Encoding: %v", res.Header.Get("Vary"), tt.wantVary)
			}
			if tt.wantGzip {
				// net/http may add the compressed length itself.
				if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
					t.Errorf("Content-Length = %q for a gzip body of %d bytes", cl, len(body))
				}
				if ct := res.Header.Get("Content-Type"); ct == "" || strings.Contains(ct, "gzip") {
					t.Errorf("Content-Type = %q, want the uncompressed type", ct)
				}
				got := gunzip(t, body)
				if !strings.HasSuffix(got, big) || len(got) < len(big) {
					t.Errorf("decompressed body has %d bytes, want the original", len(got))
				}
				if len(body) >= len(got) {
					t.Errorf("compressed %d bytes to %d", len(got), len(body))
				}
			} else if method == "GET" && wantStatus != http.StatusNoContent && wantStatus != http.StatusNotModified {
				if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) && !strings.HasSuffix(string(body), big) {
					t.Errorf("uncompressed response has a gzip body")
				}
			}
		})
	}
}

func textHandler(ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		io.WriteString(w, body)
	}
}

func TestCompressHeaders(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", 5000)
	srv := serve(t, Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		h.Set("Content-Length", "5000")
		h.Set("Accept-Ranges", "bytes")
		h.Set("ETag", `"v1"`)
		h.Set("Vary", "Origin")
		io.WriteString(w, big)
	})))
	res, body := send(t, srv, "GET", "/", nil, http.Header{"Accept-Encoding": {"gzip"}})
	if got := gunzip(t, body); got != big {
		t.Errorf("decompressed %d bytes, want 5000", len(got))
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length = %q, want the handler's 5000 replaced by the compressed %d", cl, len(body))
	}
	for k, want := range map[string]string{
		"Accept-Ranges": "", "Etag": `W/"v1"`, "Content-Encoding": "gzip",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := res.Header.Values("Vary"); strings.Join(got, ",") != "Origin,Accept-Encoding" {
		t.Errorf("Vary = %q, want Origin and Accept-Encoding", got)
	}
}

func TestCompressFlush(t *testing.T) {
	t.Parallel()
	next := make(chan struct{})
	srv := serve(t, Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through Compress: %v", err)
		}
		<-next
		io.WriteString(w, "data: two\n\n")
	})))
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("flushed event stream not compressed: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The first event must arrive while the handler is still blocked.
	line, err := bufio.NewReader(zr).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first flushed line = %q, %v; want %q", line, err, "data: one\n")
	}
	close(next)
}

func TestCompressNothingWritten(t *testing.T) {
	t.Parallel()
	// A handler that writes nothing leaves the response to outer middleware.
	inner := Compress(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r)
		w.WriteHeader(http.StatusTeapot)
	}))
	res, _ := send(t, srv, "GET", "/", nil, http.Header{"Accept-Encoding": {"gzip"}})
	if res.StatusCode != http.StatusTeapot {
		t.Errorf("status = %d, want the outer handler's 418", res.StatusCode)
	}
}

func TestCompressPoolReuse(t *testing.T) {
	t.Parallel()
	// Many concurrent requests share pooled writers; each body must be its own.
	srv := serve(t, Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat(r.URL.Query().Get("c"), 3000))
	})))
	done := make(chan struct{})
	for i := range 20 {
		go func() {
			defer func() { done <- struct{}{} }()
			c := string(rune('a' + i))
			_, body := send(t, srv, "GET", "/?c="+c, nil, http.Header{"Accept-Encoding": {"gzip"}})
			if got := gunzip(t, body); got != strings.Repeat(c, 3000) {
				t.Errorf("request %s got a body of %d bytes starting %q", c, len(got), got[:min(len(got), 10)])
			}
		}()
	}
	for range 20 {
		<-done
	}
}

func TestCompressInvalidLevel(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("CompressWith with level 42 did not panic")
		}
	}()
	CompressWith(CompressConfig{Level: 42})
}

func TestAcceptsEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		coding string
		want   bool
	}{
		{"", "gzip", false},
		{"gzip", "gzip", true},
		{"deflate, gzip;q=1.0, *;q=0.5", "gzip", true},
		{"x-gzip", "gzip", true},
		{"gzip ; q=0.001", "gzip", true},
		{"gzip;q=0.000", "gzip", false},
		{"gzip;q=2", "gzip", false},
		{"gzip;q=-1", "gzip", false},
		{"gzip;q=NaN", "gzip", false},
		{"gzipfoo", "gzip", false},
		{"br;q=1, gzip;q=0", "br", true},
		{",,,;;;==", "gzip", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			if got := acceptsEncoding([]string{tt.header}, tt.coding); got != tt.want {
				t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tt.header, tt.coding, got, tt.want)
			}
		})
	}
}

func BenchmarkCompress(b *testing.B) {
	body := []byte(strings.Repeat("compress me please, ", 500))
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discardWriter{http.Header{}}, req)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
