package kiln

import (
	"net/http"
	"strings"
)

// Content negotiation.
//
// Negotiate parses the Accept header of RFC 9110 §12.5.1 once into a
// fixed array on the stack (sub-strings of the header, nothing copied), so
// it allocates nothing, then weighs each offer against every range.
// Headers hold a handful of ranges and handlers offer two or three types,
// so the quadratic match is the fast one.
//
// A media range is type/subtype (either may be "*", but "*/subtype" is
// invalid), optional media-type parameters, then an optional weight
// "q=0.xxx"; parameters after the weight are accept extensions and are
// ignored. For each offer the weight is that of the most specific range
// that matches it: text/html;level=1 beats text/html, which beats text/*,
// which beats */*. A range's parameters must all appear in the offer (names
// and values compared case-insensitively) for it to match. Among offers of
// equal weight the one matched more specifically wins, then the earlier
// offer. Malformed elements are skipped; a header with no valid element
// counts as absent, since it says nothing the server can honour.

// Negotiate returns the offer (a media type such as "application/json")
// that the request's Accept header prefers, following RFC 9110 §12.5.1:
// the highest q-value, the most specific matching media range, and the
// order of offers to break ties. It returns the first offer when the
// request has no Accept header (or only an empty or malformed one), and ""
// when no offer is acceptable, which is when a handler answers 406 Not
// Acceptable. Offers excluded with q=0 are never returned.
//
//	switch kiln.Negotiate(r, "text/html", "application/json") {
//	case "application/json":
//		return kiln.JSON(w, http.StatusOK, post)
//	case "text/html":
//		return view.Render(w, r, "post.html", post)
//	}
//	return kiln.NewError(http.StatusNotAcceptable, "")
//
// A response that depends on Accept must say so to caches with
// "Vary: Accept"; Respond does, callers of Negotiate should too.
// Negotiate allocates nothing.
func Negotiate(r *http.Request, offers ...string) string {
	if len(offers) == 0 {
		return ""
	}
	lines := r.Header["Accept"]
	// Parse the header once into an array on the stack. A header with
	// more ranges than fit is rescanned for each offer instead.
	var arr [maxAcceptRanges]acceptRange
	n, overflow := parseAccept(lines, &arr)
	if n == 0 {
		return offers[0] // no usable Accept header: anything goes
	}
	best, bestQ, bestSpec := "", 0, -1
	for _, offer := range offers {
		var q, spec int
		if overflow {
			q, spec = scanWeight(lines, offer)
		} else {
			q, spec = rangesWeight(arr[:n], offer)
		}
		if q > 0 && (q > bestQ || q == bestQ && spec > bestSpec) {
			best, bestQ, bestSpec = offer, q, spec
		}
	}
	return best
}

// maxAcceptRanges is how many media ranges Negotiate keeps on the stack;
// browsers send fewer than ten.
const maxAcceptRanges = 16

// acceptRange is one parsed media range of an Accept header.
type acceptRange struct {
	typ, sub, params string
	q                int
}

// parseAccept stores the valid ranges of the Accept lines in arr and
// returns how many there are. If there are more than fit, it returns
// len(arr) and overflow.
func parseAccept(lines []string, arr *[maxAcceptRanges]acceptRange) (n int, overflow bool) {
	for _, line := range lines {
		for line != "" {
			var elem string
			elem, line, _ = cutQuoted(line, ',')
			typ, sub, params, q, ok := parseMediaRange(elem)
			if !ok {
				continue
			}
			if n == len(arr) {
				return n, true
			}
			arr[n] = acceptRange{typ: typ, sub: sub, params: params, q: q}
			n++
		}
	}
	return n, false
}

// rangesWeight returns the weight (0 to 1000) that ranges give offer and
// the specificity of the range that gave it (-1 if none matched).
func rangesWeight(ranges []acceptRange, offer string) (q, spec int) {
	otype, osub, oparams := splitMediaType(offer)
	q, spec = 0, -1
	for i := range ranges {
		ar := &ranges[i]
		if s := matchRange(ar.typ, ar.sub, ar.params, otype, osub, oparams); s > spec {
			q, spec = ar.q, s
		}
	}
	return q, spec
}

// scanWeight is rangesWeight reading the header lines directly, for
// headers with more than maxAcceptRanges ranges.
func scanWeight(lines []string, offer string) (q, spec int) {
	otype, osub, oparams := splitMediaType(offer)
	q, spec = 0, -1
	for _, line := range lines {
		for line != "" {
			var elem string
			elem, line, _ = cutQuoted(line, ',')
			typ, sub, params, rq, ok := parseMediaRange(elem)
			if !ok {
				continue
			}
			if s := matchRange(typ, sub, params, otype, osub, oparams); s > spec {
				q, spec = rq, s
			}
		}
	}
	return q, spec
}

// matchRange returns the specificity with which the range typ/sub;params
// matches the offer: 0 for */*, 1 for type/*, 2 plus the number of
// parameters for type/subtype; or -1 if it does not match.
func matchRange(typ, sub, params, otype, osub, oparams string) int {
	switch {
	case typ == "*":
		return 0
	case !strings.EqualFold(typ, otype):
		return -1
	case sub == "*":
		return 1
	case !strings.EqualFold(sub, osub):
		return -1
	}
	if params == "" {
		return 2
	}
	n, ok := paramsMatch(params, oparams)
	if !ok {
		return -1
	}
	return 2 + n
}

