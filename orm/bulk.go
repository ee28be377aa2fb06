package orm

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// InsertMany inserts rows through q (a *DB or a *Tx) with multi-row
// INSERT … VALUES (…), (…) statements, as few as each database's limit on
// bound parameters allows: 32766 per statement on SQLite, 65535 on
// PostgreSQL and MySQL/MariaDB. It fills in on every row what Insert
// fills in: an auto-increment primary key, an empty UUID key, and
// created_at and updated_at (one timestamp for the whole batch). An empty
// slice is a no-op.
//
//	posts := []Post{{Title: "One"}, {Title: "Two"}}
//	err := orm.InsertMany(ctx, db, posts) // posts[0].ID and posts[1].ID are set
//
// rows is a slice of values rather than pointers: a slice's elements are
// addressable, so InsertMany writes keys and timestamps back into the
// caller's slice without a separate allocation per row, and a []T from
// Query(…).All can be passed as is. Hooks are called on &rows[i].
//
// It is all or nothing. Each row's BeforeInsert hook runs before anything
// is written (an error vetoes the whole batch and is returned unchanged),
// and each AfterInsert hook once every row is written. On a *DB the
// statements and hooks run in one transaction, so any error, a hook's
// included, leaves nothing from the batch stored; a batch that fits in one
// statement and has no hooks skips the transaction, a single statement
// being atomic already. On a *Tx they run in a savepoint, so a failure
// undoes the batch alone and the surrounding transaction can go on.
// Constraint violations come back as a *ConstraintError, as from Insert.
// After a failure the keys the database was to assign are zero again;
// timestamps and UUIDs stay set.
//
// Either every row leaves its auto-increment key zero for the database to
// assign, or every row sets it: a batch that mixes the two is refused with
// an error, since Kiln could not tell which generated key belongs to which
// row. Insert the two kinds in separate calls.
//
// How generated keys are matched to rows: the databases number the rows
// of one INSERT … VALUES in ascending order, in the order of its VALUES
// lists. On PostgreSQL and SQLite InsertMany reads the keys with RETURNING
// and, since neither database promises RETURNING's row order, sorts them
// before handing them out in slice order. MySQL and MariaDB report only
// LAST_INSERT_ID(), the first key of the statement; the others follow it
// at steps of @@auto_increment_increment, because InnoDB reserves one
// consecutive block of keys for an INSERT whose row count is known up
// front (a "simple insert", in every innodb_autoinc_lock_mode). A table
// whose keys come from a trigger, or from a sequence that counts down or
// cycles, breaks that rule: use Insert for it. On MySQL/MariaDB a
// statement must also fit in max_allowed_packet, so very wide rows may
// need smaller slices.
func InsertMany[T any](ctx context.Context, q Querier, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	db := q.database()
	m, err := Register[T](db)
	if err != nil {
		return err
	}
	b := &bulkInsert[T]{db: db, m: m, rows: rows}
	_, b.before = any((*T)(nil)).(BeforeInserter)
	_, b.after = any((*T)(nil)).(AfterInserter)
	pk := m.PrimaryKey
	auto := pk.AutoIncrement && reflect.ValueOf(&rows[0]).Elem().FieldByIndex(pk.Index).IsZero()
	cols := len(m.Fields)
	if auto {
		cols--
	}
	// One statement without hooks is atomic on its own. MySQL needs the
	// transaction's connection to read the session's auto-increment step.
	alone := !b.before && !b.after && cols > 0 && len(rows) <= rowsPerStatement(db.dialect, cols) &&
		!(auto && db.dialect.Name() == "mysql")
	switch q := q.(type) {
	case *DB:
		if alone {
			err = b.run(ctx, q)
		} else {
			err = q.Tx(ctx, func(tx *Tx) error { return b.run(ctx, tx) })
		}
	case *Tx:
		err = q.Tx(ctx, func(tx *Tx) error { return b.run(ctx, tx) })
	default:
		return fmt.Errorf("orm: InsertMany %s: unsupported Querier %T; pass a *orm.DB or a *orm.Tx", m.Name, q)
	}
	if err != nil && b.assigned {
		for i := range rows {
			reflect.ValueOf(&rows[i]).Elem().FieldByIndex(pk.Index).SetZero()
		}
	}
	return err
}

// bulkInsert is one InsertMany call.
type bulkInsert[T any] struct {
	db            *DB
	m             *Model
	rows          []T
	before, after bool // T has BeforeInsert, AfterInsert hooks
	assigned      bool // keys from the database were written into rows
}

