#!/usr/bin/env bash
# Peak RSS of the plugin process for one chunked query (QueryChunkedData
# over go-plugin gRPC, default chunks of 64k rows / 8 MiB) of each row count
# on PostgreSQL, the row cap raised to the count; a fresh plugin per count.
# The fixture tables quarry_e2e.rows_<N> are created once (10M rows take a
# minute and ~1 GB of disk).
#
#   scripts/bench-chunked-rss.sh [ROWS,ROWS,...]   # default 1000000,5000000,10000000
#   QUARRY_CHUNKED_ENGINE=clickhouse scripts/bench-chunked-rss.sh   # the same on ClickHouse (default postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
export QUARRY_CHUNKED_RSS=${1:-1000000,5000000,10000000}
go test -count=1 -timeout 90m -run '^TestChunkedRSS$' -v ./pkg/e2ebench 2>&1 |
	sed -n '/chunked_test.go\||\|FAIL\|ok\|PASS/p'
