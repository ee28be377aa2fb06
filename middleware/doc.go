// Package middleware provides Kiln's standard HTTP middleware. Every
// middleware has the standard net/http shape, func(http.Handler)
// http.Handler, so it works with a Kiln app, with http.ServeMux and with any
// other router.
//
// Middleware with good defaults is used directly (RequestID, Recoverer,
// Logger, Compress, SecureHeaders, ETag); each has an XxxWith variant taking
// a config struct whose zero value means the defaults. Middleware that needs
// a parameter takes it (Timeout, BodyLimit, CORS, RateLimit, RealIP).
// Static is a handler, not a middleware.
//
// Errors sent to clients (413, 429, 500, 503 and so on) go through
// kiln.WriteError, so they are answered in the app's problem+json or HTML
// format.
//
// A typical order, outermost first:
//
//	realIP := middleware.MustRealIP(middleware.RealIPConfig{TrustedProxies: []string{"10.0.0.0/8"}})
//	h := handler
//	h = middleware.ETag(h)
//	h = middleware.Compress(h)
//	h = middleware.Timeout(10 * time.Second)(h)
//	h = middleware.BodyLimit(1 << 20)(h)
//	h = middleware.SecureHeaders(h)
//	h = middleware.Recoverer(h)
//	h = middleware.Logger(h)
//	h = realIP(h)
//	h = middleware.RequestID(h)
//
// RequestID comes first so every later log line carries the id; RealIP
// before Logger and RateLimit so they see the client's address; Recoverer
// inside Logger so the access log records the 500 it answers; Compress
// outside ETag so the tag describes the uncompressed body.
package middleware
