package middleware

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 10
	type result struct {
		n   int
		err error
	}
	tests := []struct {
		name       string
		body       io.Reader // a *strings.Reader declares its length; other readers are chunked
		wantStatus int
		wantCalled bool
		wantMaxErr bool // the handler's read fails with *http.MaxBytesError
	}{
		{name: "within limit", body: strings.NewReader("0123456789"), wantStatus: 200, wantCalled: true},
		{name: "declared too large", body: strings.NewReader("0123456789X"), wantStatus: 413},
		{name: "chunked within limit", body: io.MultiReader(strings.NewReader("0123456789")), wantStatus: 200, wantCalled: true},
		{name: "chunked too large", body: io.MultiReader(strings.NewReader(strings.Repeat("x", 1000))), wantStatus: 200, wantCalled: true, wantMaxErr: true},
		{name: "no body", body: nil, wantStatus: 200, wantCalled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var called atomic.Bool
			results := make(chan result, 1)
			h := BodyLimit(limit)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called.Store(true)
				b, err := io.ReadAll(r.Body)
				results <- result{len(b), err}
			}))
			srv := serve(t, h)
			res, _ := send(t, srv, "POST", "/", tt.body, nil)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if called.Load() != tt.wantCalled {
				t.Fatalf("handler called = %v, want %v", called.Load(), tt.wantCalled)
			}
			if !tt.wantCalled {
				return
			}
			got := <-results
			var mbe *http.MaxBytesError
			if isMax := errors.As(got.err, &mbe); isMax != tt.wantMaxErr {
				t.Errorf("read error = %v, want *http.MaxBytesError: %v", got.err, tt.wantMaxErr)
			} else if isMax && (mbe.Limit != limit || got.n != limit) {
				t.Errorf("read %d bytes, MaxBytesError.Limit = %d; want both %d", got.n, mbe.Limit, limit)
			}
		})
	}
}

func TestBodyLimitZero(t *testing.T) {
	t.Parallel()
	srv := serve(t, BodyLimit(0)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	if res, _ := send(t, srv, "POST", "/", strings.NewReader("x"), nil); res.StatusCode != 413 {
		t.Errorf("status = %d, want 413 for any body with a 0 limit", res.StatusCode)
	}
	if res, _ := send(t, srv, "GET", "/", nil, nil); res.StatusCode != 200 {
		t.Errorf("status = %d, want 200 for no body with a 0 limit", res.StatusCode)
	}
}

func TestBodyLimitNegative(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("BodyLimit(-1) did not panic")
		}
	}()
	BodyLimit(-1)
}
