#!/usr/bin/env bash
# State Grid PV through the stock seed-job CLI: convert each station file (convert.py: formats only),
# then `seed-job train --model pvwatts`, `train --model gbdt --features pvwatts,clearsky_index`,
# `forecast` over the scored period and `evaluate` (all points, and daytime by --night-mask power),
# side by side with day-ahead persistence. Prints one Markdown table row per site, model and mask.
# usage: bench/stategrid/run.sh <stategrid_solar data folder> [site numbers, default: 1 2 3 5]
# Needs build/bin/seed-job (cmake --build build --target seed-job); set BUILD_DIR if not ./build.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,8p' "$0"
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
job=${BUILD_DIR:-$root/build}/bin/seed-job
[[ -x $job ]] || { echo "not built: $job (cmake --build build --target seed-job)" >&2; exit 2; }
data=$1
shift
sites=${*:-1 2 3 5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Site positions, fixed before any run: the dataset publishes none. These are the positions that
# bench_stategrid (run_variants.sh) estimates from the 2019 irradiance timing alone (no power),
# rounded; altitude from the station's mean pressure by the standard atmosphere; modules face south
# at a tilt equal to the latitude; DC/AC ratio 1 (the fitted scale absorbs the rest).
declare -A lat=([1]=41.5 [2]=36.5 [3]=38.0 [5]=38.0)
declare -A lon=([1]=99.4 [2]=81.9 [3]=121.0 [5]=117.2)
declare -A alt=([1]=700 [2]=1250 [3]=0 [5]=0)
declare -A tilt=([1]=42 [2]=37 [3]=38 [5]=38)
# Fit on 2019, score 2020; site 3 (January to July 2019 only) fits on January and scores February-July.
declare -A fit=([1]=2019-01-01 [2]=2019-01-01 [3]=2019-01-01 [5]=2019-01-01)
declare -A score=([1]=2020-01-01 [2]=2020-01-01 [3]=2019-02-01 [5]=2020-01-01)
declare -A end=([1]=2021-01-01 [2]=2021-01-01 [3]=2019-08-01 [5]=2021-01-01)

row() {  # site capacity label period results.json
  python3 - "$@" <<'PY'
import json, sys
site, cap, label, period, path_all, path_day = sys.argv[1:7]
a, d = json.load(open(path_all)), json.load(open(path_day))
pin = lambda r: f"{r['pinball']:.4f}" if isinstance(r.get('pinball'), (int, float)) and r['pinball'] == r['pinball'] else "-"
print(f"| {site} | {cap} | {label} | {period} | {a['days']} | {100*a['accuracy']:.2f} | {100*a['qualification']:.2f} | "
      f"{100*d['accuracy']:.2f} | {100*d['qualification']:.2f} | {a['rmse']:.4f} | {pin(d)} |")
PY
}

echo "| site | MW | forecast | scored | days | C_R all % | Q_R all % | C_R daytime % | Q_R daytime % | RMSE/Cap all | pinball daytime |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for s in $sites; do
  file=$(ls "$data"/Solar_station_site_"$s"_Nominal_capacity-*MW.csv)
  cap=${file##*capacity-}
  cap=${cap%MW.csv}
  dir=$work/site$s
  python3 "$here/convert.py" "$file" "$dir" "${fit[$s]}" "${score[$s]}" "${end[$s]}"
  site_flags=(--latitude "${lat[$s]}" --longitude "${lon[$s]}" --altitude "${alt[$s]}" --tilt "${tilt[$s]}"
              --azimuth 180 --ghi-column ghi --temperature-column t2m)
  common=(--kind solar --nwp "$dir/weather.csv" --measurements "$dir/power_fit.csv" --capacity "$cap"
          --quantiles 0.1,0.25,0.5,0.75,0.9)
  "$job" train --model pvwatts "${common[@]}" "${site_flags[@]}" --out "$dir/pvwatts.json" >&2
  "$job" train --model gbdt "${common[@]}" "${site_flags[@]}" --features pvwatts,clearsky_index \
    --out "$dir/gbdt.json" >&2
  for m in pvwatts gbdt; do
    "$job" forecast --model "$dir/$m.json" --nwp "$dir/weather.csv" --from "${score[$s]}T00:00:00+08:00" \
      --to "${end[$s]}T00:00:00+08:00" --out "$dir/$m.csv" >&2
  done
  period="${score[$s]}..${end[$s]}"
  for m in persistence pvwatts gbdt; do
    for mask in none power; do
      SEED_RESULTS_FILE=$dir/$m-$mask.json "$job" evaluate --forecast "$dir/$m.csv" --actual "$dir/power_score.csv" \
        --capacity "$cap" --night-mask "$mask" >&2
    done
    case $m in
      persistence) label="persistence D-1" ;;
      pvwatts) label="train --model pvwatts" ;;
      gbdt) label="train --model gbdt on pvwatts,clearsky_index" ;;
    esac
    row "$s" "$cap" "$label" "$period" "$dir/$m-none.json" "$dir/$m-power.json"
  done
  python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(f'site $s: pvwatts scale {m[\"parameters\"][\"scale\"]:.3f}', file=sys.stderr)" "$dir/pvwatts.json"
done
