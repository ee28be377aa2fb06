package kiln

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// countingConn counts the write deadlines that reach a real connection.
type countingConn struct {
	net.Conn
	sets atomic.Int32
}

func (c *countingConn) SetWriteDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// tcpPair returns a deadlineConn over the server side of a loopback TCP
// connection, the counter under it, and the client side.
func tcpPair(t *testing.T) (*deadlineConn, *countingConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	cc := &countingConn{Conn: server}
	return &deadlineConn{Conn: cc}, cc, client
}

// TestDeadlineConnCoalesces replays what net/http does on a keep-alive
// connection with a WriteTimeout: arm now+timeout, write, clear; a hundred
// times in quick succession. Only the first deadline should reach the
// socket.
func TestDeadlineConnCoalesces(t *testing.T) {
	c, cc, client := tcpPair(t)
	go io.Copy(io.Discard, client)
	for i := range 100 {
		if err := c.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("response\n")); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if err := c.SetWriteDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := cc.sets.Load(); n != 1 {
		t.Fatalf("%d write deadlines reached the socket, want 1", n)
	}
}

func TestDeadlineConnSetsBeyondTheSlack(t *testing.T) {
	c, cc, _ := tcpPair(t)
	now := time.Now()
	c.SetWriteDeadline(now.Add(time.Minute))
	c.SetWriteDeadline(now.Add(time.Minute + 10*time.Millisecond)) // within 1/64 of a minute
	if n := cc.sets.Load(); n != 1 {
		t.Fatalf("after a deadline within the slack: %d sets, want 1", n)
	}
	c.SetWriteDeadline(now.Add(time.Minute + 2*time.Second)) // beyond it
	if n := cc.sets.Load(); n != 2 {
		t.Fatalf("after a deadline beyond the slack: %d sets, want 2", n)
	}
	c.SetWriteDeadline(now.Add(30 * time.Second)) // earlier
	if n := cc.sets.Load(); n != 3 {
		t.Fatalf("after an earlier deadline: %d sets, want 3", n)
	}
}

func TestDeadlineConnEarlierDeadlineTakesEffect(t *testing.T) {
	c, _, _ := tcpPair(t)
	c.SetWriteDeadline(time.Now().Add(time.Minute))
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := c.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write after a past deadline: %v, want os.ErrDeadlineExceeded", err)
	}
}

// TestDeadlineConnDeferredClear: a cleared deadline that is only applied at
// the next write must still be cleared by then, or the write would fail on
// the old, expired deadline.
func TestDeadlineConnDeferredClear(t *testing.T) {
	c, cc, client := tcpPair(t)
	go io.Copy(io.Discard, client)
	c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	c.SetWriteDeadline(time.Time{})
	if n := cc.sets.Load(); n != 1 {
		t.Fatalf("clearing was not deferred: %d sets, want 1", n)
	}
	time.Sleep(100 * time.Millisecond) // the armed deadline passes
	if _, err := c.Write([]byte("late")); err != nil {
		t.Fatalf("write after clearing the deadline: %v", err)
	}
	if n := cc.sets.Load(); n != 2 {
		t.Fatalf("the write did not clear the deadline: %d sets, want 2", n)
	}
	// A later deadline arms the socket again: nothing is armed to stand in.
	c.SetWriteDeadline(time.Now().Add(time.Minute))
	if n := cc.sets.Load(); n != 3 {
		t.Fatalf("%d sets, want 3", n)
	}
}

// TestDeadlineConnClearDuringBlockedWrite: clearing the deadline while a
// write is blocked (the peer does not read) must take effect at once, so
// the blocked write outlives the old deadline.
func TestDeadlineConnClearDuringBlockedWrite(t *testing.T) {
	c, _, client := tcpPair(t)
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, 64<<20)) // more than the socket buffers hold
		done <- err
	}()
	for c.writing.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the write fill the buffers and block
	c.SetWriteDeadline(time.Time{})
	select {
	case err := <-done:
		t.Fatalf("the blocked write ended (%v) although its deadline was cleared", err)
	case <-time.After(time.Second): // well past the old deadline
	}
	go io.Copy(io.Discard, client)
	if err := <-done; err != nil {
		t.Fatalf("write, once the peer reads: %v", err)
	}
}

// TestDeadlineConnPastDeadlineInterruptsBlockedWrite: an earlier deadline
// set from another goroutine stops a blocked write, as on a plain conn.
func TestDeadlineConnPastDeadlineInterruptsBlockedWrite(t *testing.T) {
	c, _, _ := tcpPair(t)
	c.SetWriteDeadline(time.Now().Add(time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, 64<<20))
		done <- err
	}()
	for c.writing.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("blocked write: %v, want os.ErrDeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a past deadline did not stop the blocked write")
	}
}

func TestDeadlineConnForwardsReadFromAndCloseWrite(t *testing.T) {
	_, cc, client := tcpPair(t)
	c := &deadlineConn{Conn: cc.Conn} // the *net.TCPConn itself, with its ReadFrom and CloseWrite
	if _, ok := c.Conn.(*net.TCPConn); !ok {
		t.Fatalf("the conn is a %T", c.Conn)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	c.SetWriteDeadline(time.Now().Add(time.Minute))
	c.SetWriteDeadline(time.Time{}) // deferred, then applied by ReadFrom
	if n, err := c.ReadFrom(io.LimitReader(&sliceReader{b: want}, int64(len(want)))); err != nil || n != int64(len(want)) {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	if c.clear.Load() {
		t.Fatal("ReadFrom did not apply the deferred clearing")
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	b := <-got
	if len(b) != len(want) || string(b) != string(want) {
		t.Fatalf("the peer read %d bytes, want the %d written", len(b), len(want))
	}
	if _, err := c.SyscallConn(); err != nil {
		t.Fatalf("SyscallConn: %v", err)
	}
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
