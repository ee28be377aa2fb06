package middleware

import (
	"net/http"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Total", "3")
		w.Write([]byte("ok"))
	})
	preflight := func(origin, method, headers string) http.Header {
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		return h
	}
	tests := []struct {
		name        string
		cfg         CORSConfig
		method      string
		header      http.Header
		wantStatus  int
		wantOrigin  string // Access-Control-Allow-Origin
		wantHeaders map[string]string
		wantBody    string // "" when the handler must not run
	}{
		{
			name:   "zero config grants nothing to actual request",
			method: "GET", header: http.Header{"Origin": {"https://evil.example"}},
			wantStatus: 200, wantBody: "ok",
		},
		{
			name:   "zero config grants nothing to preflight",
			method: "OPTIONS", header: preflight("https://evil.example", "GET", ""),
			wantStatus: 204,
		},
		{
			name:   "allowed origin actual request",
			cfg:    CORSConfig{AllowedOrigins: []string{"https://app.example"}, ExposedHeaders: []string{"x-total"}},
			method: "GET", header: http.Header{"Origin": {"https://app.example"}},
			wantStatus: 200, wantOrigin: "https://app.example", wantBody: "ok",
			wantHeaders: map[string]string{"Access-Control-Expose-Headers": "X-Total", "Vary": "Origin"},
		},
		{
			name:   "other origin refused",
			cfg:    CORSConfig{AllowedOrigins: []string{"https://app.example"}},
			method: "GET", header: http.Header{"Origin": {"https://app.example.evil.com"}},
			wantStatus: 200, wantBody: "ok",
		},
		{
			name:   "null origin refused",
			cfg:    CORSConfig{AllowedOrigins: []string{"https://app.example"}},
			method: "GET", header: http.Header{"Origin": {"null"}},
			wantStatus: 200, wantBody: "ok",
		},
		{
			name: "preflight allowed",
			cfg: CORSConfig{
				AllowedOrigins:   []string{"https://*.example"},
				AllowedMethods:   []string{"GET", "PUT"},
				AllowedHeaders:   []string{"Content-Type", "Authorization"},
				MaxAge:           600,
				AllowCredentials: true,
			},
			method: "OPTIONS", header: preflight("https://app.example", "PUT", "authorization,content-type"),
			wantStatus: 204, wantOrigin: "https://app.example",
			wantHeaders: map[string]string{
				"Access-Control-Allow-Methods":     "PUT",
				"Access-Control-Allow-Headers":     "authorization,content-type",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Max-Age":           "600",
			},
		},
		{
			name:   "preflight method refused",
			cfg:    CORSConfig{AllowedOrigins: []string{"https://app.example"}},
			method: "OPTIONS", header: preflight("https://app.example", "DELETE", ""),
			wantStatus: 204,
		},
		{
			name:   "preflight header refused",
			cfg:    CORSConfig{AllowedOrigins: []string{"https://app.example"}},
			method: "OPTIONS", header: preflight("https://app.example", "GET", "x-secret"),
			wantStatus: 204,
		},
		{
			name: "origin func",
			cfg: CORSConfig{AllowOriginFunc: func(r *http.Request, origin string) bool {
				return strings.HasSuffix(origin, ".trusted.example")
			}},
			method: "GET", header: http.Header{"Origin": {"https://a.trusted.example"}},
			wantStatus: 200, wantOrigin: "https://a.trusted.example", wantBody: "ok",
		},
		{
			name:   "passthrough preflight reaches handler",
			cfg:    CORSConfig{AllowedOrigins: []string{"*"}, OptionsPassthrough: true},
			method: "OPTIONS", header: preflight("https://x.example", "GET", ""),
			wantStatus: 200, wantOrigin: "*", wantBody: "ok",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, CORS(tt.cfg)(ok))
			res, body := send(t, srv, tt.method, "/", nil, tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if tt.wantOrigin == "" {
				for k := range res.Header {
					if strings.HasPrefix(k, "Access-Control-Allow-") {
						t.Errorf("refused request got %s: %q", k, res.Header.Get(k))
					}
				}
			}
			for k, want := range tt.wantHeaders {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}
