package kiln

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// ResponseWriter wraps an http.ResponseWriter and records the status and
// the number of body bytes written, so middleware can act after the handler
// has run (access logs, metrics, error handling that must know whether the
// headers were already sent).
//
// A Kiln App wraps every request's writer in one (taken from a pool, so it
// costs no allocation) before its middleware runs. Middleware outside an
// app can call WrapWriter. It supports http.Flusher, http.Hijacker and
// io.ReaderFrom when the underlying writer does, and Unwrap for
// http.ResponseController.
type ResponseWriter struct {
	w       http.ResponseWriter
	app     *App
	status  int
	size    int64
	written bool

	requestID string

	// autoLength is set when w is a net/http server's own writer, which
	// computes Content-Length itself for a body that is complete and
	// buffered when the handler returns (see setContentLength).
	autoLength bool

	// head is set for a HEAD request served by an App (see dropHeadBody).
	head bool

	// scratch holds the router's wildcard values during a lookup; they are
	// copied out before the handler runs.
	scratch [maxParams]string
}

var writerPool = sync.Pool{New: func() any { return new(ResponseWriter) }}

// WrapWriter returns w itself if it is a *ResponseWriter, otherwise a new
// *ResponseWriter around w.
func WrapWriter(w http.ResponseWriter) *ResponseWriter {
	if rw, ok := w.(*ResponseWriter); ok {
		return rw
	}
	return &ResponseWriter{w: w, app: appOf(w), autoLength: serverComputesLength(w)}
}

func getWriter(w http.ResponseWriter, app *App, method string) *ResponseWriter {
	rw := writerPool.Get().(*ResponseWriter)
	rw.w, rw.app, rw.status, rw.size, rw.written, rw.requestID = w, app, 0, 0, false, ""
	rw.head = method == http.MethodHead
	rw.autoLength = serverComputesLength(w)
	return rw
}

func putWriter(rw *ResponseWriter) {
	// getWriter resets the rest. scratch is not cleared: it holds only
	// substrings of finished request paths, overwritten by the next use,
	// and zeroing 512 bytes per request measured as a real cost.
	rw.w, rw.app = nil, nil
	writerPool.Put(rw)
}

// serverWriter is implemented by the writers net/http's HTTP/1 and HTTP/2
// servers hand to handlers, and by no test recorder: the methods
// http.ResponseController looks for. A wrapper that forwards both would
// be taken for the server; so is any net/http handler's writer, which is
// what such a wrapper promises.
type serverWriter interface {
	SetWriteDeadline(time.Time) error
	EnableFullDuplex() error
}

// serverComputesLength reports whether w is a net/http server's writer.
// Both servers buffer the first 2 KB of a body (HTTP/1: 2048 bytes,
// HTTP/2: 4096) and, when the handler returns with the whole body still
// buffered, send Content-Length themselves, written straight into the
// response instead of through the header map.
func serverComputesLength(w http.ResponseWriter) bool {
	_, ok := w.(serverWriter)
	return ok
}

// Header returns the underlying writer's header map.
func (rw *ResponseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader records the status and sends the headers. Only the first
// call for a final (non-1xx) status has an effect, as in net/http.
func (rw *ResponseWriter) WriteHeader(status int) {
	if rw.written {
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		rw.w.WriteHeader(status) // informational: headers may follow
		return
	}
	rw.status = status
	rw.written = true
	rw.w.WriteHeader(status)
}

// Write writes body bytes, sending a 200 status first if none was sent.
// For a HEAD request it counts them and, past the first 2 KB, drops them
// itself (see dropHeadBody).
func (rw *ResponseWriter) Write(p []byte) (int, error) {
	if !rw.written {
		rw.start()
	}
	if rw.dropHeadBody(len(p)) {
		return len(p), nil
	}
	n, err := rw.w.Write(p)
	rw.size += int64(n)
	return n, err
}

// WriteString writes s without converting it to a byte slice when the
// underlying writer supports io.StringWriter (net/http's does).
func (rw *ResponseWriter) WriteString(s string) (int, error) {
	if !rw.written {
		rw.start()
	}
	if rw.dropHeadBody(len(s)) {
		return len(s), nil
	}
	n, err := io.WriteString(rw.w, s)
	rw.size += int64(n)
	return n, err
}

// ReadFrom lets io.Copy use the underlying writer's ReaderFrom (sendfile on
// a plain TCP connection).
func (rw *ResponseWriter) ReadFrom(src io.Reader) (int64, error) {
	if rw.head {
		// Through Write, which passes on or drops each piece.
		return io.Copy(writerOnly{rw}, src)
	}
	if !rw.written {
		rw.start()
	}
	var n int64
	var err error
	if rf, ok := rw.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{rw.w}, src)
	}
	rw.size += n
	return n, err
}

