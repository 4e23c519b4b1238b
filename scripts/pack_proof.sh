#!/usr/bin/env bash
# npm run test:pack: the install a user gets, end to end. Builds the prebuilds for this platform
# (Debian's LibTorch 1.13 and the local wheel's 2.13), packs torchnode and its platform package
# with `npm pack`, installs both into a clean project whose cmake, compilers and make are failing
# stubs (after publint and arethetypeswrong pass on the tarball), and there trains the chapter's
# CNN for a few steps:
#   - on the system's LibTorch 1.13;
#   - on the 2.13 of an activated virtual environment, found by itself;
#   - on a copy of that 2.13 moved to another folder (TORCHNODE_LIBTORCH);
#   - on 2.13 fetched by `npx torchnode install-libtorch` from a loopback mirror.
# Then the failures: each error's suggested command is run in that project, as a user would.
# KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
say() { printf '\033[1m[pack]\033[0m %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }
work="$(mktemp -d /tmp/torchnode-pack.XXXXXX)"
server=""
cleanup() {
  trap - EXIT
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  if [ "${KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- build and pack --------------------------------------------------------------------------
venv_line="$(bash scripts/libtorch2.sh --build | tail -1)"
py=""
case "$venv_line" in *TORCHNODE_ORACLE_PYTHON=*) py="${venv_line##*TORCHNODE_ORACLE_PYTHON=}" ;; esac
[ -n "$py" ] || say "NOTE: no local torch 2.13 wheel; the 2.13 parts are SKIPPED"

say "prebuild against the system LibTorch"
LIBTORCH= TORCHNODE_PYTHON= npx tsx scripts/prebuild.ts --build-dir build-prebuild-system
if [ -n "$py" ]; then
  say "prebuild against the 2.13 wheel's LibTorch"
  LIBTORCH= TORCHNODE_PYTHON="$py" npx tsx scripts/prebuild.ts --build-dir build-prebuild-2.13
fi
platform="$(npx tsx -e "import { platformPackage } from './lib/loader/prebuilds'; console.log(platformPackage())")"
npm run --silent package  # npm pack runs prepack: the tsup build of dist/
cp dist-package/*.tgz "$work/"
say "packed: $(cd "$work" && ls *.tgz | tr '\n' ' ')"
bash scripts/pack_proof_lint.sh "$work/torchnode-0.1.0.tgz"  # publint and arethetypeswrong

# --- a clean project without build tools ------------------------------------------------------
app="$work/app"
mkdir -p "$app/stubs" "$work/cache"
for tool in cmake g++ gcc c++ cc make ninja clang clang++; do
  printf '#!/bin/sh\necho "%s: a failing stub (no build tools in this test)" >&2\nexit 1\n' "$tool" >"$app/stubs/$tool"
  chmod +x "$app/stubs/$tool"
done
cp scripts/pack_proof/consumer_cnn.mjs "$app/"
echo '{ "name": "consumer", "version": "1.0.0", "private": true }' >"$app/package.json"
cd "$app"
unset LIBTORCH TORCHNODE_LIBTORCH TORCHNODE_PYTHON TORCHNODE_ADDON TORCHNODE_ORACLE_PYTHON VIRTUAL_ENV
export TORCHNODE_CACHE="$work/cache"
stubbed="$app/stubs:$PATH"
real_path="$PATH"
export PATH="$stubbed"
! command -v cmake >/dev/null || cmake --version >/dev/null 2>&1 && fail "cmake is not stubbed"

say "npm install of the two tarballs (build tools stubbed)"
npm install --no-audit --no-fund --foreground-scripts "$work/torchnode-0.1.0.tgz" "$work/torchnode-$platform-0.1.0.tgz" 2>&1 | tee "$work/install.log" | tail -5
grep -q 'uses the prebuilt addon libtorch-1.13-cpu' "$work/install.log" || fail "the install hook did not pick the 1.13 prebuild"
if npm ls --all 2>/dev/null | grep -q cmake-js; then fail "cmake-js was installed with a prebuilt install"; fi
pkg="$app/node_modules/@torchnode/$platform/prebuilds"

say "1. the system's LibTorch 1.13"
node consumer_cnn.mjs 1.13
npx torchnode doctor | tee "$work/doctor.log" | grep -E 'chosen|loaded'
grep -q "chosen: prebuild libtorch-1.13-cpu" "$work/doctor.log" || fail "doctor does not report the 1.13 prebuild"

if [ -n "$py" ]; then
  venv="$(dirname "$(dirname "$py")")"
  torchdir="$("$py" -c "import importlib.util as u; print(u.find_spec('torch').submodule_search_locations[0])")"
  say "2. an activated virtual environment's 2.13, found by itself"
  PATH="$venv/bin:$stubbed" VIRTUAL_ENV="$venv" node consumer_cnn.mjs 2.13 "$torchdir/lib"

  say "3. a copy of 2.13 moved to another folder"
  mkdir -p "$work/first/libtorch"
  cp -a "$torchdir/lib" "$torchdir/include" "$torchdir/share" "$work/first/libtorch/"
  rm -f "$work/first/libtorch/lib/libtorch_python.so"
  "$py" -c "import torch; print(torch.__version__)" >"$work/first/libtorch/build-version"
  mv "$work/first" "$work/moved"
  TORCHNODE_LIBTORCH="$work/moved/libtorch" node consumer_cnn.mjs 2.13 "$work/moved/libtorch/lib"

  say "4. npx torchnode install-libtorch from a loopback mirror"
  mkdir -p "$work/mirror/cpu"
  zipfile="$work/mirror/cpu/libtorch-shared-with-deps-2.13.0+cpu.zip"
  (cd "$work/moved" && zip -q -r -1 --symlinks "$zipfile" libtorch)
  sha="$(sha256sum "$zipfile" | cut -d' ' -f1)"
  table() { printf '{ "mirror": "https://download.pytorch.org/libtorch", "default": { "version": "2.13.0", "flavour": "cpu" }, "builds": [ { "platform": "linux-%s", "version": "2.13.0", "flavour": "cpu", "path": "cpu/libtorch-shared-with-deps-2.13.0%%2Bcpu.zip", "sha256": "%s" } ] }\n' "$(node -p process.arch)" "$1"; }
  table "$sha" >"$work/table.json"
  table "$(echo "$sha" | tr 0-9a-f 1-9a-f0)" >"$work/bad-table.json"
  "$py" -m http.server 0 --bind 127.0.0.1 --directory "$work/mirror" >"$work/http.log" 2>&1 &
  server=$!
  for _ in $(seq 50); do grep -q 'port' "$work/http.log" && break; sleep 0.1; done
  port="$(grep -oE 'port [0-9]+' "$work/http.log" | head -1 | cut -d' ' -f2)"
  export TORCHNODE_LIBTORCH_MIRROR="http://127.0.0.1:$port"
  if TORCHNODE_LIBTORCH_TABLE="$work/bad-table.json" npx torchnode install-libtorch >"$work/bad.log" 2>&1; then fail "a bad checksum was accepted"; fi
  grep -q 'sha256' "$work/bad.log" || fail "the bad-checksum error does not name the checksum: $(cat "$work/bad.log")"
  [ -z "$(ls -A "$work/cache")" ] || fail "a failed install-libtorch left files in the cache: $(ls -A "$work/cache")"
  TORCHNODE_LIBTORCH_TABLE="$work/table.json" npx torchnode install-libtorch | tail -2
  node consumer_cnn.mjs 2.13 "$work/cache/libtorch-2.13.0-cpu/libtorch/lib"
  unset TORCHNODE_LIBTORCH_MIRROR

  say "5. a prebuild that does not fit its LibTorch (1.13's addon filed as 2.13's)"
  mv "$pkg/torchnode.libtorch-2.13-cpu.node" "$work/real-2.13.node"
  cp "$pkg/torchnode.libtorch-1.13-cpu.node" "$pkg/torchnode.libtorch-2.13-cpu.node"
  if TORCHNODE_LIBTORCH="$work/moved/libtorch" node consumer_cnn.mjs 2.13 2>"$work/abi.log"; then fail "a mismatched addon loaded"; fi
  grep -q 'does not fit' "$work/abi.log" && grep -q 'npm rebuild torchnode --build-from-source' "$work/abi.log" || fail "unexpected message: $(cat "$work/abi.log")"
  mv "$work/real-2.13.node" "$pkg/torchnode.libtorch-2.13-cpu.node"
  rm -rf "$work/cache/libtorch-2.13.0-cpu"  # so the system's 1.13 is found next
fi

say "6. no LibTorch where one is named"
if TORCHNODE_LIBTORCH="$work/nowhere" node consumer_cnn.mjs 1.13 2>"$work/none.log"; then fail "loaded without a LibTorch"; fi
grep -q 'is not usable' "$work/none.log" || fail "unexpected message: $(cat "$work/none.log")"
if TORCHNODE_LIBTORCH="$work/nowhere" npx torchnode doctor >/dev/null 2>&1; then fail "doctor exits 0 where torchnode cannot work"; fi

say "7. a LibTorch without a prebuild: the error's command, first without build tools, then with them"
mv "$pkg/torchnode.libtorch-1.13-cpu.node" "$work/real-1.13.node"
if node consumer_cnn.mjs 1.13 2>"$work/noprebuild.log"; then fail "loaded without a matching prebuild"; fi
grep -q 'No prebuilt addon matches' "$work/noprebuild.log" || fail "unexpected message: $(cat "$work/noprebuild.log")"
remedy="$(grep -oE '`npm rebuild [^`]+`' "$work/noprebuild.log" | head -1 | tr -d '`')"
say "the error suggests: $remedy"
if $remedy >"$work/rebuild-stubbed.log" 2>&1; then fail "a rebuild without build tools reported success"; fi
grep -q 'failed' "$work/rebuild-stubbed.log" || fail "the failed rebuild does not say so: $(tail -20 "$work/rebuild-stubbed.log")"
grep -q 'last lines' "$work/rebuild-stubbed.log" || fail "the failed rebuild does not show why"
if node consumer_cnn.mjs 1.13 2>"$work/after-failed.log"; then fail "loaded after a failed build"; fi
grep -q 'At install time' "$work/after-failed.log" || fail "the load error does not say what happened at install time"
PATH="$real_path" $remedy 2>&1 | tail -3
node consumer_cnn.mjs 1.13
npx torchnode doctor | grep -q 'chosen: build from source' || fail "doctor does not report the build from source"
mv "$work/real-1.13.node" "$pkg/torchnode.libtorch-1.13-cpu.node"

say "all passed"
