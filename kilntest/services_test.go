package kilntest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestServiceAddr(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, port, want string }{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "5432", "127.0.0.1:5432"},
		{"postgres://db.internal/test", "5432", "db.internal:5432"},
		{"mysql://root@tcp(127.0.0.1:3306)/test", "3306", "127.0.0.1:3306"},
		{"root:pw@tcp(db:3307)/x", "3306", "db:3307"},
		{"mysql://root@127.0.0.1/test", "3306", "127.0.0.1:3306"},
		{"redis://127.0.0.1:6379/0", "6379", "127.0.0.1:6379"},
		{"nats://[::1]:4222", "4222", "[::1]:4222"},
	}
	for _, tt := range tests {
		if got := serviceAddr(tt.raw, tt.port); got != tt.want {
			t.Errorf("serviceAddr(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestServicesReachable(t *testing.T) {
	// On CI (KILN_REQUIRE_SERVICES=1) every server must answer; elsewhere
	// the missing ones skip.
	for name, get := range map[string]func(testing.TB) string{
		"postgres": PostgresURL, "mysql": MySQLURL, "redis": RedisURL, "nats": NATSURL,
	} {
		t.Run(name, func(t *testing.T) {
			if u := get(t); u == "" {
				t.Fatal("empty URL")
			}
		})
	}
}

// outcome records how requireReachable ended a test, in place of a real
// testing.T; like one, its Skip and Fatalf end the calling goroutine.
type outcome struct {
	testing.TB
	skipped, failed string
}

func (o *outcome) Helper()                   {}
func (o *outcome) Skip(args ...any)          { o.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (o *outcome) Fatalf(f string, a ...any) { o.failed = fmt.Sprintf(f, a...); runtime.Goexit() }

// TestUnreachableServiceSkipsOrFails checks the switch CI relies on: a
// server that does not answer skips the test, with a line saying what to
// do, unless KILN_REQUIRE_SERVICES=1 makes it a failure.
func TestUnreachableServiceSkipsOrFails(t *testing.T) {
	const url = "postgres://postgres@127.0.0.1:1/test" // port 1: nothing listens
	for _, tt := range []struct {
		require    string
		skip, fail bool
	}{{"", true, false}, {"0", true, false}, {"1", false, true}} {
		t.Setenv(EnvRequireServices, tt.require)
		o := &outcome{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			requireReachable(o, "PostgreSQL", "KILN_TEST_POSTGRES_URL", url, "5432")
		}()
		<-done
		if (o.skipped != "") != tt.skip || (o.failed != "") != tt.fail {
			t.Errorf("%s=%q: skipped %q, failed %q; want skip %v, fail %v", EnvRequireServices, tt.require, o.skipped, o.failed, tt.skip, tt.fail)
		}
		for _, msg := range []string{o.skipped, o.failed} {
			if msg != "" && (!strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "KILN_TEST_POSTGRES_URL")) {
				t.Errorf("message %q should name the address and the variable to set", msg)
			}
		}
	}
}
