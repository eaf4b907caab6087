#!/usr/bin/env bash
# Starts, stops and describes the real services Quarry's integration tests use:
# PostgreSQL 15, ClickHouse (Debian's 18.16.1), the goccy BigQuery emulator and
# Redis 7 (Debian's redis-server, for the shared result cache), each on a port
# of its own, with the sample data (pkg/sample) loaded.
#
#   scripts/services.sh start    start what is not running, load the sample, write the env file (idempotent;
#                                when everything runs and the sample is marked loaded it returns at once,
#                                unless QUARRY_FORCE_LOAD=1, which re-counts every table)
#   scripts/services.sh stop     stop everything started here and remove the state dir
#   scripts/services.sh status   print each service and whether it answers
#   scripts/services.sh env      print shell exports: eval "$(scripts/services.sh env)"
#
# One service at a time (for tests that stop or kill a server: only ever on a
# private instance, i.e. with a QUARRY_STATE_DIR and ports of their own):
#   scripts/services.sh service-start NAME   start NAME (postgres, clickhouse or bigquery) when it is
#                                             not running, and wait until it answers; loads nothing
#   scripts/services.sh service-stop NAME    stop NAME gracefully; its state (data dir, config) stays
#   scripts/services.sh service-kill NAME    stop NAME abruptly: PostgreSQL `pg_ctl -m immediate` (every
#                                             backend dies at once, as in a crash), the others SIGKILL
# QUARRY_SAMPLE=0 makes start skip loading the sample (a private instance for fault tests that needs
# no data); its `ready` marker then says "no-sample", so testenv never takes it for a loaded one.
#
# Everything lives under $QUARRY_STATE_DIR (default /tmp/quarry-services):
# data dirs, configs, pid files, logs (logs/), the env file and the `ready` marker.
# Ports: PostgreSQL 55432, ClickHouse native 59000 (http 58123), emulator http 59050 / grpc 59060,
# Redis 56379.
# Override with QUARRY_PG_PORT, QUARRY_CH_PORT, QUARRY_CH_HTTP_PORT, QUARRY_BQ_PORT, QUARRY_BQ_GRPC_PORT,
# QUARRY_REDIS_PORT.
# clickhouse2 is a second ClickHouse server, shard 2 of the two-shard cluster `quarry` (shard 1 is the
# first server; both servers carry the cluster in config.d/cluster.xml). Its ports default to the first
# server's plus 400 (native 59400, http 58523): QUARRY_CH2_PORT, QUARRY_CH2_HTTP_PORT.
# QUARRY_SERVICES (default "postgres clickhouse clickhouse2 bigquery redis") limits what start runs, for
# debugging and for private instances (QUARRY_SERVICES=redis with a state dir and port of its own);
# tests (pkg/testenv) need all five. Redis holds no sample and keeps nothing on disk (no RDB, no AOF).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${QUARRY_STATE_DIR:-/tmp/quarry-services}
lock="$state.lock"
pg_port=${QUARRY_PG_PORT:-55432}
ch_port=${QUARRY_CH_PORT:-59000}
ch_http_port=${QUARRY_CH_HTTP_PORT:-58123}
bq_port=${QUARRY_BQ_PORT:-59050}
bq_grpc_port=${QUARRY_BQ_GRPC_PORT:-59060}
ch2_port=${QUARRY_CH2_PORT:-$((ch_port + 400))}
ch2_http_port=${QUARRY_CH2_HTTP_PORT:-$((ch_http_port + 400))}
ch_cluster=quarry
redis_port=${QUARRY_REDIS_PORT:-56379}
pg_bin=${QUARRY_PG_BIN:-/usr/lib/postgresql/15/bin}
services=${QUARRY_SERVICES:-postgres clickhouse clickhouse2 bigquery redis}
want() { [[ " $services " == *" $1 "* ]]; }
bq_project=quarry
bq_dataset=sample
ch_reader=quarry_reader
ch_readonly2=quarry_readonly2

log() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

