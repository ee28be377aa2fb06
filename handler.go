package kiln

import "net/http"

// HandlerFunc is Kiln's handler: the standard (w, r) parameters plus an
// error result. A returned error goes to the app's ErrorHandler, which
// decides what the client sees; handlers therefore never need to write
// error responses themselves.
//
// HandlerFunc implements http.Handler, so it can be used anywhere the
// standard library accepts a handler. Outside a Kiln app its errors are
// answered by the default error handler.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP calls f and hands a non-nil error to WriteError.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		WriteError(w, r, err)
	}
}

// Middleware is the standard middleware shape: a function that wraps a
// handler. Any net/http middleware of this shape works with Kiln unchanged.
type Middleware = func(http.Handler) http.Handler

// Handler converts the handler kinds Kiln accepts into an http.Handler:
// http.Handler (including HandlerFunc), func(w, r) error, and
// func(w, r). It panics on any other type, since that is a programming
// error found at registration.
func Handler(h any) http.Handler {
	switch h := h.(type) {
	case http.Handler:
		return h
	case func(http.ResponseWriter, *http.Request) error:
		return HandlerFunc(h)
	case func(http.ResponseWriter, *http.Request):
		return http.HandlerFunc(h)
	case nil:
		panic("kiln: nil handler")
	default:
		panic("kiln: unsupported handler type " + typeName(h) +
			"; use an http.Handler, a kiln.HandlerFunc, func(w, r) error or func(w, r)")
	}
}
