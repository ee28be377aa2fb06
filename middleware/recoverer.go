package middleware

import (
	"net/http"
	"runtime/debug"

	"github.com/kiln-web/kiln"
)

// Recoverer recovers a panic in the handlers it wraps and hands it to
// kiln.WriteError as a *kiln.PanicError carrying the stack. The error
// handler logs it once, with the stack and the request id, through the
// app's logger (slog.Default outside an app), and answers the generic 500
// with the request id; the client never sees the panic value.
//
// A panic with http.ErrAbortHandler is passed on untouched, since it is
// the standard way to abort a response. If the response was already
// started when the panic happened, a clean answer is impossible: the panic
// is logged and the connection is aborted (by panicking with
// http.ErrAbortHandler, which net/http handles silently), so the client
// sees a truncated response instead of one that looks complete.
//
// Recoverer only sees panics on the handler's own goroutine; panics in
// goroutines a handler starts still crash the process.
//
// A kiln.App also recovers panics itself as a last resort; Recoverer is
// still worth placing inside Logger so the access log records the 500.
func Recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := kiln.WrapWriter(w)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			stack := debug.Stack()
			committed := kiln.Committed(rw)
			if !committed {
				// Drop headers that describe a body the handler never sent.
				h := rw.Header()
				for _, k := range staleOnError {
					delete(h, k)
				}
			}
			kiln.WriteError(rw, r, &kiln.PanicError{Value: p, Stack: stack})
			if committed {
				panic(http.ErrAbortHandler)
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// staleOnError lists the headers a handler may have set for the body it
// meant to send, which would be wrong on an error answer.
var staleOnError = [...]string{
	"Content-Length", "Content-Encoding", "Content-Range", "Content-Disposition",
	"Etag", "Last-Modified", "Cache-Control",
}
