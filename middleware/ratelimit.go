package middleware

import (
	"context"
	"hash/maphash"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kiln-web/kiln"
)

// RateLimitStore decides whether a request counted against a key may
// proceed. The in-memory store from NewMemoryRateLimitStore is the
// default; a store shared by several app nodes (Redis, for example)
// implements the same interface. Implementations must be safe for
// concurrent use.
type RateLimitStore interface {
	// Allow counts one request against key and reports the outcome. An
	// error means the store could not decide; the middleware then lets the
	// request through and logs the error.
	Allow(ctx context.Context, key string) (RateLimitResult, error)
}

// RateLimitResult is a RateLimitStore's answer for one request.
type RateLimitResult struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the number of requests the key may make in a burst.
	Limit int
	// Remaining is how many more requests the key may make right now.
	Remaining int
	// RetryAfter is how long a refused key must wait for its next request;
	// zero when Allowed.
	RetryAfter time.Duration
	// Reset is how long until the key's quota is fully restored.
	Reset time.Duration
}

// RateLimitConfig configures RateLimit. Its zero value allows each client
// IP address 60 requests per minute, in bursts of up to 60.
type RateLimitConfig struct {
	// Limit is the number of requests a key may make per Period, on
	// average. Defaults to 60. Ignored when Store is set.
	Limit int

	// Period is the window Limit is measured over. Defaults to one minute.
	// Ignored when Store is set.
	Period time.Duration

	// Burst is the number of requests a key may make at once after being
	// idle. Defaults to Limit. Ignored when Store is set.
	Burst int

	// MaxKeys bounds the number of keys the in-memory store tracks; see
	// MemoryRateLimitConfig.MaxKeys. Defaults to 100000. Ignored when Store
	// is set.
	MaxKeys int

	// Key returns the key a request is counted against. It is called
	// concurrently. Defaults to ClientIPKey, the client's IP address (its
	// /64 network for IPv6).
	Key func(r *http.Request) string

	// Store counts requests. Defaults to NewMemoryRateLimitStore with
	// Limit, Period, Burst and MaxKeys, which limits per process: with
	// several app nodes each node allows the full rate.
	Store RateLimitStore

	// Logger receives store errors. Defaults to slog.Default().
	Logger *slog.Logger
}

