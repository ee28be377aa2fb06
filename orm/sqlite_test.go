package orm_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// TestSQLiteConcurrentWrites proves the writer/reader design: many
// goroutines writing in their own transactions queue on the one writer
// connection instead of failing with "database is locked", while reads on
// the read pool run during the writes.
func TestSQLiteConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, "sqlite://"+filepath.Join(t.TempDir(), "busy.db"))
	exec(t, db, "CREATE TABLE events (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, n INTEGER NOT NULL)")

	const writers, inserts = 8, 50
	var (
		wg       sync.WaitGroup
		done     = make(chan struct{})
		reads    atomic.Int64
		readErrs = make(chan error, 1)
	)
	// Readers count rows until the writers finish.
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				var n int
				if err := db.ReadSQL().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
					select {
					case readErrs <- err:
					default:
					}
					return
				}
				reads.Add(1)
			}
		})
	}
	errs := make(chan error, writers*inserts)
	for w := range writers {
		wg.Go(func() {
			for i := range inserts {
				tx, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					errs <- fmt.Errorf("writer %d begin: %w", w, err)
					return
				}
				// Read then write in one transaction: the pattern that fails
				// with SQLITE_BUSY when transactions start DEFERRED.
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE writer = ?", w).Scan(&n); err != nil {
					tx.Rollback()
					errs <- fmt.Errorf("writer %d read: %w", w, err)
					return
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO events (writer, n) VALUES (?, ?)", w, n); err != nil {
					tx.Rollback()
					errs <- fmt.Errorf("writer %d insert %d: %w", w, i, err)
					return
				}
				if err := tx.Commit(); err != nil {
					errs <- fmt.Errorf("writer %d commit: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case err := <-readErrs:
		t.Errorf("read during writes: %v", err)
	default:
	}
	var total, distinct int
	if err := db.QueryRow(ctx, "SELECT count(*), count(DISTINCT writer || '-' || n) FROM events").Scan(&total, &distinct); err != nil {
		t.Fatal(err)
	}
	if total != writers*inserts || distinct != writers*inserts {
		t.Errorf("%d rows (%d distinct), want %d", total, distinct, writers*inserts)
	}
	if reads.Load() == 0 {
		t.Error("no read completed while the writers ran")
	}
}

// TestSQLiteReadPoolIsReadOnly checks that a write sent to the read pool
// fails instead of competing with the writer for the lock.
func TestSQLiteReadPoolIsReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, "sqlite://"+filepath.Join(t.TempDir(), "ro.db"))
	exec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
	for _, q := range []string{"INSERT INTO t (id) VALUES (1)", "CREATE TABLE u (id INTEGER)", "DELETE FROM t"} {
		_, err := db.ReadSQL().ExecContext(ctx, q)
		se, ok := errors.AsType[*sqlite.Error](err)
		if !ok || se.Code()&0xff != sqlite3.SQLITE_READONLY {
			t.Errorf("%s on the read pool: %v, want SQLITE_READONLY", q, err)
		}
	}
	// And Query, which uses the read pool, sees the writer's commits.
	exec(t, db, "INSERT INTO t (id) VALUES (42)")
	var id int
	if err := db.QueryRow(ctx, "SELECT id FROM t").Scan(&id); err != nil || id != 42 {
		t.Errorf("read after write = %d, %v; want 42", id, err)
	}
}
