package kiln

// This file implements Kiln's route matcher: a segment tree.
//
// Why not http.ServeMux? Kiln accepts exactly ServeMux's pattern syntax and
// matches requests the way ServeMux does (same segment unescaping, same
// trailing-slash and {$} rules, HEAD served by GET), but the router
// benchmark in bench/router showed ServeMux spending most of its time on
// work a tree walk can skip (see docs/architecture.md for the figures). The
// tree below matches without allocating: it walks the request path in
// place, segment by segment, and records wildcard values as substrings in a
// fixed array on the caller's stack.
//
// Shape. The tree branches on path segments only. Each node has
//   - literal children, found by scanning a string of their first bytes and
//     comparing the whole key only on a first-byte hit, as httprouter does;
//     hashing each segment for a map lookup measured slower even at the
//     static suite's 40-odd children,
//   - at most one single-segment wildcard child ({id}),
//   - at most one "rest of the path" leaf ({path...} or a pattern that ends
//     in "/"),
//   - at most one {$} leaf (exactly a trailing slash), and
//   - a leaf for patterns that end at this node.
// A leaf holds the routes for one path shape, one per method plus at most one
// method-less route. Host patterns get a tree of their own per host; a
// request tries its host's tree first and then the host-less tree, as
// ServeMux does.
//
// Precedence. At every segment a literal beats {x}, which beats {x...};
// when the more specific branch fails to produce a route for the request's
// method, matching backtracks to the next. So with
//     GET /posts/new     and     GET /posts/{id}
// "/posts/new" is the first and "/posts/42" the second, and with
//     GET /a/b/z         and     GET /a/{x}/c
// "/a/b/c" finds the second. Unlike ServeMux, Kiln does not reject two
// patterns that overlap without one being more specific (/a/{x}/c and
// /a/b/{y}); the left-most literal wins, as in httprouter, Chi and Echo.
// Two patterns that match exactly the same requests (same method, host and
// segments, whatever the wildcard names) are a conflict and are rejected at
// registration, naming both.
//
// Methods. A route registered without a method matches every method, but a
// route for the request's method on the same path shape wins over it. HEAD
// requests are served by GET routes unless a HEAD route exists. When the
// path matches but no route accepts the method, the router answers 405 with
// an Allow header listing every method that would have been accepted.

import (
	"net/url"
	"slices"
	"strings"
)

// maxParams is the most wildcards a pattern may have; values are collected
// in a fixed array so matching never allocates.
const maxParams = 32

type node struct {
	litFirst string     // first byte of each literal child's key, in order
	lits     []litChild // literal children (non-empty keys)
	// litIndex, for nodes with more than 8 literal children (kept sorted by
	// first byte), maps a first byte b to the children lits[litIndex[b]:litIndex[b+1]].
	litIndex *[257]uint16
	litEmpty *node // the child for an empty literal segment

	param *node // {x}
	multi *leaf // {x...} or trailing "/"
	slash *leaf // {$}
	end   *leaf // patterns ending here
}

type litChild struct {
	key  string
	node *node
}

type leaf struct {
	get     *Route // fast path for the most common method
	methods []*Route
	any     *Route // method-less
}

func (n *node) child(seg string) *node {
	if seg == "" {
		return n.litEmpty
	}
	c := seg[0]
	if x := n.litIndex; x != nil {
		for i := x[c]; i < x[int(c)+1]; i++ {
			if n.lits[i].key == seg {
				return n.lits[i].node
			}
		}
		return nil
	}
	first := n.litFirst
	for i := 0; i < len(first); i++ {
		if first[i] == c && n.lits[i].key == seg {
			return n.lits[i].node
		}
	}
	return nil
}

func (n *node) addChild(seg string) *node {
	if c := n.child(seg); c != nil {
		return c
	}
	c := &node{}
	if seg == "" {
		n.litEmpty = c
		return c
	}
	n.lits = append(n.lits, litChild{key: seg, node: c})
	if len(n.lits) > 8 {
		// Wide node: sort by first byte and index the runs.
		slices.SortStableFunc(n.lits, func(a, b litChild) int { return int(a.key[0]) - int(b.key[0]) })
		x := new([257]uint16) // x[b] = how many children sort before first byte b
		for _, l := range n.lits {
			x[int(l.key[0])+1]++
		}
		for b := 1; b <= 256; b++ {
			x[b] += x[b-1]
		}
		n.litIndex = x
	}
	var first strings.Builder
	for _, l := range n.lits {
		first.WriteByte(l.key[0])
	}
	n.litFirst = first.String()
	return c
}

