package orm

import (
	"strings"
	"testing"
)

// TestQuote checks each dialect's Quote on hostile names: the dialect's
// quote character is doubled, and nothing else is changed, so a name can
// never end the quoted identifier and add SQL of its own.
func TestQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d     Dialect
		quote string
	}{
		{sqliteDialect{}, `"`},
		{postgresDialect{}, `"`},
		{mysqlDialect{}, "`"},
	} {
		t.Run(tc.d.Name(), func(t *testing.T) {
			t.Parallel()
			q := tc.quote
			for _, c := range []struct{ name, want string }{
				{"posts", q + "posts" + q},
				{"", q + q},
				{q, q + q + q + q},
				{q + q, q + q + q + q + q + q},
				{"a" + q + "b", q + "a" + q + q + "b" + q},
				{"x" + q + "; DROP TABLE users; --", q + "x" + q + q + "; DROP TABLE users; --" + q},
				{"first name", q + "first name" + q},
				{"a;b", q + "a;b" + q},
				{"-- comment", q + "-- comment" + q},
				{"/* c */", q + "/* c */" + q},
				{"it's", q + "it's" + q},
				{"what?", q + "what?" + q},
				{`back\slash`, q + `back\slash` + q},
				{"new\nline", q + "new\nline" + q},
				{"naïve " + q + "ünïcode" + q, q + "naïve " + q + q + "ünïcode" + q + q + q},
			} {
				got := tc.d.Quote(c.name)
				if got != c.want {
					t.Errorf("Quote(%q) = %s; want %s", c.name, got, c.want)
					continue
				}
				// Read back as the database would: the name comes back
				// whole and the identifier ends at the last character.
				if back, rest, ok := unquoteIdent(got, q[0]); !ok || back != c.name || rest != "" {
					t.Errorf("Quote(%q) = %s reads back as %q, then %q", c.name, got, back, rest)
				}
			}
			// The other dialects' quote characters are left alone.
			for _, other := range []string{`"`, "`", "[", "]", "'"} {
				if other == q {
					continue
				}
				name := "a" + other + "b"
				if got, want := tc.d.Quote(name), q+name+q; got != want {
					t.Errorf("Quote(%q) = %s; want %s", name, got, want)
				}
			}
		})
	}
}

// unquoteIdent reads a quoted identifier at the start of s, as SQL does:
// a doubled quote stands for one, a single quote ends the identifier. It
// returns the name and what follows the identifier.
func unquoteIdent(s string, q byte) (name, rest string, ok bool) {
	if s == "" || s[0] != q {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), s[i+1:], true
	}
	return b.String(), "", false
}
