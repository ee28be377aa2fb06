package kiln

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ShutdownHook runs when the app shuts down, after in-flight requests have
// drained (or the drain timed out). Its context carries the remaining
// shutdown time.
type ShutdownHook func(ctx context.Context) error

type serverState struct {
	mu    sync.Mutex
	hooks []ShutdownHook
	addr  net.Addr
	ready chan struct{}

	readyOnce sync.Once
}

// OnShutdown registers fn to run during graceful shutdown, after the HTTP
// server has stopped accepting requests and drained the in-flight ones.
// Hooks run in reverse registration order (like deferred calls), so a
// resource opened first is closed last. Their errors are joined into Run's
// result.
func (a *App) OnShutdown(fn ShutdownHook) {
	a.srv.mu.Lock()
	defer a.srv.mu.Unlock()
	a.srv.hooks = append(a.srv.hooks, fn)
}

// Server returns an *http.Server configured from Config.Server: the app
// as handler, timeouts against slow clients (slowloris), the app's logger
// for server errors, a BaseContext carrying the app, and HTTP/2 (over TLS
// always, over cleartext when H2C is set). Run uses it; call it yourself to
// serve the app your own way.
func (a *App) Server() *http.Server {
	sc := a.cfg.Server
	srv := &http.Server{
		Addr:              orDefault(sc.Addr, ":8080"),
		Handler:           a,
		ReadHeaderTimeout: orDuration(sc.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       orDuration(sc.ReadTimeout, 60*time.Second),
		WriteTimeout:      orDuration(sc.WriteTimeout, 60*time.Second),
		IdleTimeout:       orDuration(sc.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    sc.MaxHeaderBytes,
		BaseContext:       a.BaseContext,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = 1 << 20
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	if sc.H2C {
		p.SetUnencryptedHTTP2(true)
	}
	srv.Protocols = &p
	srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return srv
}

// Run listens on Config.Server.Addr and serves the app until ctx is
// cancelled or the process receives SIGINT or SIGTERM. It then shuts down
// gracefully: it stops accepting connections, waits up to
// Config.Server.ShutdownTimeout for in-flight requests, closes whatever is
// left, and runs the OnShutdown hooks. It returns nil after a clean
// shutdown.
func (a *App) Run(ctx context.Context) error {
	addr := orDefault(a.cfg.Server.Addr, ":8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("kiln: listen on %s: %w (is another server using the port? set KILN_ADDR or Config.Server.Addr)", addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener you created, for example on port 0 in tests.
// It takes ownership of ln.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := a.Server()
	sc := a.cfg.Server
	tlsOn := sc.TLSCertFile != "" && sc.TLSKeyFile != ""
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	a.srv.mu.Lock()
	a.srv.addr = ln.Addr()
	a.srv.mu.Unlock()
	a.logger.Info("kiln: listening", "addr", ln.Addr().String(), "url", scheme+"://"+displayAddr(ln.Addr()))
	if srv.WriteTimeout > 0 {
		// Under TLS, if any: net/http looks for a *tls.Conn.
		ln = deadlineListener{ln}
	}
	errc := make(chan error, 1)
	go func() {
		if tlsOn {
			errc <- srv.ServeTLS(ln, sc.TLSCertFile, sc.TLSKeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	a.srv.readyOnce.Do(func() { close(a.srv.ready) })
	select {
	case err := <-errc:
		return fmt.Errorf("kiln: serve: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("kiln: shutting down", "timeout", orDuration(sc.ShutdownTimeout, 30*time.Second).String())
	sctx, cancel := context.WithTimeout(context.Background(), orDuration(sc.ShutdownTimeout, 30*time.Second))
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("kiln: in-flight requests did not finish within the shutdown timeout: %w", err))
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	a.srv.mu.Lock()
	hooks := a.srv.hooks
	a.srv.mu.Unlock()
	for i := len(hooks) - 1; i >= 0; i-- {
		if err := hooks[i](sctx); err != nil {
			errs = append(errs, err)
		}
	}
	a.logger.Info("kiln: stopped")
	return errors.Join(errs...)
}

// Addr returns the address the app listens on once Run or Serve has
// started, waiting for it; it returns nil if ctx ends first.
func (a *App) Addr(ctx context.Context) net.Addr {
	select {
	case <-a.srv.ready:
	case <-ctx.Done():
		return nil
	}
	a.srv.mu.Lock()
	defer a.srv.mu.Unlock()
	return a.srv.addr
}

func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return tcp.String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
