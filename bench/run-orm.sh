#!/usr/bin/env bash
# run-orm.sh runs the ORM benchmarks (Kiln's orm vs raw database/sql on the
# same driver, and raw pgx on PostgreSQL) and summarises them as Markdown
# tables with the ratios to database/sql, of time and of allocations.
#
#   ./run-orm.sh                     # 5 interleaved rounds of every benchmark
#   COUNT=10 ./run-orm.sh            # more rounds, tighter medians
#   BENCH=SQLite COUNT=3 ./run-orm.sh
#
# Environment: COUNT (default 5), BENCH (-bench regexp, default "."),
# BENCHTIME (default 1s), KILN_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable; the PostgreSQL
# benchmarks are skipped when it does not answer). Raw output goes to
# results/orm.txt, the tables to results/orm.md. See rounds.sh.
exec "$(dirname "$0")/rounds.sh" orm -ref sql -allocs
