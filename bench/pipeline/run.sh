#!/usr/bin/env bash
# The synthetic farm-year pipeline (qc -> train -> forecast -> evaluate), timed step by step with
# seed-job and with the same steps in pandas + scikit-learn; plus seed-job's start-up.
# Usage: bench/pipeline/run.sh [TREES] [THREADS] [REPEATS]    (needs a Release build: scripts/setup)
# Each repeat runs Seed's four steps and then the Python peer, back to back, so both see the same
# machine load; the table gives the median of the repeats per row, and the load average is printed
# with every repeat. CPU time (user + system of the processes) is the steadier figure on a shared
# machine. The peer inherits OMP_WAIT_POLICY: OpenMP's default lets idle threads spin, which on a
# machine busy with other work slows the peer several-fold; OMP_WAIT_POLICY=passive makes them
# block, as seed's thread pool does.
set -euo pipefail
export LC_ALL=C  # a "." in $EPOCHREALTIME and in awk's numbers
# Times are read from bash's $EPOCHREALTIME, with no process started to read the clock (a `date`
# in $(...) added 1-2 ms to every timed step).
cd "$(dirname "$0")/../.."
job=${SEED_JOB:-build/bin/seed-job}
trees=${1:-300}
threads=${2:-2}
repeats=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
capacity=100
split=2024-12-01T00:00:00+08:00

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Sets cpu to the CPU seconds (user + system) of all finished child processes so far, from the
# shell's `times` (called directly: in a $(...) subshell it would see no children).
cpu_mark() {
  times > "$work/times"
  cpu=$(awk 'NR == 2 { total = 0; for (i = 1; i <= 2; ++i) { split($i, t, "m"); total += t[1] * 60 + t[2] } printf "%.3f", total }' "$work/times")
}

echo "preparing a farm-year (synth, correct, fuse: not timed)"
$job synth --kind wind --start 2024-01-01T00:00:00+08:00 --days 366 --capacity $capacity --turbines 40 \
  --seed 11 --nwp-sources ec,gfs,meso --out-dir "$work/farm" >/dev/null
$job qc --in "$work/farm/measurements.csv" --out "$work/prep-clean.csv" --report "$work/prep-qc.json" --capacity $capacity >/dev/null
$job correct --nwp "$work/farm/nwp.csv" --measurements "$work/prep-clean.csv" --out "$work/corrected.csv" >/dev/null
$job fuse --nwp "$work/corrected.csv" --measurements "$work/prep-clean.csv" --out "$work/fused.csv" >/dev/null

