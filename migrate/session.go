package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// A session is one run of the Migrator: a dedicated connection holding
// the migration lock, and the applied migrations read after taking it.
//
// Locking, per database:
//
//   - PostgreSQL: a session-level advisory lock, pg_advisory_lock's key
//     derived from the table name, held on the session's connection for
//     the whole run (polled with pg_try_advisory_lock so LockTimeout and
//     the context are honoured).
//   - MySQL/MariaDB: GET_LOCK on a name derived from the database and
//     table names, polled the same way, released with RELEASE_LOCK.
//   - SQLite: no lock. The database has a single writer, and orm.Open
//     starts write transactions IMMEDIATE, so each migration's transaction
//     excludes every other writer, in this process or another; inside it
//     the Migrator checks again that the migration is still pending, so
//     two processes starting together apply each migration exactly once.
//
// If the lock cannot be released (say the context was cancelled), the
// connection is discarded instead of going back to the pool, which ends
// the database session and with it the lock.
type session struct {
	m       *Migrator
	conn    *sql.Conn
	unlock  func(context.Context) error
	connID  int64 // MySQL's CONNECTION_ID(), to KILL a stuck session
	applied map[int64]record
}

// record is a row of the migrations table.
type record struct {
	version   int64
	name      string
	checksum  string
	appliedAt time.Time
}

// querier is what *sql.Conn and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// begin takes a connection and the lock, creates the migrations table if
// needed and reads the applied migrations.
func (m *Migrator) begin(ctx context.Context) (*session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := m.db.SQL().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: get a connection: %w", err)
	}
	s := &session{m: m, conn: conn}
	if err := s.lock(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := s.createTable(ctx); err != nil {
		s.end()
		return nil, err
	}
	if s.applied, err = s.readApplied(ctx, conn); err != nil {
		s.end()
		return nil, err
	}
	return s, nil
}

// end releases the lock and the connection.
func (s *session) end() {
	if s.unlock != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.unlock(ctx)
		cancel()
		if err != nil {
			s.m.log.Warn("migrate: could not release the migration lock; closing its connection instead", "error", err)
			if s.connID != 0 {
				// A MySQL server notices a closed connection only when
				// its statement ends: kill the session, which stops the
				// statement and frees the lock now.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if _, err := s.m.db.SQL().ExecContext(ctx, "KILL "+strconv.FormatInt(s.connID, 10)); err != nil {
					s.m.log.Warn("migrate: could not kill the migration session", "connection_id", s.connID, "error", err)
				}
				cancel()
			}
			// Discard the connection, which ends the session and its lock.
			discardConn(s.conn)
		}
	}
	s.conn.Close()
}

