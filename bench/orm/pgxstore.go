package orm

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxStore is the raw pgx contestant (PostgreSQL only): a pgxpool.Pool
// with pgx's default statement cache, which prepares each SQL text once
// per connection, and hand-written Scan calls.
type pgxStore struct {
	pool      *pgxpool.Pool
	q         SQL
	pipelined bool // InsertBatch sends a pgx.Batch
}

// NewPgx returns the pgx contestant on pool. Close closes the pool.
func NewPgx(pool *pgxpool.Pool) Store { return &pgxStore{pool: pool, q: QueriesFor("postgres")} }

// NewPgxPipelined returns the pgx contestant whose InsertBatch sends a
// pgx.Batch of single-row INSERTs instead of one multi-row INSERT, the
// other way pgx offers to insert rows and read back their ids.
func NewPgxPipelined(pool *pgxpool.Pool) Store {
	return &pgxStore{pool: pool, q: QueriesFor("postgres"), pipelined: true}
}

func (s *pgxStore) Get(ctx context.Context, id int64) (Item, error) {
	var it Item
	err := scanItem(s.pool.QueryRow(ctx, s.q.Get, id), &it)
	return it, err
}

func (s *pgxStore) List(ctx context.Context, author int64) ([]Item, error) {
	rows, err := s.pool.Query(ctx, s.q.List, author)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collectItems(rows)
}

func (s *pgxStore) Insert(ctx context.Context, it *Item) error {
	it.CreatedAt = now()
	it.UpdatedAt = it.CreatedAt
	return s.pool.QueryRow(ctx, s.q.Insert, insertArgs(make([]any, 0, 7), it)...).Scan(&it.ID)
}

func (s *pgxStore) Update(ctx context.Context, it *Item) error {
	it.UpdatedAt = now()
	tag, err := s.pool.Exec(ctx, s.q.Update, updateArgs(it)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errNoRow(it.ID)
	}
	return nil
}

// InsertBatch inserts the rows with one multi-row INSERT … RETURNING id,
// or, on the store from NewPgxPipelined, with a pgx.Batch of single-row
// INSERT … RETURNING id statements sent in one round trip. (CopyFrom is
// faster still for loading data but cannot return generated ids.)
func (s *pgxStore) InsertBatch(ctx context.Context, items []Item) error {
	if len(items) != BatchSize {
		return fmt.Errorf("the batch statement inserts %d rows, not %d", BatchSize, len(items))
	}
	t := now()
	for i := range items {
		items[i].CreatedAt, items[i].UpdatedAt = t, t
	}
	if s.pipelined {
		return s.insertPipelined(ctx, items)
	}
	args := make([]any, 0, 7*len(items))
	for i := range items {
		args = insertArgs(args, &items[i])
	}
	rows, err := s.pool.Query(ctx, s.q.InsertBatch, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanIDs(rows, items)
}

// insertPipelined sends one single-row INSERT per item in a pgx.Batch.
func (s *pgxStore) insertPipelined(ctx context.Context, items []Item) error {
	var batch pgx.Batch
	for i := range items {
		it := &items[i]
		batch.Queue(s.q.Insert, insertArgs(make([]any, 0, 7), it)...).QueryRow(func(r pgx.Row) error {
			return r.Scan(&it.ID)
		})
	}
	return s.pool.SendBatch(ctx, &batch).Close()
}

func (s *pgxStore) Close() error {
	s.pool.Close()
	return nil
}
