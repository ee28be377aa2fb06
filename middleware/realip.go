package middleware

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RealIPConfig configures RealIP. Its zero value trusts no proxy, which
// makes RealIP change nothing.
type RealIPConfig struct {
	// TrustedProxies lists the proxies whose headers are believed, as CIDR
	// prefixes ("10.0.0.0/8", "fd00::/8") or single addresses
	// ("127.0.0.1"). Defaults to none: every peer is treated as the client.
	TrustedProxies []string

	// Header is the request header the trusted proxies put the client
	// address in. It is read as a comma-separated list with the nearest
	// hop last, as X-Forwarded-For is; a single address, as in X-Real-IP,
	// is a list of one. Use the header your proxy sets and overwrites: a
	// header the proxy passes through untouched is whatever the client
	// sent. Defaults to "X-Forwarded-For".
	Header string
}

// RealIP returns middleware that sets r.RemoteAddr to the client's address
// when the request came through trusted proxies, so later middleware
// (Logger, RateLimit) and handlers see the client rather than the proxy.
//
// Only when the direct peer (r.RemoteAddr) is a trusted proxy does it read
// Header. It walks the header's addresses from right (the nearest hop) to
// left, skipping trusted proxies; the first untrusted address is the
// client. If every address is trusted, the leftmost one is the client.
// The walk stops at a malformed entry, since entries left of it cannot
// have been written by a trusted proxy. r.RemoteAddr becomes "ip:0"
// ("[ip]:0" for IPv6), which net.SplitHostPort accepts like net/http's
// "ip:port" form; IPv4-mapped IPv6 addresses are unmapped. The request is
// copied, not modified. The RFC 7239 Forwarded header is not read.
//
// Security: headers from untrusted peers are ignored, so clients cannot
// spoof their address, provided the trusted list contains only proxies
// and Header is one those proxies always set or append to.
//
// RealIP returns an error naming any entry of TrustedProxies that is
// neither a CIDR prefix nor an address.
func RealIP(cfg RealIPConfig) (func(http.Handler) http.Handler, error) {
	trusted := make([]netip.Prefix, 0, len(cfg.TrustedProxies))
	for _, s := range cfg.TrustedProxies {
		s = strings.TrimSpace(s)
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(s); err == nil {
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
		}
		if err != nil {
			return nil, fmt.Errorf("middleware: RealIP: trusted proxy %q is not a CIDR prefix like 10.0.0.0/8 or an address like 10.0.0.1: %w", s, err)
		}
		trusted = append(trusted, p.Masked())
	}
	header := cfg.Header
	if header == "" {
		header = "X-Forwarded-For"
	}
	header = http.CanonicalHeaderKey(header)
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer, ok := parseHostAddr(r.RemoteAddr)
			if !ok || !isTrusted(peer) {
				next.ServeHTTP(w, r)
				return
			}
			client, ok := clientFromList(r.Header[header], isTrusted)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			r2 := new(http.Request)
			*r2 = *r
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			next.ServeHTTP(w, r2)
		})
	}, nil
}

// MustRealIP is like RealIP but panics on a configuration error. It is
// meant for main, with a fixed list of proxies.
func MustRealIP(cfg RealIPConfig) func(http.Handler) http.Handler {
	mw, err := RealIP(cfg)
	if err != nil {
		panic(err)
	}
	return mw
}

// clientFromList walks the header values' comma-separated addresses from
// right to left and returns the first untrusted one, or the leftmost
// trusted one if all are trusted.
func clientFromList(values []string, isTrusted func(netip.Addr) bool) (netip.Addr, bool) {
	var last netip.Addr
	found := false
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var item string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				item, v = v[j+1:], v[:j]
			} else {
				item, v = v, ""
			}
			a, ok := parseHostAddr(strings.TrimSpace(item))
			if !ok {
				return last, found
			}
			if !isTrusted(a) {
				return a, true
			}
			last, found = a, true
		}
	}
	return last, found
}

// parseHostAddr parses "ip", "ip:port", "[ipv6]" or "[ipv6]:port",
// dropping any zone and unmapping IPv4-mapped IPv6.
func parseHostAddr(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		host, _, err2 := net.SplitHostPort(s)
		if err2 != nil {
			host = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
		}
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.Addr{}, false
		}
	}
	return a.WithZone("").Unmap(), true
}
