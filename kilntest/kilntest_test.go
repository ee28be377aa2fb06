package kilntest

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kiln-web/kiln"
)

// newApp returns a small Kiln app with the routes the tests use.
func newApp() http.Handler {
	app := kiln.New(kiln.Config{Logger: slog.New(slog.DiscardHandler)})
	app.Handle("GET /hello", func(w http.ResponseWriter, r *http.Request) error {
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
		return nil
	})
	app.Handle("POST /login", func(w http.ResponseWriter, r *http.Request) error {
		user := r.PostFormValue("user")
		if user == "" {
			return kiln.BadRequest("user is required")
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: user, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	})
	app.Handle("GET /me", func(w http.ResponseWriter, r *http.Request) error {
		ck, err := r.Cookie("session")
		if err != nil {
			return kiln.Unauthorized("log in first")
		}
		fmt.Fprintf(w, "you are %s", ck.Value)
		return nil
	})
	app.Handle("GET /old", func(w http.ResponseWriter, r *http.Request) error {
		http.Redirect(w, r, "/hello?name=redirected", http.StatusFound)
		return nil
	})
	app.Handle("GET /missing", func(w http.ResponseWriter, r *http.Request) error {
		return kiln.NotFound("no such thing")
	})
	app.Handle("GET /doc", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Kind", "doc")
		_, err := io.WriteString(w, `{"name":"ann","tags":["a","b"],"n":1.0,"odd key":true,"big":12345678901234567890}`)
		return err
	})
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		app.Handle(m+" /echo", echo)
	}
	return app
}

// echo answers with what it received, as JSON.
func echo(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(echoed{
		Method:      r.Method,
		ContentType: r.Header.Get("Content-Type"),
		Body:        string(body),
		Query:       r.URL.RawQuery,
		Header:      r.Header.Get("X-Test"),
		Cookies:     strings.Join(cookies, "; "),
	})
}

