package orm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kiln-web/kiln/kilntest"
	"github.com/kiln-web/kiln/orm"
)

// On PostgreSQL, reads outside a transaction run on pgx's own API over
// database/sql's connections; reads inside one stay on the *sql.Tx.
func TestPostgresReadsOnPgx(t *testing.T) {
	db := openDB(t, kilntest.PostgresURL(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	native, err := orm.ReadsOnPgx(ctx, db, "SELECT 1")
	if err != nil || !native {
		t.Fatalf("a read on the *DB: native = %v, err = %v; want pgx's API", native, err)
	}
	err = db.Tx(ctx, func(tx *orm.Tx) error {
		native, err := orm.ReadsOnPgx(ctx, tx, "SELECT 1")
		if err == nil && native {
			err = errors.New("a read in a transaction went to pgx, outside the transaction")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	sqlite := openDB(t, "sqlite://"+t.TempDir()+"/r.db")
	if native, err := orm.ReadsOnPgx(ctx, sqlite, "SELECT 1"); err != nil || native {
		t.Fatalf("a read on SQLite: native = %v, err = %v; want database/sql", native, err)
	}
}

// The pgx read path reports each statement to the query hook, errors
// included, classifies errors, honours cancellation, and gives its
// connection back to the pool in every case.
func TestPostgresPgxReadErrorsAndCancel(t *testing.T) {
	db := openDB(t, kilntest.PostgresURL(t))
	table := tableName("pgxread")
	createTable(t, db, table, "id INT PRIMARY KEY, n INT NOT NULL")
	exec(t, db, "INSERT INTO "+table+" (id, n) VALUES (1, 10), (2, 20)")

	type row struct {
		ID int `db:"id,pk"`
		N  int `db:"n"`
	}
	var infos []orm.QueryInfo
	ctx := orm.WithQueryHook(context.Background(), func(_ context.Context, q orm.QueryInfo) { infos = append(infos, q) })

	got, err := orm.Raw[row](ctx, db, "SELECT id, n FROM "+table+" WHERE id = ?", 2)
	if err != nil || len(got) != 1 || got[0].N != 20 {
		t.Fatalf("Raw = %v, %v; want the row with n 20", got, err)
	}
	if len(infos) != 1 || infos[0].Err != nil || len(infos[0].Args) != 1 || infos[0].Duration <= 0 {
		t.Fatalf("hook saw %+v; want one statement with its argument and time", infos)
	}

	_, err = orm.Raw[row](ctx, db, "SELECT id, no_such_column FROM "+table)
	if err == nil || len(infos) != 2 || infos[1].Err == nil {
		t.Fatalf("a bad column: err = %v, hook saw %+v; want the error in both", err, infos)
	}

	// A row whose value does not fit its field fails while reading, after
	// the query itself succeeded: the error names the model.
	_, err = orm.Raw[struct {
		ID int  `db:"id"`
		N  bool `db:"n"`
	}](ctx, db, "SELECT id, 'not a bool' AS n FROM "+table)
	if err == nil {
		t.Fatal("reading text into a bool field succeeded")
	}

	// A cancelled query returns the context's error and its connection,
	// closed by pgx, is dropped rather than handed to the next query.
	tctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = orm.ReadsOnPgx(tctx, db, "SELECT pg_sleep(5)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a query past its deadline: err = %v; want context.DeadlineExceeded", err)
	}
	for i := range 20 { // more than the pool holds: every connection is reused
		got, err := orm.Raw[row](context.Background(), db, "SELECT id, n FROM "+table+" WHERE id = ?", 1)
		if err != nil || len(got) != 1 || got[0].N != 10 {
			t.Fatalf("query %d after a cancelled one: %v, %v", i, got, err)
		}
	}
	if st := db.SQL().Stats(); st.InUse != 0 {
		t.Fatalf("%d connections still in use after every read returned", st.InUse)
	}
}