// insert adds rt to the tree at n. It returns the route already registered
// for the same shape and method, if any, and does not insert in that case.
func (n *node) insert(rt *Route) (conflict *Route) {
	segs := rt.pat.segs
	for i, s := range segs {
		switch s.kind {
		case segLiteral:
			n = n.addChild(s.s)
		case segParam:
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		case segMulti:
			if n.multi == nil {
				n.multi = &leaf{}
			}
			return n.multi.add(rt)
		case segSlash:
			if n.slash == nil {
				n.slash = &leaf{}
			}
			return n.slash.add(rt)
		}
		_ = i
	}
	if n.end == nil {
		n.end = &leaf{}
	}
	return n.end.add(rt)
}

func (l *leaf) add(rt *Route) *Route {
	m := rt.pat.method
	if m == "" {
		if l.any != nil {
			return l.any
		}
		l.any = rt
		return nil
	}
	for _, o := range l.methods {
		if o.pat.method == m {
			return o
		}
	}
	l.methods = append(l.methods, rt)
	if m == "GET" {
		l.get = rt
	}
	return nil
}

// pick returns the leaf's route for method, or nil.
func (l *leaf) pick(method string) *Route {
	if method == "GET" && l.get != nil {
		return l.get
	}
	for _, rt := range l.methods {
		if rt.pat.method == method {
			return rt
		}
	}
	if method == "HEAD" && l.get != nil {
		return l.get
	}
	return l.any
}

// matcher carries the state of one lookup. It lives on the caller's stack;
// the wildcard values go to vals, scratch space that belongs to the
// request's pooled ResponseWriter, so nothing is zeroed per request.
type matcher struct {
	method  string
	escaped bool // path is escaped: unescape segments before comparing
	found   bool // some leaf matched the path, whatever the method
	clean   bool // stop at unclean segments ("", ".", ".."): the path will be redirected
	unclean bool // set when such a segment stopped the walk
	n       int
	vals    *[maxParams]string
}

// match finds the route for path (which starts with "/", or is empty when
// every segment has been consumed) below n.
func (n *node) match(path string, m *matcher) *Route {
	if path == "" {
		if n.end != nil {
			m.found = true
			return n.end.pick(m.method)
		}
		return nil
	}
	if path == "/" {
		// A trailing slash: {$} first, then the rest-of-path wildcard.
		// A single wildcard does not match it.
		if n.slash != nil {
			m.found = true
			if rt := n.slash.pick(m.method); rt != nil {
				return rt
			}
		}
	} else {
		p := path[1:]
		i := strings.IndexByte(p, '/')
		if i < 0 {
			i = len(p)
		}
		seg, rest := p[:i], p[i:]
		if m.clean && (seg == "" || seg == "." || seg == "..") {
			m.unclean = true
			return nil
		}
		if m.escaped {
			seg = unescapeSegment(seg)
		}
		if c := n.child(seg); c != nil {
			if rt := c.match(rest, m); rt != nil {
				return rt
			}
		}
		if n.param != nil {
			k := m.n
			m.vals[k] = seg
			m.n++
			if rt := n.param.match(rest, m); rt != nil {
				return rt
			}
			m.n = k
		}
	}
	if n.multi != nil {
		if m.clean && needsClean(path) {
			m.unclean = true
			return nil
		}
		m.found = true
		if rt := n.multi.pick(m.method); rt != nil {
			if last := rt.pat.segs[len(rt.pat.segs)-1]; last.s != "" {
				v := path[1:]
				if m.escaped {
					v = unescapeSegment(v)
				}
				m.vals[m.n] = v
				m.n++
			}
			return rt
		}
	}
	return nil
}

// allowed appends to dst the methods of every route whose path matches.
// It is the slow path behind 405 and OPTIONS answers.
func (n *node) allowed(path string, escaped bool, dst map[string]bool) {
	if path == "" {
		n.end.methodsInto(dst)
		return
	}
	if path == "/" {
		n.slash.methodsInto(dst)
	} else {
		p := path[1:]
		i := strings.IndexByte(p, '/')
		if i < 0 {
			i = len(p)
		}
		seg, rest := p[:i], p[i:]
		if escaped {
			seg = unescapeSegment(seg)
		}
		if c := n.child(seg); c != nil {
			c.allowed(rest, escaped, dst)
		}
		if n.param != nil {
			n.param.allowed(rest, escaped, dst)
		}
	}
	n.multi.methodsInto(dst)
}

func (l *leaf) methodsInto(dst map[string]bool) {
	if l == nil {
		return
	}
	for _, rt := range l.methods {
		dst[rt.pat.method] = true
	}
	if l.get != nil {
		dst["HEAD"] = true
	}
	if l.any != nil {
		dst["*"] = true
	}
}

func unescapeSegment(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
