#!/usr/bin/env bash
# Builds the library's package build (dist/, tsup) when it is missing or older than its sources.
# Used by the setup (scripts/setup.sh) and by the benchmark, which measures that build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/index.js ] || [ ! -f dist/index.mjs ] || \
   [ -n "$(find lib package.json tsup.config.ts scripts/esm_wrapper.ts -newer dist/index.js -print -quit)" ]; then
  printf '\033[1m[build]\033[0m %s\n' "building the TypeScript library (dist/)"
  npx tsup --silent
fi
