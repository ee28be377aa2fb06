// Package orm benchmarks Kiln's orm against the code a careful programmer
// writes by hand: raw database/sql on the same driver, and on PostgreSQL
// raw pgx (pgxpool).
//
// Every contestant is a Store: the same five operations on the same items
// table, each written its own idiomatic way.
//
//   - Get: one row by primary key.
//   - List: the first 100 rows of one author, by id.
//   - Insert: one row, reading back its generated id.
//   - Update: every column of one row by id, checking that the row exists.
//   - InsertBatch: 20 rows in one statement, reading back their ids.
//
// The contestants:
//
//   - kiln: Query[Item](db).Get, .Where(…).OrderBy("id").Limit(100).All,
//     orm.Insert, orm.Update and orm.InsertMany on a *orm.DB from
//     orm.Open. Kiln prepares nothing itself; on PostgreSQL pgx's statement
//     cache prepares each distinct SQL text once per connection.
//   - sql: database/sql with the driver Kiln uses (pgx's stdlib driver on
//     PostgreSQL, modernc.org/sqlite on SQLite) and every statement
//     prepared once up front with DB.Prepare, the 20-row INSERT included,
//     as a careful programmer would for statements run this often. On
//     SQLite it opens the file the way orm.Open does (see OpenSQLite).
//   - pgx: a pgxpool.Pool with pgx's default statement cache (which
//     prepares each SQL text once per connection) and hand-written Scan
//     calls. Its batch is one multi-row INSERT … RETURNING, which measured
//     faster than the other way pgx returns generated ids, a pgx.Batch of
//     single-row INSERTs sent in one round trip (the pgx-pipeline
//     contestant, InsertBatch only). CopyFrom cannot return generated ids.
//
// All contestants fill in the same fields: ids from the database and
// created_at/updated_at (UTC, microseconds) from the client, and all check
// that an Update found its row. The tests check that they return the same
// rows; the benchmarks, and how they are kept fair, are in bench_test.go
// and bench/README.md.
package orm
