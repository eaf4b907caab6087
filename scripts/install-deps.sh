#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing:
# clang (to build the BigQuery emulator), ClickHouse, Chromium, PostgreSQL 15.
set -euo pipefail
need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v clickhouse-server >/dev/null 2>&1 || need+=(clickhouse-server)
command -v clickhouse-client >/dev/null 2>&1 || need+=(clickhouse-client)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
if [ ${#need[@]} -eq 0 ]; then echo "install-deps: all present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2; exit 1
fi
echo "install-deps: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
