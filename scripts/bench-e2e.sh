#!/usr/bin/env bash
# End-to-end benchmark: builds the Quarry plugin and the sqlds-style peer
# (pkg/benchpeer), launches both over go-plugin with Grafana's handshake and
# measures QueryData over gRPC on PostgreSQL, ClickHouse and DuckDB against
# the native driver's typed scan, with each plugin's peak RSS (VmHWM) and the
# SELECT 1 overhead. The services are started if needed (pkg/testenv).
#
#   scripts/bench-e2e.sh [ROWS [RUNS [SELECT1_CALLS]]]   # default 1000000 5 50
#
# CI runs the same test with 50,000 rows and 3 runs (TestE2E). Run it on a
# quiet machine: the figures are wall-clock times.
set -euo pipefail
cd "$(dirname "$0")/.."
export QUARRY_E2E_ROWS=${1:-1000000} QUARRY_E2E_RUNS=${2:-5} QUARRY_E2E_SELECT1=${3:-50}
# QUARRY_E2E_ENGINES=postgres,clickhouse,duckdb (the default) picks the engines.
# The plugin is built with the duckdb_arrow tag (pkg/harness.BuildTags, as Magefile.go
# builds it); the test binary gets it too.
go test -tags duckdb_arrow -count=1 -timeout 90m -run '^TestE2E$' -v ./pkg/e2ebench 2>&1 |
	sed -n '/e2ebench.go\|e2e_test.go\||\|FAIL\|ok\|PASS/p'
