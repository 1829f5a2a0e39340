#!/usr/bin/env bash
# run.sh: builds the benchmarks in Release, runs every program, and prints the table
# (one row per case and implementation, with ratios to the floor and to gRPC) and the
# targets with their measured ratios.
#   bash bench/run.sh                  # the full run: about 7 minutes on 2 cores
#   bash bench/run.sh --quick          # every case briefly: about 75 seconds
#   bash bench/run.sh --json out.json  # also writes every record to out.json
# Installs what it needs first (scripts/install-deps.sh --tests). Builds in
# build-bench/, or in $FORKRPC_BENCH_BUILD_DIR (relative to the repository's root).
# The table goes to stdout, progress to stderr. Each program's own output goes to
# <build>/bench-logs/; the records of the last run to <build>/bench-results.json, which
# bench/plot reads. Exits non-zero if a case failed (n/a points are not failures).
set -euo pipefail

usage() {
  echo "usage: $0 [--quick] [--json FILE]" >&2
  exit 2
}

mode=()
json=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=(--quick); shift ;;
    --json) [[ $# -ge 2 ]] || usage; json="$2"; shift 2 ;;
    --json=*) json="${1#--json=}"; shift ;;
    *) usage ;;
  esac
done
if [[ -n "$json" ]]; then
  json=$(realpath -m "$json")  # relative to where run.sh was started
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

read -r load _ </proc/loadavg
if awk -v load="$load" 'BEGIN { exit !(load > 0.5) }'; then
  echo "run.sh: the machine is busy (load average $load); the results will be noisy" >&2
fi

scripts/install-deps.sh --tests >&2
build="${FORKRPC_BENCH_BUILD_DIR:-build-bench}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFORKRPC_BUILD_BENCH=ON \
  -DFORKRPC_BUILD_TESTS=OFF -DFORKRPC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target forkrpc_benchmarks >&2

logs="$build/bench-logs"
records="$build/bench-records"
rm -rf "$logs" "$records"
mkdir -p "$logs" "$records"
programs=(unary inflight streaming big_messages spawn scaling size_sweep memory)
failed=0
started=$SECONDS
for program in "${programs[@]}"; do
  begin=$SECONDS
  if "$build/bench/${program}_benchmark" "${mode[@]}" --records="$records/$program.json" \
      --benchmark_color=false >"$logs/$program.log" 2>&1; then
    echo "run.sh: ${program}_benchmark done in $((SECONDS - begin)) s" >&2
  else
    failed=1
    echo "run.sh: ${program}_benchmark failed; the end of $logs/$program.log:" >&2
    tail -n 20 "$logs/$program.log" >&2
  fi
  grep -h '^note:' "$logs/$program.log" >&2 || true
done
echo "run.sh: all programs ran in $((SECONDS - started)) s" >&2

results="$build/bench-results.json"
shopt -s nullglob
record_files=("$records"/*.json)
if [[ ${#record_files[@]} -gt 0 ]]; then
  python3 bench/report.py --machine --load "$load" --json "$results" "${record_files[@]}"
  if [[ -n "$json" ]]; then
    cp "$results" "$json"
  fi
fi
exit "$failed"
