#!/usr/bin/env bash
# Hot reload under load: seed-job serve --watch follows a channel directory while wrk posts single-row
# infer requests; the artifact is replaced by rename 20 times (a gradient-boosted and a linear model in
# turn), each reload awaited on /metrics, then a truncated artifact is published and must be refused.
# Prints wrk's totals and errors and the server's reload counters. Not a speed claim: the figure
# that matters is 0 failed requests.
# usage: bench/serve/reload.sh   (env: BUILD_DIR=build, DURATION=20s, CONNECTIONS=4, SERVER_THREADS=2, RELOADS=20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
need_built seed-job
need_command wrk
duration=${DURATION:-20s}
connections=${CONNECTIONS:-4}
threads=${SERVER_THREADS:-2}
reloads=${RELOADS:-20}
port=${SEED_PORT:-18083}

echo "# data and two models"
"$bin" synth --days 60 --nwp-sources ec --out-dir "$tmp/plant" >/dev/null
for model in gbdt linear; do
  "$bin" train --model "$model" --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" \
    --capacity 100 --speed-column ec_ws --direction-column ec_wd --out "$tmp/$model.json" >/dev/null
done
mkdir "$tmp/channel"
cp "$tmp/gbdt.json" "$tmp/channel/model.json"

"$bin" serve --model "$tmp/channel" --name wind-wf01 --watch --watch-interval-ms 100 --host 127.0.0.1 \
  --port "$port" --threads "$threads" 2> "$tmp/seed.log" &
pids+=($!)
wait_ready "http://127.0.0.1:$port/v2/health/ready" "the server"

# One row of the model's inputs: any finite row does.
count=$(curl -s "http://127.0.0.1:$port/v2/models/wind-wf01" | /usr/bin/python3 -c \
  'import json,sys; print(len(json.load(sys.stdin)["inputs"]))')
row=$(/usr/bin/python3 -c "print(','.join(['5.0'] * $count))")
body="{\"inputs\": [{\"name\": \"features\", \"shape\": [1, $count], \"datatype\": \"FP64\", \"data\": [$row]}]}"
{
  echo 'wrk.method = "POST"'
  echo 'wrk.headers["Content-Type"] = "application/json"'
  echo "wrk.body = [[$body]]"
} > "$tmp/post.lua"

counter() {  # result
  curl -s "http://127.0.0.1:$port/metrics" | awk -v r="$1" '$1 == "seed_serve_model_reloads_total{result=\"" r "\"}" {print $2}'
}
await() {  # result value
  for _ in $(seq 1 300); do
    [[ $(counter "$1") -ge $2 ]] && return 0
    sleep 0.05
  done
  echo "reload $1 #$2 never showed on /metrics" >&2
  exit 1
}

echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; wrk -t1 -c$connections -d$duration while $reloads reloads"
wrk -t1 -c"$connections" -d"$duration" --latency -s "$tmp/post.lua" "http://127.0.0.1:$port/v2/models/wind-wf01/infer" \
  > "$tmp/wrk.out" &
wrk_pid=$!
sleep 1
started=$(date +%s.%N)
for i in $(seq 1 "$reloads"); do
  if (( i % 2 )); then next=linear; else next=gbdt; fi
  cp "$tmp/$next.json" "$tmp/channel/.next.json"
  mv -f "$tmp/channel/.next.json" "$tmp/channel/model.json"
  await reloaded "$i"
done
ended=$(date +%s.%N)
head -c 200 "$tmp/gbdt.json" > "$tmp/channel/.next.json"  # a truncated artifact
mv -f "$tmp/channel/.next.json" "$tmp/channel/model.json"
await refused 1
wait "$wrk_pid"

requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
errors=$(awk '/Non-2xx|Socket errors|Timeout/' "$tmp/wrk.out" | tr '\n' ' ')
echo
echo "| requests | requests/s | p99 | failed | reloads (in s) | refused | still served after the refusal |"
echo "|---|---|---|---|---|---|---|"
printf '| %s | %s | %s | %s | %s (%.1f) | %s | %s |\n' "$requests" "$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")" \
  "$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")" "${errors:-0}" "$(counter reloaded)" \
  "$(echo "$ended - $started" | bc)" "$(counter refused)" \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "$body" "http://127.0.0.1:$port/v2/models/wind-wf01/infer")"
grep -c "reloaded the model" "$tmp/seed.log" | sed 's/^/# reload log lines: /'
grep "refused the new model artifact" "$tmp/seed.log" | cut -c1-200 | sed 's/^/# /'