# die_with_logs MESSAGE FILE...: die, after printing the last lines of each
# FILE that exists (a server that failed to start says why there; the state
# directory may be gone by the time someone reads the CI log).
die_with_logs() {
  local msg=$1 f; shift
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "services: --- last lines of $f ---" >&2
    tail -n 25 "$f" >&2
  done
  die "$msg"
}

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

# proc_gone PID: no such process, or only a zombie waiting for its parent.
proc_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# reserve_ports PORT...: as root, takes the servers' ports out of the kernel's
# ephemeral range (net.ipv4.ip_local_reserved_ports). Our ports sit inside it
# (32768-60999), so an outgoing connection of a busy test run could hold one
# of them, or leave it in TIME_WAIT, when a server binds it: ClickHouse then
# answers on its native port and exits on its HTTP one. Without root, or where
# /proc/sys is read-only, nothing changes. The kernel keeps the union.
# project_ports are the ranges every instance the tests start listens in: the
# shared one (55432, 56379, 58123, 58523, 59000-59060, 59400), the
# lifecycle test's (scripts/test-services.sh: +10) and pkg/reliability's
# private ones (55472, 58163, 58563, 59040, 59130-59140, 59440). `reserve-ports`
# takes them all out of the ephemeral range before a test run starts.
project_ports="55430-55480 56370-56390 58120-58170 58520-58570 59000-59150 59400-59450"
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
  is_root && [ -w "$f" ] || return 0
  cur=$(cat "$f" 2>/dev/null) || return 0
  local IFS=,
  echo "${cur:+$cur,}$*" >"$f" 2>/dev/null || true
}

# pid_alive FILE: the process whose pid is the first line of FILE runs.
pid_alive() { [ -s "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }

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
export QUARRY_CH_READER_USER='$ch_reader'
export QUARRY_CH_READONLY2_USER='$ch_readonly2'
export QUARRY_CH_VERSION='$(if want clickhouse; then ch_version; else echo unknown; fi)'
export QUARRY_CH2_ADDR='127.0.0.1:$ch2_port'
export QUARRY_CH_CLUSTER='$ch_cluster'
export QUARRY_BQ_ENDPOINT='http://127.0.0.1:$bq_port'
export QUARRY_BQ_GRPC_ADDR='127.0.0.1:$bq_grpc_port'
export QUARRY_BQ_PROJECT='$bq_project'
export QUARRY_BQ_DATASET='$bq_dataset'
EOF
  if want redis; then redis_env_text; fi
}

# write_env replaces the env file in one rename: tests read it while another
# start rewrites it.
write_env() { env_text >"$state/env.tmp" && mv -f "$state/env.tmp" "$state/env"; }

ch_version() {
  clickhouse-client --host 127.0.0.1 --port "$ch_port" --query 'SELECT version()' 2>/dev/null || echo unknown
}

# sample runs the sample loader CLI (go run caches the built binary).
sample() { (cd "$root" && go run ./pkg/sample/cmd/quarry-sample "$@"); }

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; }

# pg_stat_statements is preloaded so that tests can count the queries the
# server ran (the shared-cache tests do).
pg_start() {
  [ -x "$pg_bin/postgres" ] || apt_install postgresql-15
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
    "-p $pg_port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB -c shared_preload_libraries=pg_stat_statements" \
    >"$state/logs/postgres-ctl.log" 2>&1 9>&- || die_with_logs "postgres did not start; see $dir/postgres.log" "$state/logs/postgres-ctl.log" "$dir/postgres.log"
  ln -sf "$dir/postgres.log" "$state/logs/postgres.log"
  wait_for 60 postgres pg_ready || die_with_logs "postgres does not answer on $pg_port; see $dir/postgres.log" "$dir/postgres.log"
  if ! "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='quarry'" | grep -q 1; then
    "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE quarry" >&2
  fi
}

pg_stop() {
  local dir="$state/postgres"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_user postgres "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    local pid; pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
}

