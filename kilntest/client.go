package kilntest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Client sends real HTTP requests to a handler served by an
// httptest.Server and returns fully read Responses. It keeps cookies
// between requests, like a browser, and by default does not follow
// redirects, so tests can assert on them.
//
// A Client reports transport failures to the testing.TB it was made with,
// with Fatalf; use it from that test's goroutine. For another test or
// another user of the same server, make a second Client with Connect.
type Client struct {
	// Server is the running test server. It is closed when the test that
	// created it (with New or NewTLS) ends.
	Server *httptest.Server

	// HTTP is the client that sends the requests. Its Jar is Jar and its
	// CheckRedirect honours FollowRedirects.
	HTTP *http.Client

	// Jar holds the cookies the server set, for Server's URL and any other.
	Jar *cookiejar.Jar

	// FollowRedirects makes requests follow redirects, up to 10, and
	// return the final response. Defaults to false: a 3xx response is
	// returned as is. Set it before sending requests.
	FollowRedirects bool

	t testing.TB
}

// New starts an httptest.Server for h, closes it when t ends, and returns
// a Client for it with an empty cookie jar.
func New(t testing.TB, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Connect(t, srv)
}

// NewTLS is like New but serves HTTPS (and HTTP/2) with a self-signed
// certificate that the Client trusts.
func NewTLS(t testing.TB, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return Connect(t, srv)
}

// Connect returns a Client with an empty cookie jar for a running server,
// reporting to t. Use it for a second user of the same app:
//
//	alice := kilntest.New(t, app)
//	bob := kilntest.Connect(t, alice.Server)
//
// Connect does not close srv.
func Connect(t testing.TB, srv *httptest.Server) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("kilntest: cookie jar: %v", err)
	}
	c := &Client{Server: srv, Jar: jar, t: t}
	c.HTTP = &http.Client{
		Transport: srv.Client().Transport,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !c.FollowRedirects {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
	return c
}

// URL returns the absolute URL of path on the server, such as
// "http://127.0.0.1:43127/posts?page=2" for "/posts?page=2".
func (c *Client) URL(path string) string {
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return c.Server.URL + path
}

// Cookies returns the cookies the jar would send to the server's root
// path. As with any cookie jar, only their Name and Value are set.
func (c *Client) Cookies() []*http.Cookie {
	u, _ := url.Parse(c.URL("/"))
	return c.Jar.Cookies(u)
}

// Cookie returns the value of the jar's cookie named name for the server's
// root path, and whether there is one.
func (c *Client) Cookie(name string) (string, bool) {
	for _, ck := range c.Cookies() {
		if ck.Name == name {
			return ck.Value, true
		}
	}
	return "", false
}

// RequestOption changes a request before the Client sends it.
type RequestOption func(*http.Request)

// WithHeader sets the request header key to value, replacing any value it
// had (including the Content-Type the JSON and form methods set).
func WithHeader(key, value string) RequestOption {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

// WithQuery adds the values to the request's query string, after any
// query already in the path.
func WithQuery(values url.Values) RequestOption {
	return func(r *http.Request) {
		q := r.URL.Query()
		for k, vs := range values {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		r.URL.RawQuery = q.Encode()
	}
}

// WithCookie adds the cookie to this request only; the jar is unchanged.
func WithCookie(cookie *http.Cookie) RequestOption {
	return func(r *http.Request) { r.AddCookie(cookie) }
}

// Get sends a GET request for path, which may include a query string.
func (c *Client) Get(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodGet, path, nil, "", opts)
}

// Head sends a HEAD request for path.
func (c *Client) Head(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodHead, path, nil, "", opts)
}

// Post sends a POST request with body, which may be nil. Set its
// Content-Type with WithHeader.
func (c *Client) Post(path string, body io.Reader, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodPost, path, body, "", opts)
}

// Put sends a PUT request with body, which may be nil.
func (c *Client) Put(path string, body io.Reader, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodPut, path, body, "", opts)
}

// Patch sends a PATCH request with body, which may be nil.
func (c *Client) Patch(path string, body io.Reader, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodPatch, path, body, "", opts)
}

// Delete sends a DELETE request with body, which may be nil.
func (c *Client) Delete(path string, body io.Reader, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodDelete, path, body, "", opts)
}

// PostJSON sends a POST request whose body is v encoded as JSON, with
// Content-Type application/json. A v that cannot be encoded fails the test.
func (c *Client) PostJSON(path string, v any, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.sendJSON(http.MethodPost, path, v, opts)
}

// PutJSON is like PostJSON with method PUT.
func (c *Client) PutJSON(path string, v any, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.sendJSON(http.MethodPut, path, v, opts)
}

// PatchJSON is like PostJSON with method PATCH.
func (c *Client) PatchJSON(path string, v any, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.sendJSON(http.MethodPatch, path, v, opts)
}

// PostForm sends a POST request whose body is the URL-encoded form, with
// Content-Type application/x-www-form-urlencoded, as a browser submits an
// HTML form.
func (c *Client) PostForm(path string, form url.Values, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.send(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", opts)
}

// Do sends req and returns its response. A request whose URL has no host,
// such as one from httptest.NewRequest("GET", "/x", nil), is sent to the
// server. A transport error fails the test with Fatalf.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	if req.URL.Host == "" {
		base, _ := url.Parse(c.Server.URL)
		req.URL = base.ResolveReference(req.URL)
		req.Host = ""
	}
	req.RequestURI = "" // set by httptest.NewRequest; forbidden in client requests
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("kilntest: %s %s: %v", req.Method, req.URL.RequestURI(), err)
		return nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("kilntest: %s %s: reading body: %v", req.Method, req.URL.RequestURI(), err)
		return nil
	}
	return &Response{
		StatusCode: res.StatusCode,
		Header:     res.Header,
		Body:       body,
		Request:    res.Request,
		cookies:    res.Cookies(),
		t:          c.t,
	}
}

func (c *Client) sendJSON(method, path string, v any, opts []RequestOption) *Response {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("kilntest: %s %s: encoding %T as JSON: %v", method, path, v, err)
		return nil
	}
	return c.send(method, path, bytes.NewReader(b), "application/json", opts)
}

func (c *Client) send(method, path string, body io.Reader, contentType string, opts []RequestOption) *Response {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.URL(path), body)
	if err != nil {
		c.t.Fatalf("kilntest: %s %s: %v", method, path, err)
		return nil
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, o := range opts {
		o(req)
	}
	return c.Do(req)
}
