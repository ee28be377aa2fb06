package migrate

import (
	"fmt"
	"strings"
)

// summary describes the change in one line, as Make's summary and the
// SQL files' comments show it.
func (c change) summary() string {
	switch c.Op {
	case opCreateTable:
		if c.Definition.Model == "" {
			return "Create join table " + c.Table
		}
		return fmt.Sprintf("Create table %s (model %s)", c.Table, c.Definition.Model)
	case opDropTable:
		return "Drop table " + c.Table
	case opAddColumn:
		return fmt.Sprintf("Add column %s.%s (%s)", c.Table, c.Column.Name, c.Column.describe())
	case opDropColumn:
		return fmt.Sprintf("Drop column %s.%s", c.Table, c.Column.Name)
	case opAlterColumn:
		return fmt.Sprintf("Alter column %s.%s: %s → %s", c.Table, c.Column.Name, c.Old.describe(), c.Column.describe())
	case opCreateIndex:
		kind := "index"
		if c.Index.Unique {
			kind = "unique index"
		}
		return fmt.Sprintf("Create %s %s on %s (%s)", kind, c.Index.Name, c.Table, strings.Join(c.Index.Columns, ", "))
	case opDropIndex:
		return fmt.Sprintf("Drop index %s on %s", c.Index.Name, c.Table)
	case opAddForeignKey, opDropForeignKey:
		verb := "Add"
		if c.Op == opDropForeignKey {
			verb = "Drop"
		}
		s := fmt.Sprintf("%s foreign key %s.%s → %s.%s", verb, c.Table, c.ForeignKey.Column, c.ForeignKey.RefTable, c.ForeignKey.RefColumn)
		if c.ForeignKey.OnDelete != "" && c.Op == opAddForeignKey {
			s += " on delete " + c.ForeignKey.OnDelete
		}
		return s
	}
	return c.Op + " " + c.Table
}

// warning is what the change does to existing data, or "".
func (c change) warning() string {
	switch c.Op {
	case opDropTable:
		return fmt.Sprintf("Table %s is dropped with its rows; Down re-creates it empty.", c.Table)
	case opDropColumn:
		return fmt.Sprintf("Column %s.%s is dropped with its data; Down re-adds it empty. Make cannot tell a renamed field from a dropped one and a new one: if you renamed it, edit the SQL to rename the column (ALTER TABLE … RENAME COLUMN) instead.", c.Table, c.Column.Name)
	case opAddColumn:
		if !c.Column.Nullable && c.Column.Default == "" {
			return fmt.Sprintf("Column %s.%s is NOT NULL without a default: existing rows get %s.", c.Table, c.Column.Name, zeroText(*c.Column))
		}
	case opAlterColumn:
		var notes []string
		if c.Old.Kind != c.Column.Kind || c.Old.Size != c.Column.Size || c.Old.Binary != c.Column.Binary {
			notes = append(notes, "existing values are converted to the new type, and the migration fails on a value that does not convert (or is too long)")
		}
		if c.Old.Nullable && !c.Column.Nullable {
			fill := c.Column.Default
			if fill == "" {
				fill = zeroText(*c.Column)
			}
			notes = append(notes, "existing NULLs become "+fill)
		}
		if len(notes) > 0 {
			return fmt.Sprintf("Column %s.%s: %s.", c.Table, c.Column.Name, strings.Join(notes, "; "))
		}
	}
	return ""
}

// downNote is the comment a change that re-creates dropped things gets in
// a down file.
func (c change) downNote() string {
	switch c.Op {
	case opCreateTable, opAddColumn:
		if c.restores {
			return "Only the structure comes back: the rows or values it held are not restored."
		}
	}
	return ""
}
