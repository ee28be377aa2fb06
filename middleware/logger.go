package middleware

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kiln-web/kiln"
)

// LoggerConfig configures LoggerWith. Its zero value gives the defaults.
type LoggerConfig struct {
	// Logger receives one record per request. Defaults to slog.Default().
	Logger *slog.Logger

	// Level is the level of the access records. Defaults to slog.LevelInfo.
	Level slog.Level

	// Skip, when it returns true, leaves the request out of the log (health
	// checks, for example). It is called concurrently, before the handler.
	// Defaults to nil: every request is logged.
	Skip func(r *http.Request) bool
}

// Logger is LoggerWith with the default LoggerConfig.
func Logger(next http.Handler) http.Handler {
	return LoggerWith(LoggerConfig{})(next)
}

// LoggerWith returns middleware that writes an access log record through
// log/slog after the handler returns, with the attributes method, path,
// status, size (body bytes), duration, request_id and remote_addr.
//
// The path is logged without its query string, which often carries tokens.
// remote_addr is r.RemoteAddr as the handler saw it, so put RealIP outside
// Logger to log client addresses behind a proxy. A request whose handler
// panics is logged only if a Recoverer inside Logger turns the panic into a
// response. A handler that writes nothing is logged with status 200, which
// is what net/http sends.
func LoggerWith(cfg LoggerConfig) func(http.Handler) http.Handler {
	level := cfg.Level
	skip := cfg.Skip
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logger := cfg.Logger
			if logger == nil {
				logger = slog.Default()
			}
			ctx := r.Context()
			if !logger.Enabled(ctx, level) || (skip != nil && skip(r)) {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			rw := kiln.WrapWriter(w)
			next.ServeHTTP(rw, r)
			status := rw.Status()
			if status == 0 {
				status = http.StatusOK
			}
			id := kiln.RequestID(r)
			if id == "" {
				// RequestID inside Logger: the id is only on the response.
				id = rw.Header().Get("X-Request-Id")
			}
			logger.LogAttrs(ctx, level, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("size", rw.Size()),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", id),
				slog.String("remote_addr", r.RemoteAddr),
			)
		})
	}
}
