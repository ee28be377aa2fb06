package ormtest

import (
	"context"
	"testing"

	"github.com/kiln-web/kiln/orm"
)

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"mysql://root@tcp(127.0.0.1:3306)/test":           "mysql://root@tcp(127.0.0.1:3306)/x",
		"mysql://root@tcp(127.0.0.1:3306)/test?tls=false": "mysql://root@tcp(127.0.0.1:3306)/x?tls=false",
		"mysql://u:p@db:3306/app":                         "mysql://u:p@db:3306/x",
	} {
		if got := withDatabase(in, "x"); got != want {
			t.Errorf("withDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEachIsolates checks that two tests creating the same table do not
// collide, and that each database starts empty.
func TestEachIsolates(t *testing.T) {
	t.Parallel()
	for i := 0; i < 2; i++ {
		t.Run("run", func(t *testing.T) {
			t.Parallel()
			Each(t, func(t *testing.T, db *orm.DB) {
				ctx := context.Background()
				if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE widgets (id INTEGER PRIMARY KEY)"); err != nil {
					t.Fatalf("a fresh database already has the table, or: %v", err)
				}
				if _, err := db.SQL().ExecContext(ctx, "INSERT INTO widgets (id) VALUES (1)"); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
