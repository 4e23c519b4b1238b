// npm install hook: use a prebuilt binary when one matches this platform, else build from
// source against the LibTorch found by CMake. A failed build does not fail the install; the
// first require() then explains how to get LibTorch.
const { execSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
if (process.env.TORCHNODE_SKIP_BUILD) process.exit(0);
try {
  require('node-gyp-build').path(root);
  process.exit(0);
} catch {
  // no prebuild and no local build yet
}
try {
  execSync('npx cmake-js compile', { cwd: root, stdio: 'inherit' });
} catch {
  console.warn('torchnode: the native build failed. Install LibTorch (on Debian: bash scripts/setup.sh) and run npm run build:native.');
}
