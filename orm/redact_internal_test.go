package orm

import "testing"

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgresql://u:secret@h/db", "postgresql://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://h/db?password=secret&sslmode=disable", "postgres://h/db?password=xxxxx&sslmode=disable"},
		{"mysql://u:secret@h:3306/db", "mysql://u:xxxxx@h:3306/db"},
		{"user:secret@tcp(h:3306)/db", "user:xxxxx@tcp(h:3306)/db"},
		{"mysql://user:secret@tcp(h:3306)/db", "mysql://user:xxxxx@tcp(h:3306)/db"},
		{"mysql://user:se:cr/et@x@tcp(h:3306)/db?parseTime=true", "mysql://user:xxxxx@tcp(h:3306)/db?parseTime=true"},
		{"root@tcp(127.0.0.1:3306)/test", "root@tcp(127.0.0.1:3306)/test"},
		{"mysql://root@tcp(127.0.0.1:3306)/test", "mysql://root@tcp(127.0.0.1:3306)/test"},
		{"user:secret@unix(/tmp/mysql.sock)/db", "user:xxxxx@unix(/tmp/mysql.sock)/db"},
		{"sqlite:///var/lib/app.db", "sqlite:///var/lib/app.db"},
		{"sqlite://app.db", "sqlite://app.db"},
		{"sqlite://:memory:", "sqlite://:memory:"},
		{"app.db", "app.db"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
