package kiln

import (
	"fmt"
	"strings"
	"unicode"
)

// A pattern is a parsed route pattern in Go 1.22 ServeMux syntax:
//
//	[METHOD ][HOST]/[PATH]
//
// where PATH segments are literals, {name} (one segment), {name...} (the
// rest of the path, last only) or {$} (exactly a trailing slash, last
// only). A pattern ending in "/" matches every path below it, like an
// anonymous {...} wildcard.
type pattern struct {
	str    string // as registered
	method string // "" matches every method
	host   string // "" matches every host
	segs   []segment
}

type segKind uint8

const (
	segLiteral segKind = iota // a literal segment
	segParam                  // {name}: exactly one non-empty segment
	segMulti                  // {name...}, or a trailing "/": the rest of the path
	segSlash                  // {$}: exactly a trailing slash
)

type segment struct {
	kind segKind
	s    string // literal text (unescaped) or wildcard name ("" for a trailing "/")
}

// wildcards returns the names of the pattern's named wildcards in order.
func (p *pattern) wildcards() []string {
	var names []string
	for _, s := range p.segs {
		if (s.kind == segParam || s.kind == segMulti) && s.s != "" {
			names = append(names, s.s)
		}
	}
	return names
}

// path returns the pattern without method and host.
func (p *pattern) path() string {
	s := p.str
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = strings.TrimLeft(s[i:], " \t")
	}
	if i := strings.IndexByte(s, '/'); i > 0 {
		s = s[i:]
	}
	return s
}

// parsePattern parses s, following the rules of net/http.ServeMux so that
// any pattern ServeMux accepts means the same in Kiln, and vice versa.
func parsePattern(s string) (_ *pattern, err error) {
	if s == "" {
		return nil, fmt.Errorf("kiln: empty pattern; patterns look like \"GET /posts/{id}\"")
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("kiln: bad pattern %q: %w", s, err)
		}
	}()
	p := &pattern{str: s}
	rest := s
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		p.method, rest = rest[:i], strings.TrimLeft(rest[i+1:], " \t")
		if p.method != "" && !isToken(p.method) {
			return nil, fmt.Errorf("bad method %q", p.method)
		}
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return nil, fmt.Errorf("host/path missing /; paths start with \"/\"")
	}
	p.host = rest[:i]
	if strings.IndexByte(p.host, '{') >= 0 {
		return nil, fmt.Errorf("host %q contains '{'; wildcards are only allowed in the path (missing initial '/'?)", p.host)
	}
	rest = rest[i:]
	if p.method != "" && p.method != "CONNECT" && rest != cleanPath(rest) {
		return nil, fmt.Errorf("path %q is not clean (it has //, /./ or /../) and could never match; use %q", rest, cleanPath(rest))
	}
	seen := map[string]bool{}
	for len(rest) > 0 {
		rest = rest[1:] // drop the slash
		if rest == "" {
			// A trailing slash: match everything below.
			p.segs = append(p.segs, segment{kind: segMulti})
			break
		}
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		var seg string
		seg, rest = rest[:i], rest[i:]
		if j := strings.IndexByte(seg, '{'); j < 0 {
			p.segs = append(p.segs, segment{kind: segLiteral, s: unescapeSegment(seg)})
			continue
		} else if j != 0 || !strings.HasSuffix(seg, "}") {
			return nil, fmt.Errorf("bad wildcard segment %q: a wildcard must be a whole segment, like {id}", seg)
		}
		name := seg[1 : len(seg)-1]
		if name == "$" {
			if rest != "" {
				return nil, fmt.Errorf("{$} not at the end")
			}
			p.segs = append(p.segs, segment{kind: segSlash})
			break
		}
		name, multi := strings.CutSuffix(name, "...")
		if multi && rest != "" {
			return nil, fmt.Errorf("{%s...} wildcard not at the end", name)
		}
		if name == "" {
			return nil, fmt.Errorf("empty wildcard name")
		}
		if !isGoIdent(name) {
			return nil, fmt.Errorf("bad wildcard name %q: names are Go identifiers", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate wildcard name %q", name)
		}
		seen[name] = true
		kind := segParam
		if multi {
			kind = segMulti
		}
		p.segs = append(p.segs, segment{kind: kind, s: name})
	}
	if len(p.wildcards()) > maxParams {
		return nil, fmt.Errorf("%d wildcards; at most %d are supported", len(p.wildcards()), maxParams)
	}
	return p, nil
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return s != ""
}

func isGoIdent(s string) bool {
	for i, c := range s {
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c > 0x7f && unicode.IsLetter(c) {
			continue
		}
		if i > 0 && (c >= '0' && c <= '9' || c > 0x7f && unicode.IsDigit(c)) {
			continue
		}
		return false
	}
	return s != ""
}

// shape returns a key that is equal for two patterns that match exactly the
// same requests (wildcard names do not matter).
func (p *pattern) shape() string {
	var b strings.Builder
	b.WriteString(p.method)
	b.WriteByte(' ')
	b.WriteString(p.host)
	for _, s := range p.segs {
		switch s.kind {
		case segLiteral:
			b.WriteString("/L")
			b.WriteString(s.s)
		case segParam:
			b.WriteString("/{}")
		case segMulti:
			b.WriteString("/{...}")
		case segSlash:
			b.WriteString("/{$}")
		}
	}
	return b.String()
}
