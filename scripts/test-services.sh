#!/usr/bin/env bash
# Tests scripts/services.sh end to end in a state dir and on ports of its own
# (so it does not disturb running services): cold start, warm start
# (idempotent), status, env, stop; then checks that no process it started and
# no file of its state is left. Prints the cold and warm start times.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export QUARRY_STATE_DIR=${QUARRY_TEST_STATE_DIR:-/tmp/quarry-services-selftest}
export QUARRY_PG_PORT=55442 QUARRY_CH_PORT=59010 QUARRY_CH_HTTP_PORT=58133 QUARRY_BQ_PORT=59070 QUARRY_BQ_GRPC_PORT=59080 QUARRY_REDIS_PORT=56389
svc="$root/scripts/services.sh"
fail() { echo "test-services: FAIL: $*" >&2; exit 1; }

[ ! -e "$QUARRY_STATE_DIR" ] || "$svc" stop
t0=$SECONDS
"$svc" start
cold=$((SECONDS - t0))
t0=$SECONDS
"$svc" start
warm=$((SECONDS - t0))
"$svc" status || fail "status reports a service down after start"
eval "$("$svc" env)"
[ "$QUARRY_PG_DSN" = "postgres://postgres@127.0.0.1:55442/quarry?sslmode=disable" ] || fail "env: QUARRY_PG_DSN=$QUARRY_PG_DSN"
# The second ClickHouse server takes the first one's ports plus 400, and the two form cluster `quarry`.
[ "$QUARRY_CH2_ADDR" = "127.0.0.1:59410" ] || fail "env: QUARRY_CH2_ADDR=$QUARRY_CH2_ADDR"
shards=$(clickhouse-client --port 59010 -q "SELECT count() FROM system.clusters WHERE cluster = '$QUARRY_CH_CLUSTER'")
[ "$shards" = 2 ] || fail "cluster $QUARRY_CH_CLUSTER has $shards shards, want 2"
[ "$QUARRY_REDIS_URL" = "redis://127.0.0.1:56389/0" ] || fail "env: QUARRY_REDIS_URL=$QUARRY_REDIS_URL"

pids=$(cat "$QUARRY_STATE_DIR/bigquery/emulator.pid" "$QUARRY_STATE_DIR/clickhouse/clickhouse.pid" "$QUARRY_STATE_DIR/clickhouse2/clickhouse.pid" "$QUARRY_STATE_DIR/redis/redis.pid")
pids="$pids $(head -1 "$QUARRY_STATE_DIR/postgres/data/postmaster.pid")"
"$svc" stop
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = Z ] || fail "process $pid survived stop"
done
[ ! -e "$QUARRY_STATE_DIR" ] || fail "$QUARRY_STATE_DIR survived stop"
[ ! -e "$QUARRY_STATE_DIR.lock" ] || fail "$QUARRY_STATE_DIR.lock survived stop"
for port in $QUARRY_PG_PORT $QUARRY_CH_PORT $QUARRY_CH_HTTP_PORT 59410 58533 $QUARRY_BQ_PORT $QUARRY_BQ_GRPC_PORT $QUARRY_REDIS_PORT; do
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port still accepts connections"
done
if "$svc" status >/dev/null; then fail "status reports services up after stop"; fi
echo "test-services: PASS (cold start ${cold}s, warm start ${warm}s, stop left no process, port or directory)"
