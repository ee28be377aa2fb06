package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver Kiln uses on PostgreSQL
	_ "modernc.org/sqlite"             // the "sqlite" driver Kiln uses
)

// sqlStore is the database/sql contestant: every statement prepared once.
// write and read are the same pool except on SQLite, which has a single
// writer connection and a read-only pool, as Kiln does.
type sqlStore struct {
	write, read                 *sql.DB
	get, list                   *sql.Stmt // on read
	insert, update, insertBatch *sql.Stmt // on write
}

// NewSQL returns the database/sql contestant for dialect ("postgres" or
// "sqlite") on write and read (the same *sql.DB except on SQLite; see
// OpenSQLite), with its statements prepared. Close closes the pools.
func NewSQL(ctx context.Context, dialect string, write, read *sql.DB) (Store, error) {
	q := QueriesFor(dialect)
	s := &sqlStore{write: write, read: read}
	for _, p := range []struct {
		db    *sql.DB
		query string
		stmt  **sql.Stmt
	}{
		{read, q.Get, &s.get},
		{read, q.List, &s.list},
		{write, q.Insert, &s.insert},
		{write, q.Update, &s.update},
		{write, q.InsertBatch, &s.insertBatch},
	} {
		stmt, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.stmt = stmt
	}
	return s, nil
}

// scanner is what *sql.Row, *sql.Rows and pgx.Row have in common.
type scanner interface{ Scan(dest ...any) error }

// rowScanner is what *sql.Rows and pgx.Rows have in common.
type rowScanner interface {
	scanner
	Next() bool
	Err() error
}

// collectItems reads every row of rows, which has the columns of SQL.List.
func collectItems(rows rowScanner) ([]Item, error) {
	items := make([]Item, 0, ListSize)
	for rows.Next() {
		var it Item
		if err := scanItem(rows, &it); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// scanIDs reads the ids of SQL.InsertBatch's RETURNING into items, in
// order, and checks that there is one per item.
func scanIDs(rows rowScanner, items []Item) error {
	i := 0
	for ; rows.Next(); i++ {
		if i == len(items) {
			return fmt.Errorf("batch returned more ids than its %d rows", len(items))
		}
		if err := rows.Scan(&items[i].ID); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(items) {
		return fmt.Errorf("batch returned %d ids for %d rows", i, len(items))
	}
	return nil
}

// scanItem reads the columns of SQL.Get and SQL.List into it.
func scanItem(r scanner, it *Item) error {
	return r.Scan(&it.ID, &it.Title, &it.Body, &it.AuthorID, &it.Score, &it.Published, &it.CreatedAt, &it.UpdatedAt)
}

func (s *sqlStore) Get(ctx context.Context, id int64) (Item, error) {
	var it Item
	err := scanItem(s.get.QueryRowContext(ctx, id), &it)
	return it, err
}

func (s *sqlStore) List(ctx context.Context, author int64) ([]Item, error) {
	rows, err := s.list.QueryContext(ctx, author)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collectItems(rows)
}

func (s *sqlStore) Insert(ctx context.Context, it *Item) error {
	it.CreatedAt = now()
	it.UpdatedAt = it.CreatedAt
	return s.insert.QueryRowContext(ctx, insertArgs(make([]any, 0, 7), it)...).Scan(&it.ID)
}

func (s *sqlStore) Update(ctx context.Context, it *Item) error {
	it.UpdatedAt = now()
	res, err := s.update.ExecContext(ctx, updateArgs(it)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, errNoRow(it.ID))
	}
	return nil
}

func (s *sqlStore) InsertBatch(ctx context.Context, items []Item) error {
	if len(items) != BatchSize {
		return fmt.Errorf("the prepared batch inserts %d rows, not %d", BatchSize, len(items))
	}
	t := now()
	args := make([]any, 0, 7*len(items))
	for i := range items {
		items[i].CreatedAt, items[i].UpdatedAt = t, t
		args = insertArgs(args, &items[i])
	}
	rows, err := s.insertBatch.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanIDs(rows, items)
}

func (s *sqlStore) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.get, s.list, s.insert, s.update, s.insertBatch} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	return errors.Join(errs...)
}

// OpenPostgres opens database/sql on pgx's stdlib driver with Kiln's
// default pool size (8 connections).
func OpenPostgres(rawURL string) (*sql.DB, error) {
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	return db, nil
}

// OpenSQLite opens the SQLite file at path as orm.Open does: WAL, a busy
// timeout of 5 s, foreign keys on, synchronous=NORMAL, a single writer
// connection whose transactions start IMMEDIATE, and a read-only pool of 8
// connections.
func OpenSQLite(path string) (write, read *sql.DB, err error) {
	common := url.Values{}
	common.Add("_pragma", "busy_timeout(5000)")
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous(NORMAL)")
	wp, rp := url.Values{}, url.Values{}
	for k, v := range common {
		wp[k] = append([]string(nil), v...)
		rp[k] = append([]string(nil), v...)
	}
	wp.Add("_pragma", "journal_mode(WAL)")
	wp.Set("_txlock", "immediate")
	rp.Add("_pragma", "query_only(1)")
	if write, err = sql.Open("sqlite", "file:"+path+"?"+wp.Encode()); err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	if _, err := write.Exec("SELECT 1"); err != nil { // create the file in WAL mode first
		write.Close()
		return nil, nil, err
	}
	if read, err = sql.Open("sqlite", "file:"+path+"?"+rp.Encode()); err != nil {
		write.Close()
		return nil, nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return write, read, nil
}
