package techempower

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kiln-web/kiln/kilntest"
)

// The verifier: TestVerify starts every contestant in-process on a random
// port and checks each of the six tests as TechEmpower's verifier does,
// plus the query counts (through each contestant's QueryCounter) and that
// updates persist. cmd/techempower runs it before benchmarking and leaves
// out any contestant whose subtest failed.

// testDatabaseName is the verifier's own database, so that a test run
// never touches the benchmark's hello_world.
const testDatabaseName = "kiln_tfb_test"

var (
	dbOnce sync.Once
	dbURL  string
	dbErr  error
)

// setup returns the URL of a database with the world and fortune tables
// filled, creating it on first use, and a pgx pool on it for reading back.
// It skips the test when PostgreSQL is unreachable (fails with
// KILN_REQUIRE_SERVICES=1).
func setup(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	base := kilntest.PostgresURL(t)
	dbOnce.Do(func() {
		u, err := url.Parse(base)
		if err != nil {
			dbErr = err
			return
		}
		u.Path = "/" + testDatabaseName
		dbURL = u.String()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if dbErr = CreateDatabase(ctx, dbURL); dbErr != nil {
			return
		}
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			dbErr = err
			return
		}
		defer pool.Close()
		dbErr = Setup(ctx, pool)
	})
	if dbErr != nil {
		t.Fatalf("preparing the test database: %v", dbErr)
	}
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return dbURL, pool
}

// start runs c on a random local port and returns its base URL and the
// counter of its queries.
func start(t *testing.T, c Contestant, databaseURL string) (string, *QueryCounter) {
	t.Helper()
	counter := &QueryCounter{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := c.New(ctx, Config{DatabaseURL: databaseURL, PoolSize: 4, Counter: counter})
	if err != nil {
		t.Fatalf("starting %s: %v", c.Name, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutting %s down: %v", c.Name, err)
		}
		select {
		case err := <-served:
			if err != nil && err != http.ErrServerClosed {
				t.Errorf("%s: Serve: %v", c.Name, err)
			}
		case <-ctx.Done():
			t.Errorf("%s: Serve did not return after Shutdown", c.Name)
		}
	})
	return "http://" + ln.Addr().String(), counter
}

// client fetches a path and checks what every response must have.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

// get fetches path, checks the status, the Server, Date, Content-Length
// or Transfer-Encoding headers and that Content-Type starts with ctype,
// and returns the body.
func (c *client) get(path, ctype string) []byte {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, want 200; body %q", path, resp.StatusCode, body)
	}
	if resp.Header.Get("Server") == "" {
		c.t.Errorf("GET %s: no Server header", path)
	}
	if d := resp.Header.Get("Date"); d == "" {
		c.t.Errorf("GET %s: no Date header", path)
	} else if _, err := http.ParseTime(d); err != nil {
		c.t.Errorf("GET %s: Date %q: %v", path, d, err)
	}
	if resp.Header.Get("Content-Length") == "" && !slices.Contains(resp.TransferEncoding, "chunked") {
		c.t.Errorf("GET %s: neither Content-Length nor Transfer-Encoding: chunked", path)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(got), ctype) {
		c.t.Errorf("GET %s: Content-Type %q, want %q", path, got, ctype)
	}
	return body
}

// worlds fetches path and decodes an array of World objects, checking
// that each has exactly the keys id and randomNumber, both in 1..10000.
func (c *client) worlds(path string) []World {
	c.t.Helper()
	body := c.get(path, "application/json")
	var raw []map[string]json.Number
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		c.t.Fatalf("GET %s: not a JSON array of objects: %v; body %.200q", path, err, body)
	}
	ws := make([]World, len(raw))
	for i, o := range raw {
		ws[i] = c.world(path, o)
	}
	return ws
}

