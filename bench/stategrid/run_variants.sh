#!/usr/bin/env bash
# State Grid solar: day-ahead persistence and the physical PV model, scored by seed-job evaluate.
# usage: bench/stategrid/run_variants.sh <stategrid_solar data folder> [--site N] [--keep DIR]
# Needs a build with benchmarks (the default Release build); set BUILD_DIR if it is not ./build.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,4p' "$0"
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/bench_stategrid
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target bench_stategrid)" >&2; exit 2; }
exec "$bin" "$@"
