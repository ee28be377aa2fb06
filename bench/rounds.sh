#!/usr/bin/env bash
# rounds.sh runs the benchmarks of one package in interleaved rounds and
# summarises them with cmd/ratios. run-router.sh and run-orm.sh call it:
#
#   ./rounds.sh <package> [ratios flags...]
#
# It builds ./<package>/ into results/<package>.test, runs it COUNT times
# (every benchmark once per round, with BENCH_ROUND set to the round's
# number), writes the raw output to
# results/<package>.txt and the tables to results/<package>.md.
#
# Environment: COUNT (default 5), BENCH (-bench regexp, default "."),
# BENCHTIME (default 1s).
set -euo pipefail
cd "$(dirname "$0")"

pkg="$1"
shift
COUNT="${COUNT:-5}"
BENCH="${BENCH:-.}"
BENCHTIME="${BENCHTIME:-1s}"

# Rounds are interleaved (every contestant once per round, COUNT rounds)
# rather than -count N, which runs each benchmark N times back to back: on a
# shared machine drift then lands on whichever contestant happens to run.
mkdir -p results
go test -c -o "results/$pkg.test" "./$pkg/"
cmd=("results/$pkg.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME")
printf -v cmdline '%q ' "${cmd[@]}"
cmdline="(cd bench && go test -c -o results/$pkg.test ./$pkg/ && for i in \$(seq $COUNT); do BENCH_ROUND=\$i ${cmdline}; done | tee results/$pkg.txt)"

load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "+ $cmdline" >&2
for i in $(seq "$COUNT"); do
	echo "# round $i of $COUNT" >&2
	# BENCH_ROUND lets a benchmark vary its contestants' order by round.
	BENCH_ROUND="$i" "${cmd[@]}"
done | tee "results/$pkg.txt"

{
	echo "Command: \`$cmdline\`"
	echo "Go: $(go version), $(nproc 2>/dev/null || echo '?') CPUs, load average before the run: $load" \
		"(anything near the CPU count means the figures are noise)."
	echo
	go run ./cmd/ratios "$@" "results/$pkg.txt"
} >"results/$pkg.md"
echo
cat "results/$pkg.md"
