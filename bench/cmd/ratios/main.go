// Command ratios summarises `go test -bench` output of the router benchmarks
// as Markdown: one table per suite (BenchmarkGithubAll/kiln, .../servemux, ...
// form the suite GithubAll) with each router's median ns/op, B/op and
// allocs/op over all runs (-count), and the ratio of its time to Kiln's.
//
// Usage:
//
//	ratios [file ...]
//
// With no files it reads standard input. The ratio is peer ns/op divided by
// kiln ns/op: above 1 Kiln is faster, below 1 the peer is.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// reference is the router every other is compared with.
const reference = "kiln"

func main() {
	files := os.Args[1:]
	out := bufio.NewWriter(os.Stdout)
	if err := run(out, files, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}

// run reads the named files, or stdin if there are none, and writes the
// tables to w.
func run(w io.Writer, files []string, stdin io.Reader) error {
	var t tables
	if len(files) == 0 {
		if err := t.read(stdin, "stdin"); err != nil {
			return err
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = t.read(f, name)
		f.Close()
		if err != nil {
			return err
		}
	}
	if len(t.suites) == 0 {
		return fmt.Errorf("no benchmark results in input")
	}
	t.write(w)
	return nil
}

// samples holds one router's results in one suite, one entry per run.
type samples struct {
	router          string
	ns, bytes, allo []float64
}

type suite struct {
	name    string
	routers []*samples // in order of first appearance
}

func (s *suite) get(router string) *samples {
	for _, r := range s.routers {
		if r.router == router {
			return r
		}
	}
	r := &samples{router: router}
	s.routers = append(s.routers, r)
	return r
}

type tables struct {
	suites []*suite // in order of first appearance
}

func (t *tables) get(name string) *suite {
	for _, s := range t.suites {
		if s.name == name {
			return s
		}
	}
	s := &suite{name: name}
	t.suites = append(t.suites, s)
	return s
}

// read adds the results in r. Lines that are not benchmark results (PASS,
// ok, log output) are skipped, as benchfmt does.
func (t *tables) read(r io.Reader, fileName string) error {
	br := benchfmt.NewReader(r, fileName)
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error: some other line
		}
		base, parts := res.Name.Parts()
		suiteName := strings.TrimPrefix(string(base), "Benchmark")
		router := ""
		for _, p := range parts {
			if p[0] == '/' { // not "-<GOMAXPROCS>"
				router += string(p)
			}
		}
		router = strings.TrimPrefix(router, "/")
		if router == "" {
			router = "-"
		}
		s := t.get(suiteName).get(router)
		if v, ok := res.Value("sec/op"); ok {
			s.ns = append(s.ns, v*1e9)
		}
		if v, ok := res.Value("B/op"); ok {
			s.bytes = append(s.bytes, v)
		}
		if v, ok := res.Value("allocs/op"); ok {
			s.allo = append(s.allo, v)
		}
	}
	return br.Err()
}

func (t *tables) write(w io.Writer) {
	fmt.Fprintf(w, "Medians over all runs. \"vs %s\" is peer ns/op ÷ %s ns/op: above 1 %s is faster.\n", reference, reference, reference)
	for _, s := range t.suites {
		ref, hasRef := s.ref()
		fmt.Fprintf(w, "\n### %s\n\n", s.name)
		fmt.Fprintf(w, "| router | runs | ns/op | B/op | allocs/op | vs %s |\n", reference)
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
		for _, r := range s.routers {
			ns, ok := median(r.ns)
			ratio := "–"
			if hasRef && ok {
				ratio = strconv.FormatFloat(ns/ref, 'f', 2, 64)
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s |\n",
				r.router, len(r.ns), fmtNs(r.ns), fmtCount(r.bytes), fmtCount(r.allo), ratio)
		}
	}

	// The summary: one row per suite that has the reference, one column
	// per peer.
	var peers []string
	for _, s := range t.suites {
		if _, ok := s.ref(); !ok {
			continue
		}
		for _, r := range s.routers {
			if r.router != reference && !slices.Contains(peers, r.router) {
				peers = append(peers, r.router)
			}
		}
	}
	if len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Summary: peer ns/op ÷ %s ns/op\n\n", reference)
	fmt.Fprintf(w, "| suite | %s |\n", strings.Join(peers, " | "))
	fmt.Fprintf(w, "|---%s|\n", strings.Repeat("|--:", len(peers)))
	for _, s := range t.suites {
		ref, ok := s.ref()
		if !ok {
			continue
		}
		cells := make([]string, len(peers))
		for i, p := range peers {
			cells[i] = "–"
			for _, r := range s.routers {
				if ns, ok := median(r.ns); ok && r.router == p {
					cells[i] = strconv.FormatFloat(ns/ref, 'f', 2, 64)
				}
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", s.name, strings.Join(cells, " | "))
	}
}

// ref returns the reference router's median ns/op in s.
func (s *suite) ref() (float64, bool) {
	for _, r := range s.routers {
		if r.router == reference {
			ns, ok := median(r.ns)
			return ns, ok && ns > 0
		}
	}
	return 0, false
}

// median returns the median of xs, the mean of the middle two for an even
// count.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

func fmtNs(xs []float64) string {
	m, ok := median(xs)
	switch {
	case !ok:
		return "–"
	case m >= 1000:
		return strconv.FormatFloat(m, 'f', 0, 64)
	default:
		return strconv.FormatFloat(m, 'f', 1, 64)
	}
}

func fmtCount(xs []float64) string {
	m, ok := median(xs)
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(m, 'f', -1, 64)
}
