package orm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// newTasks returns n tasks with distinct titles and ranks, so a key
// handed to the wrong row shows.
func newTasks(prefix string, n int) []Task {
	rows := make([]Task, n)
	for i := range rows {
		rows[i] = Task{Title: fmt.Sprintf("%s %d", prefix, i), Rank: 1000 + i, Done: i%3 == 0, Tags: []string{fmt.Sprint(i)}}
	}
	return rows
}

// checkStored checks that every row's key is set and that the stored row
// with that key has the row's title, rank and tags, and returns the number
// of rows in the table.
func checkStored(t *testing.T, db *orm.DB, rows []Task) int {
	t.Helper()
	all, err := orm.Query[Task](db).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]Task{}
	for _, s := range all {
		byID[s.ID] = s
	}
	for i, r := range rows {
		s, ok := byID[r.ID]
		if r.ID == 0 || !ok {
			t.Fatalf("row %d (%q) has key %d, which no stored row has", i, r.Title, r.ID)
		}
		if s.Title != r.Title || s.Rank != r.Rank || s.Done != r.Done || len(s.Tags) != 1 || s.Tags[0] != r.Tags[0] {
			t.Fatalf("row %d got key %d, but the stored row with that key is %+v, not %+v", i, r.ID, s, r)
		}
	}
	return len(all)
}

// createFrom runs the CREATE TABLE for db's dialect from ddl.
func createFrom(t *testing.T, db *orm.DB, ddl map[string]string) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), ddl[db.Dialect().Name()]); err != nil {
		t.Fatal(err)
	}
}

// countRows returns the number of stored rows of model T.
func countRows[T any](t *testing.T, db *orm.DB) int64 {
	t.Helper()
	n, err := orm.Query[T](db).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsertMany(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		// Keys do not start at 1: an earlier row and a deleted one.
		for _, title := range []string{"earlier", "deleted"} {
			if err := orm.Insert(ctx, db, &Task{Title: title}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := orm.Query[Task](db).Where("title = ?", "deleted").WithDeleted().Delete(ctx); err != nil {
			t.Fatal(err)
		}

		before := time.Now().UTC().Add(-time.Second)
		rows := newTasks("batch", 25)
		if err := orm.InsertMany(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
		after := time.Now().UTC().Add(time.Second)
		if n := checkStored(t, db, rows); n != 26 {
			t.Fatalf("%d rows stored, want 26", n)
		}
		created := rows[0].CreatedAt
		if created.Before(before) || created.After(after) {
			t.Fatalf("created_at %v, want between %v and %v", created, before, after)
		}
		for i, r := range rows {
			if !r.CreatedAt.Equal(created) || !r.UpdatedAt.Equal(created) {
				t.Fatalf("row %d: created_at %v, updated_at %v; want both %v, the batch's one timestamp", i, r.CreatedAt, r.UpdatedAt, created)
			}
		}
		stored, err := orm.Query[Task](db).Get(ctx, rows[24].ID)
		if err != nil || !stored.CreatedAt.Equal(created) || !stored.UpdatedAt.Equal(created) {
			t.Fatalf("stored timestamps %v, %v (%v), want %v", stored.CreatedAt, stored.UpdatedAt, err, created)
		}

		if err := orm.InsertMany(ctx, db, []Task{}); err != nil {
			t.Fatalf("empty slice: %v", err)
		}
		if err := orm.InsertMany[Task](ctx, db, nil); err != nil {
			t.Fatalf("nil slice: %v", err)
		}
	})
}

// TestInsertManyEmptyWritesNothing checks that an empty batch does not
// reach the database: there is no table to insert into.
func TestInsertManyEmptyWritesNothing(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "sqlite")
	if err := orm.InsertMany(context.Background(), db, []Task{}); err != nil {
		t.Fatalf("empty batch without a table: %v", err)
	}
	if err := orm.InsertMany(context.Background(), db, []Task{{Title: "x"}}); err == nil {
		t.Fatal("a batch into a missing table succeeded; the check above proves nothing")
	}
}

// TestInsertManyConstraintError checks that a violation in a batch that
// fits one statement is a *ConstraintError and stores nothing.
func TestInsertManyConstraintError(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createFrom(t, db, badgeDDL)
		if err := orm.Insert(ctx, db, &Badge{Code: "gold"}); err != nil {
			t.Fatal(err)
		}
		for name, batch := range map[string][]Badge{
			"with a stored row": {{Code: "bronze"}, {Code: "gold"}},
			"within the batch":  {{Code: "silver"}, {Code: "tin"}, {Code: "silver"}},
		} {
			err := orm.InsertMany(ctx, db, batch)
			ce, ok := errors.AsType[*orm.ConstraintError](err)
			if !ok || !errors.Is(err, orm.ErrUniqueViolation) || kiln.ErrorStatus(err) != http.StatusConflict {
				t.Fatalf("%s: error %v, want a *ConstraintError for a unique violation (409)", name, err)
			}
			if ce.Column != "" && ce.Column != "code" {
				t.Errorf("%s: violation names column %q, want code", name, ce.Column)
			}
			if n := countRows[Badge](t, db); n != 1 {
				t.Fatalf("%s: %d rows stored, want only the earlier 1", name, n)
			}
			for i, b := range batch {
				if b.ID != 0 {
					t.Fatalf("%s: row %d kept key %d after the failed batch", name, i, b.ID)
				}
			}
		}
	})
}

