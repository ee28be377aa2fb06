package kilntest

import "testing"

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
