package middleware

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantBody   string
	}{
		{
			name: "handler honouring ctx times out",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
					io.WriteString(w, "too late")
				}
			},
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name: "fast handler answers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "quick")
			},
			wantStatus: http.StatusOK,
			wantBody:   "quick",
		},
		{
			name: "handler that wrote before the deadline keeps its answer",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				<-r.Context().Done()
			},
			wantStatus: http.StatusAccepted,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, Timeout(50*time.Millisecond)(tt.handler))
			start := time.Now()
			res, body := send(t, srv, "GET", "/", nil, nil)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v; the deadline did not reach the handler", d)
			}
		})
	}
}

func TestTimeoutSetsDeadline(t *testing.T) {
	t.Parallel()
	h := Timeout(time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dl, ok := r.Context().Deadline()
		if !ok || time.Until(dl) > time.Minute || time.Until(dl) < 50*time.Second {
			t.Errorf("deadline = %v (set %v), want about a minute from now", dl, ok)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestTimeoutClientGone(t *testing.T) {
	t.Parallel()
	// A cancelled (not timed-out) context must not produce a 503.
	h := Timeout(time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	ctx, cancel := context.WithCancel(req.Context())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || strings.Contains(rec.Header().Get("Content-Type"), "text") {
		t.Errorf("got %d %q, want nothing written for a cancelled request", rec.Code, rec.Body)
	}
}

func TestTimeoutInvalid(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(p.(string), "positive") {
					t.Errorf("panic = %v, want one saying the duration must be positive", p)
				}
			}()
			Timeout(d)
		})
	}
}
