#!/usr/bin/env bash
# The LibTorch 2.x leg: installs PyTorch 2.x (LibTorch and the oracle in one wheel) into
# .venv/torch-<major.minor> from local wheels, builds the addon against it into
# build-libtorch-<major.minor>/ (the main build/ stays on the default LibTorch), and runs the test
# suite on that build with that PyTorch as the oracle.
#
#   bash scripts/libtorch2.sh            # build and test
#   bash scripts/libtorch2.sh --build    # build only; prints the TORCHNODE_ADDON=... line to use it
#   bash scripts/libtorch2.sh -- CMD...  # build, then run CMD with the 2.x addon and oracle set
#
# TORCH2_VERSION picks the wheel (default 2.13.0+cpu). Without a local wheel of it (pip's
# find-links folders or a file:// index), the leg says it is skipped and exits 0: this machine
# reaches no other Python package index.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[libtorch2]\033[0m %s\n' "$*"; }

version="${TORCH2_VERSION:-2.13.0+cpu}"
tag="$(echo "$version" | cut -d. -f1,2)"
venv="$PWD/.venv/torch-$tag"
py="$venv/bin/python"

# pip's own configuration names the local wheels: find-links folders and file:// indexes.
local_sources=()
for key in global.find-links global.extra-index-url global.index-url; do
  for v in $(pip config get "$key" 2>/dev/null || true); do local_sources+=("$v"); done
done
has_wheel() {
  local base="${version%%+*}"
  for s in "${local_sources[@]}"; do
    case "$s" in
      file://*) s="${s#file://}"; ls "$s/torch/" 2>/dev/null | grep -q "torch-$base" && return 0
                ls "$(dirname "$s")/files/" 2>/dev/null | grep -q "^torch-$base[+-]" && return 0 ;;
      /*) ls "$s" 2>/dev/null | grep -q "^torch-${base}[+-]" && return 0 ;;
    esac
  done
  return 1
}

if [ ! -x "$py" ] || ! "$py" -c "import torch, sys; sys.exit(torch.__version__ != '$version')" 2>/dev/null; then
  if ! has_wheel; then
    say "SKIPPED: no local wheel of torch $version in pip's find-links or file:// indexes (${local_sources[*]:-none configured}); the LibTorch 2.x leg did not run"
    exit 0
  fi
  say "installing torch $version into $venv from the local wheels"
  python3 -m venv "$venv"
  args=()
  first=1
  for s in "${local_sources[@]}"; do
    case "$s" in
      file://*) if [ $first = 1 ]; then args+=(--index-url "$s"); first=0; else args+=(--extra-index-url "$s"); fi ;;
      /*) args+=(--find-links "$s") ;;
    esac
  done
  [ $first = 0 ] || args+=(--no-index)
  # numpy for the fixture scripts, onnx for the benchmark's onnxruntime-node column, safetensors
  # for the safetensors tests' Python side, PyYAML for torchgen (scripts/gen_namespace.py)
  "$venv/bin/pip" install -q "${args[@]}" "torch==$version" numpy onnx safetensors pyyaml
fi

prefix="$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
out="build-libtorch-$tag"
say "building against LibTorch $("$py" -c 'import torch; print(torch.__version__)') ($prefix) into $out/"
source scripts/build_for_python_torch.sh
build_for_python_torch "$py" "$out"
built="$(node -p "require('$TORCHNODE_ADDON').libtorch.version")"
if [ "$built" != "${version%%+*}" ]; then
  say "the build in $out/ runs on LibTorch $built, not ${version%%+*}"; exit 1
fi
say "the addon links: $(readelf -d "$TORCHNODE_ADDON" | grep -E 'NEEDED.*(torch|c10)' | sed -E 's/.*\[(.*)\]/\1/' | tr '\n' ' ')"
case "${1:-}" in
  --build) echo "TORCHNODE_ADDON=$TORCHNODE_ADDON TORCHNODE_ORACLE_PYTHON=$TORCHNODE_ORACLE_PYTHON"; exit 0 ;;
  --) shift; exec "$@" ;;
esac
say "running the test suite on LibTorch $tag"
npx tsup --silent  # runtime tests load dist/ in child processes and workers
npx vitest run
