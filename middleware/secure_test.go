package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSecureHeaders(t *testing.T) {
	t.Parallel()
	const defCSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'"
	const defHSTS = "max-age=63072000; includeSubDomains"
	defaults := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"Content-Security-Policy":    defCSP,
		"X-Frame-Options":            "SAMEORIGIN",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name string
		cfg  SecureHeadersConfig
		tls  bool
		want map[string]string // "" means absent
	}{
		{name: "defaults over plain HTTP", want: with(defaults, "Strict-Transport-Security", "")},
		{name: "defaults over TLS", tls: true, want: with(defaults, "Strict-Transport-Security", defHSTS)},
		{name: "behind TLS proxy", cfg: SecureHeadersConfig{TLSProxy: true}, want: with(defaults, "Strict-Transport-Security", defHSTS)},
		{
			name: "overrides",
			cfg: SecureHeadersConfig{
				ContentSecurityPolicy:   "default-src 'none'; frame-ancestors 'none'",
				FrameOptions:            "DENY",
				StrictTransportSecurity: "max-age=60",
			},
			tls: true,
			want: with(defaults,
				"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
				"X-Frame-Options", "DENY",
				"Strict-Transport-Security", "max-age=60"),
		},
		{
			name: "dash disables",
			cfg: SecureHeadersConfig{
				ContentTypeOptions: "-", ReferrerPolicy: "-", ContentSecurityPolicy: "-",
				FrameOptions: "-", CrossOriginOpenerPolicy: "-", StrictTransportSecurity: "-",
			},
			tls: true,
			want: map[string]string{
				"X-Content-Type-Options": "", "Referrer-Policy": "", "Content-Security-Policy": "",
				"X-Frame-Options": "", "Cross-Origin-Opener-Policy": "", "Strict-Transport-Security": "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("GET", "http://example.com/", nil)
			if tt.tls {
				req = httptest.NewRequest("GET", "https://example.com/", nil)
			}
			rec := httptest.NewRecorder()
			SecureHeadersWith(tt.cfg)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, req)
			for k, want := range tt.want {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestSecureHeadersHandlerOverride(t *testing.T) {
	t.Parallel()
	h := SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Add("Content-Security-Policy", "script-src 'none'")
		w.Header().Del("Referrer-Policy")
	}))
	for range 2 { // the second request must not see the first one's edits
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("X-Frame-Options = %q, want the handler's DENY", got)
		}
		if got := rec.Header().Values("Content-Security-Policy"); len(got) != 2 {
			t.Errorf("Content-Security-Policy = %q, want the default plus the handler's", got)
		}
		if got := rec.Header().Get("Referrer-Policy"); got != "" {
			t.Errorf("Referrer-Policy = %q, want it deleted by the handler", got)
		}
	}
}
