package migrate

import (
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect string // "" runs the case on every dialect
		src     string
		want    []string
	}{
		{"empty", "", "", nil},
		{"only comments", "", "-- nothing\n/* here */\n", nil},
		{"one without semicolon", "", "SELECT 1", []string{"SELECT 1"}},
		{"two", "", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", []string{"CREATE TABLE a (id int)", "CREATE TABLE b (id int)"}},
		{"empty statements", "", ";;SELECT 1;;", []string{"SELECT 1"}},
		{"semicolon in string", "", "INSERT INTO t VALUES ('a;b'); SELECT 2", []string{"INSERT INTO t VALUES ('a;b')", "SELECT 2"}},
		{"doubled quote", "", "SELECT 'it''s;'; SELECT 2", []string{"SELECT 'it''s;'", "SELECT 2"}},
		{"double-quoted identifier", "sqlite", `CREATE TABLE "a;b" (x int); SELECT 2`, []string{`CREATE TABLE "a;b" (x int)`, "SELECT 2"}},
		{"double-quoted identifier pg", "postgres", `CREATE TABLE "a;""b" (x int); SELECT 2`, []string{`CREATE TABLE "a;""b" (x int)`, "SELECT 2"}},
		{"backticks", "mysql", "CREATE TABLE `a;b` (x int); SELECT 2", []string{"CREATE TABLE `a;b` (x int)", "SELECT 2"}},
		{"backslash mysql", "mysql", `SELECT 'it\'s;'; SELECT 2`, []string{`SELECT 'it\'s;'`, "SELECT 2"}},
		{"backslash is literal in sqlite", "sqlite", `SELECT 'C:\'; SELECT 2`, []string{`SELECT 'C:\'`, "SELECT 2"}},
		{"backslash is literal in pg", "postgres", `SELECT 'C:\'; SELECT 2`, []string{`SELECT 'C:\'`, "SELECT 2"}},
		{"E string pg", "postgres", `SELECT E'it\'s;'; SELECT 2`, []string{`SELECT E'it\'s;'`, "SELECT 2"}},
		{"line comment", "", "SELECT 1; -- a; b\nSELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{"comment inside", "", "SELECT 1 -- x;\n+ 1; SELECT 2", []string{"SELECT 1 -- x;\n+ 1", "SELECT 2"}},
		{"block comment", "", "SELECT /* ; */ 1; SELECT 2", []string{"SELECT /* ; */ 1", "SELECT 2"}},
		{"nested block comment pg", "postgres", "SELECT /* a /* ; */ ; */ 1; SELECT 2", []string{"SELECT /* a /* ; */ ; */ 1", "SELECT 2"}},
		{"hash comment mysql", "mysql", "SELECT 1; # a; b\nSELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"dashes without space mysql", "mysql", "SELECT 1--1; SELECT 2", []string{"SELECT 1--1", "SELECT 2"}},
		{"dollar body", "postgres",
			"CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql; SELECT 2",
			[]string{"CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql", "SELECT 2"}},
		{"tagged dollar body", "postgres",
			"DO $body$ BEGIN PERFORM '$$;'; END $body$; SELECT 2",
			[]string{"DO $body$ BEGIN PERFORM '$$;'; END $body$", "SELECT 2"}},
		{"dollar parameter is not a quote", "postgres", "SELECT $1; SELECT $2", []string{"SELECT $1", "SELECT $2"}},
		{"dollar inside identifier", "postgres", "SELECT a$b$; SELECT 2", []string{"SELECT a$b$", "SELECT 2"}},
		{"sqlite trigger", "sqlite",
			"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE u SET n = n + 1;\n  UPDATE u SET m = CASE WHEN 1 THEN 2 END;\nEND;\nSELECT 2;",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE u SET n = n + 1;\n  UPDATE u SET m = CASE WHEN 1 THEN 2 END;\nEND", "SELECT 2"}},
		{"mysql procedure", "mysql",
			"CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; CASE WHEN 1 THEN SELECT 2; END CASE; END; SELECT 3",
			[]string{"CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; CASE WHEN 1 THEN SELECT 2; END CASE; END", "SELECT 3"}},
		{"mysql trigger without block", "mysql",
			"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1; SELECT 2",
			[]string{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1", "SELECT 2"}},
		{"transaction BEGIN is not a block", "", "BEGIN; SELECT 1; END;", []string{"BEGIN", "SELECT 1", "END"}},
		{"unterminated string", "", "SELECT 'abc; SELECT 2", []string{"SELECT 'abc; SELECT 2"}},
	}
	for _, tt := range tests {
		ds := dialects
		if tt.dialect != "" {
			ds = []string{tt.dialect}
		}
		for _, d := range ds {
			t.Run(tt.name+"/"+d, func(t *testing.T) {
				var got []string
				for _, s := range statements(tt.src, d) {
					got = append(got, s.sql)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("statements(%q, %s)\n got %q\nwant %q", tt.src, d, got, tt.want)
				}
			})
		}
	}
}

func TestSplitLines(t *testing.T) {
	t.Parallel()
	src := "-- header\nCREATE TABLE a (id int);\n\n/* note */\nCREATE INDEX i ON a (id);\nSELECT 1"
	st := statements(src, "sqlite")
	var lines []int
	for _, s := range st {
		lines = append(lines, s.line)
	}
	if want := []int{2, 5, 6}; !slices.Equal(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
	if got, want := (statement{sql: "CREATE TABLE x (\n  id int\n)"}).firstLine(), "CREATE TABLE x ( ..."; got != want {
		t.Errorf("firstLine = %q, want %q", got, want)
	}
	long := statement{sql: strings.Repeat("x", 100)}.firstLine()
	if want := strings.Repeat("x", 57) + " ..."; long != want {
		t.Errorf("firstLine of a long line = %q, want %q", long, want)
	}
}

func FuzzSplit(f *testing.F) {
	seeds := []string{
		"", ";", "SELECT 1; SELECT 2", "SELECT 'a;b'; SELECT \"c;d\"",
		"SELECT `a;b`;", "-- c;\nSELECT 1", "/* a /* b */ c; */ SELECT 1;",
		"CREATE FUNCTION f() AS $$ x; $$; SELECT 2", "DO $t$ ; $t$;", "SELECT $1;",
		"SELECT E'\\';'; SELECT 2", "CREATE TRIGGER t BEGIN x; CASE y END; END; z",
		"CREATE PROCEDURE p() BEGIN END IF; END CASE; END; x", "SELECT 'unterminated",
		"# c;\nSELECT 1", "$", "$a", "$$", "'", "\"", "`", "/*", "--", "é; ü",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range dialects {
			raw := splitRaw(src, d)
			if got := strings.Join(raw, ""); got != src {
				t.Fatalf("%s: pieces joined = %q, want %q", d, got, src)
			}
			for i, p := range raw {
				if i < len(raw)-1 && !strings.HasSuffix(p, ";") {
					t.Fatalf("%s: piece %d %q does not end with a semicolon", d, i, p)
				}
			}
			st := statements(src, d)
			if len(st) > len(raw) {
				t.Fatalf("%s: %d statements from %d pieces", d, len(st), len(raw))
			}
			// Statements appear in order in src, each on its line.
			off := 0
			for _, s := range st {
				if s.sql == "" || s.sql != strings.TrimSpace(s.sql) {
					t.Fatalf("%s: statement %q is empty or untrimmed", d, s.sql)
				}
				i := strings.Index(src[off:], s.sql)
				if i < 0 {
					t.Fatalf("%s: statement %q not found in order in %q", d, s.sql, src)
				}
				off += i
				if line := 1 + strings.Count(src[:off], "\n"); line != s.line {
					// The statement may also occur earlier; only check
					// the line is plausible.
					if s.line < 1 || s.line > 1+strings.Count(src, "\n") {
						t.Fatalf("%s: statement %q has line %d", d, s.sql, s.line)
					}
				}
				off += len(s.sql)
				_ = s.firstLine()
			}
		}
	})
}
