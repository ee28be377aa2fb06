package kiln

// This file binds path values so that r.PathValue works in every handler.
//
// The standard library offers code outside net/http one way to set path
// values: r.SetPathValue, which stores them in a map (2 allocations, 656
// bytes on Go 1.26). A request routed by http.ServeMux instead carries them
// in two unexported fields: a pointer to the matched pattern and a []string
// of values, in the order of the pattern's wildcards. r.PathValue reads
// those first.
//
// Kiln sets those two fields itself, so a routed request looks exactly like
// one routed by ServeMux, for one allocation (the values slice) whatever the
// number of wildcards. The pattern pointer comes from ServeMux itself: at
// registration, each route's pattern string is registered on a throwaway
// ServeMux and a synthetic request is routed through it to capture the
// *pattern ServeMux built. Nothing of net/http's internals is constructed
// by hand.
//
// This depends on the layout of http.Request, so it is guarded three ways:
//   - the fields are found by name and type with reflect; if Go renames or
//     retypes them, native stays nil;
//   - each route's captured pattern is checked by setting known values and
//     reading them back with r.PathValue; on any mismatch the route does
//     not use it;
//   - routes without a native pattern fall back to a private one-pattern
//     ServeMux per route, which binds the values through net/http's own
//     code (slower, but always correct).
// TestNativePathValuesActive fails if a Go release turns the fast path off,
// so the fallback is never taken silently.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"unsafe"
)

type requestLayout struct {
	ok             bool
	patOffset      uintptr
	matchesOffset  uintptr
	patternTypeStr string
}

var reqLayout = detectRequestLayout()

func detectRequestLayout() requestLayout {
	t := reflect.TypeFor[http.Request]()
	pat, ok1 := t.FieldByName("pat")
	matches, ok2 := t.FieldByName("matches")
	if !ok1 || !ok2 ||
		pat.Type.Kind() != reflect.Pointer || pat.Type.Elem().Name() != "pattern" || pat.Type.Elem().PkgPath() != "net/http" ||
		matches.Type != reflect.TypeFor[[]string]() {
		return requestLayout{}
	}
	return requestLayout{ok: true, patOffset: pat.Offset, matchesOffset: matches.Offset, patternTypeStr: pat.Type.String()}
}

// nativePattern returns net/http's *pattern for p, captured from a
// throwaway ServeMux and verified, or nil if the fast path is unavailable.
func nativePattern(p *pattern) unsafe.Pointer {
	if !reqLayout.ok {
		return nil
	}
	names := p.wildcards()
	method := p.method
	if method == "" || method == "CONNECT" {
		method = "GET"
	}
	host := p.host
	if host == "" {
		host = "kiln.invalid"
	}
	var b strings.Builder
	for _, s := range p.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(url.PathEscape(s.s))
		case segParam, segMulti:
			b.WriteString("v")
		}
	}
	path := b.String()
	if path == "" {
		path = "/"
	}
	var captured unsafe.Pointer
	mux := http.NewServeMux()
	ok := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		mux.Handle(p.str, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			captured = *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(r), reqLayout.patOffset))
		}))
		req := httptest.NewRequest(method, "http://"+host+path, nil)
		mux.ServeHTTP(httptest.NewRecorder(), req)
		return captured != nil
	}()
	if !ok {
		return nil
	}
	// Verify: values set through the fields read back through PathValue.
	req := httptest.NewRequest("GET", "/", nil)
	vals := make([]string, len(names))
	for i := range vals {
		vals[i] = "value-" + names[i]
	}
	setNativePathValues(req, captured, vals)
	for _, n := range names {
		if req.PathValue(n) != "value-"+n {
			return nil
		}
	}
	if req.PathValue("kiln-no-such-name") != "" {
		return nil
	}
	return captured
}

// setNativePathValues makes r carry vals as the path values of the native
// pattern pat, as ServeMux would. It copies vals, which may live on the
// caller's stack.
func setNativePathValues(r *http.Request, pat unsafe.Pointer, vals []string) {
	m := make([]string, len(vals))
	copy(m, vals)
	base := unsafe.Pointer(r)
	*(*unsafe.Pointer)(unsafe.Add(base, reqLayout.patOffset)) = pat
	*(*[]string)(unsafe.Add(base, reqLayout.matchesOffset)) = m
}

// NativePathValues reports whether this build binds path values the fast
// way described in Kiln's architecture notes. It is false only if a Go
// release changed net/http's Request layout; routing then still works,
// through a slower fallback.
func NativePathValues() bool {
	p, err := parsePattern("GET /kiln/{a}/{b...}")
	return err == nil && nativePattern(p) != nil
}
