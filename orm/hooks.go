package orm

import "context"

// Models can implement these interfaces, on the pointer receiver, to run
// code around Insert and Update. Each hook receives the Querier the
// operation runs on (a *DB or a *Tx), so it can read or write other rows in
// the same transaction.
//
// A Before hook's error vetoes the operation: nothing is written and
// Insert or Update returns that error unchanged (so a *kiln.Error from a
// hook reaches the client as is). An After hook runs once the row is
// written; its error is returned too, but the row stays written unless the
// call runs inside db.Tx, whose rollback then undoes it. Hooks return
// errors rather than wrapping a "next" function, so forgetting to call
// something can never silently skip the write.
//
// Query(...).Delete deletes by condition without loading rows, so it runs
// no hooks.

// BeforeInserter is called by Insert before the row is written.
type BeforeInserter interface {
	BeforeInsert(ctx context.Context, q Querier) error
}

// AfterInserter is called by Insert after the row is written and its
// primary key is known.
type AfterInserter interface {
	AfterInsert(ctx context.Context, q Querier) error
}

// BeforeUpdater is called by Update before the row is written.
type BeforeUpdater interface {
	BeforeUpdate(ctx context.Context, q Querier) error
}

// AfterUpdater is called by Update after the row is written.
type AfterUpdater interface {
	AfterUpdate(ctx context.Context, q Querier) error
}
