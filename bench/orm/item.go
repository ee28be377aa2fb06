package orm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Item is the row every contestant reads and writes: a typical model with
// text, numbers, a flag and the two timestamps Kiln maintains.
type Item struct {
	ID        int64  `db:"id,pk"`
	Title     string `db:",size=200"`
	Body      string
	AuthorID  int64
	Score     float64
	Published bool
	CreatedAt time.Time `db:",created_at"`
	UpdatedAt time.Time `db:",updated_at"`
}

// Store is one contestant: the benchmarked operations, written the
// contestant's own idiomatic way. Every method fills in what Kiln's orm
// fills in: ids from the database, created_at and updated_at from the
// client.
type Store interface {
	// Get returns the item with the id.
	Get(ctx context.Context, id int64) (Item, error)
	// List returns the first ListSize items of the author, by id.
	List(ctx context.Context, author int64) ([]Item, error)
	// Insert inserts it and sets its ID, CreatedAt and UpdatedAt.
	Insert(ctx context.Context, it *Item) error
	// Update writes every column of it but the id and created_at, sets
	// UpdatedAt, and fails when no row has its id.
	Update(ctx context.Context, it *Item) error
	// InsertBatch inserts items in one statement and sets their IDs,
	// CreatedAt and UpdatedAt.
	InsertBatch(ctx context.Context, items []Item) error
	// Close releases the contestant's connections.
	Close() error
}

// The sizes of the data set and of the operations.
const (
	// Seeded is how many items Reset stores: ids 1 to Seeded.
	Seeded = 1000
	// Authors is how many authors the seeded items are spread over
	// (Seeded/Authors items each, so List always returns ListSize rows).
	Authors = 10
	// ListSize is how many rows List returns.
	ListSize = 100
	// BatchSize is how many rows InsertBatch inserts per call.
	BatchSize = 20
)

// Seed returns the seeded item with id i (1 to Seeded), timestamps
// included: the same values on every database and every run.
func Seed(i int64) Item {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return Item{
		ID:        i,
		Title:     fmt.Sprintf("Item %d", i),
		Body:      strings.Repeat(fmt.Sprintf("body of item %d. ", i), 8),
		AuthorID:  i%Authors + 1,
		Score:     float64(i) / 4,
		Published: i%2 == 0,
		CreatedAt: at,
		UpdatedAt: at,
	}
}

// NewItem returns an unsaved item (no id, no timestamps) for inserts; n
// varies its values.
func NewItem(n int) Item {
	return Item{
		Title:     fmt.Sprintf("New item %d", n),
		Body:      "a new item, written by the benchmark",
		AuthorID:  int64(n%Authors + 1),
		Score:     float64(n) / 8,
		Published: n%3 == 0,
	}
}

// now is the timestamp hand-written code writes, matching Kiln's: UTC,
// truncated to the microseconds the databases store.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Schema is the items table for one dialect ("postgres" or "sqlite"): the
// CREATE TABLE and its index on (author_id, id), which List uses.
func Schema(dialect string) []string {
	table := `CREATE TABLE items (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT NOT NULL,
		author_id INTEGER NOT NULL, score REAL NOT NULL, published BOOLEAN NOT NULL,
		created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)`
	if dialect == "postgres" {
		table = `CREATE TABLE items (id BIGSERIAL PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT NOT NULL,
		author_id BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL, published BOOLEAN NOT NULL,
		created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`
	}
	return []string{table, "CREATE INDEX items_author_id ON items (author_id, id)"}
}

// columns lists the items columns in Item's field order.
const columns = "id, title, body, author_id, score, published, created_at, updated_at"

// SQL is the hand-written SQL of the sql and pgx contestants, with the
// dialect's placeholders.
type SQL struct {
	Get, List, Insert, Update, InsertBatch string
}

// QueriesFor returns the statements for dialect ("postgres" or "sqlite").
// InsertBatch inserts BatchSize rows.
func QueriesFor(dialect string) SQL {
	n := 0
	p := func() string {
		n++
		if dialect == "postgres" {
			return fmt.Sprintf("$%d", n)
		}
		return "?"
	}
	row := func() string {
		return "(" + strings.Join([]string{p(), p(), p(), p(), p(), p(), p()}, ", ") + ")"
	}
	var q SQL
	q.Get = "SELECT " + columns + " FROM items WHERE id = " + p()
	n = 0
	q.List = "SELECT " + columns + " FROM items WHERE author_id = " + p() + fmt.Sprintf(" ORDER BY id LIMIT %d", ListSize)
	n = 0
	const insertInto = "INSERT INTO items (title, body, author_id, score, published, created_at, updated_at) VALUES "
	q.Insert = insertInto + row() + " RETURNING id"
	n = 0
	q.Update = "UPDATE items SET title = " + p() + ", body = " + p() + ", author_id = " + p() + ", score = " + p() +
		", published = " + p() + ", updated_at = " + p() + " WHERE id = " + p()
	n = 0
	rows := make([]string, BatchSize)
	for i := range rows {
		rows[i] = row()
	}
	q.InsertBatch = insertInto + strings.Join(rows, ", ") + " RETURNING id"
	return q
}

// insertArgs returns the values of an insert of it, in the order of
// SQL.Insert's placeholders, appended to args.
func insertArgs(args []any, it *Item) []any {
	return append(args, it.Title, it.Body, it.AuthorID, it.Score, it.Published, it.CreatedAt, it.UpdatedAt)
}

// updateArgs returns the values of SQL.Update for it.
func updateArgs(it *Item) []any {
	return []any{it.Title, it.Body, it.AuthorID, it.Score, it.Published, it.UpdatedAt, it.ID}
}

// errNoRow is returned by hand-written updates that find no row.
func errNoRow(id int64) error { return fmt.Errorf("update: no item with id %d", id) }
