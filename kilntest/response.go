package kilntest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Response is a fully read HTTP response. Its assertion methods report
// failures with Errorf, so the test goes on and shows every mismatch, and
// return the Response for chaining:
//
//	c.Get("/posts/1").
//		AssertStatus(http.StatusOK).
//		AssertHeaderContains("Content-Type", "application/json").
//		AssertJSON(`{"id": 1, "title": "Hello"}`)
type Response struct {
	// StatusCode is the HTTP status, such as 200.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the whole response body; the connection's body is closed.
	Body []byte
	// Request is the request that produced this response: the last one
	// when redirects were followed.
	Request *http.Request

	cookies []*http.Cookie
	t       testing.TB
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Cookies returns the cookies set by this response's Set-Cookie headers,
// with all their attributes.
func (r *Response) Cookies() []*http.Cookie { return r.cookies }

// DecodeJSON decodes the body into v. A body that does not decode fails
// the test with Fatalf, since what follows depends on v.
func (r *Response) DecodeJSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: decoding body as %T: %v\nbody: %s", r.what(), v, err, preview(r.Body))
	}
}

// AssertStatus checks that the status code is code.
func (r *Response) AssertStatus(code int) *Response {
	r.t.Helper()
	r.report(r.checkStatus(code))
	return r
}

// AssertHeader checks that the first value of header key is exactly want.
// An empty want checks that the header is absent or empty.
func (r *Response) AssertHeader(key, want string) *Response {
	r.t.Helper()
	r.report(r.checkHeader(key, want))
	return r
}

// AssertHeaderContains checks that some value of header key contains sub.
func (r *Response) AssertHeaderContains(key, sub string) *Response {
	r.t.Helper()
	r.report(r.checkHeaderContains(key, sub))
	return r
}

// AssertBodyContains checks that the body contains each of subs.
func (r *Response) AssertBodyContains(subs ...string) *Response {
	r.t.Helper()
	for _, s := range subs {
		r.report(r.checkBodyContains(s))
	}
	return r
}

// AssertBodyNotContains checks that the body contains none of subs.
func (r *Response) AssertBodyNotContains(subs ...string) *Response {
	r.t.Helper()
	for _, s := range subs {
		r.report(r.checkBodyNotContains(s))
	}
	return r
}

// AssertJSON checks that the body is JSON equal to want, ignoring key order
// and formatting, and comparing numbers by value (1 equals 1.0). A want of
// type string, []byte or json.RawMessage is JSON text; any other value is
// encoded with encoding/json first. The failure message lists each
// difference by path, such as `$.items[1].name: got "b", want "c"`.
func (r *Response) AssertJSON(want any) *Response {
	r.t.Helper()
	r.report(r.checkJSON(want))
	return r
}

// AssertRedirect checks that the status is a redirect (3xx) to location,
// compared with the Location header exactly.
func (r *Response) AssertRedirect(location string) *Response {
	r.t.Helper()
	r.report(r.checkRedirect(location))
	return r
}

func (r *Response) report(msg string) {
	if msg != "" {
		r.t.Helper()
		r.t.Error(msg)
	}
}

// what names the request in messages: "GET /posts?page=2".
func (r *Response) what() string {
	if r.Request == nil {
		return "response"
	}
	return r.Request.Method + " " + r.Request.URL.RequestURI()
}

// The check methods hold the assertions' logic. Each returns "" when the
// expectation holds and the failure message otherwise, so they can be
// tested, and reused by Scenario, without a testing.TB.

func (r *Response) checkStatus(code int) string {
	if r.StatusCode == code {
		return ""
	}
	msg := fmt.Sprintf("%s: status = %d %s, want %d %s", r.what(), r.StatusCode, http.StatusText(r.StatusCode), code, http.StatusText(code))
	if loc := r.Header.Get("Location"); loc != "" {
		msg += "\nLocation: " + loc
	}
	if len(r.Body) > 0 {
		msg += "\nbody: " + preview(r.Body)
	}
	return msg
}

func (r *Response) checkHeader(key, want string) string {
	if got := r.Header.Get(key); got != want {
		return fmt.Sprintf("%s: header %s = %q, want %q", r.what(), http.CanonicalHeaderKey(key), got, want)
	}
	return ""
}

func (r *Response) checkHeaderContains(key, sub string) string {
	vs := r.Header.Values(key)
	for _, v := range vs {
		if strings.Contains(v, sub) {
			return ""
		}
	}
	if len(vs) == 0 {
		return fmt.Sprintf("%s: header %s is missing, want it to contain %q", r.what(), http.CanonicalHeaderKey(key), sub)
	}
	return fmt.Sprintf("%s: header %s = %q, want it to contain %q", r.what(), http.CanonicalHeaderKey(key), strings.Join(vs, ", "), sub)
}

func (r *Response) checkBodyContains(sub string) string {
	if strings.Contains(string(r.Body), sub) {
		return ""
	}
	return fmt.Sprintf("%s: body does not contain %q\nbody: %s", r.what(), sub, preview(r.Body))
}

func (r *Response) checkBodyNotContains(sub string) string {
	i := strings.Index(string(r.Body), sub)
	if i < 0 {
		return ""
	}
	lo, hi := max(0, i-60), min(len(r.Body), i+len(sub)+60)
	return fmt.Sprintf("%s: body contains %q, want it not to, at byte %d: …%s…", r.what(), sub, i, r.Body[lo:hi])
}

func (r *Response) checkRedirect(location string) string {
	var msgs []string
	if r.StatusCode < 300 || r.StatusCode > 399 {
		msgs = append(msgs, fmt.Sprintf("%s: status = %d %s, want a redirect (3xx)", r.what(), r.StatusCode, http.StatusText(r.StatusCode)))
	}
	if got := r.Header.Get("Location"); got != location {
		msgs = append(msgs, fmt.Sprintf("%s: Location = %q, want %q", r.what(), got, location))
	}
	return strings.Join(msgs, "\n")
}

func (r *Response) checkJSON(want any) string {
	wantText, err := jsonText(want)
	if err != nil {
		return fmt.Sprintf("%s: AssertJSON: want %T is not JSON: %v", r.what(), want, err)
	}
	wantV, err := decodeJSON(wantText)
	if err != nil {
		return fmt.Sprintf("%s: AssertJSON: want is not valid JSON: %v\nwant: %s", r.what(), err, preview(wantText))
	}
	gotV, err := decodeJSON(r.Body)
	if err != nil {
		return fmt.Sprintf("%s: body is not valid JSON (%v)\nContent-Type: %s\nbody: %s", r.what(), err, r.Header.Get("Content-Type"), preview(r.Body))
	}
	diffs := jsonDiff(gotV, wantV)
	if len(diffs) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: JSON body differs from want:", r.what())
	for _, d := range diffs {
		b.WriteString("\n  " + d)
	}
	b.WriteString("\ngot:  " + preview(compact(gotV)))
	b.WriteString("\nwant: " + preview(compact(wantV)))
	return b.String()
}

const previewLen = 1024

// preview returns b for a message, cut at previewLen bytes.
func preview(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	if len(b) <= previewLen {
		return string(b)
	}
	return string(b[:previewLen]) + "… (" + strconv.Itoa(len(b)) + " bytes)"
}
