# Sourced (after `set -euo pipefail`) by bench/serve/run.sh, bench/serve/reload.sh and
# bench/stream/run.sh: the build check, a temp dir removed on exit together with every process
# recorded in `pids`, bounded readiness polls, and nginx as an unprivileged process on loopback
# with a config made from the shape the upgrade load test uses.
# Sets: root, build, bin (seed-job), tmp, pids.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bin=$build/bin/seed-job
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

need_built() {  # target...: each must be built in $build/bin
  local target
  for target; do
    [[ -x $build/bin/$target ]] || { echo "not built: $build/bin/$target (cmake --build build --target $*)" >&2; exit 2; }
  done
}

need_command() {  # command: installed on the PATH or in /usr/sbin
  command -v "$1" >/dev/null || [[ -x /usr/sbin/$1 ]] ||
    { echo "$1 is not installed (scripts/setup --all installs it)" >&2; exit 2; }
}

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_ready() {  # url what: polls until the URL answers 2xx, at most 30 s
  for _ in $(seq 1 150); do
    curl -sf "$1" >/dev/null && return 0
    sleep 0.2
  done
  echo "$2 never became ready ($1)" >&2
  exit 1
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# nginx_start NAME WORKERS LOCATIONS [UPSTREAMS]: nginx (Debian's) with its prefix in $tmp/NAME,
# listening on a free 127.0.0.1 port it is verified to answer on (set in nginx_port), run as
# nobody when this runs as root; stopped by cleanup. The config is
# tests/integration/inference/testdata/nginx.conf.in with the placeholders filled in.
nginx_start() {
  local name=$1 workers=$2 locations=$3 upstreams=${4:-} prefix=$tmp/$1 config attempt
  local run=("$nginx_bin")
  mkdir -p "$prefix"
  if ((EUID == 0)); then
    chmod 755 "$tmp" "$prefix"
    chown 65534:65534 "$prefix"
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "$nginx_bin")
  fi
  for attempt in 1 2 3 4 5; do
    nginx_port=$(free_port)
    config=$(cat "$root/tests/integration/inference/testdata/nginx.conf.in")
    config=${config//@PREFIX@/"$prefix"}
    config=${config//@WORKERS@/"$workers"}
    config=${config//@PORT@/"$nginx_port"}
    config=${config//@GENERATION@/$name-$attempt}
    config=${config//@UPSTREAMS@/"$upstreams"}
    config=${config//@LOCATIONS@/"$locations"}
    printf '%s\n' "$config" > "$prefix/nginx.conf"
    "${run[@]}" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" > "$prefix/nginx.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
      [[ $(curl -s "http://127.0.0.1:$nginx_port/nginx/generation" 2>/dev/null) == "$name-$attempt" ]] && return 0
      kill -0 "${pids[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "Address already in use" "$prefix/error.log" "$prefix/nginx.out" 2>/dev/null ||
      { echo "nginx did not start:" >&2; cat "$prefix/error.log" "$prefix/nginx.out" >&2; exit 1; }
  done
  echo "nginx found no free port in 5 attempts" >&2
  exit 1
}
