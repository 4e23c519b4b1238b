#!/usr/bin/env bash
# npm run lint:package [-- <torchnode tarball>]: the package checks a registry's users depend on,
# on the packed tarball (what is published, not the working tree):
#   - publint: package.json's entry points, exports and files agree with what the tarball holds;
#   - arethetypeswrong: every way TypeScript resolves the package (node10, node16 from CommonJS,
#     node16 from an ES module, bundler) finds declarations that match the JavaScript there.
# Both fail on any problem, warnings included. Without an argument it packs the working tree
# first (npm pack runs prepack, which builds dist/). scripts/pack_proof.sh runs it on the
# tarball it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[package checks]\033[0m %s\n' "$*"; }

tarball="${1:-}"
tmp=""
if [ -z "$tarball" ]; then
  tmp="$(mktemp -d /tmp/torchnode-lint.XXXXXX)"
  trap 'rm -rf "$tmp"' EXIT
  say "npm pack (prepack builds dist/)"
  npm pack --silent --pack-destination "$tmp" >/dev/null
  tarball="$(ls "$tmp"/*.tgz)"
fi
[ -f "$tarball" ] || { say "no tarball at $tarball"; exit 1; }
say "$(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) files, $(du -k "$tarball" | cut -f1) kB packed"

say "publint"
npx --no-install publint run "$tarball" --strict
say "arethetypeswrong"
npx --no-install attw "$tarball" --format table-flipped
say "passed"
