package kiln

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Why this file exists: with Config.Server.WriteTimeout set (Kiln's default
// is 60 s), net/http arms a write deadline on the connection before every
// request (now + WriteTimeout) and clears it after every response. Each of
// those two calls goes to the runtime's network poller, which adds or
// removes a timer: on a small response, such as an API's JSON answer, that
// was 1–3 % of the server's CPU (BENCHMARKS.md, "Where Kiln's time goes").
// App.Serve therefore hands net/http connections that keep the deadline
// armed between requests and move it only when it would change by more
// than a 64th of the time it has left: on a busy keep-alive connection,
// about one real call per second instead of two per request.

// deadlineSlack is the fraction of the time a write deadline has left by
// which an armed deadline may fall short of a later one asked for and still
// stand in for it: 1/64, under a second of a 60 s WriteTimeout.
const deadlineSlack = 64

// deadlineListener is a net.Listener whose connections are deadlineConns.
type deadlineListener struct{ net.Listener }

// Accept waits for the next connection and wraps it.
func (l deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &deadlineConn{Conn: c}, nil
}

// deadlineConn is a net.Conn that coalesces write deadlines, so that a
// server which moves the deadline forward on every request, and clears it
// after every response, rarely touches the socket's timer.
//
// What it promises, against the net.Conn contract:
//   - A deadline earlier than the armed one, or farther ahead of it than the
//     slack, is set at once, before SetWriteDeadline returns.
//   - A later deadline within the slack of the armed one is not set: writes
//     keep the armed one, so they may time out up to 1/64 of the requested
//     time early, never late.
//   - Clearing the deadline (the zero time) is deferred to the next Write or
//     ReadFrom, since a deadline only matters to writes, unless a write is in
//     progress, in which case it is cleared at once.
//   - Read deadlines, and SetDeadline, go straight to the connection.
//
// Hijacked connections (WebSockets) are deadlineConns too: net/http clears
// their deadlines on hijack, and later deadlines behave as above. Code that
// needs the socket itself can use SyscallConn; the conn is not a
// *net.TCPConn.
type deadlineConn struct {
	net.Conn

	mu    sync.Mutex
	armed time.Time // the write deadline set on Conn; zero for none

	// clear is set when the deadline should be cleared before the next
	// write; writing counts Write and ReadFrom calls in progress. Both are
	// read without mu on the write path.
	clear   atomic.Bool
	writing atomic.Int32
}

// SetWriteDeadline sets, defers or skips the write deadline t, as the type's
// documentation says.
func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case t.IsZero():
		if c.armed.IsZero() {
			c.clear.Store(false)
			return nil
		}
		c.clear.Store(true)
		if c.writing.Load() == 0 {
			return nil // no write in progress: the next one applies the clear
		}
	case c.standsIn(t):
		c.clear.Store(false)
		return nil
	}
	return c.setLocked(t)
}

// standsIn reports whether the armed deadline may stand in for t, a later
// one: t is non-zero and at most a deadlineSlack-th of its remaining time
// after the armed deadline.
func (c *deadlineConn) standsIn(t time.Time) bool {
	if c.armed.IsZero() || t.Before(c.armed) {
		return false
	}
	if t.Equal(c.armed) {
		return true
	}
	return t.Sub(c.armed) <= time.Until(t)/deadlineSlack
}

// setLocked sets the write deadline t on the connection. c.mu is held.
func (c *deadlineConn) setLocked(t time.Time) error {
	c.clear.Store(false)
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	c.armed = t
	return nil
}

// SetDeadline sets both deadlines on the connection at once.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear.Store(false)
	if err := c.Conn.SetDeadline(t); err != nil {
		return err
	}
	c.armed = t
	return nil
}

// beginWrite counts a write in and applies a deferred clearing of the
// deadline. The caller must call c.writing.Add(-1) when the write is done.
func (c *deadlineConn) beginWrite() error {
	c.writing.Add(1)
	if !c.clear.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.clear.Load() {
		return nil
	}
	return c.setLocked(time.Time{})
}

// Write writes b under the current write deadline.
func (c *deadlineConn) Write(b []byte) (int, error) {
	defer c.writing.Add(-1)
	if err := c.beginWrite(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// ReadFrom copies r to the connection under the current write deadline,
// with the connection's own ReadFrom when it has one (sendfile and splice
// on a TCP connection): net/http uses it to serve files.
func (c *deadlineConn) ReadFrom(r io.Reader) (int64, error) {
	defer c.writing.Add(-1)
	if err := c.beginWrite(); err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r) // writerOnly: see responsewriter.go
}

// WriteTo copies the connection's input to w, with the connection's own
// WriteTo when it has one (splice on a TCP connection).
func (c *deadlineConn) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := c.Conn.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, readerOnly{c.Conn})
}

// readerOnly hides every method of an io.Reader but Read.
type readerOnly struct{ io.Reader }

// CloseWrite shuts down the writing side of the connection, which net/http
// does before closing a connection whose request body it did not read.
func (c *deadlineConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// SyscallConn returns the connection's raw socket, for code that sets
// socket options on a hijacked connection.
func (c *deadlineConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}
