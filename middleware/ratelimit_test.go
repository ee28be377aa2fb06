package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock for the memory store.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setupRateLimit returns a handler limited to 3 requests a minute (burst 3)
// on a fake clock, and its store.
func setupRateLimit(t *testing.T, maxKeys int) (http.Handler, *MemoryRateLimitStore, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	store := NewMemoryRateLimitStore(MemoryRateLimitConfig{Limit: 3, Period: time.Minute, MaxKeys: maxKeys})
	store.now = clock.Now
	h := RateLimit(RateLimitConfig{Store: store})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	return h, store, clock
}

func hit(h http.Handler, remoteAddr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h, _, clock := setupRateLimit(t, 0)
	for i := range 3 {
		rec := hit(h, "192.0.2.1:1234")
		if rec.Code != 200 {
			t.Fatalf("request %d: status %d, want 200 within the burst", i+1, rec.Code)
		}
		if got, want := rec.Header().Get("RateLimit-Remaining"), strconv.Itoa(2-i); got != want {
			t.Errorf("request %d: RateLimit-Remaining = %q, want %q", i+1, got, want)
		}
		if got := rec.Header().Get("RateLimit-Limit"); got != "3" {
			t.Errorf("RateLimit-Limit = %q, want 3", got)
		}
	}
	rec := hit(h, "192.0.2.1:5678") // same IP, other port
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th request: status %d, want 429", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "ok") {
		t.Error("handler ran for a refused request")
	}
	// One token comes back every 20s.
	if got := rec.Header().Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After = %q, want 20", got)
	}
	if got := rec.Header().Get("RateLimit-Reset"); got != "60" {
		t.Errorf("RateLimit-Reset = %q, want 60 (bucket empty)", got)
	}
	t.Run("other keys are independent", func(t *testing.T) {
		if rec := hit(h, "192.0.2.2:1234"); rec.Code != 200 {
			t.Errorf("other IP: status %d, want 200", rec.Code)
		}
	})
	t.Run("ipv6 /64 shares a bucket", func(t *testing.T) {
		for i := range 3 {
			hit(h, fmt.Sprintf("[2001:db8:1:2::%x]:80", i+1))
		}
		if rec := hit(h, "[2001:db8:1:2:ffff::1]:80"); rec.Code != 429 {
			t.Errorf("4th address of one /64: status %d, want 429", rec.Code)
		}
		if rec := hit(h, "[2001:db8:1:3::1]:80"); rec.Code != 200 {
			t.Errorf("another /64: status %d, want 200", rec.Code)
		}
	})
	t.Run("refills over time", func(t *testing.T) {
		clock.Advance(19 * time.Second)
		if rec := hit(h, "192.0.2.1:1"); rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
			t.Errorf("after 19s: status %d Retry-After %q, want 429 and 1", rec.Code, rec.Header().Get("Retry-After"))
		}
		clock.Advance(time.Second)
		if rec := hit(h, "192.0.2.1:1"); rec.Code != 200 {
			t.Errorf("after 20s: status %d, want 200", rec.Code)
		}
	})
}

func TestRateLimitEviction(t *testing.T) {
	t.Parallel()
	t.Run("idle keys are swept", func(t *testing.T) {
		t.Parallel()
		h, store, clock := setupRateLimit(t, 0)
		for i := range 100 {
			hit(h, fmt.Sprintf("198.51.100.%d:1", i))
		}
		if n := store.Len(); n != 100 {
			t.Fatalf("Len = %d, want 100", n)
		}
		clock.Advance(time.Minute) // buckets full again: forgetting them loses nothing
		// New keys until every shard has been touched, and so swept.
		fresh := 0
		for swept := false; !swept; fresh++ {
			hit(h, fmt.Sprintf("203.0.113.%d:%d", fresh%256, fresh/256))
			swept = true
			for i := range store.shards {
				sh := &store.shards[i]
				sh.mu.Lock()
				swept = swept && sh.lastSweep.Equal(clock.Now())
				sh.mu.Unlock()
			}
		}
		if n, want := store.Len(), min(fresh, 256); n != want {
			t.Errorf("Len = %d after the idle keys expired, want only the %d new keys", n, want)
		}
	})
	t.Run("MaxKeys bounds memory", func(t *testing.T) {
		t.Parallel()
		h, store, _ := setupRateLimit(t, 64) // 2 per shard
		for i := range 10000 {
			hit(h, fmt.Sprintf("10.%d.%d.1:1", i/256, i%256))
		}
		if n := store.Len(); n > 64 {
			t.Errorf("Len = %d with MaxKeys 64, want at most 64", n)
		}
	})
}

type failingStore struct{}

func (failingStore) Allow(context.Context, string) (RateLimitResult, error) {
	return RateLimitResult{}, errors.New("redis: connection refused")
}

func TestRateLimitStoreErrorFailsOpen(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	h := RateLimit(RateLimitConfig{Store: failingStore{}, Logger: logger})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	if rec := hit(h, "192.0.2.1:1"); rec.Code != http.StatusAccepted {
		t.Errorf("status = %d, want the handler's 202 when the store fails", rec.Code)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("store error not logged: %s", logs)
	}
}

func TestRateLimitCustomKey(t *testing.T) {
	t.Parallel()
	h := RateLimit(RateLimitConfig{Limit: 1, Key: func(r *http.Request) string { return r.Header.Get("X-Api-Key") }})(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv := serve(t, h)
	for _, step := range []struct {
		key  string
		want int
	}{{"a", 200}, {"a", 429}, {"b", 200}} {
		res, _ := send(t, srv, "GET", "/", nil, http.Header{"X-Api-Key": {step.key}})
		if res.StatusCode != step.want {
			t.Errorf("key %q: status %d, want %d", step.key, res.StatusCode, step.want)
		}
		if step.want == 429 && res.Header.Get("Retry-After") != "60" {
			t.Errorf("Retry-After = %q, want 60 for 1 request a minute", res.Header.Get("Retry-After"))
		}
	}
}

func TestClientIPKey(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"192.0.2.1:80":             "192.0.2.1",
		"[::ffff:192.0.2.1]:80":    "192.0.2.1",
		"[2001:db8::1%eth0]:80":    "2001:db8::/64",
		"[2001:db8:0:0:1::1]:80":   "2001:db8::/64",
		"192.0.2.1":                "192.0.2.1",
		"not an address":           "not an address",
		"":                         "",
		"[2001:db8:aaaa:bbbb::]:1": "2001:db8:aaaa:bbbb::/64",
	}
	for in, want := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = in
		if got := ClientIPKey(r); got != want {
			t.Errorf("ClientIPKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkMemoryRateLimitStore(b *testing.B) {
	s := NewMemoryRateLimitStore(MemoryRateLimitConfig{Limit: 1 << 30, Period: time.Second})
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.Allow(ctx, keys[i%len(keys)])
			i++
		}
	})
}
