package migrate

import (
	"fmt"
	"slices"
)

// Schema changes: what Make computes between two schemas, stores beside
// each migration, and renders as SQL per database.
//
// A change is one step (create a table, add a column, drop an index…)
// carrying everything needed to apply it to a Schema and to undo it: a
// dropped table or column carries its old definition, an altered column
// both. Make keeps no snapshot of the whole schema: each migration's
// .changes.json lists its changes, and the schema the migrations produce
// is found by replaying all of them in version order, as Django replays
// its migrations' operations. Two branches that each add a migration
// therefore merge without conflict: after the merge, the replay applies
// both. A real conflict (both added the same column) is an error that
// names the file.

// The change kinds, as stored in .changes.json.
const (
	opCreateTable    = "create_table"
	opDropTable      = "drop_table"
	opAddColumn      = "add_column"
	opDropColumn     = "drop_column"
	opAlterColumn    = "alter_column"
	opCreateIndex    = "create_index"
	opDropIndex      = "drop_index"
	opAddForeignKey  = "add_foreign_key"
	opDropForeignKey = "drop_foreign_key"
)

// change is one schema change.
type change struct {
	Op    string `json:"op"`
	Table string `json:"table"`
	// Definition is the table created or dropped.
	Definition *Table `json:"definition,omitempty"`
	// Column is the column added or dropped, or an altered column's new
	// definition, with Old its old one.
	Column *Column `json:"column,omitempty"`
	Old    *Column `json:"old,omitempty"`
	// Index is the index created or dropped.
	Index *Index `json:"index,omitempty"`
	// ForeignKey is the foreign key added or dropped.
	ForeignKey *ForeignKey `json:"foreign_key,omitempty"`

	// restores marks the inverse of a drop: it re-creates the structure
	// but not the data.
	restores bool
}

// apply makes the change to s, or says why it does not fit s.
func (c change) apply(s *Schema) error {
	if c.Op == opCreateTable {
		if s.Table(c.Table) != nil {
			return fmt.Errorf("table %s already exists", c.Table)
		}
		s.Tables = append(s.Tables, c.Definition.clone())
		return nil
	}
	t := s.Table(c.Table)
	if t == nil {
		return fmt.Errorf("table %s does not exist", c.Table)
	}
	switch c.Op {
	case opDropTable:
		s.Tables = slices.DeleteFunc(s.Tables, func(x Table) bool { return x.Name == c.Table })
	case opAddColumn:
		if t.Column(c.Column.Name) != nil {
			return fmt.Errorf("table %s already has column %s", c.Table, c.Column.Name)
		}
		t.Columns = append(t.Columns, *c.Column)
	case opDropColumn, opAlterColumn:
		col := t.Column(c.Column.Name)
		if col == nil {
			return fmt.Errorf("table %s has no column %s", c.Table, c.Column.Name)
		}
		if c.Op == opAlterColumn {
			*col = *c.Column
		} else {
			t.Columns = slices.DeleteFunc(t.Columns, func(x Column) bool { return x.Name == c.Column.Name })
		}
	case opCreateIndex:
		if t.index(c.Index.Name) != nil {
			return fmt.Errorf("table %s already has index %s", c.Table, c.Index.Name)
		}
		ix := *c.Index
		ix.Columns = slices.Clone(ix.Columns)
		t.Indexes = append(t.Indexes, ix)
	case opDropIndex:
		if t.index(c.Index.Name) == nil {
			return fmt.Errorf("table %s has no index %s", c.Table, c.Index.Name)
		}
		t.Indexes = slices.DeleteFunc(t.Indexes, func(x Index) bool { return x.Name == c.Index.Name })
	case opAddForeignKey:
		if t.foreignKey(c.ForeignKey.Name) != nil {
			return fmt.Errorf("table %s already has foreign key %s", c.Table, c.ForeignKey.Name)
		}
		t.ForeignKeys = append(t.ForeignKeys, *c.ForeignKey)
	case opDropForeignKey:
		if t.foreignKey(c.ForeignKey.Name) == nil {
			return fmt.Errorf("table %s has no foreign key %s", c.Table, c.ForeignKey.Name)
		}
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(x ForeignKey) bool { return x.Name == c.ForeignKey.Name })
	default:
		return fmt.Errorf("unknown change %q", c.Op)
	}
	return nil
}

