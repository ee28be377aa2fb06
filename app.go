package kiln

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
)

// App is a Kiln application: a Router plus the app-wide settings (error
// handler, JSON codec, binding limits, logger) and the HTTP server that
// runs it. An App is an http.Handler.
//
// Register routes and middleware before serving; registration is not safe
// for concurrent use, serving is.
type App struct {
	*Router

	cfg          Config
	logger       *slog.Logger
	errorHandler ErrorHandler
	json         JSONCodec
	srv          serverState

	// needsContext is set when Bind must find the app through the request
	// context because the app's settings differ from Bind's defaults.
	needsContext bool
}

// New returns an App configured by cfg. The zero Config gives production-safe
// defaults; see Config for each field's default.
func New(cfg Config) *App {
	app := &App{cfg: cfg}
	app.srv.ready = make(chan struct{})
	app.logger = cfg.Logger
	if app.logger == nil {
		app.logger = slog.Default()
	}
	app.json = cfg.JSON
	if app.json == nil {
		app.json = StdJSON{}
	}
	app.errorHandler = cfg.ErrorHandler
	if app.errorHandler == nil {
		app.errorHandler = NewErrorHandler(ErrorHandlerConfig{Logger: app.logger, Debug: cfg.Debug})
	}
	app.needsContext = cfg.Bind != (BindConfig{}) || cfg.JSON != nil
	app.Router = newRouter(app)
	return app
}

// Config returns the configuration the app was created with.
func (a *App) Config() Config { return a.cfg }

// Logger returns the app's logger.
func (a *App) Logger() *slog.Logger { return a.logger }

// JSONCodec returns the codec the app encodes and decodes JSON with.
func (a *App) JSONCodec() JSONCodec { return a.json }

// ServeHTTP dispatches the request through the app's middleware and router.
//
// It is also the app's last line of defence against panics: a panic that
// no middleware.Recoverer caught is logged with its stack and answered 500
// through the ErrorHandler (when nothing was written yet), and the server
// keeps serving. http.ErrAbortHandler is re-panicked, as net/http expects.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.needsContext && r.Context().Value(appKey{}) != a {
		r = r.WithContext(context.WithValue(r.Context(), appKey{}, a))
	}
	rw := getWriter(w, a, r.Method)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.errorHandler(rw, r, &PanicError{Value: p, Stack: debug.Stack()})
		}
		putWriter(rw)
	}()
	a.Router.serve(rw, r)
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

type appKey struct{}

// BaseContext returns a context carrying the app, for use as
// http.Server.BaseContext when serving the app with your own server. Run
// and Server do this themselves. With it, Bind finds the app's settings at
// no per-request cost.
func (a *App) BaseContext(net.Listener) context.Context {
	return context.WithValue(context.Background(), appKey{}, a)
}

// appFromRequest returns the App whose context r carries. App.Run and
// App.Serve put it there through the server's BaseContext; ServeHTTP adds it
// per request only when the app's Bind or JSON settings differ from Bind's
// defaults. So it may be nil, and then those defaults are the app's
// settings. (It is unexported for that reason: handlers that need the app
// capture it in a closure.)
func appFromRequest(r *http.Request) *App {
	a, _ := r.Context().Value(appKey{}).(*App)
	return a
}
