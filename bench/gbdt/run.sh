#!/usr/bin/env bash
# seed GBDT vs XGBoost hist: training time and prediction throughput on the same synthetic matrix
# (100k x 20 by default), same settings (depth 6, 255 bins, lr 0.05, subsample/colsample 0.8), 2 threads.
# usage: bench/gbdt/run.sh [bench_gbdt flags: --rows N --cols N --trees N --threads N --repeats N]
# Needs a build with benchmarks (the default Release build); set BUILD_DIR if it is not ./build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/bench_gbdt
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target bench_gbdt)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" "$@" --export "$tmp"
# XGBoost's OpenMP threads block when idle, as seed's pool does (spinning threads burn the CPU time
# of a shared machine, which inflated XGBoost's CPU figure 20-fold in one loaded run).
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} /usr/bin/python3 "$here/speed.py" "$tmp"
