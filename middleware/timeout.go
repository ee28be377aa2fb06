package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kiln-web/kiln"
)

// Timeout returns middleware that gives each request's context a deadline
// d from now. If the deadline has passed when the handler returns and the
// handler wrote nothing, it answers 503 Service Unavailable through
// kiln.WriteError.
//
// Timeout does not stop a handler: handlers must honour the deadline by
// passing r.Context() to the calls that block (database queries, outgoing
// requests, select on ctx.Done()). A handler that ignores its context
// runs to completion and answers as usual; one that returns
// ctx.Err() as an error has its error answered by the error handler.
// Unlike http.TimeoutHandler it neither buffers the response nor runs the
// handler on another goroutine, so streaming and http.ResponseController
// keep working. To bound the time spent writing to slow clients, use the
// server's WriteTimeout.
//
// Timeout panics if d is not positive.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	if d <= 0 {
		panic(fmt.Sprintf("middleware: Timeout duration must be positive, got %v", d))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			rw := kiln.WrapWriter(w)
			next.ServeHTTP(rw, r.WithContext(ctx))
			if !rw.Written() && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				kiln.WriteError(rw, r, kiln.NewError(http.StatusServiceUnavailable,
					"The server took too long to answer the request.").WithCode("timeout").
					WithCause(fmt.Errorf("request exceeded the %v timeout: %w", d, ctx.Err())))
			}
		})
	}
}
