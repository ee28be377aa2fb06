package middleware

import "net/http"

// SecureHeadersConfig configures SecureHeadersWith. Its zero value gives
// the defaults. For every header field, an empty string keeps the default
// and "-" leaves the header out.
type SecureHeadersConfig struct {
	// ContentTypeOptions is the X-Content-Type-Options value, which stops
	// browsers from guessing a response's type. Defaults to "nosniff".
	ContentTypeOptions string

	// ReferrerPolicy is the Referrer-Policy value. Defaults to
	// "strict-origin-when-cross-origin".
	ReferrerPolicy string

	// ContentSecurityPolicy is the Content-Security-Policy value. The
	// default allows scripts, styles, images, fonts and connections only
	// from the app's own origin (no inline scripts or styles), plugins
	// never, and framing only by the app's own pages. Defaults to
	// "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'".
	ContentSecurityPolicy string

	// FrameOptions is the X-Frame-Options value, the older form of the
	// policy's frame-ancestors for browsers that lack it; keep the two in
	// agreement. Defaults to "SAMEORIGIN".
	FrameOptions string

	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy value,
	// which isolates the app's windows from cross-origin pages that open
	// them or that they open. Defaults to "same-origin".
	CrossOriginOpenerPolicy string

	// StrictTransportSecurity is the Strict-Transport-Security value, sent
	// only on requests that arrived over TLS (or all requests when TLSProxy
	// is set). Browsers that see it refuse plain HTTP to the host, and its
	// subdomains, for max-age seconds: make sure every subdomain serves
	// HTTPS before deploying it. Defaults to
	// "max-age=63072000; includeSubDomains" (two years).
	StrictTransportSecurity string

	// TLSProxy says the app is served over HTTPS by a proxy that terminates
	// TLS, so Strict-Transport-Security is sent on every request. Defaults
	// to false: it is sent only when r.TLS is set.
	TLSProxy bool
}

// SecureHeaders is SecureHeadersWith with the default SecureHeadersConfig.
func SecureHeaders(next http.Handler) http.Handler {
	return SecureHeadersWith(SecureHeadersConfig{})(next)
}

// SecureHeadersWith returns middleware that sets security headers on every
// response before calling the handler, so a handler (or an inner
// middleware) can still change or delete any of them for its own
// responses.
//
// Frames default to the same origin ('self' and SAMEORIGIN) rather than
// 'none', so an app can frame its own pages (previews, admin); set both
// ContentSecurityPolicy and FrameOptions ("DENY") to forbid all framing.
// The default policy blocks inline <script> and <style> and style=""
// attributes; an app that needs them must supply its own policy, ideally
// with nonces rather than 'unsafe-inline'.
func SecureHeadersWith(cfg SecureHeadersConfig) func(http.Handler) http.Handler {
	var keys, vals []string
	add := func(key, val, def string) {
		switch val {
		case "-":
			return
		case "":
			val = def
		}
		keys = append(keys, key)
		vals = append(vals, val)
	}
	add("X-Content-Type-Options", cfg.ContentTypeOptions, "nosniff")
	add("Referrer-Policy", cfg.ReferrerPolicy, "strict-origin-when-cross-origin")
	add("Content-Security-Policy", cfg.ContentSecurityPolicy,
		"default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'")
	add("X-Frame-Options", cfg.FrameOptions, "SAMEORIGIN")
	add("Cross-Origin-Opener-Policy", cfg.CrossOriginOpenerPolicy, "same-origin")
	hsts := cfg.StrictTransportSecurity
	if hsts == "" {
		hsts = "max-age=63072000; includeSubDomains"
	}
	tlsProxy := cfg.TLSProxy
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			// One allocation for all values; each header gets its own
			// capacity-1 slice, so handlers may Add or edit them safely.
			n := len(vals)
			sendHSTS := hsts != "-" && (r.TLS != nil || tlsProxy)
			if sendHSTS {
				n++
			}
			v := make([]string, n)
			for i, k := range keys {
				v[i] = vals[i]
				h[k] = v[i : i+1 : i+1]
			}
			if sendHSTS {
				v[n-1] = hsts
				h["Strict-Transport-Security"] = v[n-1 : n : n]
			}
			next.ServeHTTP(w, r)
		})
	}
}
