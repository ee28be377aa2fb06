package orm

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetPreloadChunk sets how many keys one preload IN list holds, for tests,
// and returns a function that restores it.
func SetPreloadChunk(n int) (restore func()) {
	old := preloadChunk
	preloadChunk = n
	return func() { preloadChunk = old }
}

// SetBulkRowsLimit caps the rows per InsertMany statement at n, so a batch
// of a few rows spans several statements, until the returned function
// restores the previous cap. It changes a package variable: call it only
// from a test that is not parallel, and restore in t.Cleanup so the cap
// outlives the test's parallel subtests.
func SetBulkRowsLimit(n int) (restore func()) {
	prev := bulkRowsLimit
	bulkRowsLimit = n
	return func() { bulkRowsLimit = prev }
}

// ReadsOnPgx runs query through the orm's read path on q and reports
// whether its rows came from pgx's own API rather than database/sql.
func ReadsOnPgx(ctx context.Context, q Querier, query string, args ...any) (native bool, err error) {
	err = readRows(ctx, q, query, args, func(rows resultRows) error {
		_, native = rows.(pgx.Rows)
		for rows.Next() {
		}
		return nil
	})
	return native, err
}