# ---------------------------------------------------------------- ClickHouse
ch_ready() {
  clickhouse-client --host 127.0.0.1 --port "$ch_port" --query 'SELECT 1' >/dev/null 2>&1 &&
    curl -fsS -m 5 "http://127.0.0.1:$ch_http_port/ping" >/dev/null 2>&1
}
ch_ready_or_dead() { ch_ready || ! pid_alive "$state/${ch_dir:-clickhouse}/clickhouse.pid"; }

ch_config() {
  local dir=$1
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/clickhouse-server.log</log>
    <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
    <size>20M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$ch_port</tcp_port>
  <http_port>$ch_http_port</http_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
EOF
  ch_users "$dir"
}

# ch_users DIR writes DIR/users.xml: `default` (the tests' admin user, which
# loads fixtures), `quarry_reader`, the least-privilege user Quarry's
# backstop tests connect as, and `quarry_readonly2` (readonly=2: a query may
# change settings; the health warning's test). ClickHouse 18.16 has no settings constraints
# (profiles reject <constraints>), so the strongest it offers is readonly=1:
# no writes, no SET or query-level SETTINGS that change a value, settings
# sent with a query ignored, and no table functions at all; the limits live
# in the profile. allow_databases keeps the user to the sample (system stays
# readable). The server re-reads users.xml on change, so a running server
# picks it up without a restart.
ch_users() {
  local dir=$1
  cat >"$dir/users.xml.new" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default>
    <readonly><readonly>1</readonly></readonly>
    <quarry_reader>
      <readonly>1</readonly>
      <max_execution_time>60</max_execution_time>
      <max_memory_usage>2000000000</max_memory_usage>
      <max_result_bytes>1000000000</max_result_bytes>
      <max_rows_to_read>1000000000</max_rows_to_read>
      <max_bytes_to_read>100000000000</max_bytes_to_read>
    </quarry_reader>
    <quarry_readonly2><readonly>2</readonly><max_execution_time>60</max_execution_time></quarry_readonly2>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <$ch_reader>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>quarry_reader</profile>
      <quota>default</quota>
      <allow_databases><database>sample</database></allow_databases>
    </$ch_reader>
    <$ch_readonly2>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>quarry_readonly2</profile>
      <quota>default</quota>
      <allow_databases><database>sample</database></allow_databases>
    </$ch_readonly2>
  </users>
  <quotas>
    <default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default>
  </quotas>
</yandex>
EOF
  if cmp -s "$dir/users.xml.new" "$dir/users.xml"; then rm -f "$dir/users.xml.new"; else mv "$dir/users.xml.new" "$dir/users.xml"; fi
}

# ch_reader_ready: the reader user can log in (a running server re-reads
# users.xml within seconds of a change).
ch_reader_ready() { clickhouse-client --host 127.0.0.1 --port "$ch_port" --user "$ch_reader" --query 'SELECT 1' >/dev/null 2>&1; }

# ch_update_users: a running server gets the current users.xml (no restart).
ch_update_users() {
  local dir="$state/clickhouse"
  [ -d "$dir" ] || return 0
  ch_users "$dir"
  if is_root && id clickhouse >/dev/null 2>&1; then chown clickhouse "$dir/users.xml"; fi
  wait_for 30 "clickhouse user $ch_reader" ch_reader_ready || die "clickhouse user $ch_reader cannot log in; see $dir/log/"
}

# ch_cluster_config DIR: the two-shard cluster, in config.d (merged into
# config.xml by the server, and re-read when it changes). A shard whose
# address is the server's own is read locally.
ch_cluster_config() {
  mkdir -p "$1/config.d"
  cat >"$1/config.d/cluster.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <remote_servers>
    <$ch_cluster>
      <shard><replica><host>127.0.0.1</host><port>$ch_port</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$ch2_port</port></replica></shard>
    </$ch_cluster>
  </remote_servers>
</yandex>
EOF
}