// RateLimit returns middleware that limits how often each key (by default
// each client IP) may make requests, with a token bucket per key. Every
// answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset
// (seconds), the header form of draft-ietf-httpapi-ratelimit-headers
// versions 00 to 07. A refused request is answered 429 Too Many Requests
// through kiln.WriteError with Retry-After in whole seconds (at least 1);
// the handler is not called.
//
// If the store fails, the request is let through and the error logged:
// limiting fails open so that an outage of a shared store does not take
// the app down.
//
// Security: the default key is r.RemoteAddr's address. Behind a proxy that
// is the proxy's address, so put RealIP (with the proxy's address trusted)
// outside RateLimit, or every client shares one bucket.
func RateLimit(cfg RateLimitConfig) func(http.Handler) http.Handler {
	store := cfg.Store
	if store == nil {
		store = NewMemoryRateLimitStore(MemoryRateLimitConfig{
			Limit: cfg.Limit, Period: cfg.Period, Burst: cfg.Burst, MaxKeys: cfg.MaxKeys,
		})
	}
	key := cfg.Key
	if key == nil {
		key = ClientIPKey
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, err := store.Allow(r.Context(), key(r))
			if err != nil {
				logger := cfg.Logger
				if logger == nil {
					logger = slog.Default()
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "rate limit store failed; request let through",
					slog.String("request_id", kiln.RequestID(r)), slog.Any("error", err))
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(max(res.Remaining, 0)))
			h.Set("RateLimit-Reset", strconv.FormatInt(ceilSeconds(res.Reset, 0), 10))
			if !res.Allowed {
				h.Set("Retry-After", strconv.FormatInt(ceilSeconds(res.RetryAfter, 1), 10))
				kiln.WriteError(w, r, kiln.NewError(http.StatusTooManyRequests,
					"Too many requests; retry after the number of seconds in the Retry-After header.").
					WithCode("rate_limited"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ceilSeconds rounds d up to whole seconds, and to at least least.
func ceilSeconds(d time.Duration, least int64) int64 {
	s := int64(math.Ceil(d.Seconds()))
	return max(s, least)
}

// ClientIPKey returns the address part of r.RemoteAddr, masked to its /64
// network for IPv6 (one IPv6 client usually controls a whole /64), or the
// whole RemoteAddr if it is not an IP address. It is RateLimit's default
// key.
func ClientIPKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.String()
	}
	return ip.String()
}

// MemoryRateLimitConfig configures NewMemoryRateLimitStore. Its zero value
// gives the defaults.
type MemoryRateLimitConfig struct {
	// Limit is the number of requests a key may make per Period, on
	// average. Defaults to 60.
	Limit int

	// Period is the window Limit is measured over. Defaults to one minute.
	Period time.Duration

	// Burst is the number of requests a key may make at once after being
	// idle. Defaults to Limit.
	Burst int

	// MaxKeys bounds the number of keys tracked, and so the memory used
	// (roughly 200 bytes a key). The bound is kept per shard of the map, so
	// the store may hold up to 31 keys more. Keys idle long enough for their bucket to
	// refill are dropped first, which loses nothing; if that is not enough
	// (many keys active at once, as in an attack from many addresses),
	// random keys are dropped, which gives those keys a fresh bucket.
	// Defaults to 100000.
	MaxKeys int
}

// MemoryRateLimitStore is the in-memory RateLimitStore: a token bucket
// (golang.org/x/time/rate) per key, in a sharded map. It starts no
// goroutines: idle keys are swept lazily while it serves requests. It is
// safe for concurrent use.
type MemoryRateLimitStore struct {
	limit      rate.Limit
	burst      int
	idle       time.Duration // time for an empty bucket to refill
	sweepEvery time.Duration // how often a shard looks for idle keys
	maxKeys    int           // per shard
	seed       maphash.Seed
	now        func() time.Time
	shards     [rateShards]rateShard
}

const rateShards = 32

type rateShard struct {
	mu        sync.Mutex
	keys      map[string]*rateEntry
	lastSweep time.Time
}

type rateEntry struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewMemoryRateLimitStore returns an in-memory store configured by cfg.
func NewMemoryRateLimitStore(cfg MemoryRateLimitConfig) *MemoryRateLimitStore {
	limit := cfg.Limit
	if limit <= 0 {
		limit = 60
	}
	period := cfg.Period
	if period <= 0 {
		period = time.Minute
	}
	burst := cfg.Burst
	if burst <= 0 {
		burst = limit
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = 100000
	}
	perSecond := float64(limit) / period.Seconds()
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	s := &MemoryRateLimitStore{
		limit:      rate.Limit(perSecond),
		burst:      burst,
		idle:       idle,
		sweepEvery: max(idle, 10*time.Second),
		maxKeys:    (maxKeys + rateShards - 1) / rateShards,
		seed:       maphash.MakeSeed(),
		now:        time.Now,
	}
	for i := range s.shards {
		s.shards[i].keys = make(map[string]*rateEntry)
	}
	return s
}

// Allow counts one request against key. It never returns an error.
func (s *MemoryRateLimitStore) Allow(_ context.Context, key string) (RateLimitResult, error) {
	now := s.now()
	sh := &s.shards[maphash.String(s.seed, key)%rateShards]
	sh.mu.Lock()
	e := sh.keys[key]
	if e == nil {
		sh.makeRoom(now, s.idle, s.sweepEvery, s.maxKeys)
		e = &rateEntry{lim: rate.NewLimiter(s.limit, s.burst)}
		sh.keys[key] = e
	} else if now.Sub(sh.lastSweep) >= s.sweepEvery {
		sh.sweep(now, s.idle)
	}
	e.lastSeen = now
	allowed := e.lim.AllowN(now, 1)
	tokens := e.lim.TokensAt(now)
	sh.mu.Unlock()

	res := RateLimitResult{
		Allowed:   allowed,
		Limit:     s.burst,
		Remaining: int(math.Floor(tokens)),
		Reset:     s.refill(float64(s.burst) - tokens),
	}
	if !allowed {
		res.RetryAfter = s.refill(1 - tokens)
	}
	return res, nil
}

// refill returns how long the bucket takes to gain n tokens.
func (s *MemoryRateLimitStore) refill(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n / float64(s.limit) * float64(time.Second))
}

// Len returns the number of keys tracked, for tests and metrics.
func (s *MemoryRateLimitStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.keys)
		sh.mu.Unlock()
	}
	return n
}

// sweep drops keys idle for at least idle, whose buckets are full again.
// The caller holds sh.mu.
func (sh *rateShard) sweep(now time.Time, idle time.Duration) {
	sh.lastSweep = now
	for k, e := range sh.keys {
		if now.Sub(e.lastSeen) >= idle {
			delete(sh.keys, k)
		}
	}
}

// makeRoom sweeps the shard if it is due, and makes room for one more key
// by dropping random ones if it is still full. The caller holds sh.mu.
func (sh *rateShard) makeRoom(now time.Time, idle, sweepEvery time.Duration, maxKeys int) {
	if now.Sub(sh.lastSweep) >= sweepEvery {
		sh.sweep(now, idle)
	}
	for k := range sh.keys { // map order is random
		if len(sh.keys) < maxKeys {
			break
		}
		delete(sh.keys, k)
	}
}
