package orm

import (
	"context"

	kilnorm "github.com/kiln-web/kiln/orm"
)

// kilnStore is the Kiln contestant: the orm's generic queries, Insert,
// Update and InsertMany.
type kilnStore struct{ db *kilnorm.DB }

// NewKiln returns the Kiln contestant on db. Close closes db.
func NewKiln(db *kilnorm.DB) Store { return kilnStore{db} }

func (s kilnStore) Get(ctx context.Context, id int64) (Item, error) {
	return kilnorm.Query[Item](s.db).Get(ctx, id)
}

func (s kilnStore) List(ctx context.Context, author int64) ([]Item, error) {
	return kilnorm.Query[Item](s.db).Where("author_id = ?", author).OrderBy("id").Limit(ListSize).All(ctx)
}

func (s kilnStore) Insert(ctx context.Context, it *Item) error {
	return kilnorm.Insert(ctx, s.db, it)
}

func (s kilnStore) Update(ctx context.Context, it *Item) error {
	return kilnorm.Update(ctx, s.db, it)
}

func (s kilnStore) InsertBatch(ctx context.Context, items []Item) error {
	return kilnorm.InsertMany(ctx, s.db, items)
}

func (s kilnStore) Close() error { return s.db.Close() }
