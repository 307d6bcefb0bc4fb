#!/usr/bin/env bash
# GEFCom2012 wind: seed GBDT vs XGBoost hist vs scikit-learn HGB on the same rows, in one run.
# usage: bench/gefcom/run.sh <gefcom2012_wind data folder> [--threads 2] [--features nwp+power|nwp|both]
# Needs a build with benchmarks (the default Release build); set BUILD_DIR if it is not ./build.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,4p' "$0"
  exit 2
fi
data=$1
shift
threads=2
features=both
while [[ $# -gt 0 ]]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --features) features=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/bench_gefcom
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target bench_gefcom)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sets=("$features")
[[ $features == both ]] && sets=(nwp+power nwp)
# Idle OpenMP threads block instead of spinning, as seed's pool does: on a shared machine spinning
# threads steal the cores the working ones need. Override with OMP_WAIT_POLICY=active.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
for set in "${sets[@]}"; do
  echo "=== features: $set ==="
  quantiles=()
  [[ $set == nwp ]] && quantiles=(--no-quantiles)  # the P10/P90 check is made on the 22-feature set
  "$bin" "$data" --threads "$threads" --features "$set" "${quantiles[@]}" --export "$tmp/$set"
  OMP_NUM_THREADS=$threads /usr/bin/python3 "$here/peers.py" "$tmp/$set" --threads "$threads"
done