// TestInsertManyChunks makes every statement carry at most 3 rows, so a
// batch of 10 takes 4 statements, and checks keys, and that a violation in
// the last statement undoes the first three. It sets a package variable,
// so it does not run in parallel with other tests.
func TestInsertManyChunks(t *testing.T) {
	t.Cleanup(orm.SetBulkRowsLimit(3))
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		rows := newTasks("chunked", 10)
		if err := orm.InsertMany(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
		if n := checkStored(t, db, rows); n != 10 {
			t.Fatalf("%d rows stored, want 10", n)
		}

		createFrom(t, db, badgeDDL)
		badges := make([]Badge, 10)
		for i := range badges {
			badges[i].Code = fmt.Sprint("b", i)
		}
		badges[9].Code = "b0" // the fourth statement's row repeats the first's
		err := orm.InsertMany(ctx, db, badges)
		if _, ok := errors.AsType[*orm.ConstraintError](err); !ok || !errors.Is(err, orm.ErrUniqueViolation) {
			t.Fatalf("error %v, want a *ConstraintError for a unique violation", err)
		}
		if n := countRows[Badge](t, db); n != 0 {
			t.Fatalf("%d rows of the failed batch stored, want 0", n)
		}
		for i, b := range badges {
			if b.ID != 0 {
				t.Fatalf("row %d kept key %d after the failed batch", i, b.ID)
			}
		}
	})
}

// Tick has one column besides its key, so a statement carries one value
// per row and a limit that is one too high shows as a server error.
type Tick struct {
	ID  int64 `db:"id,pk"`
	Seq int
}

var tickDDL = map[string]string{
	"sqlite":   `CREATE TABLE ticks (id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL)`,
	"postgres": `CREATE TABLE ticks (id BIGSERIAL PRIMARY KEY, seq BIGINT NOT NULL)`,
	"mysql":    `CREATE TABLE ticks (id BIGINT AUTO_INCREMENT PRIMARY KEY, seq BIGINT NOT NULL)`,
}

