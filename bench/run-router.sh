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
# to results/router.md, with every ratio taken to Kiln. See rounds.sh.
exec "$(dirname "$0")/rounds.sh" router -ref kiln