// run inserts the rows through q, which is a transaction unless one
// statement without hooks does it all.
func (b *bulkInsert[T]) run(ctx context.Context, q Querier) error {
	if b.before {
		for i := range b.rows {
			if err := any(&b.rows[i]).(BeforeInserter).BeforeInsert(ctx, q); err != nil {
				return err
			}
		}
	}
	d, w, m, pk := b.db.dialect, q.writer(), b.m, b.m.PrimaryKey
	now := timestamp()
	var nowArg any = now
	var auto bool // the database assigns the keys
	args := make([]any, 0, len(b.rows)*len(m.Fields))
	for i := range b.rows {
		var zero bool
		var err error
		args, _, zero, err = insertArgs(m, reflect.ValueOf(&b.rows[i]).Elem(), now, nowArg, args)
		if err != nil {
			return err
		}
		if i == 0 {
			auto = zero
		} else if zero != auto {
			return b.mixedKeys(i, auto)
		}
	}
	cols := m.sqlFor(d).insertCols[keyIndex(auto)]
	if len(cols) == 0 {
		// Only an auto-increment key, no value to bind: a multi-row VALUES
		// list would have to spell DEFAULT differently per database.
		for i := range b.rows {
			b.assigned = true
			if err := insertRow(ctx, q, m, reflect.ValueOf(&b.rows[i]).Elem()); err != nil {
				return err
			}
		}
	} else {
		per := rowsPerStatement(d, len(cols))
		if per < 1 {
			return fmt.Errorf("orm: InsertMany %s: a row's %d values exceed the %d one statement can bind; use Insert", m.Name, len(cols), maxParams(d))
		}
		var step int64 // MySQL's auto_increment_increment, read once
		var full string
		for start := 0; start < len(b.rows); start += per {
			n := min(per, len(b.rows)-start)
			query := full
			if n < per || full == "" {
				query = bulkInsertSQL(d, m, cols, n, auto)
				if n == per {
					full = query
				}
			}
			chunk := args[start*len(cols) : (start+n)*len(cols)]
			if !auto {
				if _, err := w.ExecContext(ctx, query, chunk...); err != nil {
					return b.db.queryErr(err)
				}
				continue
			}
			ids, err := b.insertIDs(ctx, q, query, chunk, n, &step)
			if err != nil {
				return err
			}
			b.assigned = true
			for i, id := range ids {
				setInt(reflect.ValueOf(&b.rows[start+i]).Elem().FieldByIndex(pk.Index), id)
			}
		}
	}
	if b.after {
		for i := range b.rows {
			if err := any(&b.rows[i]).(AfterInserter).AfterInsert(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertIDs runs one statement of n rows whose keys the database assigns
// and returns the keys in row order (see InsertMany). step caches MySQL's
// auto_increment_increment across the statements of a batch.
func (b *bulkInsert[T]) insertIDs(ctx context.Context, q Querier, query string, args []any, n int, step *int64) ([]int64, error) {
	db, m, w := b.db, b.m, q.writer()
	ids := make([]int64, 0, n)
	if db.dialect.SupportsReturning() {
		err := writeRows(ctx, q, query, args, func(rows resultRows) error {
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return fmt.Errorf("orm: InsertMany %s: reading the new keys: %w", m.Name, err)
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(ids) != n {
			return nil, fmt.Errorf("orm: InsertMany %s: the database returned %d keys for %d rows", m.Name, len(ids), n)
		}
		slices.Sort(ids)
		return ids, nil
	}
	res, err := w.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, db.queryErr(err)
	}
	first, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("orm: InsertMany %s: reading the new keys: %w", m.Name, err)
	}
	if affected, err := res.RowsAffected(); err == nil && affected != int64(n) {
		return nil, fmt.Errorf("orm: InsertMany %s: the database inserted %d rows of %d", m.Name, affected, n)
	}
	if first == 0 {
		return nil, fmt.Errorf("orm: InsertMany %s: the database assigned no key; make column %s AUTO_INCREMENT, or tag the field db:\"%s,pk,noauto\" and set the keys yourself",
			m.Name, m.PrimaryKey.Column, m.PrimaryKey.Column)
	}
	if *step == 0 {
		// A session variable: read on the statement's connection (w is a
		// transaction here).
		if err := w.QueryRowContext(ctx, "SELECT @@auto_increment_increment").Scan(step); err != nil {
			return nil, fmt.Errorf("orm: InsertMany %s: reading auto_increment_increment: %w", m.Name, err)
		}
	}
	for i := range n {
		ids = append(ids, first+int64(i)**step)
	}
	return ids, nil
}

// mixedKeys is the error for row i, whose key is set when row 0's is
// zero (auto) or the other way round.
func (b *bulkInsert[T]) mixedKeys(i int, auto bool) error {
	set, unset := i, 0
	if !auto {
		set, unset = 0, i
	}
	return fmt.Errorf("orm: InsertMany %s: row %d sets primary key %s but row %d leaves it zero for the database to assign; "+
		"Kiln cannot tell which generated key belongs to which row of such a batch, so insert the rows with keys and those without in separate calls",
		b.m.Name, set, b.m.PrimaryKey.Name, unset)
}

// bulkInsertSQL returns an INSERT of n rows of cols (quoted) into m's
// table, with the dialect's placeholders, returning the key when
// returning is set and the dialect supports it.
func bulkInsertSQL(d Dialect, m *Model, cols []string, n int, returning bool) string {
	var b strings.Builder
	b.Grow(64 + len(m.Table) + 16*len(cols) + n*len(cols)*8)
	b.WriteString("INSERT INTO ")
	b.WriteString(d.Quote(m.Table))
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	numbered := d.Placeholder(1) != "?" // "$1", "$2"… on PostgreSQL
	var num [20]byte
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			if numbered {
				b.WriteByte('$')
				b.Write(strconv.AppendInt(num[:0], int64(p), 10))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	if returning && d.SupportsReturning() {
		b.WriteString(" RETURNING ")
		b.WriteString(d.Quote(m.PrimaryKey.Column))
	}
	return b.String()
}

// maxParams is the most bound parameters one statement may carry:
// SQLITE_MAX_VARIABLE_NUMBER (32766 since SQLite 3.32), the 16-bit
// parameter count of PostgreSQL's wire protocol, and MySQL's limit on a
// prepared statement's placeholders.
func maxParams(d Dialect) int {
	if d.Name() == "sqlite" {
		return 32766
	}
	return 65535
}

// bulkRowsLimit, when above 0, caps the rows per InsertMany statement below
// what maxParams allows. Tests set it (export_test.go) to make batches of a
// few rows span several statements.
var bulkRowsLimit int

// rowsPerStatement is how many rows of cols values one statement takes.
func rowsPerStatement(d Dialect, cols int) int {
	n := maxParams(d) / max(cols, 1)
	if bulkRowsLimit > 0 && bulkRowsLimit < n {
		n = bulkRowsLimit
	}
	return n
}
