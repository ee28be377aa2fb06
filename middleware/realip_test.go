package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRealIP(t *testing.T) {
	t.Parallel()
	cfg := RealIPConfig{TrustedProxies: []string{"10.0.0.0/8", "127.0.0.1", "fd00::/8"}}
	tests := []struct {
		name   string
		cfg    *RealIPConfig // nil means cfg
		peer   string
		header http.Header
		want   string
	}{
		{name: "trusted proxy, one hop", peer: "10.0.0.1:5555", header: http.Header{"X-Forwarded-For": {"203.0.113.7"}}, want: "203.0.113.7:0"},
		{name: "spoofed entry left of the client is ignored", peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"1.1.1.1, 203.0.113.7"}}, want: "203.0.113.7:0"},
		{name: "trusted hops are skipped", peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"1.1.1.1, 203.0.113.7, 10.0.0.9", "10.1.2.3"}}, want: "203.0.113.7:0"},
		{name: "untrusted peer's header is ignored (spoofing)", peer: "198.51.100.9:4444",
			header: http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Real-Ip": {"1.2.3.4"}}, want: "198.51.100.9:4444"},
		{name: "all trusted: leftmost", peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"10.9.9.9, 10.0.0.2"}}, want: "10.9.9.9:0"},
		{name: "malformed entry stops the walk", peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"203.0.113.7, garbage, 10.0.0.2"}}, want: "10.0.0.2:0"},
		{name: "only garbage keeps the peer", peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"unknown"}}, want: "10.0.0.1:5555"},
		{name: "no header keeps the peer", peer: "10.0.0.1:5555", want: "10.0.0.1:5555"},
		{name: "ipv6 client with port", peer: "[fd00::1]:443",
			header: http.Header{"X-Forwarded-For": {"[2001:db8::7]:1234"}}, want: "[2001:db8::7]:0"},
		{name: "mapped ipv4 is unmapped", peer: "127.0.0.1:1",
			header: http.Header{"X-Forwarded-For": {"::ffff:203.0.113.7"}}, want: "203.0.113.7:0"},
		{name: "client with port", peer: "127.0.0.1:1",
			header: http.Header{"X-Forwarded-For": {"203.0.113.7:9999"}}, want: "203.0.113.7:0"},
		{name: "X-Real-IP configured", cfg: &RealIPConfig{TrustedProxies: []string{"10.0.0.0/8"}, Header: "x-real-ip"},
			peer: "10.0.0.1:5555", header: http.Header{"X-Real-Ip": {"203.0.113.7"}, "X-Forwarded-For": {"6.6.6.6"}}, want: "203.0.113.7:0"},
		{name: "zero config changes nothing", cfg: &RealIPConfig{}, peer: "10.0.0.1:5555",
			header: http.Header{"X-Forwarded-For": {"203.0.113.7"}}, want: "10.0.0.1:5555"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := cfg
			if tt.cfg != nil {
				c = *tt.cfg
			}
			mw, err := RealIP(c)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			req.Header = tt.header
			if req.Header == nil {
				req.Header = http.Header{}
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tt.want {
				t.Errorf("RemoteAddr = %q, want %q", got, tt.want)
			}
			if req.RemoteAddr != tt.peer {
				t.Errorf("caller's request modified: RemoteAddr = %q", req.RemoteAddr)
			}
		})
	}
}

func TestRealIPRealSocket(t *testing.T) {
	t.Parallel()
	// The test client connects from 127.0.0.1; trust it, and the header wins.
	srv := serve(t, MustRealIP(RealIPConfig{TrustedProxies: []string{"127.0.0.0/8", "::1"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.RemoteAddr)) })))
	if _, body := send(t, srv, "GET", "/", nil, http.Header{"X-Forwarded-For": {"203.0.113.7"}}); string(body) != "203.0.113.7:0" {
		t.Errorf("RemoteAddr = %q, want 203.0.113.7:0", body)
	}
	// Untrusted: a server that trusts only 10/8 ignores the same header.
	srv2 := serve(t, MustRealIP(RealIPConfig{TrustedProxies: []string{"10.0.0.0/8"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.RemoteAddr)) })))
	if _, body := send(t, srv2, "GET", "/", nil, http.Header{"X-Forwarded-For": {"203.0.113.7"}}); !strings.HasPrefix(string(body), "127.0.0.1:") {
		t.Errorf("RemoteAddr = %q, want the real peer 127.0.0.1", body)
	}
}

func TestRealIPInvalidConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "10.0.0", ""} {
		t.Run(bad, func(t *testing.T) {
			t.Parallel()
			_, err := RealIP(RealIPConfig{TrustedProxies: []string{bad}})
			if err == nil || !strings.Contains(err.Error(), "CIDR") {
				t.Errorf("RealIP(%q) error = %v, want one explaining the CIDR form", bad, err)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRealIP with a bad prefix did not panic")
		}
	}()
	MustRealIP(RealIPConfig{TrustedProxies: []string{"bogus"}})
}
