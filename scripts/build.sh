#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release). Extra arguments go to the build
# (for example a --target list).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on paths relative to the checkout, so a fresh clone (CI) reuses earlier compiles.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
preset="${1:-release}"
shift || true
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "$@"
