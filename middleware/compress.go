package middleware

import (
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// CompressConfig configures CompressWith. Its zero value gives the
// defaults.
type CompressConfig struct {
	// Level is the gzip compression level: gzip.BestSpeed (1) to
	// gzip.BestCompression (9), or gzip.HuffmanOnly (-2). Defaults to
	// gzip.DefaultCompression (6), used when Level is 0.
	Level int

	// MinSize is the smallest body, in bytes, worth compressing. The
	// middleware buffers up to MinSize bytes before deciding; a response
	// that ends (or is flushed) before reaching it is sent uncompressed, or
	// compressed if it was flushed. Defaults to 1024.
	MinSize int
}

// Compress is CompressWith with the default CompressConfig.
func Compress(next http.Handler) http.Handler {
	return CompressWith(CompressConfig{})(next)
}

// CompressWith returns middleware that gzips response bodies for clients
// whose Accept-Encoding allows gzip (a q=0 refuses it). It leaves a
// response alone when it is an answer to HEAD, a 1xx, 204, 206 or 304, a
// WebSocket or other Upgrade request, already has a Content-Encoding, has
// an already-compressed Content-Type (images other than SVG, audio, video,
// WOFF fonts, archives, PDF, application/octet-stream), is shorter than
// MinSize, or is flushed before it has a Content-Type or any body.
//
// When it compresses it sets Content-Encoding: gzip, removes
// Content-Length and Accept-Ranges, and weakens a strong ETag (the bytes
// differ from the uncompressed ones). It adds Vary: Accept-Encoding to
// every response whose encoding depends on the request. The wrapped writer
// supports http.Flusher (flushing also flushes the gzip stream, so
// server-sent events work) and Unwrap for http.ResponseController. gzip
// writers are pooled; the middleware is safe for concurrent use.
//
// Security: compressing a response that contains both a secret (a CSRF
// token, a session-bound value) and text an attacker can inject lets the
// attacker guess the secret from response sizes over TLS (BREACH). Do not
// compress such responses, or mask the secrets per response.
//
// CompressWith panics if Level is not a valid gzip level.
func CompressWith(cfg CompressConfig) func(http.Handler) http.Handler {
	level := cfg.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if _, err := gzip.NewWriterLevel(io.Discard, level); err != nil {
		panic(fmt.Sprintf("middleware: CompressConfig.Level %d is invalid; use 1 (fastest) to 9 (smallest), or -2 for Huffman only", cfg.Level))
	}
	minSize := cfg.MinSize
	if minSize <= 0 {
		minSize = 1024
	}
	c := &compressor{minSize: minSize}
	c.gzips.New = func() any {
		gz, _ := gzip.NewWriterLevel(io.Discard, level)
		return gz
	}
	c.writers.New = func() any { return &compressWriter{c: c} }
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead || r.Header.Get("Upgrade") != "" {
				next.ServeHTTP(w, r)
				return
			}
			if !acceptsEncoding(r.Header.Values("Accept-Encoding"), "gzip") {
				// The response would have been compressed for another
				// client: caches must know it depends on Accept-Encoding.
				addVary(w.Header(), "Accept-Encoding")
				next.ServeHTTP(w, r)
				return
			}
			cw := c.writers.Get().(*compressWriter)
			cw.reset(w)
			next.ServeHTTP(cw, r)
			cw.close()
			cw.reset(nil)
			c.writers.Put(cw)
		})
	}
}

// compressor holds one CompressWith's settings and pools.
type compressor struct {
	minSize int
	gzips   sync.Pool // *gzip.Writer at the configured level
	writers sync.Pool // *compressWriter
}

// compressWriter buffers the start of a body to decide whether to
// compress it, then streams through gzip or straight to w.
type compressWriter struct {
	c  *compressor
	w  http.ResponseWriter
	gz *gzip.Writer // non-nil while compressing

	buf     []byte // body bytes held back until the decision
	status  int    // status the handler asked for, 0 if none yet
	decided bool   // the headers have been sent to w
}

func (cw *compressWriter) reset(w http.ResponseWriter) {
	buf := cw.buf[:0]
	if cap(buf) > 64<<10 {
		buf = nil
	}
	*cw = compressWriter{c: cw.c, w: w, buf: buf}
}

// Header returns the underlying header map.
func (cw *compressWriter) Header() http.Header { return cw.w.Header() }

// Unwrap returns the underlying writer, for http.ResponseController.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.w }

// WriteHeader records the status. Statuses that never carry a compressible
// body are sent at once; others wait for the body to decide.
func (cw *compressWriter) WriteHeader(status int) {
	if cw.decided || cw.status != 0 {
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		cw.w.WriteHeader(status) // informational, for example 103 Early Hints
		return
	}
	cw.status = status
	if !cw.eligible() {
		cw.decide(false, nil)
	} else if cl := cw.w.Header().Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n < int64(cw.c.minSize) {
			cw.decide(false, nil)
		}
	}
}

