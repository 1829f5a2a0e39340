#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages forkrpc's build needs, only those
# missing. With --tests, also those the test suite and benchmarks need.
#   scripts/install-deps.sh                 # to build the library and the examples
#   scripts/install-deps.sh --tests         # to build and run everything
#   scripts/install-deps.sh --instructions  # and valgrind, for bench/count-instructions.sh
# Runs apt-get (through sudo unless already root) only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libprotobuf-dev libprotoc-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev googletest
)
case "${1:-}" in
  "") ;;
  --tests | --instructions)
    # python3: bench/run.sh's report and bench/plot. gRPC and Cap'n Proto: the peer
    # columns of the benchmarks (and gRPC for the bridge).
    packages+=(grpc-proto libbenchmark-dev libgrpc++-dev protobuf-compiler-grpc python3
               capnproto libcapnp-dev)
    [[ $1 == --instructions ]] && packages+=(valgrind)
    ;;
  *) echo "usage: $0 [--tests | --instructions]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
