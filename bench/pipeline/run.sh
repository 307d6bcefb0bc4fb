#!/usr/bin/env bash
# The synthetic farm-year pipeline (qc -> train -> forecast -> evaluate), timed step by step with
# seed-job and with the same steps in pandas + scikit-learn, in one run; plus seed-job's start-up.
# Usage: bench/pipeline/run.sh [TREES] [THREADS]    (needs a Release build: scripts/setup)
set -euo pipefail
cd "$(dirname "$0")/../.."
job=${SEED_JOB:-build/bin/seed-job}
trees=${1:-300}
threads=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
capacity=100
split=2024-12-01T00:00:00+08:00

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "preparing a farm-year (synth, correct, fuse: not timed)"
$job synth --kind wind --start 2024-01-01T00:00:00+08:00 --days 366 --capacity $capacity --turbines 40 \
  --seed 11 --nwp-sources ec,gfs,meso --out-dir "$work/farm" >/dev/null
$job qc --in "$work/farm/measurements.csv" --out "$work/prep-clean.csv" --report "$work/prep-qc.json" --capacity $capacity >/dev/null
$job correct --nwp "$work/farm/nwp.csv" --measurements "$work/prep-clean.csv" --out "$work/corrected.csv" >/dev/null
$job fuse --nwp "$work/corrected.csv" --measurements "$work/prep-clean.csv" --out "$work/fused.csv" >/dev/null

declare -A seed_s
t=$(now); $job qc --in "$work/farm/measurements.csv" --out "$work/clean.csv" --report "$work/qc.json" --capacity $capacity >/dev/null
seed_s[qc]=$(elapsed "$t" "$(now)")
awk -F, -v s="$split" 'NR==1 || $1 < s' "$work/clean.csv" > "$work/history.csv"
t=$(now); $job train --model gbdt --nwp "$work/fused.csv" --measurements "$work/history.csv" --capacity $capacity \
  --quantiles 0.1,0.5,0.9 --trees "$trees" --early-stopping 0 --validation-days 0 --threads "$threads" \
  --out "$work/model.json" >/dev/null
seed_s[train]=$(elapsed "$t" "$(now)")
t=$(now); $job forecast --model "$work/model.json" --nwp "$work/fused.csv" --from $split --to 2025-01-01T00:00:00+08:00 \
  --out "$work/forecast.csv" >/dev/null
seed_s[forecast]=$(elapsed "$t" "$(now)")
t=$(now); SEED_RESULTS_FILE="$work/eval.json" $job evaluate --forecast "$work/forecast.csv" --actual "$work/clean.csv" \
  --capacity $capacity --out "$work/daily.csv" >/dev/null
seed_s[evaluate]=$(elapsed "$t" "$(now)")
seed_total=$(awk -v a="${seed_s[qc]}" -v b="${seed_s[train]}" -v c="${seed_s[forecast]}" -v d="${seed_s[evaluate]}" 'BEGIN { printf "%.3f", a+b+c+d }')
seed_acc=$(python3 -c "import json;d=json.load(open('$work/eval.json'));print('%.4f %.4f'%(d['accuracy'],d['qualification']))")

# The Python side is timed as a whole process too (interpreter start and imports included), as the
# legacy scripts ran; each seed-job step above is likewise a whole process.
t=$(now)
peer=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/pipeline/peer_pipeline.py "$work/farm/measurements.csv" \
  "$work/fused.csv" $capacity $split "$trees" "$threads")
peer_process=$(elapsed "$t" "$(now)")

# Start-to-exit of `seed-job --help`, averaged over 200 runs (fork + exec + parse + print).
runs=200
t=$(now); for _ in $(seq $runs); do $job --help >/dev/null; done
help_ms=$(awk -v a="$t" -v b="$(now)" -v n=$runs 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')

python3 - "$peer" <<PY
import json, sys
peer = json.loads(sys.argv[1])
seed = {"qc": ${seed_s[qc]}, "train": ${seed_s[train]}, "forecast": ${seed_s[forecast]}, "evaluate": ${seed_s[evaluate]}, "total": $seed_total}
acc, qual = "$seed_acc".split()
print()
print("farm-year pipeline, $trees trees x 3 quantiles, $threads threads")
print("| step | seed-job s | pandas + scikit-learn s | speed-up |")
print("|---|---|---|---|")
for step in ("qc", "train", "forecast", "evaluate", "total"):
    p = peer["seconds"][step]
    print(f"| {step} | {seed[step]:.3f} | {p:.3f} | {p / seed[step]:.1f}x |")
print(f"| total, whole processes | {seed['total']:.3f} | $peer_process | {$peer_process / seed['total']:.1f}x |")
print(f"| accuracy C_R / Q_R | {float(acc):.4f} / {float(qual):.4f} | {peer['accuracy']:.4f} / {peer['qualification']:.4f} | |")
print()
print("seed-job --help start-to-exit: $help_ms ms (mean of $runs runs)")
PY