// inverse returns the change that undoes c.
func (c change) inverse() change {
	inv := c
	switch c.Op {
	case opCreateTable:
		inv.Op = opDropTable
	case opDropTable:
		inv.Op, inv.restores = opCreateTable, true
	case opAddColumn:
		inv.Op = opDropColumn
	case opDropColumn:
		inv.Op, inv.restores = opAddColumn, true
	case opAlterColumn:
		inv.Column, inv.Old = c.Old, c.Column
	case opCreateIndex:
		inv.Op = opDropIndex
	case opDropIndex:
		inv.Op = opCreateIndex
	case opAddForeignKey:
		inv.Op = opDropForeignKey
	case opDropForeignKey:
		inv.Op = opAddForeignKey
	}
	return inv
}

// invert returns the changes that undo changes, in the order to run them.
func invert(changes []change) []change {
	out := make([]change, len(changes))
	for i, c := range changes {
		out[len(changes)-1-i] = c.inverse()
	}
	return out
}

// diff returns the changes that turn from into to, in an order every
// database can run:
//
//  1. create the new tables, each after the tables it refers to (a cycle
//     of references is broken by adding some foreign keys afterwards);
//  2. per changed table, together (so SQLite rebuilds it once): drop
//     foreign keys, drop indexes that change, add columns, alter
//     columns, create indexes, drop the indexes that go (after the new
//     ones exist, since MySQL refuses to drop the only index a foreign
//     key can use, and before their columns go), drop columns, add
//     foreign keys;
//  3. add the foreign keys deferred in 1;
//  4. drop the old tables, those referring to others first (dropping
//     the foreign keys of a cycle first).
//
// A foreign key whose column changes is dropped and added again, since
// MySQL cannot alter a column a foreign key uses.
func diff(from, to *Schema) ([]change, error) {
	var out, deferred []change
	var created []Table
	for _, t := range to.Tables {
		if from.Table(t.Name) == nil {
			created = append(created, t)
		}
	}
	for _, t := range orderByReferences(created, false) {
		def := t.clone()
		def.ForeignKeys = nil
		for _, fk := range t.ForeignKeys {
			if slices.ContainsFunc(out, func(c change) bool { return c.Table == fk.RefTable }) || fk.RefTable == t.Name || !slices.ContainsFunc(created, func(x Table) bool { return x.Name == fk.RefTable }) {
				def.ForeignKeys = append(def.ForeignKeys, fk)
			} else {
				deferred = append(deferred, change{Op: opAddForeignKey, Table: t.Name, ForeignKey: &fk})
			}
		}
		out = append(out, change{Op: opCreateTable, Table: t.Name, Definition: &def})
	}
	for _, nt := range to.Tables {
		ot := from.Table(nt.Name)
		if ot == nil {
			continue
		}
		cs, err := diffTable(ot, &nt)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	out = append(out, deferred...)
	var dropped []Table
	for _, t := range from.Tables {
		if to.Table(t.Name) == nil {
			dropped = append(dropped, t)
		}
	}
	ordered := orderByReferences(dropped, true)
	var drops []change
	for i, t := range ordered {
		def := t.clone()
		for _, fk := range t.ForeignKeys {
			// A foreign key to a table dropped earlier in the list is a
			// cycle: drop the key before any table.
			if fk.RefTable != t.Name && slices.ContainsFunc(ordered[:i], func(x Table) bool { return x.Name == fk.RefTable }) {
				out = append(out, change{Op: opDropForeignKey, Table: t.Name, ForeignKey: &fk})
				def.ForeignKeys = slices.DeleteFunc(def.ForeignKeys, func(x ForeignKey) bool { return x.Name == fk.Name })
			}
		}
		drops = append(drops, change{Op: opDropTable, Table: t.Name, Definition: &def})
	}
	return append(out, drops...), nil
}

// orderByReferences orders tables so that each comes after the tables of
// the list it refers to, or, with reverse, before them; otherwise it
// keeps their order. Tables in a cycle keep their order.
func orderByReferences(tables []Table, reverse bool) []Table {
	var out []Table
	done := map[string]bool{}
	inList := map[string]bool{}
	for _, t := range tables {
		inList[t.Name] = true
	}
	// waitsFor reports whether t must wait for a table not yet placed.
	waitsFor := func(t Table) bool {
		if reverse {
			for _, o := range tables {
				if !done[o.Name] && o.Name != t.Name && slices.ContainsFunc(o.ForeignKeys, func(fk ForeignKey) bool { return fk.RefTable == t.Name }) {
					return true
				}
			}
			return false
		}
		return slices.ContainsFunc(t.ForeignKeys, func(fk ForeignKey) bool {
			return fk.RefTable != t.Name && inList[fk.RefTable] && !done[fk.RefTable]
		})
	}
	for len(out) < len(tables) {
		placed := false
		for _, t := range tables {
			if !done[t.Name] && !waitsFor(t) {
				out, done[t.Name], placed = append(out, t), true, true
			}
		}
		if !placed { // a cycle: place its first table anyway
			for _, t := range tables {
				if !done[t.Name] {
					out, done[t.Name] = append(out, t), true
					break
				}
			}
		}
	}
	return out
}

// diffTable returns the changes that turn table from into to.
func diffTable(from, to *Table) ([]change, error) {
	if !slices.Equal(from.PrimaryKey, to.PrimaryKey) {
		return nil, fmt.Errorf("migrate: the primary key of table %s changes from %v to %v; Make does not change primary keys: write that migration by hand (and keep the model's key until then)", to.Name, from.PrimaryKey, to.PrimaryKey)
	}
	for _, pk := range to.PrimaryKey {
		if o, n := from.Column(pk), to.Column(pk); o != nil && n != nil && *o != *n {
			return nil, fmt.Errorf("migrate: primary-key column %s.%s changes from %s to %s; Make does not change primary keys: write that migration by hand (and keep the model's key until then)", to.Name, pk, o.describe(), n.describe())
		}
	}
	changed := func(col string) bool {
		o, n := from.Column(col), to.Column(col)
		return o == nil || n == nil || *o != *n
	}
	var out, adds, alters, colDrops, ixDrops, ixGone, ixAdds, fkDrops, fkAdds []change
	for _, ofk := range from.ForeignKeys {
		if nfk := to.foreignKey(ofk.Name); nfk == nil || *nfk != ofk || changed(ofk.Column) {
			fkDrops = append(fkDrops, change{Op: opDropForeignKey, Table: to.Name, ForeignKey: &ofk})
		}
	}
	for _, nfk := range to.ForeignKeys {
		if ofk := from.foreignKey(nfk.Name); ofk == nil || *ofk != nfk || changed(nfk.Column) {
			fkAdds = append(fkAdds, change{Op: opAddForeignKey, Table: to.Name, ForeignKey: &nfk})
		}
	}
	for _, oix := range from.Indexes {
		switch nix := to.index(oix.Name); {
		case nix == nil:
			ixGone = append(ixGone, change{Op: opDropIndex, Table: to.Name, Index: &oix})
		case !sameIndex(*nix, oix):
			ixDrops = append(ixDrops, change{Op: opDropIndex, Table: to.Name, Index: &oix})
		}
	}
	for _, nix := range to.Indexes {
		if oix := from.index(nix.Name); oix == nil || !sameIndex(*oix, nix) {
			ixAdds = append(ixAdds, change{Op: opCreateIndex, Table: to.Name, Index: &nix})
		}
	}
	for _, nc := range to.Columns {
		switch oc := from.Column(nc.Name); {
		case oc == nil:
			adds = append(adds, change{Op: opAddColumn, Table: to.Name, Column: &nc})
		case *oc != nc:
			old := *oc
			alters = append(alters, change{Op: opAlterColumn, Table: to.Name, Column: &nc, Old: &old})
		}
	}
	for _, oc := range from.Columns {
		if to.Column(oc.Name) == nil {
			colDrops = append(colDrops, change{Op: opDropColumn, Table: to.Name, Column: &oc})
		}
	}
	for _, cs := range [][]change{fkDrops, ixDrops, adds, alters, ixAdds, ixGone, colDrops, fkAdds} {
		out = append(out, cs...)
	}
	return out, nil
}

func sameIndex(a, b Index) bool {
	return a.Unique == b.Unique && slices.Equal(a.Columns, b.Columns)
}