ch_start() {
  command -v clickhouse-server >/dev/null 2>&1 && command -v clickhouse-client >/dev/null 2>&1 ||
    apt_install clickhouse-server clickhouse-client
  local dir="$state/${ch_dir:-clickhouse}"
  if pid_alive "$dir/clickhouse.pid" && ch_ready; then
    ch_cluster_config "$dir" # a server started before the cluster existed picks it up live
    log "${dir##*/} already running on $ch_port"
    return
  fi
  port_open "$ch_port" && die "port $ch_port is taken by another process; set QUARRY_CH_PORT"
  port_open "$ch_http_port" && die "port $ch_http_port is taken by another process; set QUARRY_CH_HTTP_PORT"
  mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/run"
  ch_config "$dir"
  ch_cluster_config "$dir"
  local user=clickhouse
  id clickhouse >/dev/null 2>&1 || user=$(id -un)
  is_root && chown -R "$user" "$dir"
  # setsid gives it a session of its own (it outlives this script); setpriv
  # execs it as $user, so $! is the server itself. 18.16 writes --pid-file
  # only in daemon mode, so the pid comes from $!.
  local drop=()
  is_root && drop=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups)
  setsid "${drop[@]}" clickhouse-server --config-file="$dir/config.xml" --pid-file="$dir/run/clickhouse.pid" \
    >"$dir/log/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/clickhouse.pid"
  ln -sf "$dir/log/clickhouse-server.err.log" "$state/logs/${dir##*/}.err.log"
  wait_for 90 "${dir##*/}" ch_ready_or_dead || die_with_logs "${dir##*/} does not answer on $ch_port; see $dir/log/" "$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log"
  pid_alive "$dir/clickhouse.pid" || die_with_logs "${dir##*/} exited; see $dir/log/" "$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log"
}

# The second server (shard 2): ch_start with its own ports and directory
# (ch_start, ch_config and ch_ready read these locals).
ch2_start() {
  local ch_port=$ch2_port ch_http_port=$ch2_http_port ch_dir=clickhouse2
  ch_start
}
# ch2_ready: our second server answers (not another process on its port).
ch2_ready() { local ch_port=$ch2_port; pid_alive "$state/clickhouse2/clickhouse.pid" && ch_ready; }
ch2_stop() { kill_pidfile "$state/clickhouse2/clickhouse.pid" clickhouse2; }

kill_pidfile() { # kill_pidfile FILE NAME: TERM, wait up to 30 s, then KILL
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] || return 0
  proc_gone "$pid" && return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do proc_gone "$pid" && return 0; sleep 0.2; done
  log "$name ($pid) ignored SIGTERM; killing"
  kill -KILL "$pid" 2>/dev/null || true
}

ch_stop() {
  local dir="$state/clickhouse"
  kill_pidfile "$dir/clickhouse.pid" clickhouse
}

# ---------------------------------------------------------------- BigQuery emulator
bq_ready() { bq_healthy; }

# bq_healthy: the emulator answers a query. goccy/bigquery-emulator v0.6.6 closes its
# database when a client cancels a running query; every later query then fails with
# "sql: connection is already closed", and only a restart helps.
bq_healthy() {
  curl -fsS -m 20 -X POST -H 'content-type: application/json' \
    -d '{"query":"SELECT 1","useLegacySql":false}' \
    "http://127.0.0.1:$bq_port/bigquery/v2/projects/$bq_project/queries" 2>/dev/null | grep -q '"jobComplete": *true'
}

bq_start() {
  local dir="$state/bigquery"
  if pid_alive "$dir/emulator.pid"; then
    # Not listening yet: still starting, bq_wait waits for it.
    if ! port_open "$bq_port" || bq_healthy; then log "bigquery emulator already running on $bq_port"; return; fi
    log "bigquery emulator on $bq_port no longer answers queries (a cancelled query breaks it); restarting it"
    bq_stop
    rm -rf "$dir"
  fi
  port_open "$bq_port" && die "port $bq_port is taken by another process; set QUARRY_BQ_PORT"
  mkdir -p "$dir"
  local bin
  bin=$("$root/scripts/build-emulator.sh") || die "building the BigQuery emulator failed (scripts/build-emulator.sh)"
  # The sample goes in through the API afterwards (quarry-sample load -engine bigquery):
  # --data-from-yaml takes over 10 minutes for the same rows.
  setsid "$bin" --project="$bq_project" --dataset="$bq_dataset" --host=127.0.0.1 --port="$bq_port" \
    --grpc-port="$bq_grpc_port" --log-level=warn >"$dir/emulator.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/emulator.pid"
  ln -sf "$dir/emulator.log" "$state/logs/bigquery-emulator.log"
}

