package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/config"
	"github.com/kiln-web/kiln/kilntest"
)

// testApp builds the app as main does, with the test profile and a fresh
// SQLite database, migrated.
func testApp(t *testing.T) (*kiln.App, *store) {
	t.Helper()
	var cfg Config
	if err := config.Load(&cfg, &config.Options{NoEnvFile: true, Environ: map[string]string{"KILN_ENV": "test"}}); err != nil {
		t.Fatal(err)
	}
	s, err := openStore(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "notes.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.db.Close() })
	app, err := newApp(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	return app, s
}

// setup serves testApp behind a real socket.
func setup(t *testing.T) (*kilntest.Client, *store) {
	t.Helper()
	app, s := testApp(t)
	return kilntest.New(t, app), s
}

func TestPages(t *testing.T) {
	t.Parallel()
	c, s := setup(t)
	if _, err := s.create(context.Background(), NoteInput{Title: "<script>alert(1)</script>", Body: "escaped?"}); err != nil {
		t.Fatal(err)
	}

	c.Get("/").AssertStatus(200).
		AssertHeaderContains("Content-Type", "text/html").
		AssertBodyContains("&lt;script&gt;alert(1)&lt;/script&gt;").
		AssertBodyNotContains("<script>alert(1)").
		AssertHeader("X-Content-Type-Options", "nosniff")

	// The form: a valid post redirects to the new note's page.
	res := c.PostForm("/notes", url.Values{"title": {"Shopping"}, "body": {"milk"}})
	res.AssertStatus(http.StatusSeeOther).AssertHeader("Location", "/notes/2")
	c.Get("/notes/2").AssertStatus(200).AssertBodyContains("Shopping").AssertBodyContains("milk")

	// An invalid post re-renders the form with the message and keeps the input.
	c.PostForm("/notes", url.Values{"title": {"ab"}, "body": {"kept text"}}).
		AssertStatus(http.StatusUnprocessableEntity).
		AssertBodyContains("Title must be at least 3 characters").
		AssertBodyContains(`value="ab"`).
		AssertBodyContains("kept text")

	c.Get("/notes/999").AssertStatus(404)
	c.Get("/notes/abc").AssertStatus(400)
	c.Get("/static/site.css").AssertStatus(200).AssertHeaderContains("Content-Type", "text/css")
	c.Get("/healthz").AssertStatus(200).AssertJSON(map[string]string{"status": "ok"})
}

func TestCrossOriginFormIsRejected(t *testing.T) {
	t.Parallel()
	c, s := setup(t)
	c.PostForm("/notes", url.Values{"title": {"Forged note"}},
		kilntest.WithHeader("Sec-Fetch-Site", "cross-site"),
		kilntest.WithHeader("Origin", "https://evil.example")).AssertStatus(http.StatusForbidden)
	if n := len(mustList(t, s)); n != 0 {
		t.Fatalf("a cross-site form created %d notes", n)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	var created Note
	c.PostJSON("/api/notes", map[string]string{"title": "First note", "body": "hello"}).
		AssertStatus(201).AssertHeader("Location", "/api/notes/1").DecodeJSON(&created)
	if created.ID != 1 || created.Title != "First note" {
		t.Fatalf("created %+v", created)
	}
	c.Get("/api/notes/1").AssertStatus(200).AssertBodyContains(`"title":"First note"`)
	c.PutJSON("/api/notes/1", map[string]string{"title": "Renamed", "body": ""}).AssertStatus(200).AssertBodyContains("Renamed")
	c.Get("/api/notes", kilntest.WithQuery(url.Values{"q": {"renamed"}})).AssertStatus(200).AssertBodyContains("Renamed")
	c.Get("/api/notes", kilntest.WithQuery(url.Values{"q": {"nothing"}})).AssertStatus(200).AssertJSON([]any{})
	c.Delete("/api/notes/1", nil).AssertStatus(204)
	c.Get("/api/notes/1").AssertStatus(404)
}

// TestBadInput checks that every kind of bad request gets a clear 4xx
// answer in problem+json and changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	app, s := testApp(t)
	json := http.Header{"Content-Type": {"application/json"}}
	kilntest.Run(t, app, []kilntest.Scenario{
		{Name: "malformed JSON names the place", Method: "POST", Path: "/api/notes", Header: json,
			Body: "{\"title\": \"x\",\n \"body\": }", WantStatus: 400,
			WantBodyContains: []string{"malformed JSON at line 2", `"code": "malformed_json"`}},
		{Name: "wrong type names the field", Method: "POST", Path: "/api/notes", Header: json,
			Body: `{"title": 5}`, WantStatus: 400, WantBodyContains: []string{`"field": "title"`}},
		{Name: "unknown field", Method: "POST", Path: "/api/notes", Header: json,
			Body: `{"title": "Valid", "colour": "red"}`, WantStatus: 400, WantBodyContains: []string{"colour"}},
		{Name: "invalid fields are all listed", Method: "POST", Path: "/api/notes", Header: json,
			Body: `{"body": "` + strings.Repeat("x", 10001) + `"}`, WantStatus: 422,
			WantBodyContains: []string{`"field": "title"`, `"field": "body"`, "is required", "must be at most 10000 characters"}},
		{Name: "wrong content type", Method: "POST", Path: "/api/notes", Header: http.Header{"Content-Type": {"text/plain"}},
			Body: "hello", WantStatus: 415},
		{Name: "too large", Method: "POST", Path: "/api/notes", Header: json,
			Body: `{"title": "` + strings.Repeat("x", 2<<20) + `"}`, WantStatus: 413},
		{Name: "wrong method", Method: "PUT", Path: "/healthz", WantStatus: 405,
			WantHeader: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{Name: "bad id", Method: "GET", Path: "/api/notes/x1", WantStatus: 400, WantBodyContains: []string{"invalid_id"}},
		{Name: "unknown path", Method: "GET", Path: "/nope", WantStatus: 404,
			WantHeader: map[string]string{"Content-Type": "application/problem+json"}},
	})
	if n := len(mustList(t, s)); n != 0 {
		t.Fatalf("bad requests created %d notes", n)
	}
}

// TestRun starts the real server the way main does and stops it with a
// cancelled context, as SIGTERM would.
func TestRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app, _ := testApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "ok") {
		t.Fatalf("healthz: %s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
}

// TestMigrateCommand runs "notes migrate …" in-process on the embedded
// migrations, and checks it agrees with what the server applies at start.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "notes.db")
	var out bytes.Buffer
	cli := migrateCLI(url)
	cli.Name, cli.Stdout = "notes migrate", &out
	run := func(want string, args ...string) {
		t.Helper()
		out.Reset()
		if err := cli.Run(context.Background(), args); err != nil || out.String() != want {
			t.Fatalf("%q: %v; wrote\n%s\nwant\n%s", args, err, out.String(), want)
		}
	}
	run("VERSION  NAME          STATE    APPLIED AT  FILE\n"+
		"1        create_notes  pending  -           0001_create_notes.up.sqlite.sql\n", "status")

	// The server applies the migrations at start; the command sees them.
	s, err := openStore(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.db.Close()
	run("1\n", "version")
	run("reverted 0001_create_notes.down.sqlite.sql\nat version 0\n", "down")
	run("applied 0001_create_notes.up.sqlite.sql\nat version 1\n", "up")
}

// mustList returns every note in the store.
func mustList(t *testing.T, s *store) []Note {
	t.Helper()
	notes, err := s.list(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return notes
}

// TestSearchTreatsWildcardsAsText checks the API search escapes LIKE's
// wildcards, so "50%" finds that text and not "500".
func TestSearchTreatsWildcardsAsText(t *testing.T) {
	t.Parallel()
	c, s := setup(t)
	for _, title := range []string{"50% off", "500 items", "snake_case", "snakeXcase"} {
		if _, err := s.create(context.Background(), NoteInput{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]string{"50%": "50% off", "_case": "snake_case", "SNAKE_": "snake_case", "items": "500 items"} {
		var got []Note
		c.Get("/api/notes", kilntest.WithQuery(url.Values{"q": {q}})).AssertStatus(200).DecodeJSON(&got)
		if len(got) != 1 || got[0].Title != want {
			t.Errorf("search %q: %+v, want only %q", q, got, want)
		}
	}
}

// TestMigrationsMatchModels fails when a model changed without a
// migration: run "go run ./examples/notes migrate make NAME" from the
// repository's root and commit the files.
func TestMigrationsMatchModels(t *testing.T) {
	var out bytes.Buffer
	cli := migrateCLI("")
	cli.Dir, cli.Stdout = "migrations", &out // tests run in examples/notes
	if err := cli.Run(context.Background(), []string{"make", "--check"}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if out.String() != "The migrations match the models.\n" {
		t.Errorf("make --check wrote %q", out.String())
	}
}
