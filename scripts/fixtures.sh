#!/usr/bin/env bash
# npm run fixtures: every scripts/gen_*.py under each PyTorch oracle present, each writing into
# tests/fixtures/torch-<its major.minor>/: Debian's /usr/bin/python3 (1.13) and the venv of
# scripts/libtorch2.sh (2.x). TORCHNODE_ORACLE_PYTHON names one interpreter instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same OpenBLAS kernels as the tests (vitest.config.ts says why).
[ "$(uname -m)" = x86_64 ] && export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
pythons=()
if [ -n "${TORCHNODE_ORACLE_PYTHON:-}" ]; then
  pythons=("$TORCHNODE_ORACLE_PYTHON")
else
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && pythons+=(/usr/bin/python3)
  for py in .venv/torch-*/bin/python; do [ -x "$py" ] && pythons+=("$py"); done
fi
for py in "${pythons[@]}"; do
  echo "[fixtures] $py: PyTorch $("$py" -c 'import torch; print(torch.__version__)')"
  for f in scripts/gen_*.py; do "$py" "$f"; done
  "$py" scripts/ports/gen_ports_fixtures.py
done