// TestInsertManyParameterLimits inserts 65536 one-value rows: statements of
// 32766 rows on SQLite and 65535 on PostgreSQL and MariaDB, each exactly at
// the database's limit on bound parameters, then the rest.
func TestInsertManyParameterLimits(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("inserts 65536 rows per database")
	}
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createFrom(t, db, tickDDL)
		rows := make([]Tick, 65536)
		for i := range rows {
			rows[i].Seq = i
		}
		if err := orm.InsertMany(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
		stored, err := orm.Query[Tick](db).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(rows) {
			t.Fatalf("%d rows stored, want %d", len(stored), len(rows))
		}
		seqByID := make(map[int64]int, len(stored))
		for _, s := range stored {
			seqByID[s.ID] = s.Seq
		}
		for i, r := range rows {
			if seq, ok := seqByID[r.ID]; !ok || seq != i {
				t.Fatalf("row %d got key %d, whose stored row has seq %d (found: %v)", i, r.ID, seq, ok)
			}
		}
	})
}

// TestInsertManyAutoIncrementStep checks that keys on MySQL/MariaDB follow
// auto_increment_increment (3 here, as on a three-node Galera cluster)
// rather than counting up by one.
func TestInsertManyAutoIncrementStep(t *testing.T) {
	t.Parallel()
	db := ormtest.Open(t, "mysql")
	ctx := context.Background()
	createTasks(t, db)
	// One connection, so the session variable holds for InsertMany's.
	db.SQL().SetMaxOpenConns(1)
	if _, err := db.SQL().ExecContext(ctx, "SET SESSION auto_increment_increment = 3"); err != nil {
		t.Fatal(err)
	}
	rows := newTasks("stepped", 7)
	if err := orm.InsertMany(ctx, db, rows); err != nil {
		t.Fatal(err)
	}
	checkStored(t, db, rows)
	if d := rows[1].ID - rows[0].ID; d != 3 {
		t.Fatalf("keys %d, %d are %d apart; the session's step is 3", rows[0].ID, rows[1].ID, d)
	}
}

func TestInsertManyHooks(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		count := func() int64 { return countRows[HookedTask](t, db) }

		rows := []HookedTask{*hooked("  padded  "), *hooked("plain"), *hooked("spawn")}
		if err := orm.InsertMany(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if r.ID == 0 || r.afterInsertID != r.ID {
				t.Fatalf("row %d: key %d, AfterInsert saw %d", i, r.ID, r.afterInsertID)
			}
			stored, err := orm.Query[HookedTask](db).Get(ctx, r.ID)
			if err != nil || stored.Title != r.Title {
				t.Fatalf("row %d: stored %q (%v), want %q", i, stored.Title, err, r.Title)
			}
		}
		if rows[0].Title != "padded" {
			t.Fatalf("BeforeInsert did not run: title %q", rows[0].Title)
		}
		// "spawn"'s AfterInsert inserted one more row through the batch's
		// transaction.
		if n := count(); n != 4 {
			t.Fatalf("%d rows, want the 3 of the batch and 1 from a hook", n)
		}

		// A veto from any row writes nothing, and its error comes back as is.
		vetoed := []HookedTask{*hooked("fine"), *hooked("   ")}
		err := orm.InsertMany(ctx, db, vetoed)
		if _, ok := errors.AsType[*kiln.Error](err); !ok || kiln.ErrorStatus(err) != http.StatusUnprocessableEntity || count() != 4 {
			t.Fatalf("veto: %v, %d rows", err, count())
		}

		// An AfterInsert error undoes the whole batch, hook writes included.
		failing := []HookedTask{*hooked("spawn"), *hooked("fail after")}
		if err := orm.InsertMany(ctx, db, failing); err == nil || !strings.Contains(err.Error(), "after insert failed") || count() != 4 {
			t.Fatalf("after-hook error: %v, %d rows", err, count())
		}
		for i, r := range failing {
			if r.ID != 0 {
				t.Fatalf("row %d kept key %d after the rollback", i, r.ID)
			}
		}
	})
}

