package ormtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

type Account struct {
	ID    int64  `db:"id,pk"`
	Email string `db:",unique"`
}

var accountDDL = map[string]string{
	"sqlite":   "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(255) NOT NULL UNIQUE)",
	"postgres": "CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE)",
	"mysql":    "CREATE TABLE accounts (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE)",
}

func createAccounts(t *testing.T, db *orm.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), accountDDL[db.Dialect().Name()]); err != nil {
		t.Fatal(err)
	}
}

func countAccounts(t *testing.T, q orm.Querier) int64 {
	t.Helper()
	n, err := orm.Query[Account](q).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTxIsolatesParallelTests runs two parallel tests on one database that
// insert the same unique email: each sees only its own row, neither fails
// with a unique violation, and nothing is left when they end.
func TestTxIsolatesParallelTests(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createAccounts(t, db)
		t.Run("tests", func(t *testing.T) {
			for i := range 2 {
				t.Run(fmt.Sprint(i), func(t *testing.T) {
					t.Parallel()
					ctx := context.Background()
					tx := ormtest.Tx(t, db)
					a := &Account{Email: "same@example.com"}
					if err := orm.Insert(ctx, tx, a); err != nil {
						t.Fatalf("the other test's row is visible, or: %v", err)
					}
					if n := countAccounts(t, tx); n != 1 {
						t.Fatalf("%d accounts inside the test, want its own 1", n)
					}
				})
			}
		})
		if n := countAccounts(t, db); n != 0 {
			t.Fatalf("%d accounts left after the tests, want 0", n)
		}
	})
}

// register is application code that groups its writes with q.Tx: inside
// a test's transaction that is a savepoint.
func register(ctx context.Context, q orm.Querier, email string) error {
	return q.Tx(ctx, func(tx *orm.Tx) error {
		if err := orm.Insert(ctx, tx, &Account{Email: email}); err != nil {
			return err
		}
		if strings.HasPrefix(email, "banned") {
			return errors.New("banned address")
		}
		return nil
	})
}

func TestTxSavepointsInsideTheTestTransaction(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		createAccounts(t, db)
		t.Run("test", func(t *testing.T) {
			ctx := context.Background()
			tx := ormtest.Tx(t, db)
			if err := register(ctx, tx, "ann@example.com"); err != nil {
				t.Fatal(err)
			}
			if err := register(ctx, tx, "banned@example.com"); err == nil {
				t.Fatal("the banned address was registered")
			}
			// The unique violation aborts only the savepoint, even on
			// PostgreSQL, where an error otherwise aborts the transaction.
			err := register(ctx, tx, "ann@example.com")
			if !errors.Is(err, orm.ErrUniqueViolation) {
				t.Fatalf("duplicate: %v, want a unique violation", err)
			}
			if err := register(ctx, tx, "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			got, err := orm.Query[Account](tx).OrderBy("id").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var emails []string
			for _, a := range got {
				emails = append(emails, a.Email)
			}
			if strings.Join(emails, ",") != "ann@example.com,bob@example.com" {
				t.Fatalf("inside the test: %v", emails)
			}
		})
		if n := countAccounts(t, db); n != 0 {
			t.Fatalf("%d accounts left after the test, want 0", n)
		}
	})
}

// recorder is a testing.TB that keeps its cleanups and errors, to check
// what Tx reports.
type recorder struct {
	testing.TB
	cleanups []func()
	errs     []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

func TestTxReportsACommit(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "sqlite")
	createAccounts(t, db)
	r := &recorder{TB: t}
	tx := ormtest.Tx(r, db)
	if err := orm.Insert(context.Background(), tx, &Account{Email: "kept@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.cleanups {
		f()
	}
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "a Commit keeps the test's writes") {
		t.Fatalf("errors reported: %q, want one about the commit", r.errs)
	}
}
