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
