package orm

import "testing"

type bulkRow struct {
	ID    int64 `db:"id,pk"`
	Name  string
	Score int
}

func TestBulkInsertSQL(t *testing.T) {
	var r Registry
	m, err := Register[bulkRow](&r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d         Dialect
		returning bool
		want      string
	}{
		{postgresDialect{}, true, `INSERT INTO "bulk_rows" ("name", "score") VALUES ($1, $2), ($3, $4), ($5, $6) RETURNING "id"`},
		{sqliteDialect{}, true, `INSERT INTO "bulk_rows" ("name", "score") VALUES (?, ?), (?, ?), (?, ?) RETURNING "id"`},
		// MySQL has no RETURNING: keys come from LastInsertId.
		{mysqlDialect{}, true, "INSERT INTO `bulk_rows` (`name`, `score`) VALUES (?, ?), (?, ?), (?, ?)"},
		{postgresDialect{}, false, `INSERT INTO "bulk_rows" ("name", "score") VALUES ($1, $2), ($3, $4), ($5, $6)`},
	} {
		cols := []string{tc.d.Quote("name"), tc.d.Quote("score")}
		if got := bulkInsertSQL(tc.d, m, cols, 3, tc.returning); got != tc.want {
			t.Errorf("%s, returning=%v:\n got %s\nwant %s", tc.d.Name(), tc.returning, got, tc.want)
		}
	}
}

// TestRowsPerStatement checks the chunk sizes against the documented
// limits: the most rows whose values fit, never one more.
func TestRowsPerStatement(t *testing.T) {
	for _, tc := range []struct {
		d          Dialect
		cols, want int
	}{
		{sqliteDialect{}, 3, 10922},   // 32766 / 3
		{sqliteDialect{}, 7, 4680},    // 32760 of 32766
		{postgresDialect{}, 3, 21845}, // 65535 / 3
		{mysqlDialect{}, 2, 32767},    // 65534 of 65535
		{postgresDialect{}, 70000, 0}, // wider than any statement: rejected by InsertMany
	} {
		if got := rowsPerStatement(tc.d, tc.cols); got != tc.want {
			t.Errorf("rowsPerStatement(%s, %d) = %d, want %d", tc.d.Name(), tc.cols, got, tc.want)
		}
	}
	defer SetBulkRowsLimit(5)()
	if got := rowsPerStatement(postgresDialect{}, 3); got != 5 {
		t.Errorf("with the test cap of 5: %d rows", got)
	}
}
