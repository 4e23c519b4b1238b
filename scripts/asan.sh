#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer into its own folder (build-asan/, so
# the normal build/ is untouched) and runs the test suite against it; the suite includes the
# fuzz budget (tests/fuzz.test.ts, 3,000 calls in worker processes that inherit the ASan
# environment). Arguments go to vitest (e.g. a test file).
#   TORCHNODE_ASAN_BUILD=dir   another build folder;  TORCHNODE_ASAN_SKIP_BUILD=1  reuse the last build
set -euo pipefail
cd "$(dirname "$0")/.."
build="${TORCHNODE_ASAN_BUILD:-build-asan}"
flags="-O1 -g -fsanitize=address -fno-omit-frame-pointer"
if [ "${TORCHNODE_ASAN_SKIP_BUILD:-0}" != 1 ]; then
  # cmake-js sets CMAKE_CXX_FLAGS itself, so the flags go in through the per-configuration variables.
  npx cmake-js compile --log-level error -O "$build" \
    --CDCMAKE_CXX_FLAGS_RELEASE="$flags" --CDCMAKE_SHARED_LINKER_FLAGS_RELEASE="-fsanitize=address"
fi
addon="$(realpath "$build/Release/torchnode.node")"
# (captured first: with pipefail, grep -q closing the pipe early would fail the check)
linked="$(ldd "$addon")"
symbols="$(nm -D "$addon")"
if ! grep -q libasan <<< "$linked" || ! grep -q __asan_report <<< "$symbols"; then
  echo "asan.sh: $addon is not instrumented (no libasan / __asan_report symbols)" >&2
  exit 1
fi
echo "asan.sh: testing $addon ($(grep libasan <<< "$linked" | awk '{print $3}'))"

# Every process (vitest's forks, workers' processes, the fuzz run) writes its reports here.
logs="$(realpath -m "$build/asan-logs")"
rm -rf "$logs" && mkdir -p "$logs"
# V8 handles its own SIGSEGVs (guard pages, trap handlers), and tests/launcher.test.ts checks that a
# rank killed by SIGSEGV is reported as such: ASan must not take SIGSEGV over. SIGABRT it does take:
# a process that aborts (std::terminate, a fatal N-API or V8 error) then leaves a report with its
# stack in the logs, where it would otherwise end a Vitest fork with no trace of why.
# Leak checking is off: V8 and LibTorch keep process-lifetime allocations. torchnode's cache of
# freed CPU blocks is off too: a block it kept would hide a use after free of tensor memory.
asan_env=(
  "TORCHNODE_CPU_CACHE_MB=0"
  "LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
  "ASAN_OPTIONS=detect_leaks=0,allocator_may_return_null=1,handle_segv=0,handle_abort=1,handle_sigbus=0,handle_sigfpe=0,detect_stack_use_after_return=0,abort_on_error=0,print_summary=1,log_path=$logs/asan"
  "TORCHNODE_ADDON=$addon"
)
status=0
# Instrumented runs are slower: a longer default timeout, and with no arguments the examples'
# tests (CNN training beside PyTorch, single and DDP, with their own time limits) are left out;
# tests/ddp.test.ts keeps DDP itself under ASan.
vitest_args=("$@")
[ $# -eq 0 ] && vitest_args=(--exclude tests/examples.test.ts --exclude tests/ddp_example.test.ts)
env "${asan_env[@]}" npx vitest run --testTimeout=300000 "${vitest_args[@]}" || status=$?
if compgen -G "$logs/asan.*" > /dev/null; then
  echo "asan.sh: AddressSanitizer reports (in $logs):" >&2
  grep -h -E "ERROR: AddressSanitizer|SUMMARY" "$logs"/asan.* >&2
  status=1
else
  echo "asan.sh: no AddressSanitizer reports"
fi
exit $status
