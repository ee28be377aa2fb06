#!/usr/bin/env bash
# run-router.sh runs the router benchmarks (Kiln vs ServeMux, httprouter,
# Gin, Echo, Chi) and summarises them as Markdown tables.
#
#   ./run-router.sh                  # 5 interleaved rounds of every benchmark, ~7 min on 2 cores
#   COUNT=10 ./run-router.sh         # more runs, tighter medians
#   BENCH=Github COUNT=3 ./run-router.sh
#
# Environment: COUNT (default 5), BENCH (-bench regexp, default "."),
# BENCHTIME (default 1s). Raw output goes to results/router.txt, the tables
# to results/router.md.
set -euo pipefail
cd "$(dirname "$0")"

COUNT="${COUNT:-5}"
BENCH="${BENCH:-.}"
BENCHTIME="${BENCHTIME:-1s}"

# Rounds are interleaved (every router once per round, COUNT rounds) rather
# than -count N, which runs each benchmark N times back to back: on a shared
# machine drift then lands on whichever router happens to be running.
mkdir -p results
go test -c -o results/router.test ./router/
cmd=(results/router.test -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME")
printf -v cmdline '%q ' "${cmd[@]}"
cmdline="(cd bench && go test -c -o results/router.test ./router/ && for i in \$(seq $COUNT); do ${cmdline}; done | tee results/router.txt)"

load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "+ $cmdline" >&2
for i in $(seq "$COUNT"); do
	echo "# round $i of $COUNT" >&2
	"${cmd[@]}"
done | tee results/router.txt

{
	echo "Command: \`$cmdline\`"
	echo "Go: $(go version), $(nproc 2>/dev/null || echo '?') CPUs, load average before the run: $load" \
		"(anything near the CPU count means the figures are noise)."
	echo
	go run ./cmd/ratios results/router.txt
} >results/router.md
echo
cat results/router.md
