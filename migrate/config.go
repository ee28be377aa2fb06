package migrate

import (
	"log/slog"
	"time"
)

// Options configures a Migrator. A nil *Options, like a zero Options, gives
// the defaults.
type Options struct {
	// Table is the name of the table that records applied migrations: a
	// plain identifier (letters, digits and _, at most 63 characters). It is
	// also what the lock is named after, so two Migrators with different
	// tables never wait for each other. Defaults to "kiln_migrations".
	Table string

	// Logger receives a line per applied or reverted migration and a
	// warning per applied migration whose up file has changed since.
	// Defaults to slog.Default().
	Logger *slog.Logger

	// LockTimeout is how long a run waits for another node's run (holding
	// the lock) to finish before failing with ErrLockTimeout. A negative
	// value waits as long as the context allows. Defaults to 5 minutes.
	// SQLite takes no lock, so it does not apply there.
	LockTimeout time.Duration
}

// DefaultTable is the migrations table used when Options.Table is empty.
const DefaultTable = "kiln_migrations"

const defaultLockTimeout = 5 * time.Minute
