#!/usr/bin/env bash
# Builds the goccy BigQuery emulator once and caches the binary.
# go-zetasql does not compile with gcc 12, so this uses Debian's clang.
# Prints the path of the cached binary on stdout. Concurrent calls wait for
# one build (file lock next to the cache).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${QUARRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/quarry}
version=v0.6.6
bin="$cache/bigquery-emulator-$version"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
exec 8>"$cache/bigquery-emulator.lock"
flock 8
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi # built while we waited
if ! command -v clang >/dev/null 2>&1; then
  echo "build-emulator: installing clang (go-zetasql needs it)" >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang) >&2
  else
    echo "build-emulator: clang is missing; run: sudo apt-get install -y clang" >&2; exit 1
  fi
fi
echo "build-emulator: building bigquery-emulator $version (first build takes a long time; cached at $bin)" >&2
cd "$here/tools/bigquery-emulator"
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
CGO_ENABLED=1 CC=clang CXX=clang++ go build -o "$tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator >&2
mv "$tmp" "$bin"
echo "build-emulator: built in $((SECONDS - start)) s" >&2
echo "$bin"
