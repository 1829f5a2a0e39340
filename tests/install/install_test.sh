#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR: installs the forkrpc built in BUILD_DIR
# into WORK_DIR/prefix, then builds examples/hello as a separate project that finds it
# with find_package(forkrpc CONFIG) (tests/install/consumer), and runs it.
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") work=$(realpath -m "$3")
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# Nothing of the runtime's inside is installed: public headers only.
if [[ -e "$work/prefix/include/forkrpc/internal" ]]; then
  echo "install_test: internal headers were installed" >&2
  exit 1
fi
cmake -S "$source/tests/install/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DHELLO_DIR="$source/examples/hello" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/hello"
rm -rf "$work"