bq_wait() {
  local dir="$state/bigquery"
  wait_for 120 "bigquery emulator" bq_ready_or_dead || die_with_logs "bigquery emulator does not answer on $bq_port; see $dir/emulator.log" "$dir/emulator.log"
  pid_alive "$dir/emulator.pid" || die_with_logs "bigquery emulator exited; see $dir/emulator.log" "$dir/emulator.log"
}
bq_ready_or_dead() { bq_ready || ! pid_alive "$state/bigquery/emulator.pid"; }

bq_stop() { kill_pidfile "$state/bigquery/emulator.pid" bigquery-emulator; }

# ---------------------------------------------------------------- Redis
# Redis is an accelerator of the shared result cache: it holds no sample, so it
# starts (and restarts) independently of the sample's ready marker.
# QUARRY_REDIS_TLS_CERT, _KEY and _CA (PEM files) make Redis serve TLS only, on
# the same port; QUARRY_REDIS_PASSWORD sets requirepass (written to a 0600
# config file, never on the command line). Tests use them on private instances.
redis_tls=${QUARRY_REDIS_TLS_CERT:+yes}
redis_scheme=redis${redis_tls:+s}
redis_cli() {
  local args=(-h 127.0.0.1 -p "$redis_port")
  [ -n "$redis_tls" ] && args+=(--tls --cacert "$QUARRY_REDIS_TLS_CA")
  REDISCLI_AUTH=${QUARRY_REDIS_PASSWORD:-} redis-cli "${args[@]}" "$@"
}
redis_ready() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }
redis_ready_or_dead() { redis_ready || ! pid_alive "$state/redis/redis.pid"; }

redis_env_text() {
  cat <<EOF
export QUARRY_REDIS_ADDR='127.0.0.1:$redis_port'
export QUARRY_REDIS_URL='$redis_scheme://127.0.0.1:$redis_port/0'
export QUARRY_REDIS_PID_FILE='$state/redis/redis.pid'
EOF
}

redis_start() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || apt_install redis-server
  local dir="$state/redis"
  if pid_alive "$dir/redis.pid" && redis_ready; then log "redis already running on $redis_port"; return; fi
  port_open "$redis_port" && die "port $redis_port is taken by another process; set QUARRY_REDIS_PORT"
  mkdir -p "$dir" "$state/logs"
  # No persistence (save "", appendonly no): a restart starts empty, as a
  # cache may. maxmemory bounds it; allkeys-lru evicts like a cache. 9>&-: the
  # server must not inherit the start lock (a failed start would hold it).
  local conf="$dir/redis.conf"
  (
    umask 077
    {
      echo "bind 127.0.0.1"
      if [ -n "$redis_tls" ]; then
        echo "port 0"
        echo "tls-port $redis_port"
        echo "tls-cert-file $QUARRY_REDIS_TLS_CERT"
        echo "tls-key-file $QUARRY_REDIS_TLS_KEY"
        echo "tls-ca-cert-file $QUARRY_REDIS_TLS_CA"
        echo "tls-auth-clients no"
      else
        echo "port $redis_port"
      fi
      [ -n "${QUARRY_REDIS_PASSWORD:-}" ] && echo "requirepass \"$QUARRY_REDIS_PASSWORD\""
      echo "dir $dir"
      echo "save \"\""
      echo "appendonly no"
      echo "daemonize no"
      echo "protected-mode no"
      echo "maxmemory 256mb"
      echo "maxmemory-policy allkeys-lru"
      echo "logfile $dir/redis.log"
    } >"$conf"
  )
  setsid redis-server "$conf" >"$dir/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/redis.pid"
  ln -sf "$dir/redis.log" "$state/logs/redis.log"
  wait_for 30 redis redis_ready_or_dead || die_with_logs "redis does not answer on $redis_port; see $dir/redis.log" "$dir/redis.log"
  pid_alive "$dir/redis.pid" || die_with_logs "redis exited; see $dir/redis.log" "$dir/redis.log"
}

