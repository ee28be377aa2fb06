package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got, ok := median(tc.in); !ok || got != tc.want {
			t.Errorf("median(%v) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := median(nil); ok {
		t.Error("median(nil) reported a value")
	}
}

// TestSample checks the tables for a three-run (-count 3) fixture against
// medians and ratios worked out by hand.
func TestSample(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{filepath.Join("testdata", "sample.txt")}, nil, options{ref: "kiln"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		// Baseline has no kiln row: no ratio.
		"### Baseline_Copy\n",
		"| single | 3 | 31.0 | 320 | 1 | – |\n",
		// GithubAll: kiln median 21000; servemux 33000 (the 90000
		// outlier does not move the median) is 1.57x; gin 10500, 0.50x.
		"### GithubAll\n",
		"| kiln | 3 | 21000 | 74711 | 540 | 1.00 |\n",
		"| servemux | 3 | 33000 | 74704 | 540 | 1.57 |\n",
		"| gin | 3 | 10500 | 64973 | 203 | 0.50 |\n",
		// Param1: kiln 102, chi 408: 4.00x.
		"| kiln | 3 | 102.0 | 336 | 2 | 1.00 |\n",
		"| chi | 3 | 408.0 | 1024 | 5 | 4.00 |\n",
		// Summary: suites with kiln only, peers as columns.
		"| suite | servemux | gin | chi |\n",
		"| GithubAll | 1.57 | 0.50 | – |\n",
		"| Param1 | – | – | 4.00 |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "| Baseline_Copy |") {
		t.Errorf("summary has a row for a suite without kiln:\n%s", got)
	}
}

func TestStdinAndSeveralFiles(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var fromStdin bytes.Buffer
	if err := run(&fromStdin, nil, bytes.NewReader(data), options{ref: "kiln"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fromStdin.String(), "| servemux | 3 | 33000 |") {
		t.Errorf("stdin output wrong:\n%s", fromStdin.String())
	}

	// The same file twice is six runs of each benchmark.
	var twice bytes.Buffer
	f := filepath.Join("testdata", "sample.txt")
	if err := run(&twice, []string{f, f}, nil, options{ref: "kiln"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(twice.String(), "| servemux | 6 | 33000 |") {
		t.Errorf("two-file output wrong:\n%s", twice.String())
	}
}

func TestNoResults(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, nil, strings.NewReader("PASS\nok  \tx\t0.1s\n"), options{ref: "kiln"}); err == nil {
		t.Error("no error for input without results")
	}
}

// TestNestedReference checks suites named by all but the last part
// (BenchmarkPostgres/Get/kiln is contestant kiln of suite Postgres/Get),
// another reference (-ref sql), the allocs/op ratios (-allocs) and the
// cpu-ns/op metric, on two runs worked out by hand.
func TestNestedReference(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{filepath.Join("testdata", "nested.txt")}, nil, options{ref: "sql", allocs: true}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"### Postgres/Get\n",
		"| contestant | runs | ns/op | cpu-ns/op | B/op | allocs/op | vs sql | cpu vs sql | allocs vs sql |\n",
		// kiln: median of 110000 and 130000 is 120000, 1.20x sql's 100000;
		// CPU 32000 is 1.60x sql's 20000; 80 allocs are 2.00x sql's 40.
		"| kiln | 2 | 120000 | 32000 | 5000 | 80 | 1.20 | 1.60 | 2.00 |\n",
		"| sql | 2 | 100000 | 20000 | 2000 | 40 | 1.00 | 1.00 | 1.00 |\n",
		"| pgx | 2 | 85000 | 11000 | 1000 | 10 | 0.85 | 0.55 | 0.25 |\n",
		"### SQLite/Get\n",
		"| kiln | 2 | 32000 | 29000 | 2000 | 60 | 3.20 | 2.90 | 1.50 |\n",
		// 0 allocs against 0 allocs is level, not a division by zero.
		"| kiln | 2 | 10.0 | 10.0 | 0 | 0 | 1.00 | 1.00 | 1.00 |\n",
		"### Summary: ns/op ÷ sql's ns/op\n\n| suite | kiln | pgx |\n",
		"| Postgres/Get | 1.20 | 0.85 |\n",
		"| SQLite/Get | 3.20 | – |\n",
		"### Summary: cpu-ns/op ÷ sql's cpu-ns/op\n\n| suite | kiln | pgx |\n",
		"| Postgres/Get | 1.60 | 0.55 |\n",
		"### Summary: allocs/op ÷ sql's allocs/op\n\n| suite | kiln | pgx |\n",
		"| Postgres/Get | 2.00 | 0.25 |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q; got:\n%s", want, got)
		}
	}
}

// TestNoCPUColumnsWithoutCPU checks that output without cpu-ns/op (the
// router benchmarks') gets no CPU columns.
func TestNoCPUColumnsWithoutCPU(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, []string{filepath.Join("testdata", "sample.txt")}, nil, options{ref: "kiln"}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "cpu") || !strings.Contains(got, "| contestant | runs | ns/op | B/op | allocs/op | vs kiln |\n") {
		t.Errorf("router output changed:\n%s", got)
	}
}
