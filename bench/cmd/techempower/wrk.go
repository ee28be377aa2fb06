package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// wrkResult is what one wrk run reports.
type wrkResult struct {
	RequestsPerSec float64
	Requests       int64
	Non2xx         int64 // "Non-2xx or 3xx responses"
	SocketErrors   int64 // connect + read + write + timeout
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
