package middleware

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kiln-web/kiln"
)

func TestRecoverer(t *testing.T) {
	t.Parallel()
	const secret = "db password is hunter2"
	logger, logs := newLogger()
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "9999") // stale: must not reach the 500
		panic(secret)
	})
	mux.HandleFunc("/panic-error", func(w http.ResponseWriter, r *http.Request) {
		panic(errors.New(secret))
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "fine")
	})
	app := kiln.New(kiln.Config{Logger: logger})
	app.Handle("/", RequestID(Recoverer(mux)))
	srv := serve(t, app)

	for _, path := range []string{"/panic", "/panic-error"} {
		t.Run(path, func(t *testing.T) {
			res, body := send(t, srv, "GET", path, nil, http.Header{"X-Request-Id": {"req-" + path[1:]}})
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", res.StatusCode)
			}
			if strings.Contains(string(body), "hunter2") {
				t.Errorf("body leaks the panic value: %q", body)
			}
			if !strings.Contains(logs.String(), `"request_id":"req-`+path[1:]+`"`) {
				t.Errorf("log lacks the request id: %s", logs)
			}
		})
	}
	out := logs.String()
	for _, want := range []string{`"msg":"panic recovered"`, "hunter2", `"stack":"goroutine`, "recoverer_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
	t.Run("server keeps serving", func(t *testing.T) {
		res, body := send(t, srv, "GET", "/ok", nil, nil)
		if res.StatusCode != http.StatusOK || string(body) != "fine" {
			t.Errorf("after panics: %d %q, want 200 %q", res.StatusCode, body, "fine")
		}
	})
}

func TestRecovererCommittedAborts(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	app := kiln.New(kiln.Config{Logger: logger})
	h := Recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("late")
	}))
	app.Handle("/", h)
	srv := serve(t, app)
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want the 200 already sent", res.StatusCode)
	}
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Error("reading a response aborted by a late panic succeeded; want an error (truncated body)")
	}
	if !strings.Contains(logs.String(), `"response_started":true`) {
		t.Errorf("late panic not logged as such: %s", logs)
	}
}

func TestRecovererAbortHandler(t *testing.T) {
	t.Parallel()
	h := Recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler passed on", p)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	t.Error("ServeHTTP returned; want the http.ErrAbortHandler panic passed on")
}

func TestRecovererInsideApp(t *testing.T) {
	t.Parallel()
	logger, _ := newLogger()
	app := kiln.New(kiln.Config{Logger: logger})
	app.Handle("GET /boom", Recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret-panic-text")
	})))
	srv := serve(t, app)
	res, body := send(t, srv, "GET", "/boom", nil, nil)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "secret-panic-text") {
		t.Errorf("got %d %q, want 500 without the panic text", res.StatusCode, body)
	}
}
