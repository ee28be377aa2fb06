package middleware

import (
	"net/http"

	"github.com/rs/cors"
)

// CORSConfig configures CORS. Its zero value grants no cross-origin access
// at all; list the origins to allow.
type CORSConfig struct {
	// AllowedOrigins lists the origins (scheme://host[:port]) that may make
	// cross-origin requests. An origin may contain one "*" wildcard
	// ("https://*.example.com"), and "*" alone allows every origin, which
	// is only safe for public, credential-less APIs. Matching ignores case.
	// Defaults to none: no cross-origin access is granted.
	AllowedOrigins []string

	// AllowOriginFunc, when set, decides whether an origin is allowed
	// instead of AllowedOrigins. It is called concurrently. Defaults to nil.
	AllowOriginFunc func(r *http.Request, origin string) bool

	// AllowedMethods lists the methods cross-origin requests may use.
	// Defaults to GET, HEAD and POST.
	AllowedMethods []string

	// AllowedHeaders lists the request headers cross-origin requests may
	// send; "*" allows any. Defaults to Accept, Content-Type and
	// X-Requested-With.
	AllowedHeaders []string

	// ExposedHeaders lists the response headers the browser lets scripts
	// read, beyond the CORS-safelisted ones. Defaults to none.
	ExposedHeaders []string

	// MaxAge is how long, in seconds, browsers may cache a preflight
	// answer. A negative value sends 0 (no caching). Defaults to 0, which
	// sends no Access-Control-Max-Age and lets browsers use their default
	// (5 seconds).
	MaxAge int

	// AllowCredentials lets cross-origin requests carry cookies and HTTP
	// authentication. Browsers refuse it with the "*" origin, so list the
	// origins explicitly. Defaults to false.
	AllowCredentials bool

	// AllowPrivateNetwork answers Private Network Access preflights, which
	// browsers send before a public site calls a private address. Defaults
	// to false.
	AllowPrivateNetwork bool

	// OptionsPassthrough passes preflight requests on to the handler after
	// setting the CORS headers, for apps that answer OPTIONS themselves.
	// Defaults to false: the middleware answers preflights with
	// OptionsSuccessStatus.
	OptionsPassthrough bool

	// OptionsSuccessStatus is the status of preflight answers. Defaults to
	// 204 No Content.
	OptionsSuccessStatus int
}

// CORS returns middleware that implements Cross-Origin Resource Sharing
// with github.com/rs/cors. It answers preflight requests (OPTIONS with
// Access-Control-Request-Method) itself unless OptionsPassthrough is set,
// and adds the Access-Control-Allow-* headers to actual requests from
// allowed origins. It always sets Vary: Origin.
//
// Unlike rs/cors, whose empty origin list allows every origin, a zero
// CORSConfig allows none.
//
// Security: CORS relaxes the browser's same-origin policy; it does not
// protect anything. A request from a disallowed origin still reaches the
// handler (the browser only hides the answer from the calling script), so
// state-changing endpoints need CSRF protection as well.
func CORS(cfg CORSConfig) func(http.Handler) http.Handler {
	opts := cors.Options{
		AllowedOrigins:       cfg.AllowedOrigins,
		AllowedMethods:       cfg.AllowedMethods,
		AllowedHeaders:       cfg.AllowedHeaders,
		ExposedHeaders:       cfg.ExposedHeaders,
		MaxAge:               cfg.MaxAge,
		AllowCredentials:     cfg.AllowCredentials,
		AllowPrivateNetwork:  cfg.AllowPrivateNetwork,
		OptionsPassthrough:   cfg.OptionsPassthrough,
		OptionsSuccessStatus: cfg.OptionsSuccessStatus,
	}
	switch {
	case cfg.AllowOriginFunc != nil:
		f := cfg.AllowOriginFunc
		opts.AllowOriginVaryRequestFunc = func(r *http.Request, origin string) (bool, []string) {
			return f(r, origin), nil
		}
	case len(cfg.AllowedOrigins) == 0:
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts).Handler
}