// Write holds bytes back until MinSize is reached, then compresses.
func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.decided {
		if len(cw.buf)+len(p) < cw.c.minSize {
			cw.buf = append(cw.buf, p...)
			return len(p), nil
		}
		cw.decide(true, p)
	}
	if cw.gz != nil {
		return cw.gz.Write(p)
	}
	return cw.w.Write(p)
}

// Flush decides (compressing if the response is eligible, whatever its
// size so far), then flushes the gzip stream and the underlying writer.
func (cw *compressWriter) Flush() {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.decided {
		cw.decide(true, nil)
	}
	if cw.gz != nil {
		_ = cw.gz.Flush()
	}
	_ = http.NewResponseController(cw.w).Flush()
}

// decide sends the headers, compressing if want is true and the response
// is eligible, and writes out the held-back bytes. next is the body chunk
// about to be written, used with the held-back bytes to sniff the type.
func (cw *compressWriter) decide(want bool, next []byte) {
	cw.decided = true
	h := cw.w.Header()
	if _, ok := h["Content-Type"]; !ok && cw.bodyAllowed() {
		sample := cw.buf
		if n := min(len(next), 512-len(sample)); n > 0 {
			sample = append(sample, next[:n]...) // spare capacity; cw.buf is unchanged
		}
		if len(sample) == 0 {
			want = false // flushed before any body: nothing to sniff the type from
		} else {
			// net/http would sniff the compressed bytes; sniff the real ones.
			h.Set("Content-Type", http.DetectContentType(sample))
		}
	}
	if h.Get("Content-Encoding") == "" && compressibleType(h.Get("Content-Type")) {
		// Also on 304s and small bodies: the encoding depends on the request.
		addVary(h, "Accept-Encoding")
	}
	if !cw.eligible() {
		want = false
	}
	if want {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		h.Del("Accept-Ranges")
		if et := h.Get("Etag"); et != "" && !strings.HasPrefix(et, "W/") {
			h.Set("Etag", "W/"+et)
		}
		cw.gz = cw.c.gzips.Get().(*gzip.Writer)
		cw.gz.Reset(cw.w)
	}
	cw.w.WriteHeader(cw.status)
	if len(cw.buf) > 0 {
		if cw.gz != nil {
			_, _ = cw.gz.Write(cw.buf)
		} else {
			_, _ = cw.w.Write(cw.buf)
		}
		cw.buf = cw.buf[:0]
	}
}

// bodyAllowed reports whether the status may carry a body.
func (cw *compressWriter) bodyAllowed() bool {
	return cw.status >= 200 && cw.status != http.StatusNoContent && cw.status != http.StatusNotModified
}

// eligible reports whether the response, as far as its status and headers
// show, may be compressed.
func (cw *compressWriter) eligible() bool {
	if !cw.bodyAllowed() || cw.status == http.StatusPartialContent {
		return false
	}
	h := cw.w.Header()
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" {
		return false
	}
	return compressibleType(h.Get("Content-Type"))
}

// close finishes the response once the handler has returned.
func (cw *compressWriter) close() {
	if !cw.decided {
		if cw.status == 0 {
			return // nothing written: leave the response to outer middleware
		}
		cw.decide(false, nil) // under MinSize
	}
	if cw.gz != nil {
		_ = cw.gz.Close()
		cw.gz.Reset(io.Discard)
		cw.c.gzips.Put(cw.gz)
		cw.gz = nil
	}
}

// compressibleType reports whether a body of media type ct may shrink
// under gzip. An empty type is assumed compressible; it is sniffed later.
func compressibleType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	switch {
	case mt == "image/svg+xml":
		return true
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "video/"), strings.HasPrefix(mt, "audio/"):
		return false
	}
	switch mt {
	case "font/woff", "font/woff2", "application/font-woff",
		"application/zip", "application/gzip", "application/x-gzip",
		"application/zstd", "application/x-zstd", "application/x-brotli",
		"application/x-bzip2", "application/x-xz", "application/x-7z-compressed",
		"application/x-rar-compressed", "application/vnd.rar",
		"application/pdf", "application/octet-stream":
		return false
	}
	return true
}

// acceptsEncoding reports whether the Accept-Encoding header values accept
// coding (case-insensitively, with a q-value above 0, or through "*" when
// coding is not listed). "x-gzip" counts as "gzip".
func acceptsEncoding(values []string, coding string) bool {
	star := false
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			if strings.EqualFold(name, "x-gzip") {
				name = "gzip"
			}
			q := qValue(params)
			switch {
			case strings.EqualFold(name, coding):
				return q > 0
			case name == "*":
				star = q > 0
			}
		}
	}
	return star
}

// qValue returns the q parameter of an Accept-* element's parameters, 1 if
// it has none, and 0 if it is malformed.
func qValue(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// addVary adds token to h's Vary header unless it is already listed.
func addVary(h http.Header, token string) {
	for _, v := range h.Values("Vary") {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.EqualFold(t, token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}