// dropHeadBody reports whether the next n body bytes of the answer to a
// HEAD request are to be dropped rather than passed on, and if so counts
// them. A body of up to serverLengthMax bytes is passed on, so that
// net/http still derives its Content-Length, then drops it as it does
// for every HEAD answer. A longer one is dropped here, because net/http's
// HTTP/2 server fails the writes once its buffer is full, an error the
// handler did not cause. When dropping starts, the headers are flushed:
// net/http must not take the bytes it buffered for the whole body and
// derive a Content-Length from them.
func (rw *ResponseWriter) dropHeadBody(n int) bool {
	if !rw.head || rw.size+int64(n) <= serverLengthMax {
		return false
	}
	if rw.size <= serverLengthMax {
		_ = http.NewResponseController(rw.w).Flush()
	}
	rw.size += int64(n)
	return true
}

// start records the implicit 200 of a first body write. For a HEAD answer
// it sends the status itself, since dropHeadBody may keep every byte from
// the underlying writer, which would then never send it.
func (rw *ResponseWriter) start() {
	rw.status = http.StatusOK
	rw.written = true
	if rw.head {
		rw.w.WriteHeader(http.StatusOK)
	}
}

// writerOnly hides ReadFrom to stop io.Copy recursing.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client if the underlying writer can.
func (rw *ResponseWriter) Flush() {
	if !rw.written {
		rw.status = http.StatusOK
		rw.written = true
	}
	_ = http.NewResponseController(rw.w).Flush()
}

// Hijack takes over the connection, when the underlying writer allows it.
func (rw *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, b, err := http.NewResponseController(rw.w).Hijack()
	if err == nil {
		rw.status = http.StatusSwitchingProtocols
		rw.written = true
	}
	return c, b, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (rw *ResponseWriter) Unwrap() http.ResponseWriter { return rw.w }

// Status returns the status sent, or 0 if nothing has been sent yet.
func (rw *ResponseWriter) Status() int { return rw.status }

// Size returns the number of body bytes written so far.
func (rw *ResponseWriter) Size() int64 { return rw.size }

// Written reports whether the status line and headers have been sent.
func (rw *ResponseWriter) Written() bool { return rw.written }

// App returns the Kiln app serving the request, or nil outside one.
func (rw *ResponseWriter) App() *App { return rw.app }

// findWriter follows Unwrap chains from w to the nearest *ResponseWriter.
func findWriter(w http.ResponseWriter) *ResponseWriter {
	for i := 0; i < 16 && w != nil; i++ {
		if rw, ok := w.(*ResponseWriter); ok {
			return rw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// appOf returns the App serving the request that w belongs to, or nil.
func appOf(w http.ResponseWriter) *App {
	if rw := findWriter(w); rw != nil {
		return rw.app
	}
	return nil
}

// Committed reports whether a response has already been started on w (its
// headers sent). It follows Unwrap chains to Kiln's ResponseWriter; for a
// writer Kiln never wrapped it reports false.
func Committed(w http.ResponseWriter) bool {
	if rw := findWriter(w); rw != nil {
		return rw.written
	}
	return false
}

// WriteError answers the request with err through the error handler of
// the app serving it (found through w), or through the default error
// handler outside an app. Middleware uses it to answer with the same
// problem+json or HTML format as handlers:
//
//	kiln.WriteError(w, r, kiln.NewError(http.StatusTooManyRequests, "slow down"))
//
// If the response was already started, the error is only logged.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil {
		return
	}
	if app := appOf(w); app != nil {
		app.errorHandler(w, r, err)
		return
	}
	defaultErrorHandler(w, r, err)
}

// ErrAbort can be returned by a handler that has already written its
// response and wants the chain to stop without any error being logged.
var ErrAbort = errors.New("kiln: response already written")
