package migrate

import (
	"context"
	"strings"
	"testing"
)

// rebuildParent rebuilds the parent table of a child whose rows cascade,
// the way SQLite's documentation prescribes (and Make writes).
var rebuildParent = map[string]string{
	"0001_tables.up.sql": `CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id) ON DELETE CASCADE);
INSERT INTO parents (id, name) VALUES (1, 'p');
INSERT INTO children (id, parent_id) VALUES (1, 1), (2, 1);`,
	"0002_rebuild.up.sql": `-- a comment before the pragma
PRAGMA foreign_keys = OFF;
CREATE TABLE new_parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
INSERT INTO new_parents (id, name) SELECT id, name FROM parents;
DROP TABLE parents;
ALTER TABLE new_parents RENAME TO parents;
PRAGMA foreign_keys = ON;`,
}

// TestSQLiteForeignKeysOff: a SQLite migration starting with PRAGMA
// foreign_keys = OFF runs with foreign keys off (so dropping the rebuilt
// table cascades to nothing), is checked with foreign_key_check before
// it commits, and leaves foreign keys on.
func TestSQLiteForeignKeysOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("rebuild keeps children", func(t *testing.T) {
		t.Parallel()
		h := setup(t, backends[0])
		if _, err := h.migrator(rebuildParent, nil).Up(ctx); err != nil {
			t.Fatal(err)
		}
		if n := h.count("SELECT COUNT(*) FROM children"); n != 2 {
			t.Errorf("%d children after rebuilding their parent table, want 2 (the DROP cascaded)", n)
		}
		if _, err := h.db.SQL().ExecContext(ctx, "INSERT INTO children (id, parent_id) VALUES (3, 99)"); err == nil {
			t.Error("foreign keys are still off after the migration")
		}
	})
	t.Run("violation rolls back", func(t *testing.T) {
		t.Parallel()
		h := setup(t, backends[0])
		files := map[string]string{
			"0001_tables.up.sql": rebuildParent["0001_tables.up.sql"],
			"0002_orphan.up.sql": "PRAGMA foreign_keys=off;\nDELETE FROM parents;\nPRAGMA foreign_keys=on;",
		}
		applied, err := h.migrator(files, nil).Up(ctx)
		if err == nil || len(applied) != 1 || !strings.Contains(err.Error(), "0002_orphan.up.sql ran with foreign keys off and leaves 2 rows that break a foreign key (children row 1 refers to a missing parents row") {
			t.Fatalf("Up = %v, %v; want the first applied and a foreign_key_check error", versions(applied), err)
		}
		if n := h.count("SELECT COUNT(*) FROM parents"); n != 1 {
			t.Errorf("the failed migration was not rolled back: %d parents", n)
		}
		if _, err := h.db.SQL().ExecContext(ctx, "INSERT INTO children (id, parent_id) VALUES (3, 99)"); err == nil {
			t.Error("foreign keys are still off after the failed migration")
		}
	})
	t.Run("only a first pragma counts", func(t *testing.T) {
		t.Parallel()
		for sql, want := range map[string]bool{
			"PRAGMA foreign_keys = OFF": true, "pragma foreign_keys=0": true, "PRAGMA foreign_keys = 'off'": true,
			"PRAGMA foreign_keys = ON": false, "PRAGMA defer_foreign_keys = OFF": false, "SELECT 'PRAGMA foreign_keys = OFF'": false,
		} {
			if got := isForeignKeysPragma(sql, "off"); got != want {
				t.Errorf("isForeignKeysPragma(%q, off) = %v", sql, got)
			}
		}
	})
}

// TestLoadIgnoresChanges: the .changes.json files Make writes beside its
// migrations are not migrations.
func TestLoadIgnoresChanges(t *testing.T) {
	t.Parallel()
	fsys := migrationsFS(map[string]string{
		"0001_initial.up.sqlite.sql":   "SELECT 1;",
		"0001_initial.down.sqlite.sql": "SELECT 1;",
		"0001_initial.changes.json":    `{"format": "kiln-migrate-changes/1", "changes": []}`,
	}, "", "sqlite")
	migs, err := load(fsys, "sqlite")
	if err != nil || len(migs) != 1 || migs[0].UpFile != "0001_initial.up.sqlite.sql" {
		t.Fatalf("load = %v, %v", migs, err)
	}
}
