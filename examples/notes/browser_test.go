package main

// Browser tests: a real headless Chromium, driven with chromedp, uses the
// notes app served on a real socket by kilntest. They check what only a
// browser shows: the form round trip, escaping as the DOM sees it, the
// re-rendered form on validation errors, the HTML error page, and that
// Go's CrossOriginProtection blocks a form posted from another site while
// the app's own form still works.
//
// They need Chromium (Debian: apt-get install chromium chromium-driver).
// Without it they skip, unless KILN_REQUIRE_SERVICES=1, as in CI.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/kiln-web/kiln/kilntest"
)

// browserTimeout bounds everything one test does with its browser,
// including the start of Chromium.
const browserTimeout = 60 * time.Second

// findChromium returns the path of the Chromium binary, or "" when it is
// not installed.
func findChromium() string {
	const debianPath = "/usr/bin/chromium"
	if _, err := os.Stat(debianPath); err == nil {
		return debianPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile for t and
// returns the chromedp context of its first tab. Everything run on it
// fails after browserTimeout. The browser is closed when t ends, and its
// output is logged if t failed.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		const msg = "chromium not installed; apt-get install chromium chromium-driver"
		if os.Getenv("KILN_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg + " (KILN_REQUIRE_SERVICES=1)")
		}
		t.Skip(msg)
	}

	// The whole flag list, not DefaultExecAllocatorOptions (chromedp adds
	// only --remote-debugging-pipe and about:blank). None of it makes
	// Chromium reach the network on its own. Note: Debian's
	// /usr/bin/chromium is a shell wrapper that also adds the defaults
	// in /etc/chromium.d (--disable-pings, --media-router=0, ...).
	var output lockedBuffer
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&output),
	}

	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// Registered after t.TempDir, so it runs first: the browser is gone
	// before its profile directory is removed.
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("closing chromium: %v", err)
		}
		cancelCtx()
		cancelAlloc() // kills the browser if it is still there, and waits
		cancelTimeout()
		if t.Failed() {
			t.Logf("chromium output:\n%s", output.String())
		}
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting chromium %s: %v", path, err)
	}
	return ctx
}

// lockedBuffer is a bytes.Buffer that the browser's output goroutine and
// the test can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// served is one request the app answered, as the server saw it.
type served struct {
	Method, Path string
	Status       int
	SecFetchSite string // what the browser said about where the request came from
	Origin       string
	Accept       string
}

// requestLog records every request the app answers, with its status.
type requestLog struct {
	mu   sync.Mutex
	reqs []served
}

// wrap records each request when its status is written: before any byte
// of the answer leaves the server, so a test that has seen the page in
// the browser finds the request in the log.
func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, record: func(status int) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.reqs = append(l.reqs, served{
				Method: r.Method, Path: r.URL.Path, Status: status,
				SecFetchSite: r.Header.Get("Sec-Fetch-Site"),
				Origin:       r.Header.Get("Origin"),
				Accept:       r.Header.Get("Accept"),
			})
		}}
		h.ServeHTTP(sw, r)
		sw.setStatus(http.StatusOK) // if the handler wrote nothing
	})
}

