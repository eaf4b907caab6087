#!/usr/bin/env bash
# Runs every Go fuzz target in the module briefly (default 15s each).
# Usage: scripts/fuzz.sh [duration|long]
#   long  runs each target for 10 minutes with one worker (-parallel 1), so it
#         can run beside other work; QUARRY_FUZZ_PARALLEL overrides the workers.
#         At the end it prints the executions each target reached.
#
# Each run uses a fresh fuzz cache (QUARRY_FUZZ_CACHE overrides it): the
# shared $GOCACHE/fuzz grows with every run, and once its baseline takes
# longer than the fuzz time the run fails with "context deadline exceeded"
# before fuzzing anything. The committed seeds under testdata/fuzz/ are always
# the baseline; new crashers are written there by go test itself.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-15s}
parallel=()
if [[ $dur == long ]]; then
  dur=10m
  parallel=(-parallel "${QUARRY_FUZZ_PARALLEL:-1}")
fi
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
    # New interesting inputs stay in the (temporary) cache; only a crasher is
    # written under testdata/fuzz/, as go test does.
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "${parallel[@]}" "$pkg" -test.fuzzcachedir="$cache" 2>&1 |
      tee /dev/stderr | awk -v t="$target" '/execs:/ {last=$0} END {if (last != "") print "fuzz: " t " last status: " last}' >>"$cache/summary"
  done
done
[ -f "$cache/summary" ] && cat "$cache/summary"
echo "fuzz: $found targets ran"
