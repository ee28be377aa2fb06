package kilntest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Scenario is one request and what its response must look like, for
// table-driven tests run by Run:
//
//	kilntest.Run(t, app, []kilntest.Scenario{
//		{Name: "list", Path: "/posts", WantBodyContains: []string{"Hello"}},
//		{Name: "create", Method: "POST", Path: "/posts", JSON: map[string]any{"title": "Hi"},
//			WantStatus: http.StatusCreated, WantJSON: `{"id": 1, "title": "Hi"}`},
//		{Name: "anonymous edit", Method: "POST", Path: "/posts/1/edit",
//			WantStatus: http.StatusSeeOther, WantHeader: map[string]string{"Location": "/login"}},
//	})
//
// Every Want field left at its zero value is not checked, except
// WantStatus, which defaults to 200.
type Scenario struct {
	// Name names the subtest. Defaults to "METHOD Path".
	Name string
	// Method is the request method. Defaults to GET.
	Method string
	// Path is the request path, with any query string, such as
	// "/posts?page=2".
	Path string
	// Header holds extra request headers. They override the Content-Type
	// set for JSON and Form.
	Header http.Header

	// Body is the raw request body. At most one of Body, JSON and Form may
	// be set.
	Body string
	// JSON, when not nil, is encoded as the request body, with
	// Content-Type application/json.
	JSON any
	// Form, when not nil, is URL-encoded as the request body, with
	// Content-Type application/x-www-form-urlencoded.
	Form url.Values

	// WantStatus is the expected status code. Defaults to 200.
	WantStatus int
	// WantHeader maps header names to their expected first value, compared
	// exactly; an empty value expects the header to be absent or empty.
	WantHeader map[string]string
	// WantBodyContains lists strings the body must contain.
	WantBodyContains []string
	// WantBodyNotContains lists strings the body must not contain.
	WantBodyNotContains []string
	// WantJSON, when not nil, is the expected JSON body, compared as by
	// Response.AssertJSON.
	WantJSON any

	// Setup, when not nil, runs before the request with the scenario's
	// subtest and Client, for example to log in (the Client keeps the
	// session cookie) or to insert rows.
	Setup func(t testing.TB, c *Client)
	// Check, when not nil, runs after the Want checks with the response,
	// for expectations the fields cannot express.
	Check func(t testing.TB, res *Response)
}

// Run starts one test server for h and runs each scenario as a subtest,
// in order, each with its own Client and so its own cookie jar. Use
// RunParallel when the scenarios do not depend on each other.
func Run(t *testing.T, h http.Handler, scenarios []Scenario) {
	t.Helper()
	run(t, h, scenarios, false)
}

// RunParallel is like Run but runs the scenarios in parallel with each
// other (with t.Parallel), so the handler must tolerate concurrent
// requests and the scenarios must not depend on each other's effects.
func RunParallel(t *testing.T, h http.Handler, scenarios []Scenario) {
	t.Helper()
	run(t, h, scenarios, true)
}

func run(t *testing.T, h http.Handler, scenarios []Scenario, parallel bool) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, s := range scenarios {
		t.Run(s.name(), func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			c := Connect(t, srv)
			if s.Setup != nil {
				s.Setup(t, c)
			}
			res := s.do(t, c)
			for _, msg := range s.failures(res) {
				t.Error(msg)
			}
			if s.Check != nil {
				s.Check(t, res)
			}
		})
	}
}

func (s *Scenario) name() string {
	if s.Name != "" {
		return s.Name
	}
	return s.method() + " " + s.Path
}

func (s *Scenario) method() string {
	if s.Method == "" {
		return http.MethodGet
	}
	return s.Method
}

// do sends the scenario's request with c.
func (s *Scenario) do(t testing.TB, c *Client) *Response {
	t.Helper()
	var (
		body        io.Reader
		contentType string
		bodies      int
	)
	if s.Body != "" {
		body, bodies = strings.NewReader(s.Body), bodies+1
	}
	if s.JSON != nil {
		b, err := json.Marshal(s.JSON)
		if err != nil {
			t.Fatalf("kilntest: scenario %q: encoding JSON %T: %v", s.name(), s.JSON, err)
		}
		body, contentType, bodies = bytes.NewReader(b), "application/json", bodies+1
	}
	if s.Form != nil {
		body, contentType, bodies = strings.NewReader(s.Form.Encode()), "application/x-www-form-urlencoded", bodies+1
	}
	if bodies > 1 {
		t.Fatalf("kilntest: scenario %q sets more than one of Body, JSON and Form; keep one", s.name())
	}
	opts := make([]RequestOption, 0, len(s.Header))
	for k, vs := range s.Header {
		opts = append(opts, func(r *http.Request) { r.Header[http.CanonicalHeaderKey(k)] = vs })
	}
	return c.send(s.method(), s.Path, body, contentType, opts)
}

// failures returns the message of every Want expectation res does not
// meet, in field order; none means the scenario passed.
func (s *Scenario) failures(res *Response) []string {
	var out []string
	add := func(msg string) {
		if msg != "" {
			out = append(out, msg)
		}
	}
	want := s.WantStatus
	if want == 0 {
		want = http.StatusOK
	}
	add(res.checkStatus(want))
	for _, k := range slices.Sorted(maps.Keys(s.WantHeader)) {
		add(res.checkHeader(k, s.WantHeader[k]))
	}
	for _, sub := range s.WantBodyContains {
		add(res.checkBodyContains(sub))
	}
	for _, sub := range s.WantBodyNotContains {
		add(res.checkBodyNotContains(sub))
	}
	if s.WantJSON != nil {
		add(res.checkJSON(s.WantJSON))
	}
	return out
}
