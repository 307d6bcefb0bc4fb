#!/usr/bin/env bash
# seed-job serve vs a Python Tornado + XGBoost server: single-row Open Inference Protocol v2 infer
# requests per second and p50/p99 latency with wrk on loopback, both servers in one run, the same
# request body, models trained on the same synthetic wind plant rows.
# usage: bench/serve/run.sh   (env: BUILD_DIR=build, DURATION=10s, CONNECTIONS=2, SERVER_THREADS=2, DAYS=120)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/seed-job
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target seed-job)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
duration=${DURATION:-10s}
connections=${CONNECTIONS:-2}
threads=${SERVER_THREADS:-2}
seed_port=${SEED_PORT:-18081}
peer_port=${PEER_PORT:-18082}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "# data and models"
"$bin" synth --days "${DAYS:-120}" --nwp-sources ec --out-dir "$tmp/plant"
"$bin" train --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" --capacity 100 \
  --speed-column ec_ws --direction-column ec_wd --trees 200 --depth 6 --threads 2 --out "$tmp/model.json" | head -1
/usr/bin/python3 "$here/peer_server.py" train --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" \
  --speed-column ec_ws --direction-column ec_wd --out "$tmp"
{
  echo 'wrk.method = "POST"'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.body = [[$(cat "$tmp/body.json")]]"
} > "$tmp/post.lua"

"$bin" serve --model "$tmp/model.json" --name wind-wf01 --host 127.0.0.1 --port "$seed_port" --threads "$threads" \
  2> "$tmp/seed.log" &
pids+=($!)
/usr/bin/python3 "$here/peer_server.py" serve --models "$tmp" --port "$peer_port" 2> "$tmp/peer.log" &
pids+=($!)
for port in "$seed_port" "$peer_port"; do
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null || { echo "server on $port never became ready" >&2; exit 1; }
done

echo "# request body: $(cat "$tmp/body.json")"
echo "# seed-job serve answer: $(curl -s -X POST --data-binary @"$tmp/body.json" "http://127.0.0.1:$seed_port/v2/models/wind-wf01/infer")"
echo "# peer answer:           $(curl -s -X POST --data-binary @"$tmp/body.json" "http://127.0.0.1:$peer_port/v2/models/wind-wf01/infer")"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; wrk -t1 -c$connections -d$duration --latency"

measure() {  # key label port
  wrk -t1 -c"$connections" -d2s -s "$tmp/post.lua" "http://127.0.0.1:$3/v2/models/wind-wf01/infer" >/dev/null  # warm-up
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$tmp/post.lua" "http://127.0.0.1:$3/v2/models/wind-wf01/infer" \
    > "$tmp/$1.wrk"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/$1.wrk")
  errors=$(awk '/Non-2xx|Socket errors/' "$tmp/$1.wrk" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s |\n' "$2" "$rps" "$p50" "$p99" "${errors:-none}"
  echo "$rps" > "$tmp/$1.rps"
}
echo
echo "| server | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|"
measure seed "seed-job serve (C++, $threads worker threads)" "$seed_port"
measure peer "Tornado 6.2 + XGBoost 1.7 (Python, 1 process)" "$peer_port"
awk -v a="$(cat "$tmp/seed.rps")" -v b="$(cat "$tmp/peer.rps")" 'BEGIN { printf "\nseed-job serve / peer: %.1fx\n", a / b }'
