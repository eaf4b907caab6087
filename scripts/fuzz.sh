#!/usr/bin/env bash
# Runs every Go fuzz target in the module briefly (default 15s each).
# Usage: scripts/fuzz.sh [duration]
#
# Each run uses a fresh fuzz cache (QUARRY_FUZZ_CACHE overrides it): the
# shared $GOCACHE/fuzz grows with every run, and once its baseline takes
# longer than the fuzz time the run fails with "context deadline exceeded"
# before fuzzing anything. The committed seeds under testdata/fuzz/ are always
# the baseline; new crashers are written there by go test itself.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-15s}
cache=${QUARRY_FUZZ_CACHE:-}
if [[ -z $cache ]]; then
  cache=$(mktemp -d -t quarry-fuzz.XXXXXX)
  trap 'rm -rf "$cache"' EXIT
fi
found=0
for pkg in $(go list ./pkg/...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
    found=$((found + 1))
    echo "fuzz: $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg" -test.fuzzcachedir="$cache"
  done
done
echo "fuzz: $found targets ran"
