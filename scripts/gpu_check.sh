#!/usr/bin/env bash
# The CUDA checks, for a machine with an NVIDIA GPU and a CUDA build of PyTorch (CI has no GPU, so
# nothing else runs them). Builds the addon against that PyTorch's LibTorch into build-cuda/, then
# runs tests/cuda.test.ts and the other test files that take a CUDA path when one exists, with that
# PyTorch as the oracle, and last the benchmark's CUDA cases side by side with it.
#
#   bash scripts/gpu_check.sh              # build, tests, benchmark
#   bash scripts/gpu_check.sh --no-bench   # build and tests only
#
# TORCHNODE_PYTHON names the Python (default: python3 on PATH). Needs node, the dev dependencies
# (npm ci), dist/ (npm run build:ts), cmake and a C++ compiler; the CUDA toolkit is found as
# cmake/FindLibTorchLocation.cmake says (CUDA_HOME, else /usr/local/cuda).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[gpu_check]\033[0m %s\n' "$*"; }

py="${TORCHNODE_PYTHON:-$(command -v python3)}"
if ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  say "the PyTorch of $py sees no GPU: nothing to check here"; exit 1
fi
"$py" -c 'import torch; print("[gpu_check] PyTorch", torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name(0))'
[ -f dist/index.js ] || { say "dist/ is missing: run npm run build:ts first"; exit 1; }

out=build-cuda
start=$(date +%s)
say "building against $py's LibTorch into $out/"
source scripts/build_for_python_torch.sh
CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" build_for_python_torch "$py" "$out"
say "built in $(($(date +%s) - start)) s"
node -e "const t = require('./dist/index.js'); console.log('[gpu_check] torchnode sees', JSON.stringify({ libtorch: t.version.libtorch, flavour: t.version.flavour, cuda: t.version.cuda, available: t.cuda.is_available(), devices: t.cuda.device_count() }))"

# Files whose tests read committed fixtures need that PyTorch's version among tests/fixtures/;
# these compare live or with the CPU instead.
status=0
npx vitest run --typecheck.enabled=false tests/cuda.test.ts tests/runtime.test.ts tests/errors.test.ts \
  tests/async.test.ts tests/jit.test.ts tests/memory.test.ts tests/handles.test.ts tests/nn_module.test.ts || status=$?

if [ "${1:-}" != "--no-bench" ]; then
  # Four CPUs, not the CPU rows' one: pinned to one, the CUDA driver's threads share it with the
  # step and both sides ran 1.5-2x slower on an H200 (README, Benchmarks).
  cpus=auto; [ "$(nproc)" -lt 4 ] || cpus=0-3
  npx tsx bench/run.ts --filter '(cuda)' --repeats 3 --memory-steps 0 --cpus "$cpus" || status=$?
fi
exit $status
