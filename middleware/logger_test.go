package middleware

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLogger(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	h := RequestID(LoggerWith(LoggerConfig{
		Logger: logger,
		Level:  slog.LevelWarn,
		Skip:   func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/created":
			time.Sleep(5 * time.Millisecond)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "hello, world")
		case "/empty":
		}
	})))
	srv := serve(t, h)

	send(t, srv, "GET", "/healthz", nil, nil)
	send(t, srv, "POST", "/created?token=secret", nil, http.Header{"X-Request-Id": {"rid-1"}})
	send(t, srv, "GET", "/empty", nil, nil)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2 (healthz skipped):\n%s", len(lines), logs)
	}
	var rec struct {
		Level      string        `json:"level"`
		Method     string        `json:"method"`
		Path       string        `json:"path"`
		Status     int           `json:"status"`
		Size       int64         `json:"size"`
		Duration   time.Duration `json:"duration"`
		RequestID  string        `json:"request_id"`
		RemoteAddr string        `json:"remote_addr"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Level != "WARN" || rec.Method != "POST" || rec.Path != "/created" || rec.Status != 201 ||
		rec.Size != 12 || rec.RequestID != "rid-1" || !strings.HasPrefix(rec.RemoteAddr, "127.0.0.1:") {
		t.Errorf("record = %+v, want WARN POST /created 201 size 12 rid-1 from 127.0.0.1", rec)
	}
	if rec.Duration < 5*time.Millisecond {
		t.Errorf("duration = %v, want at least the handler's 5ms", rec.Duration)
	}
	if strings.Contains(lines[0], "secret") {
		t.Errorf("query string logged: %s", lines[0])
	}
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Status != 200 || rec.Size != 0 || len(rec.RequestID) != 24 {
		t.Errorf("record = %+v, want status 200 size 0 and a generated id for a handler writing nothing", rec)
	}
}

func TestLoggerLevelDisabled(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	var called atomic.Bool
	h := LoggerWith(LoggerConfig{Logger: logger, Level: slog.LevelDebug - 4})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		called.Store(true)
	}))
	srv := serve(t, h)
	send(t, srv, "GET", "/", nil, nil)
	if !called.Load() {
		t.Error("handler not called")
	}
	if logs.String() != "" {
		t.Errorf("logged below the handler's level: %s", logs)
	}
}
