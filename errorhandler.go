package kiln

import (
	"log/slog"
	"net/http"
)

// ErrorHandler answers a request whose handler failed with err.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// ErrorHandlerConfig configures NewErrorHandler.
type ErrorHandlerConfig struct {
	// Logger receives server errors (5xx) with their cause. Defaults to
	// slog.Default().
	Logger *slog.Logger
	// Debug shows the development error page with the error chain and
	// stack. Defaults to false; never enable it in production.
	Debug bool
}

// NewErrorHandler returns Kiln's default error handler (placeholder, being written).
func NewErrorHandler(cfg ErrorHandlerConfig) ErrorHandler {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, http.StatusText(ErrorStatus(err)), ErrorStatus(err))
	}
}

var defaultErrorHandler = NewErrorHandler(ErrorHandlerConfig{})
