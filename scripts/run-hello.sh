#!/usr/bin/env bash
# run-hello.sh: builds examples/hello in build/ and runs it; installs what the build
# needs first. Works from a fresh clone on Debian 12.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFORKRPC_BUILD_EXAMPLES=ON -DFORKRPC_BUILD_TESTS=OFF -DFORKRPC_BUILD_BENCH=OFF
cmake --build build --target hello
build/examples/hello/hello
