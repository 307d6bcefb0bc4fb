#!/usr/bin/env bash
# Upload and download of one artifact (100 MB by default) to and from an S3-protocol server on
# loopback, Seed's object-storage client (bench_storage_cp, the client seed-job uses for s3://
# paths) side by side with Debian's `aws s3 cp` in one run, against the same server: the npm
# S3 test server of tests/storage (@20minutes/s3rver, SigV4-verifying, on disk in a temp dir).
# Each round runs both tools in alternating order; the median wall time of each is reported.
# usage: bench/storage/run.sh   (env: BUILD_DIR=build, SIZE_MB=100, ROUNDS=3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin/bench_storage_cp
[[ -x $bin ]] || { echo "not built: $bin (cmake --build build --target bench_storage_cp)" >&2; exit 2; }
aws=/usr/bin/aws  # Debian's awscli (not another aws earlier on the PATH)
[[ -x $aws ]] || { echo "awscli is not installed (scripts/setup --all)" >&2; exit 2; }
modules=$root/tools/npm/node_modules
[[ -f $modules/@20minutes/s3rver/package.json ]] || { echo "S3 test server missing (scripts/setup --all)" >&2; exit 2; }
size_mb=${SIZE_MB:-100}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

node --openssl-legacy-provider "$root/tests/storage/s3_server.cjs" "$modules" "$tmp/data" bench > "$tmp/port" 2> "$tmp/server.log" &
server=$!
for _ in $(seq 200); do grep -q listening "$tmp/port" 2>/dev/null && break; sleep 0.1; done  # bounded: 20 s
port=$(awk '/listening/ {print $2}' "$tmp/port")
[[ -n $port ]] || { echo "the S3 test server did not start:"; cat "$tmp/server.log"; exit 1; } >&2

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export SEED_S3_ENDPOINT=http://127.0.0.1:$port AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
head -c $((size_mb * 1000 * 1000)) /dev/urandom > "$tmp/artifact"
sum=$(sha256sum "$tmp/artifact" | cut -d' ' -f1)

measure() {  # measure COMMAND...: "wall cpu" seconds of the command (cpu: user + system of the
  # client process and its children, not the server's), its output discarded
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" > /dev/null
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$tmp/time"
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "# ${size_mb} MB artifact, $rounds rounds, server 127.0.0.1:$port; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$aws" --version 2>&1 | head -1)"
: > "$tmp/times"
for round in $(seq "$rounds"); do
  order=(seed aws)
  ((round % 2 == 0)) && order=(aws seed)
  for tool in "${order[@]}"; do
    if [[ $tool == seed ]]; then
      up=$(measure "$bin" "$tmp/artifact" "s3://bench/seed-$round")
      down=$(measure "$bin" "s3://bench/seed-$round" "$tmp/seed-back")
      [[ $(sha256sum "$tmp/seed-back" | cut -d' ' -f1) == "$sum" ]] || { echo "seed: corrupted download" >&2; exit 1; }
    else
      up=$(measure "$aws" --endpoint-url "$SEED_S3_ENDPOINT" s3 cp --only-show-errors "$tmp/artifact" "s3://bench/aws-$round")
      down=$(measure "$aws" --endpoint-url "$SEED_S3_ENDPOINT" s3 cp --only-show-errors "s3://bench/aws-$round" "$tmp/aws-back")
      [[ $(sha256sum "$tmp/aws-back" | cut -d' ' -f1) == "$sum" ]] || { echo "aws: corrupted download" >&2; exit 1; }
    fi
    echo "$tool up $up" >> "$tmp/times"
    echo "$tool down $down" >> "$tmp/times"
    read -r up_wall up_cpu <<< "$up"
    read -r down_wall down_cpu <<< "$down"
    printf 'round %d %-4s upload %6.2f s (client CPU %5.2f s)  download %6.2f s (client CPU %5.2f s)\n' \
      "$round" "$tool" "$up_wall" "$up_cpu" "$down_wall" "$down_cpu"
  done
done
echo
echo "# medians of $rounds rounds; time ratio below 1.0 means Seed is faster"
printf '%-10s %10s %10s %11s %14s %14s %14s\n' direction "seed (s)" "aws (s)" "seed MB/s" "seed/aws time" \
  "seed CPU (s)" "aws CPU (s)"
for direction in up down; do
  s=$(awk -v d=$direction '$1=="seed" && $2==d {print $3}' "$tmp/times" | median)
  a=$(awk -v d=$direction '$1=="aws" && $2==d {print $3}' "$tmp/times" | median)
  sc=$(awk -v d=$direction '$1=="seed" && $2==d {print $4}' "$tmp/times" | median)
  ac=$(awk -v d=$direction '$1=="aws" && $2==d {print $4}' "$tmp/times" | median)
  printf '%-10s %10.2f %10.2f %11.1f %14.2f %14.2f %14.2f\n' "$direction" "$s" "$a" "$(echo "$size_mb / $s" | bc -l)" \
    "$(echo "$s / $a" | bc -l)" "$sc" "$ac"
done
