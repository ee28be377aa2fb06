package kiln_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
)

func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{
		Logger: slog.New(slog.DiscardHandler),
		Server: kiln.ServerConfig{ShutdownTimeout: 5 * time.Second},
	})
	started := make(chan struct{})
	release := make(chan struct{})
	app.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	}))
	var hookRan atomic.Bool
	app.OnShutdown(func(ctx context.Context) error { hookRan.Store(true); return nil })

	ln, cancel, done := startServe(t, app)
	if app.Addr(t.Context()) == nil {
		t.Fatal("no address")
	}
	url := "http://" + ln.Addr().String()

	body := make(chan string, 1)
	go func() {
		res, err := http.Get(url + "/slow")
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body <- string(b)
	}()
	<-started
	cancel() // like SIGTERM
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepting connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if got := <-body; got != "finished" {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if !hookRan.Load() {
		t.Fatal("shutdown hook did not run")
	}
}

func TestServeShutdownTimeout(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{
		Logger: slog.New(slog.DiscardHandler),
		Server: kiln.ServerConfig{ShutdownTimeout: 100 * time.Millisecond},
	})
	started := make(chan struct{})
	app.Handle("GET /stuck", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(2 * time.Second)
	}))
	app.OnShutdown(func(ctx context.Context) error { return errors.New("hook failed") })
	ln, cancel, done := startServe(t, app)
	go http.Get("http://" + ln.Addr().String() + "/stuck")
	<-started
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "did not finish within the shutdown timeout") || !strings.Contains(err.Error(), "hook failed") {
		t.Fatalf("Serve error = %v", err)
	}
}

func TestServerSettings(t *testing.T) {
	t.Parallel()
	srv := kiln.New(kiln.Config{Server: kiln.ServerConfig{H2C: true}}).Server()
	if srv.ReadHeaderTimeout != 5*time.Second || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes != 1<<20 {
		t.Errorf("timeouts: %+v", srv)
	}
	if srv.Addr != ":8080" || !srv.Protocols.UnencryptedHTTP2() || !srv.Protocols.HTTP2() || !srv.Protocols.HTTP1() {
		t.Errorf("addr %q protocols %v", srv.Addr, srv.Protocols)
	}
}

func TestServeH2C(t *testing.T) {
	t.Parallel()
	app := kiln.New(kiln.Config{Logger: slog.New(slog.DiscardHandler), Server: kiln.ServerConfig{H2C: true}})
	app.Handle("GET /proto", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }))
	ln, cancel, _ := startServe(t, app)
	defer cancel()
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &p}}
	res, err := client.Get("http://" + ln.Addr().String() + "/proto")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "HTTP/2.0" {
		t.Fatalf("proto %q, want HTTP/2.0", b)
	}
}

func TestPanicWithoutRecovererIs500AndServerStaysUp(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	app := kiln.New(kiln.Config{Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))})
	app.Use(func(next http.Handler) http.Handler { // stands in for middleware.RequestID
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, kiln.SetRequestID(w, r, "rid-7"))
		})
	})
	app.Handle("GET /boom", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("secret internal state")
	}))
	app.Handle("GET /ok", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") }))
	srv := httptest.NewServer(app)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || strings.Contains(string(b), "secret") || !strings.Contains(string(b), "rid-7") {
		t.Fatalf("panic answer: %d %s", res.StatusCode, b)
	}
	res, err = http.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "fine" {
		t.Fatalf("server did not keep serving: %q", b)
	}
	if l := logs.String(); !strings.Contains(l, "secret internal state") || !strings.Contains(l, "goroutine") {
		t.Fatalf("panic not logged with stack: %s", l)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestServeTLSHTTP2 serves the app with certificate files, as Run does with
// Config.Server.TLSCertFile/TLSKeyFile, and checks clients get HTTP/2.
func TestServeTLSHTTP2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, pool := writeSelfSignedCert(t, dir)
	app := kiln.New(kiln.Config{
		Logger: slog.New(slog.DiscardHandler),
		Server: kiln.ServerConfig{TLSCertFile: certFile, TLSKeyFile: keyFile},
	})
	app.Handle("GET /proto", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }))
	ln, cancel, done := startServe(t, app)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	res, err := client.Get("https://" + ln.Addr().String() + "/proto")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "HTTP/2.0" || res.TLS == nil {
		t.Fatalf("proto %q (TLS %v), want HTTP/2.0 over TLS", b, res.TLS != nil)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kiln test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// startServe runs app.Serve on a fresh loopback listener. cancel starts the
// graceful shutdown, as SIGTERM would; done receives Serve's result.
func startServe(t *testing.T, app *kiln.App) (ln net.Listener, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cancel, done = startServeOn(app, ln)
	return ln, cancel, done
}

// startServeOn runs app.Serve on ln in a goroutine; cancel stops it and done
// receives what Serve returned.
func startServeOn(app *kiln.App, ln net.Listener) (cancel context.CancelFunc, done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- app.Serve(ctx, ln) }()
	return cancel, errc
}
