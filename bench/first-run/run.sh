#!/usr/bin/env bash
# A newcomer's first command, timed on a fresh machine: a Debian 12 root filesystem made by
# mmdebstrap (variant minbase: no compiler, no libraries, no ccache), a clone of this checkout's
# HEAD inside it, and in a chroot `scripts/setup && build/bin/seed run examples/wind`, as the
# README says. Prints the wall and CPU time of the package install, the build and the run.
# Usage: bench/first-run/run.sh [KEEP_DIR]     (as root; needs mmdebstrap and network to the archive)
#   KEEP_DIR: make the root filesystem there and leave it (default: a temporary one, removed).
# The chroot shares the host's network and 2 cores; the load average is printed before and after,
# since other work on the machine inflates the wall time (the CPU time does not change).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "first-run: run as root (chroot and mounts)" >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "first-run: needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 2; }

root=${1:-$(mktemp -d)}
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; --i)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  [[ -z ${1:-} ]] && rm -rf "$root"
}
trap 'cleanup "${1:-}"' EXIT

echo "making a minbase root filesystem in $root (not timed)"
mmdebstrap --quiet --variant=minbase --include=ca-certificates,git bookworm "$root"
git clone --quiet "$PWD" "$root/root/seed"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# rslave: unmounting the bind later must not propagate to the host's own mounts.
for m in proc sys dev; do
  mount --rbind "/$m" "$root/$m" && mount --make-rslave "$root/$m"
  mounted+=("$root/$m")
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Inside: the two halves of the README's command timed separately, as wall and CPU seconds.
chroot "$root" /bin/bash -c '
  set -euo pipefail
  cd /root/seed
  export TIMEFORMAT="%R %U %S"
  { time scripts/setup >/tmp/setup.log 2>&1; } 2>/tmp/setup.time || { tail -30 /tmp/setup.log; exit 1; }
  { time build/bin/seed run examples/wind >/tmp/run.log 2>&1; } 2>/tmp/run.time || { tail -30 /tmp/run.log; exit 1; }

  read -r sw su ss </tmp/setup.time
  read -r rw ru rs </tmp/run.time
  awk -v sw="$sw" -v su="$su" -v ss="$ss" -v rw="$rw" -v ru="$ru" -v rs="$rs" "BEGIN {
    printf \"scripts/setup (install + build): %6.1f s wall %6.1f s CPU\n\", sw, su + ss
    printf \"seed run examples/wind:          %6.1f s wall %6.1f s CPU\n\", rw, ru + rs
    printf \"total:                           %6.1f s wall (%d min %02d s)\n\", sw + rw, int((sw + rw) / 60), int(sw + rw) % 60
  }"
  grep -E "^setup: (packages installed|built) in" /tmp/setup.log || true
  tail -5 /tmp/run.log
'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