func TestInsertManyKeys(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)

		mixed := []Task{{Title: "auto"}, {ID: 500, Title: "explicit"}}
		if err := orm.InsertMany(ctx, db, mixed); err == nil || !strings.Contains(err.Error(), "separate calls") {
			t.Fatalf("mixed keys: %v, want an error saying to insert them separately", err)
		}
		if n := countRows[Task](t, db); n != 0 {
			t.Fatalf("mixed keys stored %d rows", n)
		}

		explicit := []Task{{ID: 500, Title: "five hundred"}, {ID: 700, Title: "seven hundred"}}
		if err := orm.InsertMany(ctx, db, explicit); err != nil {
			t.Fatal(err)
		}
		got, err := orm.Query[Task](db).Get(ctx, 700)
		if err != nil || got.Title != "seven hundred" || explicit[0].ID != 500 {
			t.Fatalf("explicit keys: %+v %v", got, err)
		}
	})
}

// Token has a UUID key, filled in by Kiln.
type Token struct {
	ID    string `db:"id,uuid"`
	Label string `db:",size=50"`
}

var tokenDDL = map[string]string{
	"sqlite":   `CREATE TABLE tokens (id VARCHAR(36) PRIMARY KEY, label VARCHAR(50) NOT NULL)`,
	"postgres": `CREATE TABLE tokens (id UUID PRIMARY KEY, label VARCHAR(50) NOT NULL)`,
	"mysql":    `CREATE TABLE tokens (id CHAR(36) PRIMARY KEY, label VARCHAR(50) NOT NULL)`,
}

func TestInsertManyUUIDKeys(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createFrom(t, db, tokenDDL)
		rows := []Token{{Label: "a"}, {Label: "b"}, {Label: "c"}}
		if err := orm.InsertMany(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, r := range rows {
			if len(r.ID) != 36 || seen[r.ID] {
				t.Fatalf("row %d: key %q, want a new UUID", i, r.ID)
			}
			seen[r.ID] = true
			stored, err := orm.Query[Token](db).Get(ctx, r.ID)
			if err != nil || stored.Label != r.Label {
				t.Fatalf("row %d: stored %+v, %v", i, stored, err)
			}
		}
	})
}

// TestInsertManyInTx checks that a batch in a transaction is part of it,
// and that a failed batch is undone alone (a savepoint), leaving the
// transaction usable, PostgreSQL included.
func TestInsertManyInTx(t *testing.T) {
	t.Parallel()
	ormtest.Each(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		createTasks(t, db)
		count := func() int64 { return countRows[Task](t, db) }

		err := db.Tx(ctx, func(tx *orm.Tx) error {
			if err := orm.Insert(ctx, tx, &Task{Title: "before"}); err != nil {
				return err
			}
			dup := newTasks("dup", 3)
			dup[2].ID = 1 // the row inserted above: refused as mixed keys before any write
			if err := orm.InsertMany(ctx, tx, dup); err == nil {
				t.Error("mixed batch accepted")
			}
			clash := []Task{{ID: 1, Title: "clash"}, {ID: 2, Title: "fresh"}}
			err := orm.InsertMany(ctx, tx, clash)
			if !errors.Is(err, orm.ErrUniqueViolation) {
				t.Errorf("key clash: %v, want a unique violation", err)
			}
			// The transaction goes on, without the failed batch.
			return orm.InsertMany(ctx, tx, newTasks("after", 2))
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows after commit, want 1 + 2", n)
		}
		if ok, err := orm.Query[Task](db).Where("title = ?", "fresh").Exists(ctx); err != nil || ok {
			t.Fatalf("a row of the failed batch is stored: %v, %v", ok, err)
		}

		// Rolling the transaction back undoes a batch that succeeded in it.
		boom := errors.New("boom")
		err = db.Tx(ctx, func(tx *orm.Tx) error {
			if err := orm.InsertMany(ctx, tx, newTasks("undone", 4)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 3 {
			t.Fatalf("rollback: %v, %d rows", err, count())
		}
	})
}
