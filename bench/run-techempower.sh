#!/usr/bin/env bash
# run-techempower.sh runs the six TechEmpower tests against Kiln, Gin, Echo,
# Chi, Fiber and the raw net/http and fasthttp baselines, each server its own
# process, under wrk, in interleaved rounds, and writes a Markdown table of
# median requests per second and Kiln's ratio to each peer.
#
#   ./run-techempower.sh                      # 3 rounds, 5s warm-up + 15s measured: about 45 minutes
#   ROUNDS=3 WARMUP=3s DURATION=8s ./run-techempower.sh     # shorter
#   TESTS=json,plaintext CONTESTANTS=kiln,gin ./run-techempower.sh
#   HELD=1 ROUNDS=12 WARMUP=5s DURATION=3s ./run-techempower.sh   # servers kept running, many short rounds
#
# Environment: ROUNDS (3), WARMUP (5s), DURATION (15s), CONNECTIONS (128),
# THREADS (2), POOL (8), QUERIES (20), PIPELINE (16: the plaintext test sends
# 16 pipelined requests per write, as TechEmpower does; 1 turns it off),
# TESTS and CONTESTANTS (all), HELD
# (unset: a fresh server per measurement; 1: -held, see techempower run -h),
# TFB_DATABASE_URL (postgres://postgres@127.0.0.1:5432/hello_world).
# It installs wrk with apt-get if it is missing, builds one binary, fills the
# database (techempower setup), runs the verifier (go test -run TestVerify
# ./techempower/, which needs PostgreSQL), and benchmarks only the
# contestants that pass. Every measurement goes to results/techempower.txt,
# the tables to results/techempower.md.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v wrk >/dev/null 2>&1; then
	echo "+ apt-get install wrk" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq wrk >/dev/null
fi

mkdir -p results
go build -o results/techempower ./cmd/techempower

args=(run
	-rounds "${ROUNDS:-3}" -warmup "${WARMUP:-5s}" -duration "${DURATION:-15s}"
	-connections "${CONNECTIONS:-128}" -threads "${THREADS:-2}"
	-pool "${POOL:-8}" -queries "${QUERIES:-20}" -pipeline "${PIPELINE:-16}"
	-out results/techempower.md -raw results/techempower.txt)
[ -n "${TESTS:-}" ] && args+=(-tests "$TESTS")
[ -n "${HELD:-}" ] && args+=(-held)
[ -n "${CONTESTANTS:-}" ] && args+=(-contestants "$CONTESTANTS")
[ -n "${TFB_DATABASE_URL:-}" ] && args+=(-db "$TFB_DATABASE_URL")

echo "+ results/techempower ${args[*]}" >&2
exec results/techempower "${args[@]}"
