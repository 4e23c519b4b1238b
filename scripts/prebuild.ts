// npm run prebuilds: builds the relocatable addon (TORCHNODE_RELOCATABLE) against the LibTorch
// CMake finds (LIBTORCH, TORCHNODE_PYTHON, a Python torch, the system: cmake/FindLibTorchLocation),
// loads it in a fresh process exactly as an installed package would (preloader first, RTLD_NOW),
// and files it in the platform package under the tag that LibTorch reports at run time:
//   npm/<platform>/prebuilds/torchnode.libtorch-<major.minor>-<flavour>.node
//   npm/<platform>/prebuilds/torchnode_preload.node
// Our own script rather than prebuildify (which drives only node-gyp) or pkg-prebuilds (whose
// names carry no LibTorch version, and whose loader would pick among them by platform alone).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeLibTorch } from '../lib/loader/libtorch_install';
import { platformPackage, prebuildTag } from '../lib/loader/prebuilds';

const root = path.join(__dirname, '..');
const buildDir = path.resolve(root, process.argv.includes('--build-dir') ? process.argv[process.argv.indexOf('--build-dir') + 1] : 'build-prebuild');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

execFileSync(npx, ['cmake-js', 'compile', '-O', path.relative(root, buildDir), '--CDTORCHNODE_RELOCATABLE=ON'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
// cmake-js puts the built files in <build>/Release on every platform.
const addon = path.join(buildDir, 'Release', 'torchnode.node');
const preload = path.join(buildDir, 'Release', 'torchnode_preload.node');
const location = JSON.parse(fs.readFileSync(path.join(buildDir, 'libtorch-location.json'), 'utf8')) as { prefix: string; libDir: string; version: string };
const libtorch = describeLibTorch(location.prefix, 'the build', true, location.libDir);
if (typeof libtorch === 'string') throw new Error(`prebuild: the LibTorch built against is not usable at run time: ${libtorch}`);

// Load it as an installed package would, in a process of its own, and ask what it runs on.
const probe = `
const os = require('node:os');
const load = (f) => { const m = { exports: {} }; process.dlopen(m, f, os.constants.dlopen.RTLD_NOW); return m.exports; };
load(process.argv[1]).preload(JSON.parse(process.argv[3]));
process.stdout.write(JSON.stringify(load(process.argv[2]).libtorch));`;
const r = spawnSync(process.execPath, ['-e', probe, preload, addon, JSON.stringify(libtorch.libraries)], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`prebuild: the new addon does not load against ${libtorch.libDir}:\n${r.stderr}`);
const runtime = JSON.parse(r.stdout) as { version: string; flavour: string; cxx11Abi: boolean | null };
const tag = prebuildTag({ majorMinor: runtime.version.split('.').slice(0, 2).join('.'), flavour: runtime.flavour, cxx11Abi: runtime.cxx11Abi });
if (tag !== prebuildTag(libtorch)) {
  throw new Error(`prebuild: the loader would call this LibTorch ${prebuildTag(libtorch)} (from its files), but it says it is ${tag}; fix lib/loader/libtorch_install.ts`);
}

const dir = path.join(root, 'npm', platformPackage(), 'prebuilds');
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, `torchnode.${tag}.node`);
fs.copyFileSync(addon, target);
fs.copyFileSync(preload, path.join(dir, 'torchnode_preload.node'));
if (process.platform === 'linux') {
  for (const f of [target, path.join(dir, 'torchnode_preload.node')]) {
    try {
      execFileSync('strip', ['--strip-unneeded', f]);
    } catch {
      // strip is optional: the unstripped file works the same
    }
  }
}
console.log(`prebuild: ${path.relative(root, target)} for LibTorch ${runtime.version} (${runtime.flavour}), built against ${libtorch.libDir}`);
