#!/usr/bin/env bash
# Runs every test, the way CI does. Stages (each prints its own result):
#   1. layer check         includes point down the layer stack
#   2. release             every test (unit, model, integration) in an optimised build
#   3. node                the HTTP API through the official `openai` npm client (tests/node),
#                          against the release build's `hearth serve`
#   4. asan                address + undefined-behaviour sanitizers, every unit test
#   5. tsan                thread sanitizer, the suites labelled `threads`
#   6. fuzz                each libFuzzer target for HEARTH_FUZZ_SECONDS (default 30) per target
# HEARTH_TEST_STAGES="release asan" runs a subset. Ends with one line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || exit 1

stages="${HEARTH_TEST_STAGES:-layers release node asan tsan fuzz}"
fuzz_seconds="${HEARTH_FUZZ_SECONDS:-30}"
passed=0
failed=0
log_dir="build/test-logs"
mkdir -p "$log_dir"

# Adds a ctest run's counts to the totals (reads "N% tests passed, F tests failed out of T").
count_ctest() {
  local log="$1" line total fails
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1)
  if [[ -z "$line" ]]; then
    failed=$((failed + 1))
    return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - fails))
  failed=$((failed + fails))
}

for stage in $stages; do
  case "$stage" in
    layers)
      echo "=== layers"
      if python3 scripts/check_layers.py; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
      ;;
    release|asan)
      echo "=== $stage: build"
      scripts/build.sh "$stage" > "$log_dir/build-$stage.log" 2>&1
      status=$?
      tail -n 3 "$log_dir/build-$stage.log"
      if [[ $status -ne 0 ]]; then
        echo "=== $stage: BUILD FAILED (log: $log_dir/build-$stage.log)"; tail -n 40 "$log_dir/build-$stage.log"
        failed=$((failed + 1)); continue
      fi
      echo "=== $stage: test"
      label_args=()
      [[ "$stage" == "asan" ]] && label_args=(-LE "slow")
      ctest --preset "$stage" -j2 "${label_args[@]}" 2>&1 | tee "$log_dir/ctest-$stage.log" | grep -E "Failed|\*\*\*|tests passed|Total Test time"
      count_ctest "$log_dir/ctest-$stage.log"
      ;;
    node)
      echo "=== node: openai client tests"
      scripts/node_tests.sh > "$log_dir/node.log" 2>&1
      status=$?
      grep -E "^(ℹ|#) (tests|pass|fail) " "$log_dir/node.log"
      node_pass=$(grep -E "^(ℹ|#) pass [0-9]+" "$log_dir/node.log" | tail -n 1 | grep -oE "[0-9]+$")
      node_fail=$(grep -E "^(ℹ|#) fail [0-9]+" "$log_dir/node.log" | tail -n 1 | grep -oE "[0-9]+$")
      passed=$((passed + ${node_pass:-0}))
      failed=$((failed + ${node_fail:-0}))
      if [[ $status -ne 0 ]]; then
        echo "=== node: FAILED (log: $log_dir/node.log)"; tail -n 40 "$log_dir/node.log"
        [[ -z "$node_fail" || "$node_fail" == 0 ]] && failed=$((failed + 1))
      fi
      ;;
    tsan)
      echo "=== tsan: build"
      scripts/build.sh tsan --target hearth_threads_tests > "$log_dir/build-tsan.log" 2>&1
      status=$?
      tail -n 3 "$log_dir/build-tsan.log"
      if [[ $status -ne 0 ]]; then
        echo "=== tsan: BUILD FAILED"; tail -n 40 "$log_dir/build-tsan.log"; failed=$((failed + 1)); continue
      fi
      echo "=== tsan: test (label: threads)"
      ctest --preset tsan -j2 -L threads 2>&1 | tee "$log_dir/ctest-tsan.log" | grep -E "Failed|\*\*\*|tests passed|Total Test time"
      count_ctest "$log_dir/ctest-tsan.log"
      ;;
    fuzz)
      echo "=== fuzz: build"
      scripts/build.sh fuzz --target hearth_fuzz_targets > "$log_dir/build-fuzz.log" 2>&1
      status=$?
      tail -n 3 "$log_dir/build-fuzz.log"
      if [[ $status -ne 0 ]]; then
        echo "=== fuzz: BUILD FAILED"; tail -n 40 "$log_dir/build-fuzz.log"; failed=$((failed + 1)); continue
      fi
      for target in build/fuzz/bin/fuzz_*; do
        [[ -x "$target" ]] || continue
        name=$(basename "$target")
        corpus="build/fuzz/corpus/$name"
        mkdir -p "$corpus"
        seeds="fuzz/seeds/${name#fuzz_}"
        seed_args=()
        [[ -d "$seeds" ]] && seed_args=("$seeds")
        echo "=== fuzz: $name for ${fuzz_seconds}s"
        if "$target" -max_total_time="$fuzz_seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
             -print_final_stats=1 -artifact_prefix="build/fuzz/" "$corpus" "${seed_args[@]}" > "$log_dir/$name.log" 2>&1; then
          grep -E "stat::number_of_executed_units" "$log_dir/$name.log" || true
          passed=$((passed + 1))
        else
          echo "=== fuzz: $name FOUND A CRASH"; tail -n 60 "$log_dir/$name.log"; failed=$((failed + 1))
        fi
      done
      ;;
    *) echo "unknown stage '$stage'"; failed=$((failed + 1)) ;;
  esac
done

echo
echo "hearth: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
