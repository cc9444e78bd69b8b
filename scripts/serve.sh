#!/usr/bin/env bash
# The one command for a fresh machine: install dependencies, build, start the server on the
# built-in model. Arguments go to `hearth serve` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/bin/hearth serve "$@"
