package kilntest

import (
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// The test servers Kiln's suites (and yours) can use, each read from an
// environment variable with a default for a developer machine.
const (
	// EnvPostgres names the PostgreSQL URL. Defaults to
	// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
	EnvPostgres = "KILN_TEST_POSTGRES_URL"
	// EnvMySQL names the MySQL/MariaDB DSN or URL. Defaults to
	// root@tcp(127.0.0.1:3306)/test.
	EnvMySQL = "KILN_TEST_MYSQL_URL"
	// EnvRedis names the Redis URL. Defaults to redis://127.0.0.1:6379/0.
	EnvRedis = "KILN_TEST_REDIS_URL"
	// EnvNATS names the NATS URL. Defaults to nats://127.0.0.1:4222.
	EnvNATS = "KILN_TEST_NATS_URL"
	// EnvRequireServices, when "1", turns a missing server into a test
	// failure instead of a skip. CI sets it so nothing is silently skipped.
	EnvRequireServices = "KILN_REQUIRE_SERVICES"
)

// PostgresURL returns the PostgreSQL URL for tests, after checking the
// server accepts connections. When it does not, the test is skipped with a
// log line saying how to provide one, or failed when KILN_REQUIRE_SERVICES=1.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := envOr(EnvPostgres, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	requireReachable(t, "PostgreSQL", EnvPostgres, u, "5432")
	return u
}

// MySQLURL returns the MySQL/MariaDB URL for tests, in the form orm.Open
// takes ("mysql://" followed by a go-sql-driver DSN, as
// mysql://root@tcp(127.0.0.1:3306)/test). It skips or fails like
// PostgresURL.
func MySQLURL(t testing.TB) string {
	t.Helper()
	u := envOr(EnvMySQL, "root@tcp(127.0.0.1:3306)/test")
	if !strings.HasPrefix(u, "mysql://") {
		u = "mysql://" + u
	}
	requireReachable(t, "MySQL", EnvMySQL, u, "3306")
	return u
}

// RedisURL returns the Redis URL for tests. It skips or fails like
// PostgresURL.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := envOr(EnvRedis, "redis://127.0.0.1:6379/0")
	requireReachable(t, "Redis", EnvRedis, u, "6379")
	return u
}

// NATSURL returns the NATS URL for tests. It skips or fails like
// PostgresURL.
func NATSURL(t testing.TB) string {
	t.Helper()
	u := envOr(EnvNATS, "nats://127.0.0.1:4222")
	requireReachable(t, "NATS", EnvNATS, u, "4222")
	return u
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// requireReachable dials the server's TCP address and skips or fails t
// when nothing answers.
func requireReachable(t testing.TB, what, env, rawURL, defaultPort string) {
	t.Helper()
	addr := serviceAddr(rawURL, defaultPort)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
		return
	}
	msg := what + " is not reachable at " + addr + " (" + err.Error() + "); start it or set " + env
	if os.Getenv(EnvRequireServices) == "1" {
		t.Fatalf("%s (%s=1: required)", msg, EnvRequireServices)
	}
	t.Skip(msg + "; skipping")
}

// serviceAddr finds host:port in a URL or a go-sql-driver DSN.
func serviceAddr(raw, defaultPort string) string {
	s := strings.TrimPrefix(raw, "mysql://")
	if i := strings.Index(s, "tcp("); i >= 0 {
		rest := s[i+4:]
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			return withPort(rest[:j], defaultPort)
		}
	}
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return withPort(u.Host, defaultPort)
	}
	return withPort("127.0.0.1", defaultPort)
}

func withPort(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}
