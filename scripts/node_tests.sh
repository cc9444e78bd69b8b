#!/usr/bin/env bash
# Installs the Node test dependencies from tests/node/package-lock.json (npm ci: exactly the
# locked versions, from the npm registry) and runs the tests with Node's built-in runner against
# the release build's hearth (HEARTH_BIN overrides). Needs scripts/setup.sh's nodejs and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
export HEARTH_BIN="${HEARTH_BIN:-$PWD/build/release/bin/hearth}"
if [[ ! -x "$HEARTH_BIN" ]]; then
  echo "node_tests: $HEARTH_BIN is missing (scripts/build.sh release first)" >&2
  exit 1
fi
if ! "$HEARTH_BIN" serve --help >/dev/null 2>&1; then
  echo "node_tests: $HEARTH_BIN has no 'serve' command (serving/ was not built)" >&2
  exit 1
fi
cd tests/node
# Reinstall only when the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.hearth-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.hearth-lock
fi
exec node --test --test-reporter=spec --test-reporter-destination=stdout
