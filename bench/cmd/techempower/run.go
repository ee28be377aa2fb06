package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kiln-web/kiln/bench/techempower"
)

// A test is one of the six TechEmpower tests and the path wrk requests.
// Pipelined tests send runConfig.pipeline requests per write, as
// TechEmpower's plaintext test does.
type test struct {
	Name, Path string
	Pipelined  bool
}

func tests(queries int) []test {
	q := strconv.Itoa(queries)
	return []test{
		{"json", "/json", false},
		{"db", "/db", false},
		{"queries", "/queries?queries=" + q, false},
		{"fortunes", "/fortunes", false},
		{"updates", "/updates?queries=" + q, false},
		{"plaintext", "/plaintext", true},
	}
}

type runConfig struct {
	db, out, raw, bin  string
	serverLog          string
	logFile            *os.File
	rounds             int
	warmup, duration   time.Duration
	connections        int
	threads, pool      int
	queries            int
	pipeline           int             // requests per write on pipelined tests; 1 turns pipelining off
	pipelineScript     string          // the wrk Lua script that pipelines, written by run
	pipelined          map[string]bool // the paths of pipelined tests
	verify             bool
	held               bool
	testNames, entries []string
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var cfg runConfig
	fs.StringVar(&cfg.db, "db", defaultDatabaseURL(), "PostgreSQL database `URL` (created and filled first)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds: every contestant once per round, per test")
	fs.DurationVar(&cfg.warmup, "warmup", 5*time.Second, "wrk warm-up before each measurement (not counted)")
	fs.DurationVar(&cfg.duration, "duration", 15*time.Second, "wrk measurement time")
	fs.IntVar(&cfg.connections, "connections", 128, "wrk connections (concurrency)")
	fs.IntVar(&cfg.threads, "threads", 2, "wrk threads")
	fs.IntVar(&cfg.pool, "pool", 8, "database pool size of every contestant")
	fs.IntVar(&cfg.queries, "queries", 20, "the queries parameter of the queries and updates tests")
	fs.IntVar(&cfg.pipeline, "pipeline", 16, "HTTP pipelining depth of the plaintext test, as TechEmpower's (1: no pipelining)")
	fs.BoolVar(&cfg.held, "held", false, "start every contestant once per test and keep them all running through the rounds (warmed once, then measured in turn), instead of a fresh server per measurement; with short -duration it gives many rounds, each within seconds")
	fs.BoolVar(&cfg.verify, "verify", true, "run the verifier (go test -run TestVerify ./techempower/) first and skip contestants that fail it")
	only := fs.String("tests", "", "comma-separated tests to run (default all six)")
	who := fs.String("contestants", "", "comma-separated contestants (default all)")
	fs.StringVar(&cfg.out, "out", "results/techempower.md", "Markdown report `file`")
	fs.StringVar(&cfg.raw, "raw", "results/techempower.txt", "file for every measurement, one per line")
	fs.StringVar(&cfg.bin, "bin", "", "the techempower binary to start servers with (default: this one)")
	fs.StringVar(&cfg.serverLog, "server-log", "results/techempower-servers.log", "`file` that collects the servers' own output")
	fs.Parse(args)
	if cfg.rounds < 1 {
		return errors.New("-rounds must be at least 1")
	}
	if cfg.pipeline < 1 {
		return errors.New("-pipeline must be at least 1")
	}
	if cfg.bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		cfg.bin = exe
	}
	for _, t := range tests(cfg.queries) {
		if *only == "" || contains(*only, t.Name) {
			cfg.testNames = append(cfg.testNames, t.Name)
		}
	}
	for _, c := range techempower.Contestants() {
		if *who == "" || contains(*who, c.Name) {
			cfg.entries = append(cfg.entries, c.Name)
		}
	}
	if len(cfg.testNames) == 0 || len(cfg.entries) == 0 {
		return errors.New("no tests or no contestants selected")
	}
	return run(cfg)
}

