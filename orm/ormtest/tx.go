package ormtest

import (
	"context"
	"testing"

	"github.com/kiln-web/kiln/orm"
)

// Tx begins a transaction on db for the test t and rolls it back when t
// ends, so whatever the test writes through the returned *orm.Tx is gone
// afterwards. Tests can then share one database, with its migrations
// applied once, and run in parallel:
//
//	func TestSignup(t *testing.T) {
//		db := ormtest.Open(t, "postgres") // migrate once
//		for _, tc := range cases {
//			t.Run(tc.name, func(t *testing.T) {
//				t.Parallel()
//				tx := ormtest.Tx(t, db)
//				// write and read through tx only
//			})
//		}
//	}
//
// Run every query of the test through the returned Tx: writes through db
// escape the rollback, and other connections do not see the test's
// uncommitted rows. Code under test that takes an orm.Querier works
// unchanged, and its own transactions (q.Tx) become savepoints inside the
// test's. Do not call Commit or Rollback on it: the test fails if the
// transaction has already ended when t does.
//
// Two tests writing the same unique key, or the same row, wait for each
// other's rollback on PostgreSQL and MySQL/MariaDB (row locks), so they
// serialize instead of failing.
//
// SQLite has a single writer connection, which the transaction holds for
// the whole test: parallel tests on one SQLite database run one at a time,
// and a write through db instead of the Tx waits forever for the test
// itself. On SQLite prefer a fresh database per test (Open, Each), which
// costs a temporary file.
func Tx(t testing.TB, db *orm.DB) *orm.Tx {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatalf("ormtest: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(); err != nil {
			t.Errorf("ormtest: rolling back the test's transaction: %v; leave ending it to ormtest.Tx (a Commit keeps the test's writes)", err)
		}
	})
	return tx
}
