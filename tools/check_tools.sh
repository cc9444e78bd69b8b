#!/usr/bin/env bash
# Runs the tests of the Python tools: GGUF reader/writer, dequantization known answers, and the
# reference forward pass's self-check. Needs Debian's python3 with python3-numpy.
set -uo pipefail
cd "$(dirname "$0")"
python=/usr/bin/python3
failed=0
for test in test_gguf.py test_dequant.py reference/selfcheck.py; do
  echo "=== tools/$test"
  if ! "$python" "$test"; then failed=$((failed + 1)); fi
done
echo "tools: $((3 - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