redis_stop() { kill_pidfile "$state/redis/redis.pid" redis; }

# ---------------------------------------------------------------- commands
start() {
  mkdir -p "$(dirname "$state")"
  exec 9>"$lock"
  flock 9
  reserve_ports "$pg_port" "$ch_port" "$ch_http_port" "$ch2_port" "$ch2_http_port" "$bq_port" "$bq_grpc_port" "$redis_port"
  local t0=$SECONDS
  local digest
  digest=$(cat "$root/testdata/sample/digest.txt")
  if [ "${QUARRY_SAMPLE:-1}" = 0 ]; then digest=no-sample; fi
  if [ -f "$state/ready" ] && [ "$(sed -n 2p "$state/ready")" != "$digest" ]; then
    # The generator changed (same counts may hide different rows): start afresh.
    log "the loaded sample is from another generator version; restarting from scratch"
    bq_stop; ch2_stop; ch_stop; pg_stop; redis_stop
    rm -rf "$state"
  fi
  if want redis; then redis_start; fi
  if [ -f "$state/ready" ] && [ "${QUARRY_FORCE_LOAD:-0}" != 1 ] &&
    { ! want postgres || pg_ready; } && { ! want clickhouse || ch_ready; } && { ! want clickhouse2 || ch2_ready; } &&
    { ! want bigquery || bq_healthy; }; then
    write_env # this version of the script may export more than the one that started them
    log "already running with the sample loaded (QUARRY_FORCE_LOAD=1 re-checks every table); state in $state"
    # The users may be from an older version of this script too.
    if want clickhouse; then ch_update_users; fi
    flock -u 9
    return
  fi
  mkdir -p "$state/logs"
  chmod 755 "$state"
  rm -f "$state/ready"
  if want bigquery; then bq_start; fi
  if want postgres; then pg_start; fi
  if want clickhouse; then ch_start; ch_update_users; fi
  if want clickhouse2; then ch2_start; fi
  if want bigquery; then bq_wait; fi
  write_env
  local t1=$SECONDS
  if [ "$digest" = no-sample ]; then services=""; fi
  if want postgres; then sample load -engine postgres -dsn "$(pg_dsn)"; fi
  if want clickhouse; then sample load -engine clickhouse -addr "127.0.0.1:$ch_port"; fi
  if want bigquery; then
    sample load -engine bigquery -endpoint "http://127.0.0.1:$bq_port" -project "$bq_project" -dataset "$bq_dataset"
  fi
  printf '%s\n%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$digest" >"$state/ready"
  log "started in $((SECONDS - t0)) s (services $((t1 - t0)) s, sample $((SECONDS - t1)) s); state in $state"
  flock -u 9
}

stop() {
  mkdir -p "$(dirname "$state")"
  exec 9>"$lock"
  flock 9
  local pids=()
  if [ -d "$state" ]; then
    rm -f "$state/ready"
    local f
    for f in "$state/bigquery/emulator.pid" "$state/clickhouse/clickhouse.pid" "$state/clickhouse2/clickhouse.pid" "$state/redis/redis.pid"; do
      if [ -s "$f" ]; then pids+=("$(cat "$f")"); fi
    done
    if [ -s "$state/postgres/data/postmaster.pid" ]; then pids+=("$(head -1 "$state/postgres/data/postmaster.pid")"); fi
    bq_stop
    ch2_stop
    ch_stop
    pg_stop
    redis_stop
    rm -rf "$state"
  fi
  rm -f "$lock"
  flock -u 9
  # Verify: nothing we started is left, nor the state dir.
  local pid left=0
  for pid in "${pids[@]}"; do
    wait_for 20 "process $pid exit" proc_gone "$pid" >/dev/null 2>&1 || { log "process $pid is still running"; left=1; }
  done
  if [ -e "$state" ]; then log "$state still exists"; left=1; fi
  [ $left = 0 ] || die "stop left something behind"
  log "stopped ${#pids[@]} processes; removed $state"
}

