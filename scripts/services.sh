#!/usr/bin/env bash
# Starts, stops and describes the real services Quarry's integration tests use:
# PostgreSQL 15, ClickHouse (Debian's 18.16.1) and the goccy BigQuery emulator,
# each on a port of its own, with the sample data (pkg/sample) loaded.
#
#   scripts/services.sh start    start what is not running, load the sample, write the env file (idempotent;
#                                when everything runs and the sample is marked loaded it returns at once,
#                                unless QUARRY_FORCE_LOAD=1, which re-counts every table)
#   scripts/services.sh stop     stop everything started here and remove the state dir
#   scripts/services.sh status   print each service and whether it answers
#   scripts/services.sh env      print shell exports: eval "$(scripts/services.sh env)"
#
# Everything lives under $QUARRY_STATE_DIR (default /tmp/quarry-services):
# data dirs, configs, pid files, logs (logs/), the env file and the `ready` marker.
# Ports: PostgreSQL 55432, ClickHouse native 59000 (http 58123), emulator http 59050 / grpc 59060.
# Override with QUARRY_PG_PORT, QUARRY_CH_PORT, QUARRY_CH_HTTP_PORT, QUARRY_BQ_PORT, QUARRY_BQ_GRPC_PORT.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${QUARRY_STATE_DIR:-/tmp/quarry-services}
lock="$state.lock"
pg_port=${QUARRY_PG_PORT:-55432}
ch_port=${QUARRY_CH_PORT:-59000}
ch_http_port=${QUARRY_CH_HTTP_PORT:-58123}
bq_port=${QUARRY_BQ_PORT:-59050}
bq_grpc_port=${QUARRY_BQ_GRPC_PORT:-59060}
pg_bin=${QUARRY_PG_BIN:-/usr/lib/postgresql/15/bin}
bq_project=quarry
bq_dataset=sample

log() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# as_user USER CMD...: run CMD as USER when we are root (postgres and
# clickhouse refuse to run as root), else as ourselves.
as_user() {
  local user=$1; shift
  if is_root; then runuser -u "$user" -- "$@"; else "$@"; fi
}

apt_install() {
  is_root || die "missing $*; install with: sudo apt-get install -y $*"
  log "installing $* with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >&2
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
  log "$what is ready"
}

pg_dsn() { echo "postgres://postgres@127.0.0.1:$pg_port/quarry?sslmode=disable"; }

env_text() {
  cat <<EOF
export QUARRY_STATE_DIR='$state'
export QUARRY_PG_DSN='$(pg_dsn)'
export QUARRY_PG_HOST='127.0.0.1'
export QUARRY_PG_PORT='$pg_port'
export QUARRY_PG_USER='postgres'
export QUARRY_PG_DATABASE='quarry'
export QUARRY_CH_ADDR='127.0.0.1:$ch_port'
export QUARRY_CH_HTTP_ADDR='127.0.0.1:$ch_http_port'
export QUARRY_CH_DATABASE='sample'
export QUARRY_CH_USER='default'
export QUARRY_CH_VERSION='$(ch_version)'
export QUARRY_BQ_ENDPOINT='http://127.0.0.1:$bq_port'
export QUARRY_BQ_GRPC_ADDR='127.0.0.1:$bq_grpc_port'
export QUARRY_BQ_PROJECT='$bq_project'
export QUARRY_BQ_DATASET='$bq_dataset'
EOF
}

write_env() { env_text >"$state/env"; }

ch_version() {
  clickhouse-client --host 127.0.0.1 --port "$ch_port" --query 'SELECT version()' 2>/dev/null || echo unknown
}

# sample runs the sample loader CLI (go run caches the built binary).
sample() { (cd "$root" && go run ./pkg/sample/cmd/quarry-sample "$@"); }

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; }

pg_start() {
  [ -x "$pg_bin/postgres" ] || die "PostgreSQL 15 not found in $pg_bin (install postgresql-15 or set QUARRY_PG_BIN)"
  local dir="$state/postgres"
  if pid_alive "$dir/data/postmaster.pid" && pg_ready; then log "postgres already running on $pg_port"; return; fi
  port_open "$pg_port" && die "port $pg_port is taken by another process; set QUARRY_PG_PORT"
  mkdir -p "$dir/sock"
  is_root && chown -R postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_user postgres "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$state/logs/postgres-initdb.log" 2>&1 ||
      die "initdb failed; see $state/logs/postgres-initdb.log"
  fi
  as_user postgres "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
    "-p $pg_port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB" \
    >"$state/logs/postgres-ctl.log" 2>&1 || die "postgres did not start; see $dir/postgres.log"
  ln -sf "$dir/postgres.log" "$state/logs/postgres.log"
  wait_for 60 postgres pg_ready || die "postgres does not answer on $pg_port; see $dir/postgres.log"
  if ! "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='quarry'" | grep -q 1; then
    "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE quarry" >&2
  fi
}

pg_stop() {
  mkdir -p "$(dirname "$state")"
  exec 9>"$lock"
  flock 9
  local pids=()
  if [ -d "$state" ]; then
    rm -f "$state/ready"
    local f
    for f in "$state/bigquery/emulator.pid" "$state/clickhouse/clickhouse.pid"; do
      [ -s "$f" ] && pids+=("$(cat "$f")")
    done
    [ -s "$state/postgres/data/postmaster.pid" ] && pids+=("$(head -1 "$state/postgres/data/postmaster.pid")")
    bq_stop
    ch_stop
    pg_stop
    rm -rf "$state"
  fi
  rm -f "$lock"
  flock -u 9
  # Verify: nothing we started is left, nor the state dir.
  local pid left=0
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then log "process $pid is still running"; left=1; fi
  done
  [ ! -e "$state" ] || { log "$state still exists"; left=1; }
  [ $left = 0 ] || die "stop left something behind"
  log "stopped ${#pids[@]} processes; removed $state"
}

status() {
  local rc=0
  if pg_ready 2>/dev/null; then echo "postgres   up    127.0.0.1:$pg_port"; else echo "postgres   down  127.0.0.1:$pg_port"; rc=1; fi
  if ch_ready; then echo "clickhouse up    127.0.0.1:$ch_port ($(ch_version))"; else echo "clickhouse down  127.0.0.1:$ch_port"; rc=1; fi
  if bq_ready 2>/dev/null; then echo "bigquery   up    http://127.0.0.1:$bq_port"; else echo "bigquery   down  http://127.0.0.1:$bq_port"; rc=1; fi
  if [ -f "$state/ready" ]; then echo "sample     loaded $(cat "$state/ready")"; else echo "sample     not loaded"; rc=1; fi
  return $rc
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) if [ -f "$state/env" ]; then cat "$state/env"; else env_text; fi ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
