package kiln_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
)

// These tests cover the write-deadline coalescing App.Serve does under
// Config.Server.WriteTimeout (deadlineconn.go): fewer deadlines reach the
// socket, and WriteTimeout still means what it says.

// countingListener counts the write deadlines that reach its connections.
type countingListener struct {
	net.Listener
	sets atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, sets: &l.sets}, nil
}

type countedConn struct {
	net.Conn
	sets *atomic.Int32
}

func (c *countedConn) SetWriteDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// serveLocal runs app on a new loopback listener (startServe) until the
// test ends.
func serveLocal(t *testing.T, app *kiln.App) net.Listener {
	t.Helper()
	ln, cancel, done := startServe(t, app)
	stopAtEnd(t, cancel, done)
	return ln
}

// serveOn runs app on ln until the test ends.
func serveOn(t *testing.T, app *kiln.App, ln net.Listener) {
	cancel, done := startServeOn(app, ln)
	stopAtEnd(t, cancel, done)
}

// stopAtEnd stops a server started by startServe or startServeOn when the
// test ends, and fails the test if Serve returned an error.
func stopAtEnd(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

// dial opens a client connection to ln, closed when the test ends.
func dial(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func quietApp(sc kiln.ServerConfig) *kiln.App {
	return kiln.New(kiln.Config{Logger: slog.New(slog.DiscardHandler), Server: sc})
}

func TestServeCoalescesWriteDeadlines(t *testing.T) {
	app := quietApp(kiln.ServerConfig{}) // the default WriteTimeout, 60 s
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error { return kiln.Text(w, http.StatusOK, "ok") })
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: inner}
	serveOn(t, app, ln)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	const requests = 100
	for i := range requests {
		res, err := client.Get("http://" + inner.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || string(b) != "ok" {
			t.Fatalf("request %d: %d %q", i, res.StatusCode, b)
		}
	}
	// net/http itself sets and clears the deadline for every request: 200
	// calls. Coalesced, about one per second of the test reaches the socket.
	if n := ln.sets.Load(); n == 0 || n > 20 {
		t.Fatalf("%d write deadlines reached the socket for %d keep-alive requests, want 1 to 20", n, requests)
	}
}

// TestServeWriteTimeoutStopsSlowReaders: a client that never reads still
// has its response cut off after WriteTimeout.
func TestServeWriteTimeoutStopsSlowReaders(t *testing.T) {
	app := quietApp(kiln.ServerConfig{WriteTimeout: 200 * time.Millisecond})
	writeErr := make(chan error, 1)
	app.Get("/big", func(w http.ResponseWriter, r *http.Request) error {
		chunk := make([]byte, 1<<20)
		for range 256 { // far more than the socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return nil
			}
		}
		writeErr <- nil
		return nil
	})
	ln := serveLocal(t, app)
	conn := dial(t, ln)
	if _, err := io.WriteString(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select { // the client reads nothing
	case err := <-writeErr:
		if err == nil {
			t.Fatal("256 MB were written to a client that reads nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler's write was not stopped by WriteTimeout")
	}
}

// TestServeHijackedConnOutlivesWriteTimeout: net/http clears the deadlines
// of a hijacked connection; a write after WriteTimeout has passed works.
func TestServeHijackedConnOutlivesWriteTimeout(t *testing.T) {
	app := quietApp(kiln.ServerConfig{WriteTimeout: 100 * time.Millisecond})
	app.Get("/upgrade", func(w http.ResponseWriter, r *http.Request) error {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		time.Sleep(300 * time.Millisecond) // past the request's write deadline
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlate")
		return buf.Flush()
	})
	ln := serveLocal(t, app)
	res, err := http.Get("http://" + ln.Addr().String() + "/upgrade")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "late" {
		t.Fatalf("body %q, want %q", b, "late")
	}
}

// TestServeKeepAliveAfterTheDeadlinePassed: a connection idle for longer
// than WriteTimeout serves its next request; the expired deadline is not
// left standing in for the new one.
func TestServeKeepAliveAfterTheDeadlinePassed(t *testing.T) {
	app := quietApp(kiln.ServerConfig{WriteTimeout: 100 * time.Millisecond})
	app.Get("/", func(w http.ResponseWriter, r *http.Request) error { return kiln.Text(w, http.StatusOK, "ok") })
	ln := serveLocal(t, app)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := range 3 {
		reused := false
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("request %d: body %q", i, b)
		}
		if i > 0 && !reused {
			t.Fatalf("request %d did not reuse the connection", i)
		}
		time.Sleep(250 * time.Millisecond) // the write deadline passes
	}
}

// TestServeFileThroughDeadlineConn: net/http serves files with the
// connection's ReadFrom (sendfile); the wrapped connection keeps it.
func TestServeFileThroughDeadlineConn(t *testing.T) {
	want := bytes.Repeat([]byte("kiln sendfile\n"), 200_000) // 2.8 MB
	path := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	app := quietApp(kiln.ServerConfig{})
	app.Get("/file", func(w http.ResponseWriter, r *http.Request) error {
		http.ServeFile(w, r, path)
		return nil
	})
	ln := serveLocal(t, app)
	// Two requests on one connection, the second after the first's deadline
	// was cleared (deferred until ReadFrom).
	conn := dial(t, ln)
	br := bufio.NewReader(conn)
	for i := range 2 {
		if _, err := io.WriteString(conn, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || !bytes.Equal(b, want) {
			t.Fatalf("response %d: %d bytes (%v), want the file's %d; type %q", i, len(b), err, len(want), res.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("Content-Type %q", res.Header.Get("Content-Type"))
		}
	}
}
