package techempower

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The statements of every pgx contestant. pgx prepares each one once per
// connection (its default statement cache) and reuses it.
const (
	selectWorld    = "SELECT id, randomnumber FROM world WHERE id = $1"
	selectFortunes = "SELECT id, message FROM fortune"
	updateWorld    = "UPDATE world SET randomnumber = $1 WHERE id = $2"
)

// pgStore is the data access every contestant except Kiln shares: plain
// pgx on a pgxpool, as a Gin, Echo, Chi or Fiber user would write it. The
// contestants differ in their HTTP layer, not here.
type pgStore struct {
	pool *pgxpool.Pool
}

// world reads the row with id.
func (s pgStore) world(ctx context.Context, id int) (World, error) {
	var w World
	err := s.pool.QueryRow(ctx, selectWorld, id).Scan(&w.ID, &w.RandomNumber)
	return w, err
}

// worlds reads n random rows, each with its own query.
func (s pgStore) worlds(ctx context.Context, n int) ([]World, error) {
	ws := make([]World, n)
	for i := range ws {
		w, err := s.world(ctx, RandomID())
		if err != nil {
			return nil, err
		}
		ws[i] = w
	}
	return ws, nil
}

// fortunes reads every fortune, adds the request-time one and sorts them
// by message.
func (s pgStore) fortunes(ctx context.Context) ([]Fortune, error) {
	rows, err := s.pool.Query(ctx, selectFortunes)
	if err != nil {
		return nil, err
	}
	fs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Fortune, error) {
		var f Fortune
		err := row.Scan(&f.ID, &f.Message)
		return f, err
	})
	if err != nil {
		return nil, err
	}
	return sortFortunes(append(fs, Fortune{ID: 0, Message: AdditionalFortune})), nil
}

// update reads n random rows one by one, gives each a new random number
// and writes them back in one batch (one round trip, one implicit
// transaction), sorted by id so that concurrent batches lock rows in the
// same order and cannot deadlock.
func (s pgStore) update(ctx context.Context, n int) ([]World, error) {
	ws, err := s.worlds(ctx, n)
	if err != nil {
		return nil, err
	}
	sortWorlds(ws)
	b := &pgx.Batch{}
	for i := range ws {
		ws[i].RandomNumber = RandomNumber()
		b.Queue(updateWorld, ws[i].RandomNumber, ws[i].ID)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return ws, nil
}

// sortFortunes sorts fs by message, in Go as the rules require, and
// returns it.
func sortFortunes(fs []Fortune) []Fortune {
	slices.SortFunc(fs, func(a, b Fortune) int { return strings.Compare(a.Message, b.Message) })
	return fs
}

// sortWorlds sorts ws by id, keeping the order of repeated ids, so that
// the last value for an id is the one written last.
func sortWorlds(ws []World) {
	slices.SortStableFunc(ws, func(a, b World) int { return cmp.Compare(a.ID, b.ID) })
}
