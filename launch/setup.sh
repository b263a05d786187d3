#!/usr/bin/env bash
# Sets up a fresh Debian machine for mnist_dp: installs the Debian packages it
# needs (only those missing), builds in Release into build/, and fetches the
# datasets (MNIST, Fashion-MNIST, 8x8 digits) into data/.
# Usage: launch/setup.sh            (run from anywhere; paths are repo-relative)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
          libyaml-cpp-dev libboost-program-options-dev libgtest-dev zlib1g-dev nlohmann-json3-dev
          libstb-dev python3-h5py python3-numpy gnuplot-nox curl ca-certificates iproute2
          chromium chromium-driver python3-selenium)
command -v npm > /dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
# TensorFlow.js (pure-JS CPU backend) for the digit page (web/) and the
# Keras-export checks in tests/js and tests/web, from the npm registry at a
# pinned version; never committed.
tfjs_version=4.22.0
if ! grep -qs "\"version\": \"$tfjs_version\"" build/tfjs/node_modules/@tensorflow/tfjs/package.json; then
  echo "setup.sh: installing @tensorflow/tfjs@$tfjs_version into build/tfjs"
  npm install --silent --no-audit --no-fund --prefix build/tfjs "@tensorflow/tfjs@$tfjs_version"
fi
bash launch/fetch_data.sh all
