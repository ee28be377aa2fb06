package kiln

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
)

// ErrorHandler answers a request whose handler failed with err. The app's
// ErrorHandler receives every error returned by a HandlerFunc and every
// error passed to WriteError (by middleware such as Recoverer, BodyLimit or
// RateLimit, and by the router for 404 and 405).
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// ErrorHandlerConfig configures NewErrorHandler.
type ErrorHandlerConfig struct {
	// Logger receives server errors (5xx) with their cause at level Error,
	// and client errors (4xx) at level Debug. Defaults to slog.Default().
	Logger *slog.Logger
	// Debug shows the development error page: the error chain, its Go
	// types and, for panics, the stack. Defaults to false. Never enable it
	// in production: it shows internals to whoever sent the request.
	Debug bool
}

// PanicError is the error middleware.Recoverer, and App.ServeHTTP as a last
// resort, hand to the error handler when a handler panics. The handler logs
// its Stack; the development error page shows it.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Problem is the RFC 9457 problem details object Kiln's error handler sends
// to API clients as application/problem+json. Its fields are documented so
// clients can rely on them.
type Problem struct {
	// Type is a URI reference identifying the problem type; "about:blank"
	// means the status alone says what went wrong.
	Type string `json:"type"`
	// Title is the status text, such as "Not Found".
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail is the human-readable message.
	Detail string `json:"detail,omitempty"`
	// Code is Kiln's machine-readable error code, such as "validation_failed".
	Code string `json:"code"`
	// Instance is the request path.
	Instance string `json:"instance,omitempty"`
	// RequestID is the request id, to quote when reporting a problem.
	RequestID string `json:"request_id,omitempty"`
	// Errors lists per-field problems.
	Errors []FieldError `json:"errors,omitempty"`
	// Debug holds the error chain in development mode only.
	Debug *ProblemDebug `json:"debug,omitempty"`
}

// ProblemDebug is the development-only part of a Problem.
type ProblemDebug struct {
	// Error is the full error text, cause included.
	Error string `json:"error"`
	// Chain lists the Go types of the wrapped errors, outermost first.
	Chain []string `json:"chain"`
	// Stack is the panic stack, for panics.
	Stack string `json:"stack,omitempty"`
}

// StatusClientClosedRequest is the status Kiln's error handler logs for a
// request whose client went away before the handler finished (nginx's 499).
// No response is sent for such a request: nobody is left to read it.
const StatusClientClosedRequest = 499

// NewErrorHandler returns Kiln's default error handler. It:
//
//   - finds the status with ErrorStatus (a *Error or any StatusCoder in the
//     chain; 500 otherwise) and the public message of a *Error;
//   - never shows the message of an unknown error or of a 5xx cause: the
//     client gets a generic sentence and the request id, the log gets the
//     cause;
//   - answers browsers (Accept prefers text/html) with an HTML page and
//     everything else with RFC 9457 application/problem+json;
//   - only logs when the response was already started, since a second
//     answer cannot be sent;
//   - neither answers nor logs as an error a request whose client went
//     away (the request's context is done and err is context.Canceled):
//     it logs it at Debug with status 499 (StatusClientClosedRequest).
func NewErrorHandler(cfg ErrorHandlerConfig) ErrorHandler {
	h := &errorResponder{cfg: cfg}
	return h.handle
}

type errorResponder struct{ cfg ErrorHandlerConfig }

func (h *errorResponder) logger() *slog.Logger {
	if h.cfg.Logger != nil {
		return h.cfg.Logger
	}
	return slog.Default()
}

var defaultErrorHandler = NewErrorHandler(ErrorHandlerConfig{})