runs="$work/runs.jsonl"
for rep in $(seq "$repeats"); do
  load_before=$(load)
  cpu_mark; c=$cpu; t=$EPOCHREALTIME; $job qc --in "$work/farm/measurements.csv" --out "$work/clean.csv" --report "$work/qc.json" --capacity $capacity >/dev/null
  e=$EPOCHREALTIME; qc_s=$(elapsed "$t" "$e"); cpu_mark; qc_cpu=$(elapsed "$c" "$cpu")
  awk -F, -v s="$split" 'NR==1 || $1 < s' "$work/clean.csv" > "$work/history.csv"
  cpu_mark; c=$cpu; t=$EPOCHREALTIME; $job train --model gbdt --nwp "$work/fused.csv" --measurements "$work/history.csv" --capacity $capacity \
    --quantiles 0.1,0.5,0.9 --trees "$trees" --early-stopping 0 --validation-days 0 --threads "$threads" \
    --out "$work/model.json" >/dev/null
  e=$EPOCHREALTIME; train_s=$(elapsed "$t" "$e"); cpu_mark; train_cpu=$(elapsed "$c" "$cpu")
  cpu_mark; c=$cpu; t=$EPOCHREALTIME; $job forecast --model "$work/model.json" --nwp "$work/fused.csv" --from $split --to 2025-01-01T00:00:00+08:00 \
    --out "$work/forecast.csv" >/dev/null
  e=$EPOCHREALTIME; forecast_s=$(elapsed "$t" "$e"); cpu_mark; forecast_cpu=$(elapsed "$c" "$cpu")
  cpu_mark; c=$cpu; t=$EPOCHREALTIME; SEED_RESULTS_FILE="$work/eval.json" $job evaluate --forecast "$work/forecast.csv" --actual "$work/clean.csv" \
    --capacity $capacity --out "$work/daily.csv" >/dev/null
  e=$EPOCHREALTIME; evaluate_s=$(elapsed "$t" "$e"); cpu_mark; evaluate_cpu=$(elapsed "$c" "$cpu")

  # The Python side is timed as a whole process too (interpreter start and imports included), as the
  # legacy scripts ran; each seed-job step above is likewise a whole process.
  cpu_mark; c=$cpu; t=$EPOCHREALTIME
  peer=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/pipeline/peer_pipeline.py "$work/farm/measurements.csv" \
    "$work/fused.csv" $capacity $split "$trees" "$threads")
  e=$EPOCHREALTIME; peer_process=$(elapsed "$t" "$e"); cpu_mark; peer_cpu=$(elapsed "$c" "$cpu")
  echo "{\"rep\": $rep, \"load_before\": \"$load_before\", \"load_after\": \"$(load)\", \"seed\": {\"qc\": $qc_s, \"train\": $train_s, \"forecast\": $forecast_s, \"evaluate\": $evaluate_s}, \"seed_cpu\": $(awk -v a="$qc_cpu" -v b="$train_cpu" -v c="$forecast_cpu" -v d="$evaluate_cpu" 'BEGIN { printf "%.3f", a+b+c+d }'), \"eval\": $(cat "$work/eval.json"), \"peer_process\": $peer_process, \"peer_cpu\": $peer_cpu, \"peer\": $peer}" >> "$runs"
  echo "repeat $rep: seed $(awk -v a="$qc_s" -v b="$train_s" -v c="$forecast_s" -v d="$evaluate_s" 'BEGIN { printf "%.3f", a+b+c+d }') s, peer $peer_process s; load average before $load_before, after $(load)"
done

# Start-to-exit of `seed-job --help`, averaged over 200 runs (fork + exec + parse + print).
help_runs=200
t=$EPOCHREALTIME; for _ in $(seq $help_runs); do $job --help >/dev/null; done
e=$EPOCHREALTIME
help_ms=$(awk -v a="$t" -v b="$e" -v n=$help_runs 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')

python3 - "$runs" <<PY
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
median = statistics.median
steps = ("qc", "train", "forecast", "evaluate")
for r in runs:
    r["seed"]["total"] = sum(r["seed"][s] for s in steps)
print()
print(f"farm-year pipeline, $trees trees x 3 quantiles, $threads threads, median of {len(runs)} repeat(s)")
print("| step | seed-job s | pandas + scikit-learn s | speed-up |")
print("|---|---|---|---|")
for step in steps + ("total",):
    s = median(r["seed"][step] for r in runs)
    p = median(r["peer"]["seconds"][step] for r in runs)
    print(f"| {step} | {s:.3f} | {p:.3f} | {p / s:.1f}x |")
s = median(r["seed"]["total"] for r in runs)
p = median(r["peer_process"] for r in runs)
ratios = sorted(r["peer_process"] / r["seed"]["total"] for r in runs)
print(f"| total, whole processes | {s:.3f} | {p:.3f} | {p / s:.1f}x (per repeat {ratios[0]:.1f}x .. {ratios[-1]:.1f}x) |")
acc = runs[-1]["eval"]
peer = runs[-1]["peer"]
s = median(r["seed_cpu"] for r in runs)
p = median(r["peer_cpu"] for r in runs)
print(f"| CPU time (user + system), whole processes | {s:.3f} | {p:.3f} | {p / s:.1f}x |")
print(f"| accuracy C_R / Q_R | {acc['accuracy']:.4f} / {acc['qualification']:.4f} | {peer['accuracy']:.4f} / {peer['qualification']:.4f} | |")
print()
print("load average (1, 5, 15 min) before each repeat: " + "; ".join(r["load_before"] for r in runs))
print("seed-job --help start-to-exit: $help_ms ms (mean of $help_runs runs)")
PY
