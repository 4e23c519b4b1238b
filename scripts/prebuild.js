// npm run prebuild: builds the addon and places it where node-gyp-build looks first,
// prebuilds/<platform>-<arch>/torchnode.napi.<libc>.node. prebuildify itself only drives
// node-gyp, and this addon builds with cmake-js, so this does the same placement for it.
// A prebuild is tied to the LibTorch it was built against (its major.minor SONAME); the file
// name carries that version for people who ship several.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
execSync('npx cmake-js compile', { cwd: root, stdio: 'inherit' });
const built = path.join(root, 'build', 'Release', 'torchnode.node');
const libc = process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl') : null;
const libtorch = require(built).libtorchVersion;
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, ['torchnode', 'napi', libc, `libtorch-${libtorch}`, 'node'].filter(Boolean).join('.'));
fs.copyFileSync(built, target);
try {
  execSync(`strip --strip-unneeded "${target}"`);
} catch {
  // strip is optional: the unstripped file works the same
}
console.log(`prebuild: ${path.relative(root, target)} (LibTorch ${libtorch})`);
