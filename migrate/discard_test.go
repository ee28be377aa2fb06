package migrate

import (
	"context"
	"testing"
	"time"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

// TestDiscardConnEndsPostgresSession checks what the migration lock relies
// on when it cannot be released: discarding the session's connection ends
// the database session, and with it the advisory lock.
func TestDiscardConnEndsPostgresSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := orm.Open(ctx, kilntest.PostgresURL(t), &orm.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(424242)"); err != nil {
		t.Fatal(err)
	}
	discardConn(conn)
	conn.Close()

	// The session is gone (the server notices the closed socket at
	// once, but let it take a moment), and so is its lock.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var alive bool
		var locks int
		err := db.SQL().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1),
			(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242)`, pid).Scan(&alive, &locks)
		if err != nil {
			t.Fatal(err)
		}
		if !alive && locks == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after discarding its connection, session %d alive: %v, advisory locks held: %d", pid, alive, locks)
		}
	}
}
