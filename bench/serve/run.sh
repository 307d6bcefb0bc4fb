#!/usr/bin/env bash
# seed-job serve vs a Python Tornado + XGBoost server: single-row Open Inference Protocol v2 infer
# requests per second and p50/p99 latency with wrk on loopback, both servers in one run, the same
# request body, models trained on the same synthetic wind plant rows; and the ceiling: nginx
# answering the model server's answer as a static body to the same request, with the same wrk
# settings, so the model server's figure is also a fraction of what loopback HTTP allows here.
# usage: bench/serve/run.sh   (env: BUILD_DIR=build, DURATION=10s, CONNECTIONS=2, SERVER_THREADS=2, DAYS=120)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
need_built seed-job
need_command wrk
need_command nginx
duration=${DURATION:-10s}
connections=${CONNECTIONS:-2}
threads=${SERVER_THREADS:-2}
seed_port=${SEED_PORT:-18081}
peer_port=${PEER_PORT:-18082}

echo "# data and models"
"$bin" synth --days "${DAYS:-120}" --nwp-sources ec --out-dir "$tmp/plant"
"$bin" train --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" --capacity 100 \
  --speed-column ec_ws --direction-column ec_wd --trees 200 --depth 6 --threads 2 --out "$tmp/model.json" | head -1
/usr/bin/python3 "$here/peer_server.py" train --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" \
  --speed-column ec_ws --direction-column ec_wd --out "$tmp"
# One feature row for both, each in its model's inputs: the peer's body (13 features) from
# peer_server.py; the same values by name for seed-job serve, whose model leaves out the day of
# year when trained on under a year of history.
/usr/bin/python3 - "$tmp/body.json" "$tmp/model.json" "$tmp/seed_body.json" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
names = ["ws", "ws2", "ws3", "ws_prev", "ws_next", "hour_sin", "hour_cos", "doy_sin", "doy_cos",
         "wd_sin", "wd_cos", "u", "v"]  # peer_server.py FEATURES
row = dict(zip(names, body["inputs"][0]["data"]))
features = json.load(open(sys.argv[2]))["features"]
seed = {"inputs": [{"name": "features", "shape": [1, len(features)], "datatype": "FP64",
                    "data": [row[name] for name in features]}]}
json.dump(seed, open(sys.argv[3], "w"))
PY
for who in seed peer; do
  body=$tmp/body.json
  [[ $who == seed ]] && body=$tmp/seed_body.json
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo "wrk.body = [[$(cat "$body")]]"
  } > "$tmp/post_$who.lua"
done

"$bin" serve --model "$tmp/model.json" --name wind-wf01 --host 127.0.0.1 --port "$seed_port" --threads "$threads" \
  2> "$tmp/seed.log" &
pids+=($!)
seed_pid=$!
/usr/bin/python3 "$here/peer_server.py" serve --models "$tmp" --port "$peer_port" 2> "$tmp/peer.log" &
pids+=($!)
peer_pid=$!
wait_ready "http://127.0.0.1:$seed_port/v2/health/ready" "seed-job serve"
wait_ready "http://127.0.0.1:$peer_port/v2/health/ready" "the peer"

# The ceiling: nginx answering the model server's own answer, byte for byte, as a static body to
# the same POST on the same loopback (as many workers as the server has threads, no access log,
# no limit on requests per keep-alive connection, like the model server).
curl -s -X POST --data-binary @"$tmp/seed_body.json" "http://127.0.0.1:$seed_port/v2/models/wind-wf01/infer" \
  > "$tmp/seed_answer.json"
static=$(sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g" "$tmp/seed_answer.json")
nginx_start ceiling "$threads" "    location / {
      keepalive_requests 1000000;
      return 200 '$static';
    }"
nginx_pid=${pids[-1]}

echo "# seed-job serve request: $(cat "$tmp/seed_body.json")"
echo "# peer request:           $(cat "$tmp/body.json")"
echo "# seed-job serve answer: $(cat "$tmp/seed_answer.json")"
echo "# peer answer:           $(curl -s -X POST --data-binary @"$tmp/body.json" "http://127.0.0.1:$peer_port/v2/models/wind-wf01/infer")"
nginx_answer=$(curl -s -X POST --data-binary @"$tmp/seed_body.json" "http://127.0.0.1:$nginx_port/v2/models/wind-wf01/infer")
grep -q '"forecast_mw"' "$tmp/seed_answer.json" || { echo "seed-job serve did not predict: $(cat "$tmp/seed_answer.json")" >&2; exit 1; }
[[ $nginx_answer == "$(cat "$tmp/seed_answer.json")" ]] || { echo "nginx's body differs: $nginx_answer" >&2; exit 1; }
echo "# nginx answer: the same $(wc -c < "$tmp/seed_answer.json") bytes ($("$nginx_bin" -v 2>&1 | cut -d' ' -f3), $threads workers)"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; wrk -t1 -c$connections -d$duration --latency"

# User + system CPU clock ticks the server's processes have used so far (nginx: its master and its
# workers): CPU per request is steadier than requests per second on a shared machine.
cpu_ticks() {  # pid
  local total=0 pid stat fields
  for pid in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a fields <<< "${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
measure() {  # key label port request (seed|peer) pid
  wrk -t1 -c"$connections" -d2s -s "$tmp/post_$4.lua" "http://127.0.0.1:$3/v2/models/wind-wf01/infer" >/dev/null  # warm-up
  local ticks_before
  ticks_before=$(cpu_ticks "$5")
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$tmp/post_$4.lua" "http://127.0.0.1:$3/v2/models/wind-wf01/infer" \
    > "$tmp/$1.wrk"
  local rps p50 p99 errors requests cpu
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/$1.wrk")
  requests=$(awk '/requests in/ {print $1}' "$tmp/$1.wrk")
  cpu=$(awk -v t="$(($(cpu_ticks "$5") - ticks_before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.1f µs", t / hz * 1e6 / n }')
  errors=$(awk '/Non-2xx|Socket errors/' "$tmp/$1.wrk" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$2" "$rps" "$p50" "$p99" "$cpu" "${errors:-none}"
  echo "$rps" > "$tmp/$1.rps"
  echo "${cpu% µs}" > "$tmp/$1.cpu"
}
echo
echo "| server | requests/s | p50 | p99 | server CPU per request | errors |"
echo "|---|---|---|---|---|---|"
measure nginx "ceiling: nginx 1.22, static body ($threads workers)" "$nginx_port" seed "$nginx_pid"
measure seed "seed-job serve (C++, $threads worker threads)" "$seed_port" seed "$seed_pid"
measure peer "Tornado 6.2 + XGBoost 1.7 (Python, 1 process)" "$peer_port" peer "$peer_pid"
awk -v a="$(cat "$tmp/seed.rps")" -v b="$(cat "$tmp/peer.rps")" -v c="$(cat "$tmp/nginx.rps")" \
  -v sc="$(cat "$tmp/seed.cpu")" -v nc="$(cat "$tmp/nginx.cpu")" \
  'BEGIN { printf "\nseed-job serve / peer: %.1fx\nseed-job serve / nginx ceiling: %.2f of its requests/s; %.1fx its CPU per request\n", a / b, a / c, sc / nc }'
