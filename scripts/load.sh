#!/usr/bin/env bash
# Load benchmark: QUARRY_LOAD_N (default 200) concurrent QueryData requests over
# four data sources (DuckDB, PostgreSQL, ClickHouse, the BigQuery emulator) with
# pools of 2, over gRPC to the built plugin (pkg/reliability BenchmarkLoad).
# Prints p50, p99, the plugin's peak RSS and its goroutines before and after.
# Usage: scripts/load.sh [N]    (scripts/test.sh runs it with N=50; it fails on a
# goroutine leak or a failed request, and prints figures, never times them)
set -euo pipefail
cd "$(dirname "$0")/.."
export QUARRY_LOAD_N=${1:-${QUARRY_LOAD_N:-200}}
go test -count=1 -run '^$' -bench '^BenchmarkLoad$' -benchtime 1x -timeout 20m ./pkg/reliability