func (c *client) world(path string, o map[string]json.Number) World {
	c.t.Helper()
	if len(o) != 2 {
		c.t.Fatalf("GET %s: object %v has keys other than id and randomNumber", path, o)
	}
	id, err1 := o["id"].Int64()
	rn, err2 := o["randomNumber"].Int64()
	if err1 != nil || err2 != nil || id < 1 || id > WorldRows || rn < 1 || rn > 10000 {
		c.t.Fatalf("GET %s: bad world object %v", path, o)
	}
	return World{ID: int(id), RandomNumber: int(rn)}
}

// wantFortunes is TechEmpower's expected page, whitespace between tags
// removed, with < escaped and ', " and > written plainly (see
// normalizeHTML).
const wantFortunes = `<!doctype html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>` +
	`<tr><td>11</td><td>&lt;script&gt;alert("This should not be displayed in a browser alert box.");&lt;/script&gt;</td></tr>` +
	`<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>` +
	`<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>` +
	`<tr><td>2</td><td>A computer scientist is someone who fixes things that aren't broken.</td></tr>` +
	`<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald Knuth</td></tr>` +
	`<tr><td>0</td><td>Additional fortune added at request time.</td></tr>` +
	`<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>` +
	`<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>` +
	`<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>` +
	`<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen</td></tr>` +
	`<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>` +
	`<tr><td>1</td><td>fortune: No such file or directory</td></tr>` +
	`<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>` +
	`</table></body></html>`

var betweenTags = regexp.MustCompile(`>\s+<`)

// normalizeHTML removes white space between tags, lower-cases the doctype
// and writes the escapes TechEmpower's parser accepts for ', ", > and +
// plainly. The escape of < is not optional, so it is left alone.
func normalizeHTML(s string) string {
	s = betweenTags.ReplaceAllString(strings.TrimSpace(s), "><")
	s = strings.Replace(s, "<!DOCTYPE html>", "<!doctype html>", 1)
	return strings.NewReplacer(
		"&#34;", `"`, "&#x22;", `"`, "&quot;", `"`,
		"&#39;", "'", "&#x27;", "'", "&apos;", "'",
		"&#62;", "&gt;", "&#x3e;", "&gt;",
		"&#43;", "+", "&#x2b;", "+", // html/template escapes +
	).Replace(s)
}

