#!/usr/bin/env bash
# Installs what torchnode needs and builds it. Idempotent: a second run only checks and exits
# quickly. On Debian/Ubuntu it installs the system packages itself (as root, or with sudo);
# elsewhere it says what to install instead.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# LibTorch and its BLAS, the PyTorch oracle for the tests, the build tools, and the data set of
# the examples. OpenBLAS matters: with the reference BLAS, matmul is many times slower.
packages=(libopenblas0-pthread python3-torch cmake g++ make dataset-fashion-mnist)
[ -n "${LIBTORCH:-}" ] || packages=(libtorch-dev "${packages[@]}")

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
elif ! command -v dpkg-query >/dev/null 2>&1 && [ -z "${LIBTORCH:-}" ]; then
  cat <<'MSG'
[setup] This is not a Debian/Ubuntu system, so nothing was installed. torchnode needs LibTorch:
  - download the C++ LibTorch zip from pytorch.org, unpack it, and export LIBTORCH=/path/to/libtorch
  - or pip install torch (its bundled LibTorch is found through Python)
plus CMake >= 3.18 and a C++17 compiler. Then run this script again.
MSG
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || \
   { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  # npm ci installs exactly the lock file (and fails if package.json and it disagree), so every
  # clone gets the same dependency tree; npm install only where there is no lock file yet.
  install=install
  [ -f package-lock.json ] && install=ci
  say "installing npm dependencies (npm $install)"
  # onnxruntime-node (a devDependency, the benchmark's inference peer) would download CUDA files
  # at install time, which fails offline; its CPU binaries ship in the package.
  ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}" TORCHNODE_SKIP_BUILD=1 npm "$install" --no-audit --no-fund --loglevel=error
fi

say "building the native addon"
log="$(mktemp)"
if ! npx cmake-js compile --log-level error >"$log" 2>&1; then
  cat "$log"
  say "native build failed (output above)"
  exit 1
fi
grep -E 'torchnode: using' "$log" || true
rm -f "$log"

bash scripts/build_ts.sh
say "ready: $(node -e "const t=require('./dist/index.js'); console.log('torchnode ' + t.version.torchnode + ' on LibTorch ' + t.version.libtorch + ', CUDA ' + (t.cuda.is_available() ? 'available' : 'not available'))")"
