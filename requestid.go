package kiln

import (
	"context"
	"fmt"
	"net/http"
)

type requestIDKey struct{}

// WithRequestID returns a copy of ctx carrying the request id. The
// middleware.RequestID middleware calls it; most code only reads the id
// with RequestID or RequestIDFrom.
func WithRequestID(ctx context.Context, id string) context.Context {
	return &requestIDCtx{Context: ctx, id: id}
}

// requestIDCtx is a context carrying a request id. It is what
// context.WithValue would make, in one allocation instead of two
// (WithValue boxes the string apart from the context): it runs on every
// request.
type requestIDCtx struct {
	context.Context
	id string
}

// Value answers requestIDKey with the context itself, a pointer, so that
// reading the id does not box the string either.
func (c *requestIDCtx) Value(key any) any {
	if key == (requestIDKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// String describes the context, as context.WithValue's does.
func (c *requestIDCtx) String() string {
	return fmt.Sprintf("%v.WithRequestID(%q)", c.Context, c.id)
}

// RequestIDFrom returns the request id that ctx carries, or "" if there is
// none: for code that has a context but not the request, such as a
// slog.Handler or an orm query hook.
func RequestIDFrom(ctx context.Context) string {
	if c, ok := ctx.Value(requestIDKey{}).(*requestIDCtx); ok {
		return c.id
	}
	return ""
}

// RequestID returns the request id stored in r's context by the
// middleware.RequestID middleware, or "" if there is none.
func RequestID(r *http.Request) string { return RequestIDFrom(r.Context()) }

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