// Respond writes v as JSON or XML, whichever the request's Accept header
// prefers (JSON when both are equally acceptable or Accept is absent),
// with the given status, and adds "Vary: Accept". XML is sent as
// application/xml, or as text/xml to a client that accepts only that.
// When neither is acceptable it writes nothing and returns a 406 *Error
// naming the types it can produce.
func Respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	if err := committedErr(w, "Respond"); err != nil {
		return err
	}
	addVaryToken(w.Header(), "Accept")
	switch Negotiate(r, "application/json", "application/xml", "text/xml") {
	case "application/json":
		return JSON(w, status, v)
	case "application/xml":
		return writeXML(w, "Respond", status, xmlContentType, v)
	case "text/xml":
		return writeXML(w, "Respond", status, textXMLType, v)
	}
	return &Error{
		Status:  http.StatusNotAcceptable,
		Message: "This resource is available as application/json or application/xml; none of them is in the Accept header.",
	}
}

// addVaryToken adds token to the Vary header unless it is already listed.
func addVaryToken(h http.Header, token string) {
	for _, line := range h["Vary"] {
		for line != "" {
			var elem string
			elem, line, _ = cutQuoted(line, ',')
			elem = trimOWS(elem)
			if elem == "*" || strings.EqualFold(elem, token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}

// splitMediaType splits an offer into type, subtype and parameters. It
// does not validate: offers come from the program.
func splitMediaType(s string) (typ, sub, params string) {
	mt, params, _ := strings.Cut(s, ";")
	typ, sub, _ = strings.Cut(trimOWS(mt), "/")
	return typ, sub, params
}

// parseMediaRange parses one element of an Accept header: the media range,
// its media-type parameters (up to the weight) and the weight in
// thousandths. ok is false for an empty or malformed element.
func parseMediaRange(elem string) (typ, sub, params string, q int, ok bool) {
	elem = trimOWS(elem)
	if elem == "" {
		return "", "", "", 0, false
	}
	mr, rest, _ := cutQuoted(elem, ';')
	mr = trimOWS(mr)
	slash := strings.IndexByte(mr, '/')
	if slash < 0 {
		return "", "", "", 0, false
	}
	typ, sub = mr[:slash], mr[slash+1:]
	if !isHTTPToken(typ) || !isHTTPToken(sub) || typ == "*" && sub != "*" {
		return "", "", "", 0, false
	}
	q = 1000
	params = rest
	all := rest
	for rest != "" {
		start := len(all) - len(rest)
		var p string
		p, rest, _ = cutQuoted(rest, ';')
		if !validParam(p) {
			return "", "", "", 0, false
		}
		name, val, _ := strings.Cut(p, "=")
		if !strings.EqualFold(trimOWS(name), "q") {
			continue
		}
		params = all[:start]
		if q, ok = parseQ(trimOWS(val)); !ok {
			return "", "", "", 0, false
		}
		break
	}
	return typ, sub, params, q, true
}

// paramsMatch reports whether every parameter in rparams (from an Accept
// range) appears with the same value in oparams (from an offer), and how
// many there were.
func paramsMatch(rparams, oparams string) (n int, ok bool) {
	for rparams != "" {
		var p string
		p, rparams, _ = cutQuoted(rparams, ';')
		name, val, _ := strings.Cut(p, "=")
		name = trimOWS(name)
		if name == "" {
			continue
		}
		n++
		if !hasParam(oparams, name, unquoteParam(trimOWS(val))) {
			return n, false
		}
	}
	return n, true
}

func hasParam(params, name, val string) bool {
	for params != "" {
		var p string
		p, params, _ = cutQuoted(params, ';')
		pn, pv, _ := strings.Cut(p, "=")
		if strings.EqualFold(trimOWS(pn), name) && strings.EqualFold(unquoteParam(trimOWS(pv)), val) {
			return true
		}
	}
	return false
}

// validParam reports whether p is empty or a parameter name=value whose
// value is a token or a complete quoted-string.
func validParam(p string) bool {
	p = trimOWS(p)
	if p == "" {
		return true
	}
	name, val, found := strings.Cut(p, "=")
	if !found || !isHTTPToken(trimOWS(name)) {
		return false
	}
	val = trimOWS(val)
	if val == "" || val[0] != '"' {
		return isHTTPToken(val)
	}
	for i := 1; i < len(val); i++ {
		switch val[i] {
		case '\\':
			i++
		case '"':
			return i == len(val)-1
		}
	}
	return false
}

// unquoteParam removes the quotes around a quoted-string. Escapes are left as
// they are; parameter values with backslashes are not worth the cost.
func unquoteParam(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// parseQ parses a weight, "0" to "1" with at most three decimals, into
// thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || s[0] != '0' && s[0] != '1' {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	mult := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * mult
		mult /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// cutQuoted is strings.Cut on the byte sep, except that sep inside a
// quoted-string (with backslash escapes) does not count.
func cutQuoted(s string, sep byte) (before, after string, found bool) {
	i := strings.IndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	if strings.IndexByte(s[:i], '"') < 0 {
		return s[:i], s[i+1:], true // the common case: no quotes
	}
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// trimOWS removes the optional white space (spaces and tabs) of RFC 9110
// around s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// isHTTPToken reports whether s is a non-empty RFC 9110 token.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// tokenChars marks the tchar bytes of RFC 9110. It is never written after
// initialisation.
var tokenChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
