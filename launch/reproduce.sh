#!/usr/bin/env bash
# Reproduces the five Keras recipes (and Fashion-MNIST): trains every config
# with 3 seeds at -np 2 and prints a markdown table of the final test accuracy
# (mean, min-max over seeds) and wall time per run, next to each recipe's result.
# Usage: launch/reproduce.sh [--np N] [--seeds "0 1 2"] [--out FILE] [CONFIG...]
# Writes per-run metrics under runs/reproduce/ and the table to FILE
# (default docs/reproduction.md). Builds and fetches data first.
set -euo pipefail
cd "$(dirname "$0")/.."

ranks=2
seeds="0 1 2"
out=docs/reproduction.md
configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --np) ranks=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || configs=(configs/mlp512.yaml configs/mlp512_rmsprop.yaml
  configs/mlp256_128.yaml configs/mlp512_single.yaml configs/digits8x8.yaml
  configs/fashion_mlp512.yaml)

# What each recipe reports (test accuracy, %), and the bar a mean must reach.
declare -A recipe=([mlp512]="98.13" [mlp512_rmsprop]="> 95" [mlp256_128]="98.33"
  [mlp512_single]="97.99" [digits8x8]="~90 (87–93)" [fashion_mlp512]="none (Fashion-MNIST)")
declare -A bar=([mlp512]=98.13 [mlp512_rmsprop]=95 [mlp256_128]=98.33 [mlp512_single]=97.99
  [digits8x8]=90)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" > /dev/null
for c in "${configs[@]}"; do bash launch/fetch_data.sh --config "$c" > /dev/null; done

mkdir -p runs/reproduce "$(dirname "$out")"
oversubscribe=()
[ "$ranks" -le "$(nproc)" ] || oversubscribe=(--oversubscribe)
rows=()
for c in "${configs[@]}"; do
  name=$(basename "$c" .yaml)
  accs=()
  times=()
  for s in $seeds; do
    csv=runs/reproduce/$name-seed$s.csv
    start=$(date +%s.%N)
    bash launch/run_local.sh -n "$ranks" "${oversubscribe[@]}" --config "$c" --set training.seed="$s" \
      --set output.metrics="$csv" --set output.checkpoint_dir= > "runs/reproduce/$name-seed$s.log" 2>&1
    end=$(date +%s.%N)
    acc=$(tail -1 "$csv" | cut -d, -f5)
    accs+=("$acc")
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')")
    echo "reproduce.sh: $name seed $s: test accuracy $acc, ${times[-1]} s" >&2
  done
  row=$(printf '%s\n' "${accs[@]}" | awk -v n="$name" -v r="${recipe[$name]:-}" -v b="${bar[$name]:-}" \
    -v t="$(printf '%s\n' "${times[@]}" | awk '{s+=$1} END {printf "%.1f", s/NR}')" '
    { a=$1*100; s+=a; if (NR==1||a<lo) lo=a; if (NR==1||a>hi) hi=a }
    END { m=s/NR; verdict = (b=="") ? "—" : (m>=b ? "yes" : "no");
          printf "| %s | %s | %.2f | %.2f–%.2f | %s | %s |", n, r, m, lo, hi, t, verdict }')
  rows+=("$row")
done

{
  echo "# Reproduction of the recipes"
  echo
  echo "Measured by \`launch/reproduce.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores"
  echo "($(lscpu | sed -n 's/^Model name: *//p' | head -1)), -np $ranks, seeds $seeds."
  echo "Test accuracy is the final epoch's val_accuracy on the held-out test set."
  echo
  echo "| config | recipe's result (%) | mnist_dp mean (%) | min–max (%) | wall s/run | meets recipe |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out"
cat "$out"
