#!/usr/bin/env bash
# The chaos scenario at full size (bench/chaos/README.md): 1,000 scheduled one-pod runs through two
# seed-operator replicas with leader election, the leader SIGKILLed 20 times, 5 % of the operators'
# API requests failing, watches dropped every 10 s and expired every 60 s. Prints the counts; exits 1
# when a count that must be zero is not.
# usage: bench/chaos/run.sh [bench_chaos flags: --seed N --pipelines N --minutes N --kills N ...]
# Needs the Release build with tests (the default); set BUILD_DIR if it is not ./build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/bench_chaos
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target bench_chaos)" >&2; exit 2; }
exec "$bin" "$@"
