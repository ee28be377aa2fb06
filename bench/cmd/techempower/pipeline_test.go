package main

import (
	"net"
	"net/http"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestWrkArgsPipelinePlaintextOnly checks that only pipelined tests get the
// pipeline script and its depth, and that depth 1 turns it off.
func TestWrkArgsPipelinePlaintextOnly(t *testing.T) {
	cfg := runConfig{threads: 2, connections: 64, pipeline: 16, pipelineScript: "/tmp/x/pipeline.lua", pipelined: map[string]bool{}}
	for _, tt := range tests(20) {
		cfg.pipelined[tt.Path] = tt.Pipelined
	}
	plain := wrkArgs(cfg, 4*time.Second, "127.0.0.1:1", "/plaintext")
	if !slices.Equal(plain[len(plain)-4:], []string{"-s", "/tmp/x/pipeline.lua", "--", "16"}) {
		t.Errorf("plaintext args %q: want the script and depth 16 at the end", plain)
	}
	if !slices.Contains(plain, "http://127.0.0.1:1/plaintext") || !slices.Contains(plain, "4s") {
		t.Errorf("plaintext args %q: want the URL and the duration", plain)
	}
	for _, path := range []string{"/json", "/db", "/queries?queries=20", "/fortunes", "/updates?queries=20"} {
		if args := wrkArgs(cfg, time.Second, "127.0.0.1:1", path); slices.Contains(args, "-s") {
			t.Errorf("%s args %q: only plaintext is pipelined", path, args)
		}
	}
	cfg.pipeline = 1
	if args := wrkArgs(cfg, time.Second, "127.0.0.1:1", "/plaintext"); slices.Contains(args, "-s") {
		t.Errorf("depth 1 args %q: want no script", args)
	}
}

// countingListener counts the reads that return data on its connections.
type countingListener struct {
	net.Listener
	reads *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return countingConn{c, l.reads}, err
}

type countingConn struct {
	net.Conn
	reads *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.reads.Add(1)
	}
	return n, err
}

// TestPipelineScriptPipelines runs wrk with the pipeline script against a
// server that counts requests and socket reads: wrk must report the
// requests the server answered, and the server must have read several
// requests per read, which only pipelining gives. Skipped without wrk.
func TestPipelineScriptPipelines(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (apt-get install wrk); skipping")
	}
	script, err := writePipelineScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var reads, requests atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, World!"))
	})}
	go srv.Serve(countingListener{ln, &reads})
	defer srv.Close()

	cfg := runConfig{threads: 1, connections: 4, pipeline: 16, pipelineScript: script, pipelined: map[string]bool{"/plaintext": true}}
	out, err := exec.Command("wrk", wrkArgs(cfg, time.Second, ln.Addr().String(), "/plaintext")...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	served, read := requests.Load(), reads.Load()
	if res.Requests == 0 || res.Requests > served {
		t.Errorf("wrk reported %d requests, the server answered %d", res.Requests, served)
	}
	if perRead := float64(served) / float64(read); perRead < 4 {
		t.Errorf("%d requests in %d reads (%.1f per read): want many per read with 16-deep pipelining", served, read, perRead)
	}
	// And the same load without the script: one request per read.
	cfg.pipeline = 1
	requests.Store(0)
	reads.Store(0)
	if out, err := exec.Command("wrk", wrkArgs(cfg, time.Second, ln.Addr().String(), "/plaintext")...).CombinedOutput(); err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	if perRead := float64(requests.Load()) / float64(reads.Load()); perRead > 1.5 {
		t.Errorf("without pipelining, %.1f requests per read; want about 1", perRead)
	}
}
