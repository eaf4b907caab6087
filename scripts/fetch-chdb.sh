#!/usr/bin/env bash
# Fetches chDB (ClickHouse 26.7 as an in-process library) once and caches
# libchdb.so. It comes from the npm package @chdb/lib-linux-x64-gnu, taken
# with `npm pack` (npm checks the tarball's integrity). The tests load it
# with dlopen (pkg/chdbtest) to run the SQL the planner writes for modern
# ClickHouse servers. Prints the path of the cached library on stdout.
# Concurrent calls wait for one download (file lock next to the cache).
set -euo pipefail
cache=${QUARRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/quarry}
version=26.7.3-stable.1
dir="$cache/chdb-$version"
lib="$dir/libchdb.so"
if [ -f "$lib" ]; then echo "$lib"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "fetch-chdb: the npm package ships libchdb.so for linux-x64 (glibc) only; this is $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-chdb: npm is missing (it downloads the package); install Node.js and npm" >&2; exit 1
fi
mkdir -p "$cache"
exec 8>"$cache/chdb.lock"
flock 8
if [ -f "$lib" ]; then echo "$lib"; exit 0; fi # fetched while we waited
tmp=$(mktemp -d "$cache/chdb-tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-chdb: downloading @chdb/lib-linux-x64-gnu@$version (about 180 MB, once; cached at $lib)" >&2
start=$SECONDS
(cd "$tmp" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null)
tar -xzf "$tmp"/chdb-lib-linux-x64-gnu-"$version".tgz -C "$tmp" package/libchdb.so
mkdir -p "$dir"
mv "$tmp/package/libchdb.so" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "fetch-chdb: fetched in $((SECONDS - start)) s" >&2
echo "$lib"