status() {
  local rc=0
  if ! want postgres; then echo "postgres   not wanted (QUARRY_SERVICES)"
  elif pg_ready 2>/dev/null; then echo "postgres   up    127.0.0.1:$pg_port"
  else echo "postgres   down  127.0.0.1:$pg_port"; rc=1; fi
  if ! want clickhouse; then echo "clickhouse not wanted (QUARRY_SERVICES)"
  elif ch_ready; then echo "clickhouse up    127.0.0.1:$ch_port ($(ch_version))"
  else echo "clickhouse down  127.0.0.1:$ch_port"; rc=1; fi
  if ! want clickhouse2; then echo "clickhouse2 not wanted (QUARRY_SERVICES)"
  elif ch2_ready; then echo "clickhouse2 up   127.0.0.1:$ch2_port (shard 2 of cluster $ch_cluster)"
  else echo "clickhouse2 down 127.0.0.1:$ch2_port"; rc=1; fi
  if ! want bigquery; then echo "bigquery   not wanted (QUARRY_SERVICES)"
  elif bq_ready 2>/dev/null; then echo "bigquery   up    http://127.0.0.1:$bq_port"
  else echo "bigquery   down  http://127.0.0.1:$bq_port"; rc=1; fi
  if ! want redis; then echo "redis      not wanted (QUARRY_SERVICES)"
  elif redis_ready; then echo "redis      up    127.0.0.1:$redis_port"
  else echo "redis      down  127.0.0.1:$redis_port"; rc=1; fi
  if [ "$(sed -n 2p "$state/ready" 2>/dev/null)" = no-sample ]; then echo "sample     not loaded (QUARRY_SAMPLE=0), up since $(head -1 "$state/ready")"
  elif [ -f "$state/ready" ]; then echo "sample     loaded $(head -1 "$state/ready")"; else echo "sample     not loaded"; rc=1; fi
  return $rc
}

# ---------------------------------------------------------------- one service
one_service() { # one_service start|stop|kill NAME
  local action=$1 name=${2:-}
  case $name in postgres | clickhouse | bigquery) ;; *) die "service-$action: want postgres, clickhouse or bigquery, got '$name'" ;; esac
  [ -d "$state" ] || die "service-$action: $state does not exist; run start first"
  exec 9>"$lock"
  flock 9
  reserve_ports "$pg_port" "$ch_port" "$ch_http_port" "$bq_port" "$bq_grpc_port"
  case $action-$name in
    start-postgres) pg_start ;;
    start-clickhouse) ch_start ;;
    start-bigquery) bq_start; bq_wait ;;
    stop-postgres) pg_stop ;;
    stop-clickhouse) ch_stop ;;
    stop-bigquery) bq_stop ;;
    kill-postgres)
      as_user postgres "$pg_bin/pg_ctl" -D "$state/postgres/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
      wait_for 30 "postgres exit" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$pg_port) 2>/dev/null" ;;
    kill-clickhouse | kill-bigquery)
      local f="$state/clickhouse/clickhouse.pid"
      [ "$name" = bigquery ] && f="$state/bigquery/emulator.pid"
      if [ -s "$f" ]; then
        local pid; pid=$(cat "$f")
        kill -KILL "$pid" 2>/dev/null || true
        wait_for 30 "$name exit" proc_gone "$pid" || die "$name ($pid) survived SIGKILL"
      fi ;;
    *) die "unknown action $action" ;;
  esac
  flock -u 9
}

case ${1:-} in
  start) start ;;
  service-start) one_service start "${2:-}" ;;
  service-stop) one_service stop "${2:-}" ;;
  service-kill) one_service kill "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  reserve-ports) reserve_ports $project_ports ;;
  env) if [ -f "$state/env" ]; then cat "$state/env"; else env_text; fi ;;
  *) echo "usage: $0 start|stop|status|env|reserve-ports|service-start NAME|service-stop NAME|service-kill NAME" >&2; exit 2 ;;
esac