func contains(list, name string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

func run(cfg runConfig) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk; run-techempower.sh does it)")
	}
	load := loadAverage()
	logf("setup: %s", redact(cfg.db))
	if err := setupDatabase(cfg.db); err != nil {
		return err
	}
	var notes []string
	if cfg.verify {
		failed, err := verify(cfg.entries)
		if err != nil {
			return err
		}
		var kept []string
		for _, name := range cfg.entries {
			if msg, bad := failed[name]; bad {
				notes = append(notes, fmt.Sprintf("%s failed verification and was not benchmarked: %s", name, msg))
				logf("verify: %s FAILED: %s", name, msg)
				continue
			}
			kept = append(kept, name)
		}
		cfg.entries = kept
	} else {
		notes = append(notes, "The verifier was not run (-verify=false).")
	}

	rep := &report{
		tests:   cfg.testNames,
		entries: cfg.entries,
		rounds:  cfg.rounds,
		results: map[string]map[string][]wrkResult{},
		notes:   notes,
	}
	if err := os.MkdirAll(filepath.Dir(cfg.raw), 0o755); err != nil {
		return err
	}
	raw, err := os.Create(cfg.raw)
	if err != nil {
		return err
	}
	defer raw.Close()
	fmt.Fprintf(raw, "# test round contestant requests/sec requests non2xx socket_errors server_cpu_us_per_request\n")
	// The servers' own output (Kiln, for one, logs the requests wrk
	// abandons when it stops) goes to a file, not the terminal.
	if cfg.logFile, err = os.Create(cfg.serverLog); err != nil {
		return err
	}
	defer cfg.logFile.Close()

	paths := map[string]string{}
	cfg.pipelined = map[string]bool{}
	for _, t := range tests(cfg.queries) {
		paths[t.Name] = t.Path
		cfg.pipelined[t.Path] = t.Pipelined
	}
	if cfg.pipeline > 1 {
		script, err := writePipelineScript(filepath.Dir(cfg.raw))
		if err != nil {
			return err
		}
		cfg.pipelineScript = script
	}
	start := time.Now()
	for _, tn := range cfg.testNames {
		rep.results[tn] = map[string][]wrkResult{}
		record := func(round int, name string, res wrkResult) {
			rep.results[tn][name] = append(rep.results[tn][name], res)
			fmt.Fprintf(raw, "%s %d %s %.2f %d %d %d %.1f\n", tn, round, name, res.RequestsPerSec, res.Requests, res.Non2xx, res.SocketErrors, res.CPUPerRequest())
			logf("%-9s round %d/%d %-9s %10.0f req/s %7.1f µs CPU/req  (non-2xx %d, socket errors %d)", tn, round, cfg.rounds, name, res.RequestsPerSec, res.CPUPerRequest(), res.Non2xx, res.SocketErrors)
		}
		if cfg.held {
			if err := runHeld(cfg, tn, paths[tn], record); err != nil {
				return err
			}
			continue
		}
		for round := 1; round <= cfg.rounds; round++ {
			for _, name := range roundOrder(cfg.entries, round) {
				res, err := measure(cfg, name, paths[tn])
				if err != nil {
					return fmt.Errorf("%s, %s, round %d: %w", tn, name, round, err)
				}
				record(round, name, res)
			}
		}
	}

	var md bytes.Buffer
	fmt.Fprintf(&md, "Command: `%s`\n\n", strings.Join(os.Args, " "))
	fmt.Fprintf(&md, "Machine: %d CPUs (%s), %s; %s; load average before the run: %s; the run took %s.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), wrkVersion(), load, time.Since(start).Round(time.Second))
	servers := "a fresh server per measurement, warmed up for " + cfg.warmup.String()
	if cfg.held {
		servers = "every contestant's server started once per test and kept running through the rounds, each warmed up once for " + cfg.warmup.String()
	}
	fmt.Fprintf(&md, "Load: wrk -t%d -c%d, %s measured per contestant and round; %s; %d interleaved rounds, the order rotated by one place each round; queries=%d for the queries and updates tests; database pool %d connections for every contestant. wrk, the servers and PostgreSQL share the machine's cores; %s.\n\n",
		cfg.threads, cfg.connections, cfg.duration, servers, cfg.rounds, cfg.queries, cfg.pool, pipelining(cfg.pipeline))
	rep.write(&md)
	if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.out, md.Bytes(), 0o644); err != nil {
		return err
	}
	os.Stdout.Write(md.Bytes())
	return nil
}