func TestVerify(t *testing.T) {
	databaseURL, pool := setup(t)
	for _, c := range Contestants() {
		// Not parallel: the update checks read rows back, which another
		// contestant's updates could change in between.
		t.Run(c.Name, func(t *testing.T) {
			base, counter := start(t, c, databaseURL)
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			cl := &client{t: t, base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
			verify(t, cl, counter, pool)
		})
	}
}

func verify(t *testing.T, cl *client, counter *QueryCounter, pool *pgxpool.Pool) {
	// Each subtest gets its own client so failures name the subtest.
	sub := func(name string, f func(t *testing.T, cl *client)) {
		t.Run(name, func(t *testing.T) { f(t, &client{t: t, base: cl.base, http: cl.http}) })
	}
	sub("json", func(t *testing.T, cl *client) {
		body := cl.get("/json", "application/json")
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || got["message"] != "Hello, World!" {
			t.Errorf("body %q, want {\"message\":\"Hello, World!\"} (%v)", body, err)
		}
	})
	sub("plaintext", func(t *testing.T, cl *client) {
		if body := cl.get("/plaintext", "text/plain"); string(body) != "Hello, World!" {
			t.Errorf("body %q, want %q", body, "Hello, World!")
		}
	})
	sub("db", func(t *testing.T, cl *client) {
		counter.Reset()
		body := cl.get("/db", "application/json")
		var o map[string]json.Number
		if err := json.Unmarshal(body, &o); err != nil {
			t.Fatalf("body %q is not one JSON object: %v", body, err)
		}
		cl.world("/db", o)
		if s, _, _ := counter.Counts(); s != 1 {
			t.Errorf("ran %d SELECTs, want 1", s)
		}
	})
	sub("queries", func(t *testing.T, cl *client) {
		cl.checkClamping("/queries")
		counter.Reset()
		cl.worlds("/queries?queries=20")
		if s, u, o := counter.Counts(); s != 20 || u != 0 {
			t.Errorf("queries=20 ran %d SELECTs, %d UPDATEs and %d other statements; want 20 SELECTs, one per row", s, u, o)
		}
	})
	sub("fortunes", func(t *testing.T, cl *client) {
		counter.Reset()
		body := string(cl.get("/fortunes", "text/html; charset=utf-8"))
		if got := normalizeHTML(body); got != wantFortunes {
			i := 0
			for i < min(len(got), len(wantFortunes)) && got[i] == wantFortunes[i] {
				i++
			}
			t.Errorf("fortunes page differs from byte %d:\n got …%.80s\nwant …%.80s\nwhole page: %s", i, got[i:], wantFortunes[i:], body)
		}
		if strings.Contains(body, "<script>") {
			t.Error("fortunes page contains an unescaped <script>")
		}
		if s, _, _ := counter.Counts(); s != 1 {
			t.Errorf("ran %d SELECTs, want 1", s)
		}
	})
	sub("updates", func(t *testing.T, cl *client) {
		cl.checkClamping("/updates")
		counter.Reset()
		ws := cl.worlds("/updates?queries=20")
		s, u, _ := counter.Counts()
		if s != 20 {
			t.Errorf("updates=20 ran %d SELECTs, want 20, one per row", s)
		}
		if u < 18 {
			t.Errorf("updates=20 ran %d UPDATEs, want at least 18 (90%%)", u)
		}
		checkPersisted(t, pool, ws)
	})
}

// checkClamping requests path with each of clampCases and checks the
// number of rows.
func (c *client) checkClamping(path string) {
	c.t.Helper()
	for _, tc := range clampCases {
		if got := len(c.worlds(path + tc.query)); got != tc.rows {
			c.t.Errorf("GET %s%s: %d rows, want %d", path, tc.query, got, tc.rows)
		}
	}
}

// clampCases are the queries parameters TechEmpower's verifier sends and
// the number of rows each must give.
var clampCases = []struct {
	query string
	rows  int
}{
	{"?queries=2", 2},
	{"?queries=0", 1},
	{"?queries=foo", 1},
	{"?queries=", 1},
	{"", 1},
	{"?queries=501", 500},
}

// checkPersisted reads each updated row back and checks that it holds a
// value the response reported for it (a repeated id may have several).
func checkPersisted(t *testing.T, pool *pgxpool.Pool, ws []World) {
	t.Helper()
	reported := map[int][]int{}
	for _, w := range ws {
		reported[w.ID] = append(reported[w.ID], w.RandomNumber)
	}
	changed := 0
	for id, values := range reported {
		var got int
		if err := pool.QueryRow(context.Background(), "SELECT randomnumber FROM world WHERE id = $1", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(values, got) {
			changed++
		} else {
			t.Errorf("world %d holds %d, but the response reported %v", id, got, values)
		}
	}
	if changed < len(reported)*9/10 {
		t.Errorf("only %d of %d rows persisted", changed, len(reported))
	}
}

func TestQueryCount(t *testing.T) {
	for in, want := range map[string]int{
		"": 1, "foo": 1, "0": 1, "-3": 1, "1": 1, "2": 2, "20": 20, "500": 500, "501": 500,
		"99999999999999999999": 1, "2x": 1,
	} {
		if got := QueryCount(in); got != want {
			t.Errorf("QueryCount(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestRawQueryValue(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"queries=20", "20"},
		{"a=1&queries=5&b", "5"},
		{"queriesx=3", ""},
		{"", ""},
		{"queries", ""},
	} {
		if got := rawQueryValue(tc.query, "queries"); got != tc.want {
			t.Errorf("rawQueryValue(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestNormalizeHTML(t *testing.T) {
	in := "<!DOCTYPE html>\n<html> <td>&#34;a&#39;&gt;</td>\n</html>"
	if got, want := normalizeHTML(in), `<!doctype html><html><td>"a'&gt;</td></html>`; got != want {
		t.Errorf("normalizeHTML = %q, want %q", got, want)
	}
}
