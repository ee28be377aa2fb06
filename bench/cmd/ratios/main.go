// Command ratios summarises `go test -bench` output as Markdown: one table
// per suite with each contestant's median ns/op, B/op and allocs/op over
// all runs (-count, or several runs in a row), and the ratio of its time to
// a reference contestant's. The last part of a benchmark's name is the
// contestant and the rest the suite: BenchmarkGithubAll/kiln and
// BenchmarkGithubAll/servemux form the suite GithubAll, and
// BenchmarkPostgres/Get/kiln and BenchmarkPostgres/Get/sql the suite
// Postgres/Get.
//
// Usage:
//
//	ratios [-ref name] [-allocs] [file ...]
//
// With no files it reads standard input. Each ratio is the contestant's
// figure divided by the reference's (-ref, by default kiln): above 1 the
// contestant is slower than the reference, or allocates more. -allocs adds
// the ratio of allocs/op beside the ratio of ns/op, and a summary of it.
// Results that report a cpu-ns/op metric (the ORM benchmarks) get its
// median and ratio too.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// options are the command's flags.
type options struct {
	ref    string // the contestant every other is compared with
	allocs bool   // also compare allocs/op
}

func main() {
	var opts options
	flag.StringVar(&opts.ref, "ref", "kiln", "the contestant the ratios compare with")
	flag.BoolVar(&opts.allocs, "allocs", false, "also report allocs/op ratios")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: ratios [-ref name] [-allocs] [file ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	out := bufio.NewWriter(os.Stdout)
	if err := run(out, flag.Args(), os.Stdin, opts); err != nil {
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
func run(w io.Writer, files []string, stdin io.Reader, opts options) error {
	t := tables{options: opts}
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
	cpu             []float64 // the cpu-ns/op metric, when reported
}

type suite struct {
	name    string
	routers []*samples // in order of first appearance
}

func (s *suite) get(router string) *samples {
	if r := s.find(router); r != nil {
		return r
	}
	r := &samples{router: router}
	s.routers = append(s.routers, r)
	return r
}

type tables struct {
	options
	suites []*suite // in order of first appearance
	cpu    bool     // some result reports cpu-ns/op
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
		var names []string
		for _, p := range parts {
			if p[0] == '/' { // not "-<GOMAXPROCS>"
				names = append(names, string(p[1:]))
			}
		}
		router := "-"
		if len(names) > 0 {
			router = names[len(names)-1]
			suiteName = strings.Join(append([]string{suiteName}, names[:len(names)-1]...), "/")
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
		if v, ok := res.Value("cpu-sec/op"); ok { // cpu-ns/op, tidied by benchfmt
			s.cpu = append(s.cpu, v*1e9)
			t.cpu = true
		}
	}
	return br.Err()
}

func (t *tables) write(w io.Writer) {
	ref := t.ref
	fmt.Fprintf(w, "Medians over all runs. \"vs %s\" is the contestant's ns/op ÷ %s's: above 1 it is slower than %s.", ref, ref, ref)
	if t.cpu {
		fmt.Fprintf(w, " \"cpu vs %s\" is the same for cpu-ns/op, the process's CPU time per op.", ref)
	}
	if t.allocs {
		fmt.Fprintf(w, " \"allocs vs %s\" is the same for allocs/op.", ref)
	}
	fmt.Fprintln(w)
	for _, s := range t.suites {
		fmt.Fprintf(w, "\n### %s\n\n", s.name)
		fmt.Fprintf(w, "| contestant | runs | ns/op |")
		align := "|---|--:|--:|"
		if t.cpu {
			fmt.Fprint(w, " cpu-ns/op |")
			align += "--:|"
		}
		fmt.Fprintf(w, " B/op | allocs/op | vs %s |", ref)
		align += "--:|--:|--:|"
		if t.cpu {
			fmt.Fprintf(w, " cpu vs %s |", ref)
			align += "--:|"
		}
		if t.allocs {
			fmt.Fprintf(w, " allocs vs %s |", ref)
			align += "--:|"
		}
		fmt.Fprintf(w, "\n%s\n", align)
		for _, r := range s.routers {
			fmt.Fprintf(w, "| %s | %d | %s |", r.router, len(r.ns), fmtNs(r.ns))
			if t.cpu {
				fmt.Fprintf(w, " %s |", fmtNs(r.cpu))
			}
			fmt.Fprintf(w, " %s | %s | %s |", fmtCount(r.bytes), fmtCount(r.allo), s.ratio(r, ref, nsOf))
			if t.cpu {
				fmt.Fprintf(w, " %s |", s.ratio(r, ref, cpuOf))
			}
			if t.allocs {
				fmt.Fprintf(w, " %s |", s.ratio(r, ref, allocsOf))
			}
			fmt.Fprintln(w)
		}
	}
	t.summary(w, "ns/op", nsOf)
	if t.cpu {
		t.summary(w, "cpu-ns/op", cpuOf)
	}
	if t.allocs {
		t.summary(w, "allocs/op", allocsOf)
	}
}

// summary writes one row per suite that has the reference, one column per
// other contestant, of the ratios of the figure that of picks.
func (t *tables) summary(w io.Writer, unit string, of func(*samples) []float64) {
	var peers []string
	for _, s := range t.suites {
		if s.find(t.ref) == nil {
			continue
		}
		for _, r := range s.routers {
			if r.router != t.ref && !slices.Contains(peers, r.router) {
				peers = append(peers, r.router)
			}
		}
	}
	if len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Summary: %s ÷ %s's %s\n\n", unit, t.ref, unit)
	fmt.Fprintf(w, "| suite | %s |\n", strings.Join(peers, " | "))
	fmt.Fprintf(w, "|---%s|\n", strings.Repeat("|--:", len(peers)))
	for _, s := range t.suites {
		if s.find(t.ref) == nil {
			continue
		}
		cells := make([]string, len(peers))
		for i, p := range peers {
			cells[i] = "–"
			if r := s.find(p); r != nil {
				cells[i] = s.ratio(r, t.ref, of)
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", s.name, strings.Join(cells, " | "))
	}
}

func nsOf(s *samples) []float64     { return s.ns }
func allocsOf(s *samples) []float64 { return s.allo }
func cpuOf(s *samples) []float64    { return s.cpu }

// find returns the contestant's samples in s, or nil.
func (s *suite) find(router string) *samples {
	for _, r := range s.routers {
		if r.router == router {
			return r
		}
	}
	return nil
}

// ratio formats the median of r's figure (picked by of) divided by the
// reference's, or "–" when either is missing or the reference's is 0
// while r's is not (0 ÷ 0, as for two contestants that never allocate, is
// 1.00).
func (s *suite) ratio(r *samples, ref string, of func(*samples) []float64) string {
	rs := s.find(ref)
	if rs == nil {
		return "–"
	}
	num, ok1 := median(of(r))
	den, ok2 := median(of(rs))
	switch {
	case !ok1 || !ok2:
		return "–"
	case den == 0 && num == 0:
		return "1.00"
	case den == 0:
		return "–"
	}
	return strconv.FormatFloat(num/den, 'f', 2, 64)
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
