package orm

import (
	"context"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// ORM benchmarks: BenchmarkPostgres/<operation>/<contestant> and
// BenchmarkSQLite/<operation>/<contestant>, contestants side by side.
//
// Every contestant's run starts from a freshly seeded table (reset, outside
// the timing), so inserts of earlier runs never slow a later one, and under
// run-orm.sh every other round runs the contestants in reverse order. Each op
// is one call of the Store method, on one goroutine; the inputs are built
// before the timed loop and copied into one reused variable, so allocs/op
// counts the contestant's allocations alone (the []Item of List and the
// driver's included). Besides ns/op each reports cpu-ns/op, the process's
// CPU time per op (see cpuTime). The loops check every result, cheaply, so a
// contestant that fails cannot post a time.

func BenchmarkPostgres(b *testing.B) { benchAll(b, openPostgres(b)) }

func BenchmarkSQLite(b *testing.B) { benchAll(b, openSQLite(b)) }

// operations are the benchmarked operations, in the order they run.
var operations = []struct {
	name string
	run  func(b *testing.B, s Store)
}{
	{"Get", benchGet},
	{"List", benchList},
	{"Insert", benchInsert},
	{"Update", benchUpdate},
	{"InsertBatch", benchInsertBatch},
}

func benchAll(b *testing.B, e *env) {
	contestants := e.contestants
	if round, _ := strconv.Atoi(os.Getenv("BENCH_ROUND")); round%2 == 0 && round > 0 {
		// rounds.sh numbers its rounds: every other one runs the
		// contestants in reverse order, so none always goes first.
		contestants = slices.Clone(contestants)
		slices.Reverse(contestants)
	}
	for _, op := range operations {
		b.Run(op.name, func(b *testing.B) {
			for _, c := range contestants {
				if c.only != "" && c.only != op.name {
					continue
				}
				b.Run(c.name, func(b *testing.B) {
					e.reset(b)
					b.ReportAllocs()
					start := cpuTime(b)
					op.run(b, c.store)
					b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
				})
			}
		})
	}
}

// cpuTime returns the CPU time (user and system) the process has used so
// far. Reported per op as cpu-ns/op, it is the client's share of the work
// (Kiln's or the hand-written code's, the driver's, the garbage
// collector's; on SQLite the database's too), and it varies much less than
// ns/op when other processes load the machine, because waiting for a CPU
// or for the server does not count.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// requestContext returns a context that can be cancelled, as an HTTP
// request's is. It matters: database/sql watches a cancellable context
// with a goroutine per query (Rows.initContextClose) and pgx with
// context.AfterFunc, costs a context.Background() would hide.
func requestContext(b *testing.B) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return ctx
}

// benchGet reads one row by primary key, cycling through the seeded ids.
func benchGet(b *testing.B, s Store) {
	ctx := requestContext(b)
	id := int64(0)
	for b.Loop() {
		id = id%Seeded + 1
		it, err := s.Get(ctx, id)
		if err != nil || it.ID != id {
			b.Fatalf("Get(%d) = %d, %v", id, it.ID, err)
		}
	}
}

// benchList reads the first ListSize rows of an author, cycling through
// the authors.
func benchList(b *testing.B, s Store) {
	ctx := requestContext(b)
	author := int64(0)
	for b.Loop() {
		author = author%Authors + 1
		items, err := s.List(ctx, author)
		if err != nil || len(items) != ListSize || items[0].AuthorID != author {
			b.Fatalf("List(%d): %d items, %v", author, len(items), err)
		}
	}
}

// benchInsert inserts one new row.
func benchInsert(b *testing.B, s Store) {
	ctx := requestContext(b)
	tmpl := NewItem(1)
	var it Item
	for b.Loop() {
		it = tmpl
		if err := s.Insert(ctx, &it); err != nil || it.ID <= Seeded {
			b.Fatalf("Insert: id %d, %v", it.ID, err)
		}
	}
}

// benchUpdate writes every column of one seeded row, cycling through them.
func benchUpdate(b *testing.B, s Store) {
	ctx := requestContext(b)
	seeds := make([]Item, Seeded)
	for i := range seeds {
		seeds[i] = Seed(int64(i + 1))
		seeds[i].Title += " (edited)"
	}
	var it Item
	n := 0
	for b.Loop() {
		it = seeds[n%Seeded]
		it.Score = float64(n)
		n++
		if err := s.Update(ctx, &it); err != nil {
			b.Fatalf("Update(%d): %v", it.ID, err)
		}
	}
}

// benchInsertBatch inserts BatchSize new rows in one statement.
func benchInsertBatch(b *testing.B, s Store) {
	ctx := requestContext(b)
	tmpl := make([]Item, BatchSize)
	for i := range tmpl {
		tmpl[i] = NewItem(i)
	}
	batch := make([]Item, BatchSize)
	for b.Loop() {
		copy(batch, tmpl)
		if err := s.InsertBatch(ctx, batch); err != nil || batch[BatchSize-1].ID <= Seeded {
			b.Fatalf("InsertBatch: last id %d, %v", batch[BatchSize-1].ID, err)
		}
	}
}