// find returns the recorded requests with that method and path.
func (l *requestLog) find(method, path string) []served {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []served
	for _, r := range l.reqs {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// statusWriter calls record with the status of the response, once, when
// it is written.
type statusWriter struct {
	http.ResponseWriter
	record  func(status int)
	written bool
}

func (w *statusWriter) setStatus(code int) {
	if !w.written {
		w.written = true
		w.record(code)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if code >= 200 { // 1xx are informational; the real status follows
		w.setStatus(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	w.setStatus(http.StatusOK)
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// serveForBrowser is setup(t) with a request log around the app. The app
// listens on 127.0.0.1.
func serveForBrowser(t *testing.T) (*kilntest.Client, *store, *requestLog) {
	t.Helper()
	app, s := testApp(t)
	log := &requestLog{}
	return kilntest.New(t, log.wrap(app)), s, log
}

// do runs steps on the tab, failing t with what on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value, failing t with what on error.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

var (
	titleInput   = chromedp.CSS(`form input[name="title"]`)
	bodyTextarea = chromedp.CSS(`form textarea[name="body"]`)
	submitButton = chromedp.CSS(`form button[type="submit"]`)
)

// submitNoteForm loads the home page, types title and body into the form,
// clicks "Add note" and waits for the page the app answers with.
func submitNoteForm(t *testing.T, ctx context.Context, homeURL, title, body string) *network.Response {
	t.Helper()
	do(t, ctx, "fill in the form",
		chromedp.Navigate(homeURL),
		chromedp.WaitVisible(titleInput),
		chromedp.SendKeys(titleInput, title),
		chromedp.SendKeys(bodyTextarea, body),
	)
	if got := get(t, ctx, "button text", chromedp.Text(submitButton)); got != "Add note" {
		t.Fatalf("submit button says %q, want %q", got, "Add note")
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(submitButton))
	if err != nil {
		t.Fatalf("submit the form: %v", err)
	}
	return resp
}

func TestBrowserCreateNote(t *testing.T) {
	t.Parallel()
	ctx := startBrowser(t)
	c, s, log := serveForBrowser(t)

	do(t, ctx, "load home", chromedp.Navigate(c.URL("/")), chromedp.WaitVisible(chromedp.CSS("ul.notes li.empty")))
	if got := get(t, ctx, "empty list", chromedp.Text(chromedp.CSS("ul.notes li.empty"))); got != "No notes yet." {
		t.Fatalf("empty list says %q", got)
	}

	// The title has markup in it: the browser must show it as text.
	const title = "Shopping <b>bold</b> list"
	const body = "milk & eggs"
	resp := submitNoteForm(t, ctx, c.URL("/"), title, body)
	if resp.Status != http.StatusOK || resp.URL != c.URL("/notes/1") {
		t.Fatalf("after submit: %d %s, want 200 %s", resp.Status, resp.URL, c.URL("/notes/1"))
	}
	if got := log.find(http.MethodPost, "/notes"); len(got) != 1 || got[0].Status != http.StatusSeeOther || got[0].SecFetchSite != "same-origin" {
		t.Fatalf("POST /notes as the server saw it: %+v, want one 303 with Sec-Fetch-Site same-origin", got)
	}

	do(t, ctx, "note page", chromedp.WaitVisible(chromedp.CSS("article h1")))
	if got := get(t, ctx, "location", chromedp.Location()); got != c.URL("/notes/1") {
		t.Fatalf("location %q, want %q", got, c.URL("/notes/1"))
	}
	if got := get(t, ctx, "h1 text", chromedp.TextContent(chromedp.CSS("article h1"))); got != title {
		t.Fatalf("h1 textContent %q, want %q", got, title)
	}
	if got, want := get(t, ctx, "h1 html", chromedp.InnerHTML(chromedp.CSS("article h1"))), "Shopping &lt;b&gt;bold&lt;/b&gt; list"; got != want {
		t.Fatalf("h1 innerHTML %q, want %q (escaped, no <b> element)", got, want)
	}
	if n := get(t, ctx, "count <b>", chromedp.Evaluate[int](`document.querySelectorAll("b").length`)); n != 0 {
		t.Fatalf("the page has %d <b> elements: the title was rendered as markup", n)
	}
	if got := get(t, ctx, "note body", chromedp.TextContent(chromedp.CSS("article .body"))); got != body {
		t.Fatalf("note body %q, want %q", got, body)
	}

	// Back to the home page by the note page's link: the list has the
	// note, as text.
	allNotes := chromedp.CSS(`main a[href="/"]`)
	if got := get(t, ctx, "link text", chromedp.Text(allNotes)); got != "All notes" {
		t.Fatalf("link home says %q, want %q", got, "All notes")
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(allNotes)); err != nil {
		t.Fatalf("follow the link home: %v", err)
	}
	link := chromedp.CSS(`ul.notes li a`)
	do(t, ctx, "home list", chromedp.WaitVisible(link))
	if got := get(t, ctx, "location", chromedp.Location()); got != c.URL("/") {
		t.Fatalf("location %q, want %q", got, c.URL("/"))
	}
	items := get(t, ctx, "list items", chromedp.Evaluate[[]string](`[...document.querySelectorAll("ul.notes li")].map(li => li.textContent)`))
	if len(items) != 1 || items[0] != title {
		t.Fatalf("home lists %q, want just %q", items, title)
	}
	if got := get(t, ctx, "link href", chromedp.AttributeValue(link, "href")); got.Value != "/notes/1" {
		t.Fatalf("link href %q, want /notes/1", got.Value)
	}
	if got := get(t, ctx, "link html", chromedp.InnerHTML(link)); strings.Contains(got, "<b>") {
		t.Fatalf("list link innerHTML %q has a <b> element", got)
	}
	if notes := mustList(t, s); len(notes) != 1 || notes[0].Title != title || notes[0].Body != body {
		t.Fatalf("store holds %+v", notes)
	}
}

func TestBrowserValidationErrors(t *testing.T) {
	t.Parallel()
	ctx := startBrowser(t)
	c, s, _ := serveForBrowser(t)

	const body = "this text must survive the error"
	resp := submitNoteForm(t, ctx, c.URL("/"), "ab", body)
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.Status)
	}

	do(t, ctx, "error message", chromedp.WaitVisible(chromedp.ID("title-error")))
	if got := get(t, ctx, "location", chromedp.Location()); got != c.URL("/notes") {
		t.Fatalf("location %q, want %q", got, c.URL("/notes"))
	}
	if got := get(t, ctx, "title error", chromedp.Text(chromedp.ID("title-error"))); got != "Title must be at least 3 characters" {
		t.Fatalf("#title-error says %q", got)
	}
	if n := get(t, ctx, "body error", chromedp.Evaluate[int](`document.querySelectorAll("#body-error").length`)); n != 0 {
		t.Fatalf("a valid body got an error message")
	}
	if got := get(t, ctx, "title value", chromedp.Value(titleInput)); got != "ab" {
		t.Fatalf("title input holds %q, want %q", got, "ab")
	}
	if got := get(t, ctx, "body value", chromedp.Value(bodyTextarea)); got != body {
		t.Fatalf("textarea holds %q, want %q", got, body)
	}
	if n := len(mustList(t, s)); n != 0 {
		t.Fatalf("an invalid form created %d notes", n)
	}
}

// attackerPage is a page on another site that posts a note to the app as
// soon as it loads, as a CSRF attack would.
func attackerPage(action string) string {
	return fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>You won a prize</title></head>
<body>
<h1>You won a prize</h1>
<form id="forged" method="post" action="%s">
<input type="hidden" name="title" value="Forged note">
<input type="hidden" name="body" value="posted by another site">
</form>
<script>document.getElementById("forged").submit();</script>
</body></html>`, action)
}

func TestBrowserCrossSiteFormIsBlocked(t *testing.T) {
	t.Parallel()
	ctx := startBrowser(t)
	c, s, log := serveForBrowser(t)

	// The app is at http://127.0.0.1:<port1>. The attacker's server also
	// listens on 127.0.0.1, but the browser reaches it as
	// http://localhost:<port2>: another host, so another origin and
	// another site.
	target := c.URL("/notes")
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, attackerPage(target))
	}))
	t.Cleanup(evil.Close)
	_, port, err := net.SplitHostPort(evil.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	evilOrigin := "http://localhost:" + port

	// Subscribe before navigating, so no response is missed.
	responses := chromedp.Events(ctx, network.ResponseReceived)
	// Navigate and wait for the page the forged post lands on. The
	// refusal is text/plain, which Chromium shows in a <pre>; the
	// attacker's page has none. Had the post gone through, the browser
	// would be on the new note's page: wait for that too, to fail fast.
	landed := chromedp.CSS("body > pre, article h1")
	do(t, ctx, "attacker page", chromedp.Navigate(evilOrigin+"/"), chromedp.WaitVisible(landed))
	location := get(t, ctx, "location", chromedp.Location())
	text := get(t, ctx, "page text", chromedp.Text(landed))
	if location != target || !strings.Contains(text, "cross-origin request detected") {
		t.Fatalf("the forged post landed on %s showing %q; want %s refusing it", location, text, target)
	}
	// What the browser got for the post, from its network events.
	var status int64
	for ev, err := range responses {
		if err != nil {
			t.Fatalf("waiting for the response to the forged post: %v", err)
		}
		if ev.Type == network.ResourceTypeDocument && ev.Response.URL == target {
			status = ev.Response.Status
			break
		}
	}
	if status != http.StatusForbidden {
		t.Fatalf("the browser got %d for the forged post, want 403", status)
	}
	// What the server saw.
	posts := log.find(http.MethodPost, "/notes")
	if len(posts) != 1 {
		t.Fatalf("the app saw %d posts, want 1: %+v", len(posts), posts)
	}
	if p := posts[0]; p.Status != http.StatusForbidden || p.SecFetchSite != "cross-site" || p.Origin != evilOrigin {
		t.Fatalf("forged post as the server saw it: %+v; want 403, Sec-Fetch-Site cross-site, Origin %s", p, evilOrigin)
	}
	if n := len(mustList(t, s)); n != 0 {
		t.Fatalf("the forged post created %d notes", n)
	}

	// Control: the same browser posting the app's own form, from the
	// app's origin, succeeds. The protection tells origins apart; it
	// does not just refuse every post.
	resp := submitNoteForm(t, ctx, c.URL("/"), "My own note", "from the app's page")
	if resp.Status != http.StatusOK || resp.URL != c.URL("/notes/1") {
		t.Fatalf("own form: %d %s, want 200 %s", resp.Status, resp.URL, c.URL("/notes/1"))
	}
	posts = log.find(http.MethodPost, "/notes")
	if len(posts) != 2 {
		t.Fatalf("the app saw %d posts, want 2: %+v", len(posts), posts)
	}
	if p := posts[1]; p.Status != http.StatusSeeOther || p.SecFetchSite != "same-origin" {
		t.Fatalf("own post as the server saw it: %+v; want 303, Sec-Fetch-Site same-origin", p)
	}
	do(t, ctx, "note page", chromedp.WaitVisible(chromedp.CSS("article h1")))
	if got := get(t, ctx, "h1", chromedp.Text(chromedp.CSS("article h1"))); got != "My own note" {
		t.Fatalf("h1 %q", got)
	}
	if notes := mustList(t, s); len(notes) != 1 || notes[0].Title != "My own note" {
		t.Fatalf("store holds %+v, want only the app's own note", notes)
	}
}

func TestBrowserErrorPage(t *testing.T) {
	t.Parallel()
	ctx := startBrowser(t)
	c, _, log := serveForBrowser(t)

	resp := get(t, ctx, "navigate", chromedp.NavigateResponse(c.URL("/does-not-exist")))
	if resp.Status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.Status)
	}
	if resp.MimeType != "text/html" {
		t.Fatalf("the browser got %q, want the HTML error page", resp.MimeType)
	}
	do(t, ctx, "error page", chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := get(t, ctx, "content type", chromedp.Evaluate[string](`document.contentType`)); got != "text/html" {
		t.Fatalf("document.contentType %q", got)
	}
	if got := get(t, ctx, "title", chromedp.Title()); !strings.Contains(got, "Not Found") {
		t.Fatalf("<title> %q, want it to contain Not Found", got)
	}
	if got := get(t, ctx, "h1", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(got, "Not Found") {
		t.Fatalf("h1 %q, want it to contain Not Found", got)
	}
	if text := get(t, ctx, "page text", chromedp.Text(chromedp.CSS("body"))); strings.Contains(text, `"status"`) || strings.HasPrefix(strings.TrimSpace(text), "{") {
		t.Fatalf("the page shows JSON: %q", text)
	}
	// The app chose HTML because the browser asked for it.
	got := log.find(http.MethodGet, "/does-not-exist")
	if len(got) != 1 || got[0].Status != http.StatusNotFound || !strings.Contains(got[0].Accept, "text/html") {
		t.Fatalf("the request as the server saw it: %+v", got)
	}
}
