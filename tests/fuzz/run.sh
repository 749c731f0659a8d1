#!/usr/bin/env bash
# Runs each fuzz target for SECONDS, one after the other, from seeds generated out of the
# project's fixtures (make_seeds.py) plus the corpus kept from earlier runs. A crash, a leak, an
# input slower than -timeout or one that needs more than -rss_limit_mb stops that target, saves
# the input under WORK/artifacts/TARGET/ and makes the script exit 1 at the end; keep such an
# input as a regression fixture in tests/fixtures/fuzz/TARGET/ once fixed.
#
# usage: tests/fuzz/run.sh SECONDS [TARGET...]
#   targets: message delivery_status rule_file verp maillog_line send_record (default: all)
#   BOUNCED_FUZZ_BUILD  build directory (default: build-fuzz in the checkout; clang++, configured
#                       and built here with -DBOUNCED_FUZZ=ON)
#   BOUNCED_FUZZ_WORK   corpus, seeds, artifacts, logs (default: ${TMPDIR:-/tmp}/bounced-fuzz)
#   BOUNCED_FUZZ_JOBS   build parallelism (default: number of cores)
#   BOUNCED_FUZZ_CXX    the clang++ to build with (default: clang++, else clang++-14)
#   BOUNCED_FUZZ_SEED   libFuzzer's -seed (default: a new one each run)
#   BOUNCED_FUZZ_FIXED  1: seed 1 and a fixed number of inputs per target (runs_budget below,
#                       about 25 s each on this project's CI machine), SECONDS only capping it.
#                       .ci/run uses this so that a run is the same on every machine and a red
#                       CI run replays exactly; explore with fresh seeds and longer times.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
build=${BOUNCED_FUZZ_BUILD:-$here/build-fuzz}
work=${BOUNCED_FUZZ_WORK:-${TMPDIR:-/tmp}/bounced-fuzz}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(message delivery_status rule_file verp maillog_line send_record)

# Longest input per target: a little over the longest real thing of its kind.
declare -A max_len=([message]=65536 [delivery_status]=16384 [rule_file]=16384 [verp]=1024
                    [maillog_line]=8192 [send_record]=16384)

# Debian's clang-14 package installs clang++-14; the unversioned name comes with "clang".
cxx=${BOUNCED_FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
[ -n "$cxx" ] || { echo "no clang++ (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DBOUNCED_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${BOUNCED_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" >&2
python3 "$here/tests/fuzz/make_seeds.py" "$here" "$work/seeds" >/dev/null

# The suppression file names GMime's one-time start-up allocation.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

declare -A runs_budget=([message]=8000 [delivery_status]=300000 [rule_file]=8000
                        [verp]=2000000 [maillog_line]=600000 [send_record]=80000)
seed=()
[ -n "${BOUNCED_FUZZ_SEED:-}" ] && seed=(-seed="$BOUNCED_FUZZ_SEED")
[ "${BOUNCED_FUZZ_FIXED:-0}" = 1 ] && seed=(-seed=1)

status=0
for target in "${targets[@]}"; do
  [ -n "${max_len[$target]:-}" ] || { echo "unknown target: $target" >&2; exit 2; }
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  log="$work/$target.log"
  start=$(date +%s)
  runs=()
  [ "${BOUNCED_FUZZ_FIXED:-0}" = 1 ] && runs=(-runs="${runs_budget[$target]}")
  if "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" "${seed[@]}" "${runs[@]}" -timeout=10 -rss_limit_mb=2048 \
      -max_len="${max_len[$target]}" -artifact_prefix="$work/artifacts/$target/" \
      -print_final_stats=1 "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1; then
    result=ok
  else
    result=FOUND
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  printf '%-16s %-5s %4ss  %10s runs  %s  corpus %s\n' "$target" "$result" \
    "$(($(date +%s) - start))" "${runs:-?}" "${cov:-cov: ?}" \
    "$(find "$work/corpus/$target" -type f | wc -l)"
  if [ "$result" = FOUND ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|.*out-of-memory)' "$log" | head -5 | sed 's/^/    /'
    ls "$work/artifacts/$target" | sed "s|^|    $work/artifacts/$target/|"
  fi
done
exit $status
