#!/usr/bin/env bash
# seed-job stream vs a Python paho-mqtt + XGBoost runner, through one Mosquitto broker on loopback:
# round-trip latency (publish -> runner -> result) at a fixed message rate, then throughput with a
# flood of messages; the same message bytes for both (the Open Inference Protocol body, one row of
# 13 wind features), models trained on the same synthetic plant rows. QoS 1 by default.
# usage: bench/stream/run.sh  (env: BUILD_DIR=build, RATE=1000, SECONDS_AT_RATE=10, FLOOD=50000,
#        PEER_FLOOD=10000, QOS=1, WORKERS=2, DAYS=120)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../serve/common.sh"
need_built seed-job stream_load
need_command mosquitto
load=$build/bin/stream_load
rate=${RATE:-1000}
at_rate=$((rate * ${SECONDS_AT_RATE:-10}))
flood=${FLOOD:-50000}
peer_flood=${PEER_FLOOD:-10000}
qos=${QOS:-1}
workers=${WORKERS:-2}

echo "# data and models"
"$bin" synth --days "${DAYS:-120}" --nwp-sources ec --out-dir "$tmp/plant"
"$bin" train --nwp "$tmp/plant/nwp.csv" --measurements "$tmp/plant/measurements.csv" --capacity 100 \
  --speed-column ec_ws --direction-column ec_wd --trees 200 --depth 6 --threads 2 --out "$tmp/model.json" | head -1
/usr/bin/python3 "$root/bench/serve/peer_server.py" train --nwp "$tmp/plant/nwp.csv" \
  --measurements "$tmp/plant/measurements.csv" --speed-column ec_ws --direction-column ec_wd --out "$tmp"
# One feature row (bench/serve's request row) for both runners, each in its model's features: the
# peer gets the infer body of bench/serve (13 features); seed-job stream the same values by name
# in its "features" form (its model leaves out the day of year with under a year of history).
/usr/bin/python3 - "$tmp/body.json" "$tmp/model.json" "$tmp" <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))
names = ["ws", "ws2", "ws3", "ws_prev", "ws_next", "hour_sin", "hour_cos", "doy_sin", "doy_cos",
         "wd_sin", "wd_cos", "u", "v"]  # bench/serve/peer_server.py FEATURES
row = dict(zip(names, body["inputs"][0]["data"]))
seed_features = json.load(open(sys.argv[2]))["features"]
seed = {"features": {name: row[name] for name in seed_features}}
for runner, message in (("seed", seed), ("peer", body)):
    text = json.dumps(message, separators=(",", ":"))
    open(f"{sys.argv[3]}/{runner}.payload", "w").write('{"id":__ID__,' + text[1:])
PY

port=$(free_port)
cat > "$tmp/mosquitto.conf" <<CONF
user root
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
CONF
mosquitto -c "$tmp/mosquitto.conf" > "$tmp/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

wait_for() {  # file text: bounded wait for a runner's readiness line
  for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "not ready: $1" >&2; cat "$1" >&2; exit 1
}

"$bin" stream --broker "mqtt://127.0.0.1:$port" --client-id bench-seed --input-topic bench/seed/in \
  --output-topic bench/seed/out --model "$tmp/model.json" --qos "$qos" --workers "$workers" --metrics-port 0 \
  2> "$tmp/seed.log" &
pids+=($!)
wait_for "$tmp/seed.log" "connected to"
/usr/bin/python3 "$here/peer_stream.py" --models "$tmp" --port "$port" --input-topic bench/peer/in \
  --output-topic bench/peer/out --qos "$qos" > "$tmp/peer.log" 2>&1 &
pids+=($!)
wait_for "$tmp/peer.log" "ready"

echo "# seed-job stream message: $(sed 's/__ID__/0/' "$tmp/seed.payload")"
echo "# peer message:            $(sed 's/__ID__/0/' "$tmp/peer.payload")"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; QoS $qos; seed-job stream --workers $workers"
run() {  # runner rate count
  "$load" --port "$port" --in "bench/$1/in" --out "bench/$1/out" --payload "$tmp/$1.payload" \
    --rate "$2" --count "$3" --qos "$qos"
}
echo
echo "## at $rate messages/s for ${SECONDS_AT_RATE:-10} s"
echo "seed-job stream: $(run seed "$rate" "$at_rate")"
echo "python peer:     $(run peer "$rate" "$at_rate")"
echo
echo "## flood: messages published as fast as the load generator can"
echo "seed-job stream ($flood messages): $(run seed 0 "$flood")"
echo "python peer ($peer_flood messages): $(run peer 0 "$peer_flood")"
echo "broker alone, no runner ($flood messages straight back to the generator: one relay, not two): $(
  "$load" --port "$port" --in bench/echo --out bench/echo --payload "$tmp/seed.payload" --rate 0 --count "$flood" \
    --qos "$qos")"
