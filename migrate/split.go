package migrate

// Splitting a migration file into statements.
//
// Drivers run one statement per call (go-sql-driver/mysql refuses several
// unless multiStatements is on, and an error in a multi-statement string
// does not say which one failed), so migrations are split here, and each
// statement runs on its own. The splitter is a small lexer, not a parser:
// it knows just enough to find the semicolons that end statements and skip
// the ones that do not:
//
//   - '…' strings, with '' doubling; backslash escapes on MySQL ('it\'s')
//     and in PostgreSQL E'…' strings;
//   - "…" identifiers (strings on MySQL, with backslash escapes there);
//   - `…` identifiers on MySQL and SQLite;
//   - -- comments to the end of the line (on MySQL only when followed by a
//     space, as MySQL itself requires), # comments on MySQL, and /* … */
//     comments, which nest on PostgreSQL;
//   - PostgreSQL dollar-quoted bodies: $$ … $$ and $tag$ … $tag$;
//   - BEGIN … END and CASE … END blocks inside CREATE TRIGGER, PROCEDURE,
//     FUNCTION and EVENT statements, so SQLite trigger bodies and MySQL
//     stored programs stay whole (END IF, END LOOP, END WHILE and
//     END REPEAT close blocks the splitter does not count; END CASE closes
//     a CASE).
//
// splitRaw cuts the file into pieces that, joined, give back the file
// byte for byte (FuzzSplit checks it); statements drops the pieces that hold
// only comments and whitespace and trims the rest.

import (
	"strings"
)

// statement is one SQL statement of a migration file.
type statement struct {
	sql  string // trimmed, without comments before it or its final semicolon
	line int    // the 1-based line of the file where it starts
}

// firstLine is the statement's first line, shortened, for error messages.
func (s statement) firstLine() string {
	l, _, cut := strings.Cut(s.sql, "\n")
	l = strings.TrimSpace(l)
	if r := []rune(l); len(r) > 60 {
		l, cut = string(r[:57]), true
	}
	if cut {
		l += " ..."
	}
	return l
}

// piece is a stretch of the file ending after a statement's semicolon (or
// at the end of the file).
type piece struct {
	start, end int // the piece is src[start:end]
	body       int // offset of its first character outside comments and whitespace, or -1
	semi       int // offset of its final semicolon, or -1
}

// statements splits src, written for dialect ("sqlite", "postgres" or
// "mysql"), into its statements.
func statements(src, dialect string) []statement {
	var out []statement
	for _, p := range scan(src, dialect) {
		if p.body < 0 {
			continue
		}
		end := p.end
		if p.semi >= 0 {
			end = p.semi
		}
		sql := strings.TrimSpace(src[p.body:end])
		if sql == "" {
			continue
		}
		out = append(out, statement{sql: sql, line: 1 + strings.Count(src[:p.body], "\n")})
	}
	return out
}

