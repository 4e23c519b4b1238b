# Sourced by scripts/libtorch2.sh and scripts/gpu_check.sh (each defines say): builds the addon
# against the LibTorch of a Python's torch into a folder of its own (the main build/ stays on the
# default LibTorch), then points the tests and the benchmark at that build and that PyTorch.
#   build_for_python_torch PYTHON OUT_DIR
build_for_python_torch() {
  local py="$1" out="$2" log
  log="$(mktemp)"
  if ! TORCHNODE_PYTHON="$py" LIBTORCH= npx cmake-js compile -O "$out" --log-level error >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; say "native build failed (output above)"; exit 1
  fi
  grep -E 'torchnode: using' "$log" || true
  rm -f "$log"
  export TORCHNODE_ADDON="$PWD/$out/Release/torchnode.node" TORCHNODE_ORACLE_PYTHON="$py"
}
