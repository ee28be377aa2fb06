package kiln

import (
	"log/slog"
	"time"
)

// Config configures an App. Its zero value is a usable production
// configuration: every field documents its default.
type Config struct {
	// Debug turns on the detailed development error page with stack
	// traces. Never enable it in production. Defaults to false.
	Debug bool

	// Logger receives error and server logs. Defaults to slog.Default().
	Logger *slog.Logger

	// ErrorHandler answers every error returned by a handler or passed to
	// WriteError. Defaults to NewErrorHandler with the app's logger and
	// Debug setting.
	ErrorHandler ErrorHandler

	// JSON encodes responses and decodes request bodies. Defaults to StdJSON.
	JSON JSONCodec

	// Bind sets body size limits and strictness for Bind. Its zero value
	// gives the documented defaults.
	Bind BindConfig

	// DisableTrailingSlashRedirect turns off the redirect Kiln answers when
	// a request for /a/ finds no route but /a has one, or the reverse.
	// Defaults to false: such requests are redirected (301 for GET and
	// HEAD, 308 otherwise).
	DisableTrailingSlashRedirect bool

	// DisableCleanPath turns off the redirect of unclean paths (//a, /a/../b)
	// to their clean form. Defaults to false: unclean paths are redirected
	// with 301 (308 for methods other than GET and HEAD).
	DisableCleanPath bool

	// Server configures the HTTP server started by Run.
	Server ServerConfig
}

// ServerConfig configures the HTTP server that App.Run starts. The
// timeouts default to values that defeat slow-client attacks (slowloris)
// while allowing normal uploads.
type ServerConfig struct {
	// Addr is the TCP address to listen on. Defaults to ":8080".
	Addr string
	// ReadHeaderTimeout bounds reading the request headers. Defaults to 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request. Defaults to 60s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the response. Defaults to 60s. Streaming
	// handlers can extend it with http.ResponseController.SetWriteDeadline.
	// Run and Serve keep a connection's deadline armed across keep-alive
	// requests and move it only when it would change by more than 1/64 of
	// the time it has left, so a write may time out up to that much early
	// (under a second of 60s), never late. A negative value turns the
	// timeout off.
	WriteTimeout time.Duration
	// IdleTimeout bounds keep-alive idle time. Defaults to 120s.
	IdleTimeout time.Duration
	// MaxHeaderBytes limits request header size. Defaults to 1 MiB.
	MaxHeaderBytes int
	// ShutdownTimeout is how long Run waits for in-flight requests to
	// finish after a shutdown signal. Defaults to 30s.
	ShutdownTimeout time.Duration
	// TLSCertFile and TLSKeyFile, when both are set, make Run serve HTTPS
	// with HTTP/2. Defaults to empty: plain HTTP.
	TLSCertFile, TLSKeyFile string
	// H2C enables HTTP/2 over cleartext (for use behind a proxy that speaks
	// h2c, or for gRPC without TLS). Defaults to false.
	H2C bool
}
