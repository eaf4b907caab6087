#!/usr/bin/env bash
# The reliability suite (pkg/reliability, issue 9 §4): faults and cancellation
# on private service instances, pool exhaustion, and the hostile corpus
# (testdata/hostile) over gRPC against the built plugin.
# Usage: scripts/reliability.sh [ci|full]
#   ci    (default) what scripts/test.sh runs: every payload on DuckDB and
#         PostgreSQL, a deterministic sample of each corpus file on ClickHouse
#         and the BigQuery emulator (every 4th / every 16th payload)
#   full  every payload on every engine (the emulator alone takes 10+ minutes)
# QUARRY_HOSTILE_ENGINES (a comma list) limits the engines the corpus runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-ci}
case $mode in
  ci) go test -count=1 -timeout 20m ./pkg/reliability ;;
  full) QUARRY_HOSTILE=full go test -count=1 -v -timeout 120m ./pkg/reliability ;;
  *) echo "usage: scripts/reliability.sh [ci|full]" >&2; exit 2 ;;
esac
