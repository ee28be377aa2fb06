package orm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kiln-web/kiln/orm"
)

// TestSQLiteTxImmediateAcrossProcesses checks that a write transaction on
// SQLite takes the write lock when it begins, and that a second writer
// waits for it (busy_timeout) rather than failing. Two DBs on one file
// stand for two processes: each has its own writer connection, so the
// lock is SQLite's, not the pool's.
//
// A reads the counter, then waits for B to read it too before writing.
// With IMMEDIATE transactions B's BEGIN blocks until A commits, so B never
// reads while A is open: A's wait times out, A writes 1, and B then reads 1
// and writes 2. With DEFERRED transactions both read 0 and the second to
// write fails with SQLITE_BUSY (its snapshot is stale); without a busy
// timeout B's BEGIN IMMEDIATE fails at once with "database is locked".
func TestSQLiteTxImmediateAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "two.db")
	dbA, dbB := openDB(t, url), openDB(t, url)
	exec(t, dbA, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
	exec(t, dbA, "INSERT INTO counter (id, n) VALUES (1, 0)")

	type counter struct{ N int64 }
	read := func(tx *orm.Tx) (int64, error) {
		rows, err := orm.Raw[counter](ctx, tx, "SELECT n FROM counter WHERE id = 1")
		if err != nil {
			return 0, fmt.Errorf("read: %w", err)
		}
		return rows[0].N, nil
	}
	write := func(tx *orm.Tx, n int64) error {
		if _, err := tx.SQL().ExecContext(ctx, "UPDATE counter SET n = ? WHERE id = 1", n); err != nil {
			return fmt.Errorf("write %d: %w", n, err)
		}
		return nil
	}

	// Each goroutine reports what it read and how its Tx ended.
	type result struct {
		read int64
		err  error
	}
	aRead, bRead := make(chan struct{}), make(chan struct{})
	aDone, bDone := make(chan result, 1), make(chan result, 1)
	go func() {
		var r result
		r.err = dbA.Tx(ctx, func(tx *orm.Tx) error {
			n, err := read(tx)
			if err != nil {
				return err
			}
			r.read = n
			close(aRead)
			select {
			case <-bRead: // only when B's transaction began while A's was open
			case <-time.After(300 * time.Millisecond):
			}
			return write(tx, n+1)
		})
		if r.err != nil {
			// B waits for aRead; never leave it waiting.
			select {
			case <-aRead:
			default:
				close(aRead)
			}
		}
		aDone <- r
	}()
	<-aRead
	go func() {
		var r result
		r.err = dbB.Tx(ctx, func(tx *orm.Tx) error {
			n, err := read(tx)
			if err != nil {
				return err
			}
			r.read = n
			close(bRead)
			return write(tx, n+1)
		})
		bDone <- r
	}()
	a, b := <-aDone, <-bDone
	if a.err != nil {
		t.Errorf("transaction A: %v", a.err)
	}
	if b.err != nil {
		t.Errorf("transaction B: %v", b.err)
	}
	if a.err == nil && b.err == nil && (a.read != 0 || b.read != 1) {
		t.Errorf("A read %d and B read %d; want 0 and 1: B's transaction began before A's ended", a.read, b.read)
	}
	var n int64
	if err := dbA.QueryRow(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("counter = %d after two increments; want 2", n)
	}
}
