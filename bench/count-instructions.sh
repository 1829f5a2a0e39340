#!/usr/bin/env bash
# count-instructions.sh: the user-space instructions one call costs in the caller and
# in the helper, counted by callgrind. Counts do not move with the machine's load as
# timings do, so two builds compare by them even on a busy machine.
#   bash bench/count-instructions.sh          # a unary call; 64 async calls in flight
#   bash bench/count-instructions.sh 4000     # with 4000 and 8000 calls (default 2000)
# Each count is the difference between a run of 2N calls and one of N, divided by N:
# start-up and teardown cancel out. Installs what it needs first (valgrind too), and
# builds bench/call_cost in Release in build-bench/, or in $FORKRPC_BENCH_BUILD_DIR.
set -euo pipefail

calls="${1:-2000}"
[[ $calls =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [CALLS]" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --instructions >&2
build="${FORKRPC_BENCH_BUILD_DIR:-build-bench}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFORKRPC_BUILD_BENCH=ON \
  -DFORKRPC_BUILD_TESTS=OFF -DFORKRPC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target call_cost >&2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Runs call_cost with `n` calls and options; prints "<caller total> <helper total>".
totals() {
  local n=$1
  shift
  local run="$out/run.$n.$*"
  run="${run// /_}"
  valgrind --tool=callgrind --callgrind-out-file="$run.%p" \
    "$build/bench/call_cost" --calls "$n" "$@" >"$run.stdout" 2>"$run.stderr" || {
    echo "count-instructions: call_cost $* failed; the end of its valgrind log:" >&2
    tail -n 20 "$run.stderr" >&2
    exit 1
  }
  local helper caller_total=0 helper_total=0 file total pid
  helper=$(sed -n 's/^helper pid //p' "$run.stdout")
  for file in "$run".[0-9]*; do
    pid=${file##*.}
    total=$(sed -n 's/^summary: //p' "$file")
    if [[ $pid == "$helper" ]]; then helper_total=$total; else caller_total=$total; fi
  done
  echo "$caller_total $helper_total"
}

echo "| case | caller | helper | both |"
echo "|---|---|---|---|"
for mode in "" "--async"; do
  read -r caller1 helper1 <<<"$(totals "$calls" $mode)"
  read -r caller2 helper2 <<<"$(totals "$((2 * calls))" $mode)"
  caller=$(((caller2 - caller1) / calls))
  helper=$(((helper2 - helper1) / calls))
  name=${mode:+64 async calls in flight, per call}
  echo "| ${name:-unary round trip} | $caller | $helper | $((caller + helper)) |"
done
