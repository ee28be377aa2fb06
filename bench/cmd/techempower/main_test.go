package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

const wrkOutput = `Running 10s test @ http://127.0.0.1:8080/json
  2 threads and 128 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  800.00us  20.00ms   90.00%
    Req/Sec    50.00k     2.00k   55.00k    70.00%
  1000000 requests in 10.00s, 150.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec: 100000.50
Transfer/sec:     15.00MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{RequestsPerSec: 100000.50, Requests: 1000000, Non2xx: 7, SocketErrors: 5}
	if r != want {
		t.Errorf("parseWrk = %+v, want %+v", r, want)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:8080 Connection refused\n"); err == nil {
		t.Error("no error for output without Requests/sec")
	}
}

func TestReport(t *testing.T) {
	r := &report{
		tests:   []string{"json", "db"},
		entries: []string{"kiln", "gin"},
		rounds:  3,
		results: map[string]map[string][]wrkResult{
			"json": {
				"kiln": {{RequestsPerSec: 90000}, {RequestsPerSec: 100000}, {RequestsPerSec: 300000}},
				"gin":  {{RequestsPerSec: 80000}, {RequestsPerSec: 50000}, {RequestsPerSec: 60000}},
			},
			"db": {
				"kiln": {{RequestsPerSec: 10000, Requests: 1000, ServerCPU: 100 * time.Millisecond}, {RequestsPerSec: 10000, Requests: 1000, ServerCPU: 120 * time.Millisecond}, {RequestsPerSec: 10000, Non2xx: 4}},
				"gin":  {{RequestsPerSec: 20000, Requests: 1000, ServerCPU: 150 * time.Millisecond}, {RequestsPerSec: 20000, Requests: 1000, ServerCPU: 150 * time.Millisecond}, {RequestsPerSec: 20000}},
			},
		},
		notes: []string{"fiber failed verification"},
	}
	var b strings.Builder
	r.write(&b)
	got := b.String()
	for _, want := range []string{
		"| test | kiln | gin |\n",
		"| json | 100,000 | 60,000 |\n", // medians; the outlier does not move them
		"| db | 10,000 (!) | 20,000 |\n",
		"(!) kiln on db: 4 non-2xx responses, 0 socket errors over all rounds.",
		"| test | gin |\n",
		"| json | 1.67 |\n",
		"| db | 0.50 |\n",
		"| json | kiln | 90,000 | 100,000 | 300,000 |\n",
		"fiber failed verification",
		// CPU per request: rounds without a measurement are left out;
		// json measured none, so its cells are empty.
		"| json | – | – |\n",
		"| db | 110.0 | 150.0 |\n", // kiln: the median of 100 and 120 µs
		"| db | 1.36 |\n",          // gin's 150 ÷ kiln's 110
		// Round by round: json's ratios are 1.125, 2 and 5.
		"| json | 2.00 (1.56–3.50) |\n",
		"| db | 0.50 (0.50–0.50) |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q; got:\n%s", want, got)
		}
	}
}

func TestVerifyResults(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"run","Test":"TestVerify/kiln"}`,
		`{"Action":"pass","Test":"TestVerify/kiln/json"}`,
		`{"Action":"pass","Test":"TestVerify/kiln"}`,
		`{"Action":"output","Test":"TestVerify/gin/db","Output":"    verify_test.go:10: ran 2 SELECTs, want 1\n"}`,
		`{"Action":"fail","Test":"TestVerify/gin/db"}`,
		`{"Action":"fail","Test":"TestVerify/gin"}`,
		`not json`,
	}, "\n")
	failed, err := verifyResults([]byte(out), []string{"kiln", "gin", "chi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, bad := failed["kiln"]; bad {
		t.Errorf("kiln reported failed: %v", failed)
	}
	if msg := failed["gin"]; !strings.Contains(msg, "ran 2 SELECTs") {
		t.Errorf("gin's failure = %q, want the verifier's message", msg)
	}
	if _, bad := failed["chi"]; !bad {
		t.Error("chi, with no result, not reported failed")
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.6: "1,000", 1234567: "1,234,567", 100: "100"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestProcessCPU(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	// Spin until the process has used at least 50 ms more CPU, which the
	// 10 ms ticks of /proc/PID/stat must show.
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for i := range 1_000_000 {
			x += i
		}
		if after, err := processCPU(os.Getpid()); err != nil {
			t.Fatal(err)
		} else if after-before >= 50*time.Millisecond {
			return
		}
	}
	t.Fatalf("processCPU did not grow in 10 s of spinning (x=%d)", x)
}

func TestRoundOrderRotates(t *testing.T) {
	entries := []string{"kiln", "gin", "echo"}
	for round, want := range map[int]string{1: "kiln gin echo", 2: "gin echo kiln", 3: "echo kiln gin", 4: "kiln gin echo"} {
		if got := strings.Join(roundOrder(entries, round), " "); got != want {
			t.Errorf("round %d: %s, want %s", round, got, want)
		}
	}
	if got := strings.Join(entries, " "); got != "kiln gin echo" {
		t.Errorf("roundOrder changed its argument: %s", got)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4}
	for q, want := range map[float64]float64{0: 1, 0.25: 1.75, 0.5: 2.5, 0.75: 3.25, 1: 4} {
		if got := quantile(xs, q); got != want {
			t.Errorf("quantile(%v, %v) = %v, want %v", xs, q, got, want)
		}
	}
	if got := quantile([]float64{7}, 0.25); got != 7 {
		t.Errorf("quantile of one value = %v", got)
	}
}
