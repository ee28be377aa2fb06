#!/usr/bin/env bash
# diagnose-kiln-stack.sh measures what two parts of Kiln's production stack
# cost on a small response: the request id (middleware.RequestID: an id, the
# X-Request-Id header, the id in the request's context) and the server's
# write timeout (net/http sets and clears a write deadline for every request;
# App.Serve coalesces them (deadlineconn.go), so about one a second reaches the
# socket: see docs/architecture.md).
# It runs Kiln as published, without the write timeout, without the request
# id, and without both, next to Gin and Echo, in interleaved rounds, and
# prints requests/s and the server's CPU time per request for each.
#
#   ./diagnose-kiln-stack.sh                 # /plaintext pipelined 16 deep, 3 rounds of 8 s
#   PIPELINE=1 ./diagnose-kiln-stack.sh      # /plaintext, one request per round trip
#   PATH_=/json ROUNDS=5 ./diagnose-kiln-stack.sh
#
# Needs wrk and the hello_world database (run-techempower.sh sets both up).
# Environment: PATH_ (/plaintext), ROUNDS (3), DURATION (8s), PIPELINE (16 on
# /plaintext, as run-techempower.sh and TechEmpower do; other paths are never
# pipelined), TFB_DATABASE_URL (postgres://postgres@127.0.0.1:5432/hello_world?sslmode=disable).
set -euo pipefail
cd "$(dirname "$0")"
path="${PATH_:-/plaintext}"
db="${TFB_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hello_world?sslmode=disable}"
mkdir -p results
go build -o results/techempower ./cmd/techempower
hz=$(getconf CLK_TCK)
depth="${PIPELINE:-16}"
pipe=()
if [ "$path" = /plaintext ] && [ "$depth" -gt 1 ]; then
	pipe=(-s cmd/techempower/pipeline.lua -- "$depth")
else
	depth=1
fi

run() { # label contestant [VAR=value ...]
	local label=$1 contestant=$2
	shift 2
	env "$@" results/techempower serve -contestant "$contestant" -addr 127.0.0.1:8092 -db "$db" >/dev/null 2>&1 &
	local pid=$!
	sleep 1.5
	wrk -t2 -c128 -d2s "http://127.0.0.1:8092$path" "${pipe[@]}" >/dev/null
	local t0 t1 rps
	t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
	rps=$(wrk -t2 -c128 -d"${DURATION:-8s}" "http://127.0.0.1:8092$path" "${pipe[@]}" | awk '/Requests\/sec/{print $2}')
	t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v l="$label" -v r="$rps" -v c=$((t1 - t0)) -v hz="$hz" -v d="${DURATION:-8s}" 'BEGIN {
		sub(/s$/, "", d); printf "%-26s %9.0f req/s %7.2f µs CPU/req\n", l, r, c / hz * 1e6 / (r * d) }'
}

echo "$path, wrk -t2 -c128, pipelining depth $depth, ${DURATION:-8s} per run; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "${ROUNDS:-3}"); do
	echo "# round $round"
	run "kiln" kiln
	run "kiln, no write timeout" kiln KILN_BENCH_NO_WRITE_TIMEOUT=1
	run "kiln, no request id" kiln KILN_BENCH_NO_REQUEST_ID=1
	run "kiln, neither" kiln KILN_BENCH_NO_WRITE_TIMEOUT=1 KILN_BENCH_NO_REQUEST_ID=1
	run "gin" gin
	run "echo" echo
done
