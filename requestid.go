package kiln

import (
	"context"
	"net/http"
)

type requestIDKey struct{}

// WithRequestID returns a copy of ctx carrying the request id. The
// middleware.RequestID middleware calls it; most code only reads the id
// with RequestID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id stored in r's context by the
// middleware.RequestID middleware, or "" if there is none.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// SetRequestID returns a shallow copy of r whose context carries id, and
// records id on Kiln's ResponseWriter behind w (if any), so that errors
// handled outside the request's context — such as a panic recovered by the
// App itself — still report it. Request-id middleware calls it.
func SetRequestID(w http.ResponseWriter, r *http.Request, id string) *http.Request {
	if rw := findWriter(w); rw != nil {
		rw.requestID = id
	}
	return r.WithContext(WithRequestID(r.Context(), id))
}

// requestIDOf returns the request id from r's context, or the one recorded
// on w.
func requestIDOf(w http.ResponseWriter, r *http.Request) string {
	if id := RequestID(r); id != "" {
		return id
	}
	if rw := findWriter(w); rw != nil {
		return rw.requestID
	}
	return ""
}
