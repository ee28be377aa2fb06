package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-web/kiln"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      RequestIDConfig
		incoming []string // X-Request-Id values sent
		wantKept bool     // the incoming id is kept
	}{
		{name: "none sent", incoming: nil},
		{name: "sane id kept", incoming: []string{"abc-123_XYZ.7:8;9+/=@~"}, wantKept: true},
		{name: "128 chars kept", incoming: []string{strings.Repeat("a", 128)}, wantKept: true},
		{name: "129 chars replaced", incoming: []string{strings.Repeat("a", 129)}},
		{name: "empty replaced", incoming: []string{""}},
		{name: "space replaced", incoming: []string{"a b"}},
		{name: "html replaced", incoming: []string{"<script>alert(1)</script>"}},
		{name: "quote replaced", incoming: []string{`a"b`}},
		{name: "newline replaced", incoming: []string{"a\nb"}},
		{name: "non-ascii replaced", incoming: []string{"idé"}},
		{name: "two headers replaced", incoming: []string{"a", "b"}},
		{name: "ignore incoming", cfg: RequestIDConfig{IgnoreIncoming: true}, incoming: []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen string
			h := RequestIDWith(tt.cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = kiln.RequestID(r)
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.Header["X-Request-Id"] = tt.incoming
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			got := rec.Header().Get("X-Request-Id")
			if got != seen {
				t.Errorf("response header %q, handler saw %q; want the same", got, seen)
			}
			if tt.wantKept {
				if got != tt.incoming[0] {
					t.Errorf("id = %q, want incoming %q kept", got, tt.incoming[0])
				}
				return
			}
			if len(got) != 24 || !saneRequestID(got) {
				t.Errorf("id = %q, want a generated 24-character id", got)
			}
		})
	}
}

func TestRequestIDConfig(t *testing.T) {
	t.Parallel()
	h := RequestIDWith(RequestIDConfig{
		Header:    "x-trace-id",
		Generator: func() string { return "fixed" },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := kiln.RequestID(r); id != "fixed" {
			t.Errorf("kiln.RequestID = %q, want %q", id, "fixed")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Header().Get("X-Trace-Id"); got != "fixed" {
		t.Errorf("X-Trace-Id = %q, want %q", got, "fixed")
	}
	if got := rec.Header().Get("X-Request-Id"); got != "" {
		t.Errorf("X-Request-Id = %q, want none when Header is X-Trace-Id", got)
	}
}

func TestNewRequestIDUnique(t *testing.T) {
	t.Parallel()
	const goroutines, each = 8, 1000
	var mu sync.Mutex
	seen := make(map[string]bool, goroutines*each)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			ids := make([]string, each)
			for i := range ids {
				ids[i] = NewRequestID()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if seen[id] {
					t.Errorf("duplicate id %q", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
	if len(seen) != goroutines*each {
		t.Errorf("got %d distinct ids, want %d", len(seen), goroutines*each)
	}
}

func BenchmarkRequestID(b *testing.B) {
	h := RequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		for pb.Next() {
			clear(w.Header())
			h.ServeHTTP(w, req)
		}
	})
}
