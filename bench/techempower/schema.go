package techempower

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WorldRows is the number of rows of the world table, with ids 1..WorldRows.
const WorldRows = 10000

// World is a row of the world table. The table and its columns are
// unquoted in TechEmpower's schema (World, randomNumber), so PostgreSQL
// stores them lower-case.
type World struct {
	ID           int `json:"id" db:"id,pk,noauto"`
	RandomNumber int `json:"randomNumber" db:"randomnumber"`
}

// TableName names World's table for Kiln's orm.
func (World) TableName() string { return "world" }

// Fortune is a row of the fortune table.
type Fortune struct {
	ID      int    `json:"id" db:"id,pk,noauto"`
	Message string `json:"message" db:"message,size=2048"`
}

// TableName names Fortune's table for Kiln's orm.
func (Fortune) TableName() string { return "fortune" }

// Fortunes are the twelve rows of TechEmpower's fortune table, in id order.
var Fortunes = []Fortune{
	{1, "fortune: No such file or directory"},
	{2, "A computer scientist is someone who fixes things that aren't broken."},
	{3, "After enough decimal places, nobody gives a damn."},
	{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
	{5, "A computer program does what you tell it to do, not what you want it to do."},
	{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
	{7, "Any program that runs right is obsolete."},
	{8, "A list is only as strong as its weakest link. — Donald Knuth"},
	{9, "Feature: A bug with seniority."},
	{10, "Computers make very fast, very accurate mistakes."},
	{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
	{12, "フレームワークのベンチマーク"},
}

// AdditionalFortune is the message every fortunes handler adds, with id 0,
// at request time.
const AdditionalFortune = "Additional fortune added at request time."

// CreateDatabase creates the database that databaseURL names, connecting
// to the server's postgres database to do so, unless it exists already.
func CreateDatabase(ctx context.Context, databaseURL string) error {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return fmt.Errorf("techempower: bad database URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("techempower: database URL %q names no database", u.Redacted())
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("techempower: connect to %s: %w", admin.Redacted(), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("techempower: look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		// Another process may have created it in the meantime.
		if err2 := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err2 == nil && exists {
			return nil
		}
		return fmt.Errorf("techempower: create database %s: %w", name, err)
	}
	return nil
}

// Setup creates the world and fortune tables in the database pool talks
// to, if they are missing, and fills them: world with ids 1..WorldRows and
// random numbers in 1..10000, fortune with the twelve Fortunes. It is
// idempotent: complete tables are left as they are (their random numbers
// included), incomplete ones are refilled. Concurrent calls are serialised
// with an advisory lock.
func Setup(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("techempower: setup: %w", err)
	}
	defer conn.Release()
	const lockKey = 0x7466622d6b696c6e // "tfb-kiln"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(lockKey)); err != nil {
		return fmt.Errorf("techempower: setup: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(lockKey))

	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, stmt := range []string{
			"CREATE TABLE IF NOT EXISTS world (id integer NOT NULL PRIMARY KEY, randomnumber integer NOT NULL DEFAULT 0)",
			"CREATE TABLE IF NOT EXISTS fortune (id integer NOT NULL PRIMARY KEY, message varchar(2048) NOT NULL)",
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("techempower: setup: %w", err)
			}
		}
		var n, lo, hi int
		if err := tx.QueryRow(ctx, "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM world").Scan(&n, &lo, &hi); err != nil {
			return fmt.Errorf("techempower: setup: %w", err)
		}
		if n != WorldRows || lo != 1 || hi != WorldRows {
			if _, err := tx.Exec(ctx, "DELETE FROM world"); err != nil {
				return fmt.Errorf("techempower: setup: %w", err)
			}
			rows := make([][]any, WorldRows)
			for i := range rows {
				rows[i] = []any{int32(i + 1), int32(RandomNumber())}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"world"}, []string{"id", "randomnumber"}, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("techempower: setup: fill world: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM fortune"); err != nil {
			return fmt.Errorf("techempower: setup: %w", err)
		}
		rows := make([][]any, len(Fortunes))
		for i, f := range Fortunes {
			rows[i] = []any{int32(f.ID), f.Message}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"fortune"}, []string{"id", "message"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("techempower: setup: fill fortune: %w", err)
		}
		_, err := tx.Exec(ctx, "ANALYZE world; ANALYZE fortune")
		return err
	})
}

// RandomID returns a random world id in 1..WorldRows.
func RandomID() int { return rand.IntN(WorldRows) + 1 }

// RandomNumber returns a random number in 1..10000, the range of
// randomNumber.
func RandomNumber() int { return rand.IntN(10000) + 1 }

// QueryCount parses the queries parameter as TechEmpower says: missing,
// not an integer or below 1 means 1, above 500 means 500.
func QueryCount(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 500)
}