// discardConn makes database/sql close conn instead of reusing it, which
// ends its database session and any lock the session holds.
func discardConn(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// lockKey is the PostgreSQL advisory-lock key for a migrations table.
func lockKey(table string) int64 {
	h := fnv.New64a()
	h.Write([]byte("kiln/migrate:" + table))
	return int64(h.Sum64())
}

func (s *session) lock(ctx context.Context) error {
	var try func(context.Context) (bool, error)
	switch s.m.dialect {
	case "postgres":
		key := lockKey(s.m.table)
		try = func(ctx context.Context) (bool, error) {
			var ok bool
			err := s.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok)
			return ok, err
		}
		s.unlock = func(ctx context.Context) error {
			var ok bool
			if err := s.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return errors.New("pg_advisory_unlock: the lock was not held")
			}
			return nil
		}
	case "mysql":
		var dbName sql.NullString
		if err := s.conn.QueryRowContext(ctx, "SELECT DATABASE(), CONNECTION_ID()").Scan(&dbName, &s.connID); err != nil {
			return fmt.Errorf("migrate: find the current database: %w", err)
		}
		name := mysqlLockName(dbName.String, s.m.table)
		try = func(ctx context.Context) (bool, error) {
			var got sql.NullInt64
			err := s.conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got)
			if err == nil && !got.Valid {
				err = errors.New("GET_LOCK returned NULL")
			}
			return got.Int64 == 1, err
		}
		s.unlock = func(ctx context.Context) error {
			var ok sql.NullInt64
			if err := s.conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", name).Scan(&ok); err != nil {
				return err
			}
			if ok.Int64 != 1 {
				return errors.New("RELEASE_LOCK: the lock was not held")
			}
			return nil
		}
	default:
		return nil // SQLite: see the session doc comment
	}
	timeout := s.m.lockTimeout
	var deadline <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	wait := 10 * time.Millisecond
	for first := true; ; first = false {
		ok, err := try(ctx)
		if err != nil {
			s.unlock = nil
			if ctx.Err() != nil {
				return fmt.Errorf("migrate: take the migration lock: %w", ctx.Err())
			}
			return fmt.Errorf("migrate: take the migration lock: %w", err)
		}
		if ok {
			return nil
		}
		if first {
			s.m.log.Info("migrate: waiting for the migration lock held by another node", "table", s.m.table)
		}
		select {
		case <-ctx.Done():
			s.unlock = nil
			return fmt.Errorf("migrate: waiting for the migration lock: %w", ctx.Err())
		case <-deadline:
			s.unlock = nil
			return fmt.Errorf("%w (waited %v for the lock on %s)", ErrLockTimeout, timeout, s.m.table)
		case <-time.After(wait):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// mysqlLockName names the GET_LOCK lock. MySQL's locks are server-wide,
// so the name includes the database, and it is hashed to stay within the
// 64-character limit.
func mysqlLockName(database, table string) string {
	h := fnv.New64a()
	h.Write([]byte(database + "." + table))
	return "kiln_migrate_" + strconv.FormatUint(h.Sum64(), 16)
}

func (s *session) createTable(ctx context.Context) error {
	t := s.m.quoted
	var ddl string
	switch s.m.dialect {
	case "postgres":
		ddl = "CREATE TABLE IF NOT EXISTS " + t + " (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
	case "mysql":
		ddl = "CREATE TABLE IF NOT EXISTS " + t + " (version BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL, applied_at DATETIME(6) NOT NULL)"
	default:
		ddl = "CREATE TABLE IF NOT EXISTS " + t + " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
	}
	if _, err := s.conn.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("migrate: create the migrations table %s: %w", s.m.table, err)
	}
	return nil
}

func (s *session) readApplied(ctx context.Context, q querier) (map[int64]record, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, name, checksum, applied_at FROM "+s.m.quoted)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", s.m.table, err)
	}
	defer rows.Close()
	out := map[int64]record{}
	for rows.Next() {
		var r record
		var at any
		if err := rows.Scan(&r.version, &r.name, &r.checksum, &at); err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", s.m.table, err)
		}
		if r.appliedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("migrate: read %s: version %d: %w", s.m.table, r.version, err)
		}
		out[r.version] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", s.m.table, err)
	}
	return out, nil
}

const sqliteTime = "2006-01-02T15:04:05.000000Z"

func parseTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return time.Parse(sqliteTime, v)
	case []byte:
		return time.Parse(sqliteTime, string(v))
	}
	return time.Time{}, fmt.Errorf("unexpected applied_at value %T", v)
}

// isApplied checks, inside q's transaction, whether version is recorded.
func (s *session) isApplied(ctx context.Context, q querier, version int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.m.quoted+" WHERE version = "+s.m.ph(1), version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("migrate: read %s: %w", s.m.table, err)
	}
	return n > 0, nil
}

func (s *session) insertRecord(ctx context.Context, q querier, mig *Migration, at time.Time) error {
	var atArg any = at
	if s.m.dialect == "sqlite" {
		atArg = at.Format(sqliteTime)
	}
	_, err := q.ExecContext(ctx, "INSERT INTO "+s.m.quoted+" (version, name, checksum, applied_at) VALUES ("+
		s.m.ph(1)+", "+s.m.ph(2)+", "+s.m.ph(3)+", "+s.m.ph(4)+")", mig.Version, mig.Name, mig.Checksum, atArg)
	if err != nil {
		return fmt.Errorf("migrate: record %s in %s: %w", mig.UpFile, s.m.table, err)
	}
	return nil
}

func (s *session) deleteRecord(ctx context.Context, q querier, version int64) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM "+s.m.quoted+" WHERE version = "+s.m.ph(1), version); err != nil {
		return fmt.Errorf("migrate: remove version %d from %s: %w", version, s.m.table, err)
	}
	return nil
}

