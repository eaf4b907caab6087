#!/usr/bin/env bash
# Runs every Go fuzz target in the module (default 15s each).
# Usage: scripts/fuzz.sh [duration|long]
#   duration  a go test -fuzztime value, e.g. 20s
#   long      10 minutes per target with one worker (-parallel 1), so it can run
#             beside other work; QUARRY_FUZZ_PARALLEL overrides the workers.
# At the end it prints the executions each target reached.
#
# Each run uses a fresh fuzz cache (QUARRY_FUZZ_CACHE overrides it): the
# shared $GOCACHE/fuzz grows with every run, and once its baseline takes
# longer than the fuzz time the run fails before fuzzing anything. The
# committed seeds under testdata/fuzz/ are always the baseline; a crasher is
# written there by go test itself.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" at the -fuzztime boundary when a worker is still busy (for example
# minimizing a new input) as the deadline fires: golang/go#75804, fixed in Go
# 1.27. That failure writes no crasher and names no input. When a target fails
# with only that message, this script replays the target's seed corpus
# (go test -run) and counts the run as passed if the replay passes. Any other
# failure (a panic, a t.Fatal, a written crasher) fails the script.
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
summary=$cache/summary
: >"$summary"
found=0
failed=0
for pkg in $(go list ./pkg/...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
    found=$((found + 1))
    echo "fuzz: $pkg $target ($dur)"
    out=$cache/$target.log
    # Minimizing each new interesting input is capped at 5s, so the time goes
    # to fuzzing; a crasher is still minimized (that uses -fuzzminimizetime too).
    set +e
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" -fuzzminimizetime 5s "${parallel[@]}" \
      "$pkg" -test.fuzzcachedir="$cache/corpus" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    last=$(grep 'execs:' "$out" | tail -1 || true)
    if ((rc == 0)); then
      echo "fuzz: $target passed; $last" >>"$summary"
      continue
    fi
    # The coordinator's deadline race: the only failure line is the bare context
    # error, and no input was written.
    if grep -q '^    context deadline exceeded$' "$out" &&
      ! grep -q 'Failing input written\|panic:\|_test.go:[0-9]*:' "$out"; then
      echo "fuzz: $target stopped with the coordinator's deadline race (golang/go#75804); replaying its seed corpus"
      if go test -count=1 -run "^${target}\$" "$pkg"; then
        echo "fuzz: $target passed (deadline race at the end, seed replay passed); $last" >>"$summary"
        continue
      fi
    fi
    echo "fuzz: $target FAILED; $last" >>"$summary"
    failed=$((failed + 1))
  done
done
cat "$summary"
echo "fuzz: $found targets ran, $failed failed"
((failed == 0))