// measure starts the contestant's server, warms it up and measures it.
func measure(cfg runConfig, name, path string) (wrkResult, error) {
	s, err := startServer(cfg, name)
	if err != nil {
		return wrkResult{}, err
	}
	defer s.stop()
	if err := s.warm(cfg, path); err != nil {
		return wrkResult{}, err
	}
	return s.measure(cfg, path)
}

// runHeld runs test's rounds with -held: every contestant's server is
// started and warmed once, then measured in turn, round after round,
// while the others wait idle; all are stopped at the end.
func runHeld(cfg runConfig, test, path string, record func(round int, name string, res wrkResult)) error {
	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, name := range cfg.entries {
		s, err := startServer(cfg, name)
		if err != nil {
			return fmt.Errorf("%s: %w", test, err)
		}
		servers[name] = s
	}
	for _, name := range cfg.entries {
		if err := servers[name].warm(cfg, path); err != nil {
			return fmt.Errorf("%s, %s, warm-up: %w", test, name, err)
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, name := range roundOrder(cfg.entries, round) {
			res, err := servers[name].measure(cfg, path)
			if err != nil {
				return fmt.Errorf("%s, %s, round %d: %w", test, name, round, err)
			}
			record(round, name, res)
		}
	}
	return nil
}

// server is one contestant's running server process.
type server struct {
	name, addr string
	cmd        *exec.Cmd
}

// startServer starts contestant name's server on a free port and waits
// until it answers.
func startServer(cfg runConfig, name string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.bin, "serve", "-contestant", name, "-addr", addr, "-db", cfg.db, "-pool", strconv.Itoa(cfg.pool))
	cmd.Stdout, cmd.Stderr = cfg.logFile, cfg.logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, addr: addr, cmd: cmd}
	if err := waitReady("http://" + addr + "/plaintext"); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s did not start: %w", name, err)
	}
	return s, nil
}

func (s *server) stop() { stop(s.cmd) }

// warm loads path for cfg.warmup, not measured.
func (s *server) warm(cfg runConfig, path string) error {
	if cfg.warmup <= 0 {
		return nil
	}
	_, err := wrk(cfg, cfg.warmup, s.addr, path)
	return err
}

// measure loads path for cfg.duration and returns what wrk saw, with the
// server's CPU time over the run.
func (s *server) measure(cfg runConfig, path string) (wrkResult, error) {
	pid := s.cmd.Process.Pid
	cpu0, cpuErr := processCPU(pid)
	res, err := wrk(cfg, cfg.duration, s.addr, path)
	if err != nil {
		return res, err
	}
	if cpu1, err := processCPU(pid); err == nil && cpuErr == nil {
		res.ServerCPU = cpu1 - cpu0
	}
	return res, nil
}

