package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/orm/ormtest"
)

// TestStoreOnEveryDatabase starts the store as the server does (migrations
// applied at start) on a fresh SQLite, PostgreSQL and MariaDB database, and
// uses it: so each database's migration files are applied, work with the
// orm, and go down and up again.
func TestStoreOnEveryDatabase(t *testing.T) {
	t.Parallel()
	for _, dialect := range ormtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := ormtest.URL(t, dialect)
			s, err := openStore(ctx, url, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.db.Close() })

			a, err := s.create(ctx, NoteInput{Title: "Groceries", Body: "50% off milk"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.create(ctx, NoteInput{Title: "Ideas", Body: "500 words a day"})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 || b.ID <= a.ID || a.CreatedAt.IsZero() {
				t.Fatalf("created %+v and %+v: want increasing ids and a creation time", a, b)
			}
			if _, err := s.update(ctx, a.ID, NoteInput{Title: "Shopping", Body: a.Body}); err != nil {
				t.Fatal(err)
			}
			found, err := s.list(ctx, "50%")
			if err != nil || len(found) != 1 || found[0].Title != "Shopping" {
				t.Fatalf(`list("50%%") = %+v, %v; want only the updated first note`, found, err)
			}
			if err := s.delete(ctx, b.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.get(ctx, b.ID); !errors.Is(err, orm.ErrNotFound) {
				t.Fatalf("get of a deleted note: %v, want ErrNotFound", err)
			}
			if err := s.delete(ctx, b.ID); !errors.Is(err, orm.ErrNotFound) {
				t.Fatalf("second delete: %v, want ErrNotFound", err)
			}

			// The migrate command on the same database: down, then up.
			var out bytes.Buffer
			cli := migrateCLI(url)
			cli.Stdout = &out
			for _, step := range []struct{ cmd, want string }{
				{"down", "reverted 0001_create_notes.down." + dialect + ".sql"},
				{"up", "applied 0001_create_notes.up." + dialect + ".sql"},
			} {
				out.Reset()
				if err := cli.Run(ctx, []string{step.cmd}); err != nil || !strings.Contains(out.String(), step.want) {
					t.Fatalf("migrate %s: %v; wrote %q, want %q", step.cmd, err, out.String(), step.want)
				}
			}
			if notes, err := s.list(ctx, ""); err != nil || len(notes) != 0 {
				t.Fatalf("notes after down and up: %+v, %v; want none (down drops the table)", notes, err)
			}
		})
	}
}