type echoed struct {
	Method      string `json:"method"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
	Query       string `json:"query"`
	Header      string `json:"header"`
	Cookies     string `json:"cookies"`
}

func TestClientMethods(t *testing.T) {
	t.Parallel()
	c := New(t, newApp())
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		send func() *Response
		want echoed
	}{
		{"Get", func() *Response { return c.Get("/echo") }, echoed{Method: "GET"}},
		{"Post", func() *Response {
			return c.Post("/echo", strings.NewReader("raw"), WithHeader("Content-Type", "text/plain"))
		}, echoed{Method: "POST", ContentType: "text/plain", Body: "raw"}},
		{"Post nil body", func() *Response { return c.Post("/echo", nil) }, echoed{Method: "POST"}},
		{"Put", func() *Response { return c.Put("/echo", strings.NewReader("p")) }, echoed{Method: "PUT", Body: "p"}},
		{"Patch", func() *Response { return c.Patch("/echo", strings.NewReader("q")) }, echoed{Method: "PATCH", Body: "q"}},
		{"Delete", func() *Response { return c.Delete("/echo", nil) }, echoed{Method: "DELETE"}},
		{"PostJSON", func() *Response { return c.PostJSON("/echo", map[string]int{"a": 1}) },
			echoed{Method: "POST", ContentType: "application/json", Body: `{"a":1}`}},
		{"PutJSON", func() *Response { return c.PutJSON("/echo", []string{"x"}) },
			echoed{Method: "PUT", ContentType: "application/json", Body: `["x"]`}},
		{"PatchJSON", func() *Response { return c.PatchJSON("/echo", nil) },
			echoed{Method: "PATCH", ContentType: "application/json", Body: `null`}},
		{"PostForm", func() *Response { return c.PostForm("/echo", url.Values{"b": {"2"}, "a": {"1 2"}}) },
			echoed{Method: "POST", ContentType: form, Body: "a=1+2&b=2"}},
		{"WithHeader overrides Content-Type", func() *Response {
			return c.PostJSON("/echo", 1, WithHeader("Content-Type", "application/vnd.api+json"))
		}, echoed{Method: "POST", ContentType: "application/vnd.api+json", Body: "1"}},
		{"WithQuery merges", func() *Response {
			return c.Get("/echo?a=1", WithQuery(url.Values{"b": {"2", "3"}}))
		}, echoed{Method: "GET", Query: "a=1&b=2&b=3"}},
		{"WithHeader and WithCookie", func() *Response {
			return c.Get("/echo", WithHeader("X-Test", "yes"), WithCookie(&http.Cookie{Name: "flavor", Value: "oat"}))
		}, echoed{Method: "GET", Header: "yes", Cookies: "flavor=oat"}},
		{"Do with a relative request", func() *Response {
			return c.Do(httptest.NewRequest(http.MethodPut, "/echo?z=1", strings.NewReader("do")))
		}, echoed{Method: "PUT", Body: "do", Query: "z=1"}},
		{"Do with an absolute request", func() *Response {
			req, _ := http.NewRequest(http.MethodDelete, c.URL("/echo"), nil)
			return c.Do(req)
		}, echoed{Method: "DELETE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.send()
			res.AssertStatus(http.StatusOK).AssertHeader("Content-Type", "application/json")
			var got echoed
			res.DecodeJSON(&got)
			if got != tt.want {
				t.Errorf("server saw %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, ok := c.Cookie("flavor"); ok {
		t.Error("WithCookie put the cookie in the jar")
	}

	head := c.Head("/hello")
	if head.StatusCode != http.StatusOK || len(head.Body) != 0 || head.Request.Method != http.MethodHead {
		t.Errorf("HEAD: status %d, body %q, method %s", head.StatusCode, head.Body, head.Request.Method)
	}
	if got, want := c.URL("/a?b=1"), c.Server.URL+"/a?b=1"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := c.URL("a"), c.Server.URL+"/a"; got != want {
		t.Errorf("URL(a) = %q, want %q", got, want)
	}
}

func TestCookiesPersistAcrossRequests(t *testing.T) {
	t.Parallel()
	ann := New(t, newApp())
	ann.Get("/me").AssertStatus(http.StatusUnauthorized)

	res := ann.PostForm("/login", url.Values{"user": {"ann"}}).AssertRedirect("/me")
	if len(res.Cookies()) != 1 || !res.Cookies()[0].HttpOnly || res.Cookies()[0].Value != "ann" {
		t.Errorf("Response.Cookies = %v, want one HttpOnly session=ann", res.Cookies())
	}
	if v, ok := ann.Cookie("session"); !ok || v != "ann" {
		t.Errorf("jar session cookie = %q, %v", v, ok)
	}
	if n := len(ann.Cookies()); n != 1 {
		t.Errorf("jar has %d cookies, want 1", n)
	}
	ann.Get("/me").AssertStatus(http.StatusOK).AssertBodyContains("you are ann")
	ann.Get("/echo").AssertJSON(echoed{Method: "GET", Cookies: "session=ann"})

	bob := Connect(t, ann.Server)
	bob.Get("/me").AssertStatus(http.StatusUnauthorized)
	if len(bob.Cookies()) != 0 {
		t.Errorf("a new client shares cookies: %v", bob.Cookies())
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	c := New(t, newApp())
	res := c.Get("/old").AssertStatus(http.StatusFound).AssertRedirect("/hello?name=redirected")
	if res.Request.URL.Path != "/old" {
		t.Errorf("unfollowed redirect: Request path = %q", res.Request.URL.Path)
	}

	c.FollowRedirects = true
	res = c.Get("/old").AssertStatus(http.StatusOK).AssertBodyContains("hello redirected")
	if res.Request.URL.Path != "/hello" {
		t.Errorf("followed redirect: final path = %q, want /hello", res.Request.URL.Path)
	}
	// The cookie set on the redirect response is sent on the next hop.
	c.PostForm("/login", url.Values{"user": {"cy"}}).AssertStatus(http.StatusOK).AssertBodyContains("you are cy")

	loop := http.NewServeMux()
	loop.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	l := New(t, loop)
	l.FollowRedirects = true
	req, _ := http.NewRequest(http.MethodGet, "/loop", nil)
	req.URL, _ = url.Parse(l.URL("/loop"))
	if _, err := l.HTTP.Do(req); err == nil || !strings.Contains(err.Error(), "10 redirects") {
		t.Errorf("redirect loop: err = %v, want stop after 10", err)
	}
}

func TestKilnErrorsAndPlainHandlers(t *testing.T) {
	t.Parallel()
	c := New(t, newApp())
	c.Get("/missing").AssertStatus(http.StatusNotFound).AssertBodyContains("no such thing")
	c.Get("/no-route").AssertStatus(http.StatusNotFound)
	c.PostForm("/login", nil).AssertStatus(http.StatusBadRequest).AssertBodyContains("user is required")

	plain := New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Cookie")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	}))
	plain.Get("/anything").
		AssertStatus(http.StatusTeapot).
		AssertHeader("Vary", "Accept").
		AssertHeaderContains("vary", "Cook").
		AssertHeader("X-Absent", "").
		AssertBodyContains("short", "stout").
		AssertBodyNotContains("tall")
	if got := plain.Get("/").Text(); got != "short and stout" {
		t.Errorf("Text = %q", got)
	}
}

func TestNewTLS(t *testing.T) {
	t.Parallel()
	c := NewTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "1", Secure: true, Path: "/"})
		fmt.Fprintf(w, "tls=%v proto=%s", r.TLS != nil, r.Proto)
	}))
	res := c.Get("/").AssertStatus(http.StatusOK).AssertBodyContains("tls=true", "proto=HTTP/2.0")
	if res.Request.URL.Scheme != "https" {
		t.Errorf("scheme = %q", res.Request.URL.Scheme)
	}
	if v, ok := c.Cookie("s"); !ok || v != "1" {
		t.Errorf("secure cookie not kept over HTTPS: %q %v", v, ok)
	}
}

func TestChecks(t *testing.T) {
	t.Parallel()
	c := New(t, newApp())
	doc := c.Get("/doc")
	hello := c.Get("/hello?name=x")
	moved := c.Get("/old")
	tests := []struct {
		name  string
		check func() string
		want  []string // substrings of the message; nil means the check passes
	}{
		{"status ok", func() string { return doc.checkStatus(200) }, nil},
		{"status mismatch", func() string { return doc.checkStatus(201) },
			[]string{"GET /doc: status = 200 OK, want 201 Created", `body: {"name":"ann"`}},
		{"status mismatch shows Location", func() string { return moved.checkStatus(200) },
			[]string{"status = 302 Found, want 200 OK", "Location: /hello?name=redirected"}},
		{"header ok, any key case", func() string { return doc.checkHeader("content-type", "application/json") }, nil},
		{"header mismatch", func() string { return doc.checkHeader("content-type", "text/plain") },
			[]string{`GET /doc: header Content-Type = "application/json", want "text/plain"`}},
		{"header expected absent", func() string { return doc.checkHeader("X-Request-Kind", "") },
			[]string{`header X-Request-Kind = "doc", want ""`}},
		{"header contains ok", func() string { return doc.checkHeaderContains("Content-Type", "json") }, nil},
		{"header contains mismatch", func() string { return doc.checkHeaderContains("Content-Type", "xml") },
			[]string{`header Content-Type = "application/json", want it to contain "xml"`}},
		{"header missing", func() string { return doc.checkHeaderContains("X-Nope", "x") },
			[]string{`header X-Nope is missing, want it to contain "x"`}},
		{"body contains ok", func() string { return hello.checkBodyContains("hello x") }, nil},
		{"body contains mismatch", func() string { return hello.checkBodyContains("bye") },
			[]string{`GET /hello?name=x: body does not contain "bye"`, "body: hello x"}},
		{"body not contains ok", func() string { return hello.checkBodyNotContains("bye") }, nil},
		{"body not contains mismatch", func() string { return hello.checkBodyNotContains("llo") },
			[]string{`body contains "llo", want it not to, at byte 2`}},
		{"redirect ok", func() string { return moved.checkRedirect("/hello?name=redirected") }, nil},
		{"redirect wrong location", func() string { return moved.checkRedirect("/") },
			[]string{`Location = "/hello?name=redirected", want "/"`}},
		{"not a redirect", func() string { return hello.checkRedirect("/x") },
			[]string{"status = 200 OK, want a redirect (3xx)", `Location = "", want "/x"`}},
		{"JSON text, other order and spacing", func() string {
			return doc.checkJSON(`{"odd key": true, "n": 1, "tags": ["a", "b"], "name": "ann", "big": 12345678901234567890}`)
		}, nil},
		{"JSON from a Go value", func() string {
			return doc.checkJSON(map[string]any{"name": "ann", "tags": []string{"a", "b"}, "n": 1e0, "odd key": true, "big": json.Number("1.234567890123456789e19")})
		}, nil},
		{"JSON differences by path", func() string {
			return doc.checkJSON(`{"name": "bob", "tags": ["a"], "n": 2, "extra": null, "big": 12345678901234567891}`)
		}, []string{
			"GET /doc: JSON body differs from want:",
			`$.big: got 12345678901234567890, want 12345678901234567891`,
			"$.extra: missing, want null",
			`$.n: got 1.0, want 2`,
			`$.name: got "ann", want "bob"`,
			"$.tags: got 2 elements, want 1",
			`$.tags[1]: unexpected, got "b"`,
			`$["odd key"]: unexpected, got true`,
			`got:  {"big":12345678901234567890,"n":1.0,"name":"ann"`,
			`want: {"big":12345678901234567891,"extra":null`,
		}},
		{"JSON type mismatch", func() string { return doc.checkJSON(`[1]`) },
			[]string{`$: got object {"big":`, "want array [1]"}},
		{"JSON want invalid", func() string { return doc.checkJSON(`{"a":`) }, []string{"want is not valid JSON"}},
		{"JSON want not encodable", func() string { return doc.checkJSON(func() {}) }, []string{"want func() is not JSON"}},
		{"JSON body invalid", func() string { return hello.checkJSON(`{}`) },
			[]string{"GET /hello?name=x: body is not valid JSON", "body: hello x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.check()
			if tt.want == nil && got != "" {
				t.Errorf("check failed, want it to pass:\n%s", got)
			}
			if tt.want != nil && got == "" {
				t.Errorf("check passed, want a failure containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("message does not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestJSONDiffLimit(t *testing.T) {
	t.Parallel()
	var got, want []any
	for i := range 25 {
		got = append(got, json.Number(fmt.Sprint(i)))
		want = append(want, json.Number(fmt.Sprint(i+1)))
	}
	diffs := jsonDiff(got, want)
	if len(diffs) != maxDiffs+1 || !strings.HasPrefix(diffs[maxDiffs], "… and ") {
		t.Errorf("jsonDiff gave %d lines, want %d and a summary: %q", len(diffs), maxDiffs+1, diffs)
	}
	if keyPath("$", "a_1") != "$.a_1" || keyPath("$", "1a") != `$["1a"]` || keyPath("$", "") != `$[""]` {
		t.Error("keyPath quotes the wrong keys")
	}
}

func TestRunScenarios(t *testing.T) {
	t.Parallel()
	login := func(t testing.TB, c *Client) {
		c.PostForm("/login", url.Values{"user": {"dee"}}).AssertStatus(http.StatusSeeOther)
	}
	scenarios := []Scenario{
		{Name: "plain get", Path: "/hello?name=run", WantBodyContains: []string{"hello run"}, WantBodyNotContains: []string{"bye"}},
		{Path: "/missing", WantStatus: http.StatusNotFound},
		{Name: "anonymous", Path: "/me", WantStatus: http.StatusUnauthorized},
		{Name: "logged in", Path: "/me", Setup: login, WantBodyContains: []string{"you are dee"}},
		{Name: "redirect", Path: "/old", WantStatus: http.StatusFound,
			WantHeader: map[string]string{"Location": "/hello?name=redirected", "X-Absent": ""}},
		{Name: "json body", Method: "PUT", Path: "/echo", JSON: map[string]int{"n": 1},
			WantHeader: map[string]string{"content-type": "application/json"},
			WantJSON:   echoed{Method: "PUT", ContentType: "application/json", Body: `{"n":1}`}},
		{Name: "form body", Method: "POST", Path: "/echo", Form: url.Values{"a": {"1"}},
			WantJSON: `{"method":"POST","contentType":"application/x-www-form-urlencoded","body":"a=1","query":"","header":"","cookies":""}`},
		{Name: "raw body and header", Method: "PATCH", Path: "/echo", Body: "raw",
			Header: http.Header{"X-Test": {"h"}, "Content-Type": {"text/plain"}},
			Check: func(t testing.TB, res *Response) {
				var e echoed
				res.DecodeJSON(&e)
				if e.Body != "raw" || e.Header != "h" || e.ContentType != "text/plain" {
					t.Errorf("server saw %+v", e)
				}
			}},
	}
	t.Run("sequential", func(t *testing.T) { Run(t, newApp(), scenarios) })
	t.Run("parallel", func(t *testing.T) { RunParallel(t, newApp(), scenarios) })

	if got := (&Scenario{Path: "/x"}).name(); got != "GET /x" {
		t.Errorf("default name = %q", got)
	}
	if got := (&Scenario{Method: "POST", Path: "/x"}).name(); got != "POST /x" {
		t.Errorf("default name = %q", got)
	}
}

// TestScenarioFailures sends scenarios whose expectations are wrong to a
// real server and checks every failure is reported.
func TestScenarioFailures(t *testing.T) {
	t.Parallel()
	c := New(t, newApp())
	tests := []struct {
		s    Scenario
		want []string // one substring per expected failure, in order
	}{
		{Scenario{Path: "/missing"}, []string{"status = 404 Not Found, want 200 OK"}},
		{Scenario{Path: "/old", WantStatus: http.StatusMovedPermanently,
			WantHeader: map[string]string{"Location": "/new", "Cache-Control": ""}},
			[]string{"want 301", `Location = "/hello?name=redirected", want "/new"`}},
		{Scenario{Path: "/hello?name=x", WantBodyContains: []string{"hello", "bye", "ciao"}, WantBodyNotContains: []string{"x", "z"}},
			[]string{`not contain "bye"`, `not contain "ciao"`, `body contains "x"`}},
		{Scenario{Method: "DELETE", Path: "/echo", WantJSON: map[string]string{"method": "DELETE"}},
			[]string{`$.body: unexpected, got ""`}},
		{Scenario{Path: "/doc", WantHeader: map[string]string{"X-Request-Kind": "list", "Content-Type": "text/html"}},
			[]string{`Content-Type = "application/json", want "text/html"`, `X-Request-Kind = "doc", want "list"`}},
	}
	for _, tt := range tests {
		t.Run(tt.s.name(), func(t *testing.T) {
			got := tt.s.failures(tt.s.do(t, c))
			if len(got) != len(tt.want) {
				t.Fatalf("%d failures, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("failure %d does not contain %q:\n%s", i, w, got[i])
				}
			}
		})
	}
}