// wrk loads path on addr for d and returns what wrk reports.
func wrk(cfg runConfig, d time.Duration, addr, path string) (wrkResult, error) {
	out, err := exec.Command("wrk", wrkArgs(cfg, d, addr, path)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(string(out))
}

// wrkArgs is wrk's command line for loading path on addr for d: with
// TechEmpower's pipeline script and depth on a pipelined test.
func wrkArgs(cfg runConfig, d time.Duration, addr, path string) []string {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{"-t", strconv.Itoa(cfg.threads), "-c", strconv.Itoa(cfg.connections),
		"-d", strconv.Itoa(secs) + "s", "--timeout", "8s", "-H", "Connection: keep-alive", "http://" + addr + path}
	if cfg.pipelined[path] && cfg.pipeline > 1 && cfg.pipelineScript != "" {
		args = append(args, "-s", cfg.pipelineScript, "--", strconv.Itoa(cfg.pipeline))
	}
	return args
}

// pipelining describes the plaintext test's pipelining for the report.
func pipelining(depth int) string {
	if depth <= 1 {
		return "plaintext is not pipelined"
	}
	return "plaintext is pipelined " + strconv.Itoa(depth) + " requests deep, with TechEmpower's wrk pipeline.lua"
}

// pipelineLua is TechEmpower's pipeline.lua for wrk (pipeline.lua in this
// directory, which diagnose-kiln-stack.sh also uses): each write carries
// the request depth times (the depth is the script's argument).
//
//go:embed pipeline.lua
var pipelineLua []byte

// writePipelineScript writes pipelineLua into dir and returns its path.
func writePipelineScript(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "pipeline.lua")
	return path, os.WriteFile(path, pipelineLua, 0o644)
}

// stop sends SIGTERM, then SIGKILL if the server has not exited after 15
// seconds.
func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(url string) error {
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// verify runs the verifier and returns the contestants whose subtest did
// not pass, with a reason. It requires PostgreSQL (KILN_REQUIRE_SERVICES=1),
// so that a skipped verifier cannot pass for a passed one.
func verify(entries []string) (map[string]string, error) {
	logf("verify: go test -count=1 -json -run '^TestVerify$' ./techempower/")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-json", "-run", "^TestVerify$", "./techempower/")
	cmd.Env = append(os.Environ(), "KILN_REQUIRE_SERVICES=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("running the verifier: %w\n%s", err, stderr.Bytes())
	}
	return verifyResults(out, entries, stderr.String())
}

// verifyResults reads go test -json output: a contestant passes when its
// TestVerify/<name> subtest passed.
func verifyResults(out []byte, entries []string, stderr string) (map[string]string, error) {
	status := map[string]string{}
	output := map[string]*strings.Builder{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		name, ok := strings.CutPrefix(ev.Test, "TestVerify/")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "/")
		switch ev.Action {
		case "output":
			if output[name] == nil {
				output[name] = &strings.Builder{}
			}
			if output[name].Len() < 2000 && strings.Contains(ev.Output, ".go:") {
				output[name].WriteString(strings.TrimSpace(ev.Output) + " ")
			}
		case "pass", "fail", "skip":
			if ev.Test == "TestVerify/"+name {
				status[name] = ev.Action
			}
		}
	}
	failed := map[string]string{}
	for _, name := range entries {
		switch status[name] {
		case "pass":
		case "":
			failed[name] = "no result from the verifier " + strings.TrimSpace(stderr)
		default:
			msg := status[name]
			if b := output[name]; b != nil {
				msg += ": " + b.String()
			}
			failed[name] = msg
		}
	}
	return failed, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func wrkVersion() string {
	out, _ := exec.Command("wrk", "-v").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 2 {
		return "wrk " + f[1]
	}
	return "wrk"
}

// redact hides a password in a database URL.
func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if at := strings.LastIndex(u, "@"); at > i {
			if c := strings.Index(u[i+3:at], ":"); c >= 0 {
				return u[:i+3+c] + ":xxxxx" + u[at:]
			}
		}
	}
	return u
}

// roundOrder returns the order in which round (from 1) measures entries:
// rotated by one place each round, so that no contestant always runs
// first on a test (cold caches) or always right after the same neighbour,
// and a burst of load from the machine's neighbours lands on a different
// contestant in each round.
func roundOrder(entries []string, round int) []string {
	k := (round - 1) % len(entries)
	return append(slices.Clip(entries[k:]), entries[:k]...)
}
