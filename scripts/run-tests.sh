#!/usr/bin/env bash
# run-tests.sh: builds everything in build/ with the tests on and runs the whole test
# suite; installs what that needs first. Exits non-zero if anything fails. Works from
# a fresh clone on Debian 12.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --tests
bench=OFF
if [[ -f bench/CMakeLists.txt ]]; then
  bench=ON
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFORKRPC_BUILD_EXAMPLES=ON -DFORKRPC_BUILD_TESTS=ON -DFORKRPC_BUILD_BENCH="$bench"
cmake --build build
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
