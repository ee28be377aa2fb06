package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports.
type wrkResult struct {
	RequestsPerSec float64
	Requests       int64
	Non2xx         int64 // "Non-2xx or 3xx responses"
	SocketErrors   int64 // connect + read + write + timeout
	// ServerCPU is the CPU time (user + system, all threads) the server
	// process used during the measured run, read from /proc; zero where
	// /proc is missing.
	ServerCPU time.Duration
}

// CPUPerRequest is the server's CPU time per request answered, in
// microseconds, or 0 when it was not measured.
func (r wrkResult) CPUPerRequest() float64 {
	if r.Requests == 0 || r.ServerCPU == 0 {
		return 0
	}
	return float64(r.ServerCPU.Microseconds()) / float64(r.Requests)
}

// processCPU returns the CPU time (user + system) process pid has used so
// far, from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s,
// Linux's USER_HZ on every architecture Go supports).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	f := strings.Fields(s[i+2:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
	}
	var ticks int64
	for _, x := range f[11:13] { // utime, stime
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, s)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// parseWrk reads wrk's standard output.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	found := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Requests/sec:"):
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
			if err != nil {
				return r, fmt.Errorf("wrk: bad line %q: %w", line, err)
			}
			r.RequestsPerSec, found = v, true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.Non2xx, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "Non-2xx or 3xx responses:")), 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 12, write 0, timeout 3
			for _, part := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				f := strings.Fields(part)
				if len(f) == 2 {
					n, _ := strconv.ParseInt(f[1], 10, 64)
					r.SocketErrors += n
				}
			}
		case strings.Contains(line, "requests in "):
			// 123456 requests in 10.00s, 15.23MB read
			if f := strings.Fields(line); len(f) > 0 {
				r.Requests, _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	if !found {
		return r, fmt.Errorf("wrk: no Requests/sec line in its output:\n%s", out)
	}
	return r, nil
}