func (h *errorResponder) handle(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrAbort) {
		return
	}
	status := ErrorStatus(err)
	reqID := requestIDOf(w, r)
	ctx := r.Context()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// The client went away (closed the connection or cancelled the
		// HTTP/2 stream) and the handler stopped because of it: nobody is
		// left to answer, and it is not a server error. Log it at Debug,
		// with nginx's 499 "client closed request", so that a busy server
		// whose clients give up does not fill its error log.
		if h.logger().Enabled(ctx, slog.LevelDebug) {
			h.logger().LogAttrs(ctx, slog.LevelDebug, "client closed request",
				slog.Int("status", StatusClientClosedRequest), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("error", err.Error()), slog.String("request_id", reqID))
		}
		return
	}
	if status >= 500 {
		msg := "request failed"
		attrs := []slog.Attr{
			slog.Int("status", status), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()), slog.Bool("response_started", Committed(w)),
		}
		if reqID != "" {
			attrs = append(attrs, slog.String("request_id", reqID))
		}
		var pe *PanicError
		if errors.As(err, &pe) {
			msg = "panic recovered"
			attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		}
		h.logger().LogAttrs(ctx, slog.LevelError, msg, attrs...)
	} else if h.logger().Enabled(ctx, slog.LevelDebug) {
		h.logger().DebugContext(ctx, "request error", "status", status, "method", r.Method, "path", r.URL.Path, "error", err.Error(), "request_id", reqID)
	}
	if Committed(w) {
		return
	}
	p := h.problem(r, err, status, reqID)
	hdr := w.Header()
	hdr.Del("Content-Length")
	hdr.Del("Content-Encoding")
	hdr.Del("ETag")
	hdr.Del("Last-Modified")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	if wantsHTML(r) {
		h.writeHTML(w, r, p)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(p); encErr != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	hdr.Set("Content-Type", "application/problem+json")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func (h *errorResponder) problem(r *http.Request, err error, status int, reqID string) *Problem {
	p := &Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Code:      StatusCodeName(status),
		Instance:  r.URL.Path,
		RequestID: reqID,
	}
	if p.Title == "" {
		p.Title = "Error"
	}
	var ke *Error
	if errors.As(err, &ke) {
		p.Code = ke.ErrorCode()
		p.Errors = ke.Fields
		if ke.Message != "" {
			p.Detail = ke.Message
		}
	}
	if status >= 500 && (ke == nil || ke.Message == "") {
		p.Detail = "Something went wrong on our side. It has been logged"
		if reqID != "" {
			p.Detail += "; quote request id " + reqID + " if you report it"
		}
		p.Detail += "."
	}
	if h.cfg.Debug {
		d := &ProblemDebug{Error: err.Error()}
		for e := err; e != nil; e = errors.Unwrap(e) {
			d.Chain = append(d.Chain, reflect.TypeOf(e).String())
		}
		var pe *PanicError
		if errors.As(err, &pe) {
			d.Stack = string(pe.Stack)
		}
		p.Debug = d
	}
	return p
}

// wantsHTML reports whether the client prefers an HTML page to JSON: a
// browser navigating, not an API client or fetch() asking for JSON.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	return Negotiate(r, "application/json", "application/problem+json", "text/html") == "text/html"
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Status}} {{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:46rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.25rem} .status{color:#b54708;font-weight:600}
ul.fields li{margin:.2rem 0} code,pre{background:#f4f4f5;border-radius:4px}
pre{padding:1rem;overflow:auto;font-size:.85rem} .rid{color:#666;font-size:.9rem}
</style></head><body>
<p class="status">{{.Status}}</p>
<h1>{{.Title}}</h1>
{{with .Detail}}<p>{{.}}</p>{{end}}
{{with .Errors}}<ul class="fields">{{range .}}<li><strong>{{.Field}}</strong> {{.Message}}</li>{{end}}</ul>{{end}}
{{with .RequestID}}<p class="rid">Request id: <code>{{.}}</code></p>{{end}}
{{with .Debug}}<h2>Development details</h2>
<p>This section is shown because the app runs with Debug on. Never enable it in production.</p>
<pre>{{.Error}}</pre>
<p>Error chain:</p><ul>{{range .Chain}}<li><code>{{.}}</code></li>{{end}}</ul>
{{with .Stack}}<p>Stack:</p><pre>{{.}}</pre>{{end}}{{end}}
</body></html>
`))

func (h *errorResponder) writeHTML(w http.ResponseWriter, r *http.Request, p *Problem) {
	var buf bytes.Buffer
	if err := errorPage.Execute(&buf, p); err != nil {
		http.Error(w, http.StatusText(p.Status), p.Status)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(p.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
