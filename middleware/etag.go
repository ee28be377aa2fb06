package middleware

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// ETagConfig configures ETagWith. Its zero value gives the defaults.
type ETagConfig struct {
	// MaxSize is the largest body, in bytes, that is buffered to compute a
	// tag. Larger responses are passed through untouched. Defaults to
	// 1 MiB.
	MaxSize int
}

// ETag is ETagWith with the default ETagConfig.
func ETag(next http.Handler) http.Handler {
	return ETagWith(ETagConfig{})(next)
}

// ETagWith returns middleware that gives 200 answers to GET and HEAD a
// strong ETag computed from the body (the first 128 bits of its SHA-256),
// and answers 304 Not Modified, without a body, when the request's
// If-None-Match matches it ("*", or any listed tag under the weak
// comparison of RFC 9110). A tag the handler set itself is kept and
// If-None-Match is checked against it.
//
// It buffers the body, so it suits small, dynamic answers such as JSON;
// responses larger than MaxSize, flushed responses and answers with other
// statuses pass through untouched (only the start of a large body is held
// back, until MaxSize is exceeded). A HEAD answer without a body only gets
// a tag the handler set. Responses that compute the same bytes every time
// save bandwidth, not server work; for files use Static, which tags them
// without reading them.
func ETagWith(cfg ETagConfig) func(http.Handler) http.Handler {
	maxSize := cfg.MaxSize
	if maxSize <= 0 {
		maxSize = 1 << 20
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			ew := &etagWriter{w: w, max: maxSize}
			next.ServeHTTP(ew, r)
			ew.finish(r)
		})
	}
}

// etagWriter buffers a 200 body to tag it.
type etagWriter struct {
	w           http.ResponseWriter
	max         int
	buf         []byte
	status      int  // status the handler asked for, 0 if none yet
	wrote       bool // the body was written
	passthrough bool // headers sent to w; everything else goes straight on
}

// Header returns the underlying header map.
func (ew *etagWriter) Header() http.Header { return ew.w.Header() }

// Unwrap returns the underlying writer, for http.ResponseController.
func (ew *etagWriter) Unwrap() http.ResponseWriter { return ew.w }

// WriteHeader records a 200 status and sends any other at once.
func (ew *etagWriter) WriteHeader(status int) {
	if ew.passthrough || ew.status != 0 {
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		ew.w.WriteHeader(status)
		return
	}
	ew.status = status
	if status != http.StatusOK {
		ew.pass()
	}
}

// Write buffers up to max bytes, then gives up and passes through.
func (ew *etagWriter) Write(p []byte) (int, error) {
	if ew.status == 0 {
		ew.WriteHeader(http.StatusOK)
	}
	if ew.passthrough {
		return ew.w.Write(p)
	}
	ew.wrote = true
	if len(ew.buf)+len(p) > ew.max {
		ew.pass()
		return ew.w.Write(p)
	}
	ew.buf = append(ew.buf, p...)
	return len(p), nil
}

// Flush passes the response through: it is being streamed.
func (ew *etagWriter) Flush() {
	if ew.status == 0 {
		ew.WriteHeader(http.StatusOK)
	}
	ew.pass()
	_ = http.NewResponseController(ew.w).Flush()
}

// pass sends the recorded status and buffered bytes and stops buffering.
func (ew *etagWriter) pass() {
	if ew.passthrough {
		return
	}
	ew.passthrough = true
	ew.w.WriteHeader(ew.status)
	if len(ew.buf) > 0 {
		_, _ = ew.w.Write(ew.buf)
		ew.buf = nil
	}
}

// finish tags the buffered response and answers it, or 304.
func (ew *etagWriter) finish(r *http.Request) {
	if ew.passthrough || ew.status == 0 {
		return // already sent, or nothing written: leave it to outer middleware
	}
	h := ew.w.Header()
	tag := h.Get("Etag")
	if tag == "" && (ew.wrote || r.Method == http.MethodGet) {
		sum := sha256.Sum256(ew.buf)
		tag = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
		h.Set("Etag", tag)
	}
	if tag != "" && etagMatch(r.Header.Values("If-None-Match"), tag) {
		for _, k := range [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Last-Modified"} {
			delete(h, k)
		}
		ew.w.WriteHeader(http.StatusNotModified)
		return
	}
	ew.w.WriteHeader(http.StatusOK)
	if len(ew.buf) > 0 {
		_, _ = ew.w.Write(ew.buf)
	}
}

// etagMatch reports whether the If-None-Match values match tag: "*"
// matches anything, and tags compare weakly (ignoring W/).
func etagMatch(values []string, tag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	for _, v := range values {
		for _, t := range splitETags(v) {
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}

// splitETags splits an If-None-Match value into its entity tags. Commas
// inside a quoted tag do not split it.
func splitETags(v string) []string {
	var tags []string
	for {
		v = strings.TrimLeft(v, " \t,")
		if v == "" {
			return tags
		}
		if v[0] == '*' {
			tags = append(tags, "*")
			v = v[1:]
			continue
		}
		start := 0
		if strings.HasPrefix(v, "W/") {
			start = 2
		}
		if len(v) <= start || v[start] != '"' {
			return tags // malformed: ignore the rest
		}
		end := strings.IndexByte(v[start+1:], '"')
		if end < 0 {
			return tags
		}
		end += start + 2
		tags = append(tags, v[:end])
		v = v[end:]
	}
}