// splitRaw returns the pieces of src as strings; joined they are src.
func splitRaw(src, dialect string) []string {
	ps := scan(src, dialect)
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = src[p.start:p.end]
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// scan lexes src into pieces.
func scan(src, dialect string) []piece {
	pg, my := dialect == "postgres", dialect == "mysql"
	var out []piece
	cur := piece{start: 0, body: -1, semi: -1}
	var (
		words    int  // words seen at the top level of the current piece
		routine  bool // the piece is CREATE … TRIGGER/PROCEDURE/FUNCTION/EVENT
		depth    int  // open BEGIN/CASE blocks in a routine
		afterEnd bool // the previous word was END (in a routine), not yet counted
	)
	settle := func() {
		// Anything but a word after END: it closed a BEGIN or CASE.
		if afterEnd {
			afterEnd = false
			depth = max(depth-1, 0)
		}
	}
	mark := func(i int) {
		if cur.body < 0 {
			cur.body = i
		}
		settle()
	}
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case isSpace(c):
			i++
		case c == '-' && i+1 < n && src[i+1] == '-' && (!my || i+2 >= n || isSpace(src[i+2])):
			i = skipLine(src, i)
		case c == '#' && my:
			i = skipLine(src, i)
		case c == '/' && i+1 < n && src[i+1] == '*':
			i = skipBlockComment(src, i, pg)
		case c == '\'':
			mark(i)
			esc := my || (pg && i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isIdentByte(src[i-2])))
			i = skipQuoted(src, i, '\'', esc)
		case c == '"':
			mark(i)
			i = skipQuoted(src, i, '"', my)
		case c == '`' && !pg:
			mark(i)
			i = skipQuoted(src, i, '`', false)
		case c == '$' && pg:
			mark(i)
			if end, ok := skipDollar(src, i); ok {
				i = end
			} else {
				i++
			}
		case c == ';':
			settle()
			if depth > 0 {
				i++
				continue
			}
			cur.semi = i
			cur.end = i + 1
			out = append(out, cur)
			cur = piece{start: i + 1, body: -1, semi: -1}
			words, routine, afterEnd = 0, false, false
			i++
		case isIdentByte(c):
			if cur.body < 0 {
				cur.body = i
			}
			j := i
			for j < n && isIdentByte(src[j]) {
				j++
			}
			w := strings.ToUpper(src[i:j])
			words++
			if words == 1 {
				routine = false
			}
			if words > 1 && words <= 8 && !routine && strings.EqualFold(firstWord(src[cur.body:]), "CREATE") {
				switch w {
				case "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT":
					routine = true
				}
			}
			if routine {
				switch {
				case afterEnd && (w == "IF" || w == "LOOP" || w == "WHILE" || w == "REPEAT"):
					// END IF and friends close blocks that were not counted.
					afterEnd = false
				case afterEnd && w == "CASE":
					// END CASE closes a counted CASE.
					afterEnd = false
					depth = max(depth-1, 0)
				default:
					if afterEnd {
						afterEnd = false
						depth = max(depth-1, 0)
					}
					switch w {
					case "BEGIN", "CASE":
						depth++
					case "END":
						afterEnd = true
					}
				}
			}
			i = j
		default:
			mark(i)
			i++
		}
	}
	if cur.start < n {
		cur.end = n
		out = append(out, cur)
	}
	return out
}

// firstWord returns the identifier-like word at the start of s.
func firstWord(s string) string {
	j := 0
	for j < len(s) && isIdentByte(s[j]) {
		j++
	}
	return s[:j]
}

// skipLine skips a line comment starting at i, up to and including the
// newline.
func skipLine(src string, i int) int {
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// skipBlockComment skips a /* … */ comment starting at i; PostgreSQL's
// nest.
func skipBlockComment(src string, i int, nested bool) int {
	depth := 0
	for i < len(src) {
		switch {
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 || !nested {
				return i
			}
		default:
			i++
		}
	}
	return len(src)
}

// skipQuoted skips a quoted string or identifier starting at i, where
// src[i] == q. A doubled quote stands for itself; with esc, so does a
// backslash-escaped one.
func skipQuoted(src string, i int, q byte, esc bool) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			if esc {
				i++
			}
		case q:
			if i+1 < len(src) && src[i+1] == q {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(src)
}

// skipDollar skips a PostgreSQL dollar-quoted string starting at i, where
// src[i] == '$', and reports whether there was one: $$…$$ or $tag$…$tag$,
// where tag is an identifier that does not start with a digit ($1 is a
// parameter). A $ inside an identifier (a$b) never starts one, since
// identifiers are consumed whole.
func skipDollar(src string, i int) (int, bool) {
	j := i + 1
	if j < len(src) && src[j] != '$' {
		if c := src[j]; !(c == '_' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return i, false
		}
		for j < len(src) && src[j] != '$' {
			if !isIdentByte(src[j]) {
				return i, false
			}
			j++
		}
	}
	if j >= len(src) {
		return i, false
	}
	tag := src[i : j+1]
	if k := strings.Index(src[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag), true
	}
	return len(src), true
}
