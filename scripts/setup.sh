#!/usr/bin/env bash
# Installs every Debian package Hearth needs to build, test and run. Idempotent and quick when
# everything is present (it asks dpkg first and calls apt-get only for what is missing).
#
#   scripts/setup.sh            build + test dependencies (what CI needs)
#   scripts/setup.sh --train    also what tools/train_demo_model needs (python3-torch, fortunes)
#   scripts/setup.sh --dev      also what regenerating committed test data needs (python3-jinja2
#                               for tools/gen_chat_template_testdata.py)
#
# python3-torch only recommends an optimised BLAS; without one it runs on the reference BLAS,
# about 50x slower, so --train installs OpenBLAS explicitly (and tools/train_demo_model sets
# OPENBLAS_CORETYPE, see /work/shared/NOTES-debian.md).
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config ccache
  # libraries
  libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libboost-dev
  libsqlite3-dev libsodium-dev libssl-dev
  # speech: text-to-speech (espeak-ng), speech-to-text (pocketsphinx, US English model), audio
  # decoding/encoding and resampling
  libespeak-ng-dev espeak-ng-data libpocketsphinx-dev pocketsphinx-en-us libsndfile1-dev libsamplerate0-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-numpy python3-sentencepiece python3-regex
  # the HTTP API tests: curl, and Node with npm for the official `openai` client (tests/node)
  curl nodejs
  # TLS tests make a self-signed certificate; the access load test (bench/load_auth.sh) uses wrk
  openssl wrk
)
# npm: Debian's package, unless the installed nodejs already brings its own (NodeSource builds do).
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
if [[ "${1:-}" == "--train" ]]; then
  packages+=(python3-torch libopenblas0-pthread fortunes fortunes-min)
fi
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(python3-jinja2)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} packages present"
fi