// run runs a migration file's statements, in a transaction with the
// bookkeeping (record or unrecord) where the database has transactional
// DDL. It reports false when another process had already done the work.
func (s *session) run(ctx context.Context, mig *Migration, up bool) (bool, error) {
	file, src := mig.UpFile, mig.up
	if !up {
		file, src = mig.DownFile, mig.down
	}
	stmts := statements(src, s.m.dialect)
	book := func(q querier) error {
		if up {
			return s.insertRecord(ctx, q, mig, time.Now().UTC().Truncate(time.Microsecond))
		}
		return s.deleteRecord(ctx, q, mig.Version)
	}
	if s.m.dialect == "mysql" {
		// No transactional DDL: run the statements one by one, under the
		// lock, and record the migration after the last.
		var ran []string
		for i, st := range stmts {
			if _, err := s.conn.ExecContext(ctx, st.sql); err != nil {
				return false, &Error{File: file, Statement: i + 1, Line: st.line, SQL: st.sql, Ran: ran, Err: err}
			}
			ran = append(ran, st.sql)
		}
		if err := book(s.conn); err != nil {
			return false, fmt.Errorf("%w; all %d statements of %s ran and stay applied", err, len(stmts), file)
		}
		return true, nil
	}
	first, last := 0, len(stmts) // the statements to run in the transaction
	fkOff := s.m.dialect == "sqlite" && len(stmts) > 0 && isForeignKeysPragma(stmts[0].sql, "off")
	if fkOff {
		// SQLite ignores PRAGMA foreign_keys inside a transaction: turn
		// them off before it, and back on after it (see New).
		first = 1
		if isForeignKeysPragma(stmts[last-1].sql, "on") {
			last--
		}
		if _, err := s.conn.ExecContext(ctx, stmts[0].sql); err != nil {
			return false, &Error{File: file, Statement: 1, Line: stmts[0].line, SQL: stmts[0].sql, Err: err}
		}
		defer s.foreignKeysOn()
	}
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: %s: begin: %w", file, err)
	}
	defer tx.Rollback()
	// Another process may have got here first (SQLite has no lock): skip
	// an up already applied, or a down already reverted.
	applied, err := s.isApplied(ctx, tx, mig.Version)
	if err != nil {
		return false, err
	}
	if applied == up {
		return false, nil
	}
	for i := first; i < last; i++ {
		st := stmts[i]
		if _, err := tx.ExecContext(ctx, st.sql); err != nil {
			return false, &Error{File: file, Statement: i + 1, Line: st.line, SQL: st.sql, Err: err}
		}
	}
	if fkOff {
		if err := foreignKeyCheck(ctx, tx, file); err != nil {
			return false, err
		}
	}
	if err := book(tx); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate: %s: commit: %w", file, err)
	}
	return true, nil
}

// isForeignKeysPragma reports whether sql is PRAGMA foreign_keys = value
// (on or off; also written 1 or 0, with or without spaces).
func isForeignKeysPragma(sql, value string) bool {
	f := strings.Fields(strings.ToLower(strings.ReplaceAll(sql, "=", " = ")))
	if len(f) != 4 || f[0] != "pragma" || f[1] != "foreign_keys" || f[2] != "=" {
		return false
	}
	v := strings.Trim(f[3], "'\"")
	if value == "on" {
		return v == "on" || v == "1" || v == "true" || v == "yes"
	}
	return v == "off" || v == "0" || v == "false" || v == "no"
}

// foreignKeysOn turns SQLite's foreign keys back on after a migration ran
// with them off. If it cannot, it discards the connection, so none runs
// on with foreign keys off (orm.Open turns them on for every new one).
func (s *session) foreignKeysOn() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.conn.ExecContext(ctx, "PRAGMA foreign_keys = ON"); err != nil {
		s.m.log.Warn("migrate: could not turn SQLite foreign keys back on; closing the connection", "error", err)
		discardConn(s.conn)
	}
}

// foreignKeyCheck fails when rows of the SQLite database break a foreign
// key: what a migration run with foreign keys off must not leave behind.
func foreignKeyCheck(ctx context.Context, q querier, file string) error {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("migrate: %s: PRAGMA foreign_key_check: %w", file, err)
	}
	defer rows.Close()
	var bad []string
	n := 0
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("migrate: %s: PRAGMA foreign_key_check: %w", file, err)
		}
		if n++; n <= 5 {
			bad = append(bad, fmt.Sprintf("%s row %d refers to a missing %s row", table, rowid.Int64, parent))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %s: PRAGMA foreign_key_check: %w", file, err)
	}
	if n > 0 {
		return fmt.Errorf("migrate: %s ran with foreign keys off and leaves %d rows that break a foreign key (%s); it was rolled back: fix the data, or the migration", file, n, strings.Join(bad, "; "))
	}
	return nil
}
