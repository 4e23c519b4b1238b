// The loader (lib/loader/): what it reads from a LibTorch folder, where it looks, which addon it
// picks, and the message for each failure. Real LibTorch installs where this machine has them
// (the oracle's Python torch, the system's), small made-up folders for the rest. Loading the
// prebuilds from an installed package is scripts/pack_proof.sh (npm run test:pack).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeLibTorch, type LibTorchInstall } from '../lib/loader/libtorch_install';
import { findLibTorch } from '../lib/loader/find_libtorch';
import { planLoad } from '../lib/loader/load';
import { platformPackage, prebuildTag } from '../lib/loader/prebuilds';
import { loadFailure, noLibTorch } from '../lib/loader/remedies';
import * as torch from '../lib/index';
import { oraclePython } from './oracle';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-loader-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A made-up LibTorch folder: lib/ with the named libraries (libc10 says which ABI), plus files. */
function fakeLibTorch(name: string, opts: { libs?: string[]; cxx11?: boolean; files?: Record<string, string> } = {}): string {
  const prefix = path.join(tmp, name);
  fs.mkdirSync(path.join(prefix, 'lib'), { recursive: true });
  for (const lib of opts.libs ?? ['c10', 'torch_cpu', 'torch']) {
    const marker = lib === 'c10' && opts.cxx11 !== false ? '_ZN3c106detail23torchInternalAssertFailEPKcS2_jS2_RKNSt7__cxx1112basic_string' : 'plain';
    fs.writeFileSync(path.join(prefix, 'lib', `lib${lib}.so`), marker);
  }
  for (const [file, text] of Object.entries(opts.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(prefix, file)), { recursive: true });
    fs.writeFileSync(path.join(prefix, file), text);
  }
  return prefix;
}

/** A package root with the platform package folder a checkout has (npm/<platform>/prebuilds). */
function fakeRoot(name: string, prebuilds: string[] | null): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"torchnode","version":"0.0.0"}');
  if (prebuilds) {
    const dir = path.join(root, 'npm', platformPackage(), 'prebuilds');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of [...prebuilds, 'torchnode_preload.node']) fs.writeFileSync(path.join(dir, f), '');
  }
  return root;
}

const realTorchDir = (() => {
  try {
    return execFileSync(oraclePython, ['-c', "import importlib.util as u; print(u.find_spec('torch').submodule_search_locations[0])"], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();

describe.runIf(process.platform === 'linux')('describeLibTorch', () => {
  it('reads the oracle Python torch package: version, flavour, ABI and libraries in load order', () => {
    const t = describeLibTorch(realTorchDir, 'test', false) as LibTorchInstall;
    expect(typeof t).toBe('object');
    const mm = torch.version.libtorch.split('.').slice(0, 2).join('.');
    expect(t.majorMinor).toBe(mm);
    expect(t.version.startsWith(mm + '.')).toBe(true);
    expect(t.flavour).toBe(torch.version.flavour);
    expect(t.cxx11Abi).toBe(torch.version.cxx11_abi);
    expect(t.libraries.map((f) => path.basename(f).replace(/\.so.*/, ''))).toEqual(['libc10', 'libtorch_cpu', 'libtorch']);
    // the very file the running addon loaded
    expect(t.libraries).toContain(fs.realpathSync(torch.version.library));
  });

  it.runIf(fs.existsSync('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13'))("reads Debian's system LibTorch from its versioned names and headers", () => {
    const t = describeLibTorch('/usr/lib', 'system', false, '/usr/lib/x86_64-linux-gnu') as LibTorchInstall;
    expect([t.majorMinor, t.flavour, t.cxx11Abi]).toEqual(['1.13', 'cpu', true]);
    expect(t.libraries[0]).toMatch(/libc10\.so\.1\.13/);
    expect(prebuildTag(t)).toBe('libtorch-1.13-cpu');
  });

  it("reads a pytorch.org zip's build-version, and the flavour from its tag", () => {
    const t = describeLibTorch(fakeLibTorch('zip-cu128', { files: { 'build-version': '2.10.0+cu128\n' } }), 'zip', true) as LibTorchInstall;
    expect([t.version, t.majorMinor, t.flavour, t.cxx11Abi, t.explicit]).toEqual(['2.10.0+cu128', '2.10', 'cu128', true, true]);
    expect(prebuildTag(t)).toBe('libtorch-2.10-cu128');
  });

  it("reads a Python torch's version.py, CUDA version included", () => {
    const files = { 'version.py': "__version__ = '2.14.1'\ndebug = False\ncuda: Optional[str] = '13.0'\n" };
    const t = describeLibTorch(fakeLibTorch('py-cuda', { libs: ['c10', 'c10_cuda', 'torch_cpu', 'torch_cuda', 'torch'], files }), 'py', false) as LibTorchInstall;
    expect([t.version, t.flavour]).toEqual(['2.14.1', 'cu130']);
    expect(t.libraries.map((f) => path.basename(f))).toEqual(['libc10.so', 'libc10_cuda.so', 'libtorch_cpu.so', 'libtorch_cuda.so', 'libtorch.so']);
  });

  it('falls back to the headers; a CUDA build without a tag is "cuda"; the old ABI gets its own tag', () => {
    const header = '#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 4\n#define TORCH_VERSION_PATCH 1\n';
    const t = describeLibTorch(
      fakeLibTorch('headers', { libs: ['c10', 'torch_cpu', 'torch_cuda'], cxx11: false, files: { 'include/torch/csrc/api/include/torch/version.h': header } }),
      'h', false,
    ) as LibTorchInstall;
    expect([t.version, t.flavour, t.cxx11Abi]).toEqual(['2.4.1', 'cuda', false]);
    expect(prebuildTag(t)).toBe('libtorch-2.4-cuda-precxx11');
  });

  it('says why a folder is not a LibTorch', () => {
    expect(describeLibTorch(path.join(tmp, 'absent'), 's', true)).toMatch(/does not exist/);
    expect(describeLibTorch(fakeLibTorch('no-cpu', { libs: ['c10'] }), 's', true)).toMatch(/has no libtorch_cpu\.so and libc10\.so/);
    expect(describeLibTorch(fakeLibTorch('no-version'), 's', true)).toMatch(/version .* could not be read/);
  });
});

describe.runIf(process.platform === 'linux')('findLibTorch', () => {
  const zip = fakeLibTorch('zip-2.10', { files: { 'build-version': '2.10.0+cpu' } });

  it('TORCHNODE_LIBTORCH is explicit: that one only, and a bad one is an error, not a reason to look elsewhere', () => {
    const s = findLibTorch({ TORCHNODE_LIBTORCH: zip, LIBTORCH: '/elsewhere' });
    expect(s.found.map((f) => [f.version, f.source, f.explicit])).toEqual([['2.10.0+cpu', `TORCHNODE_LIBTORCH=${zip}`, true]]);
    const bad = findLibTorch({ LIBTORCH: path.join(tmp, 'nowhere') });
    expect(bad.found).toEqual([]);
    expect(bad.explicitError).toMatch(/^LIBTORCH=.*nowhere: .*does not exist/);
  });

  it('TORCHNODE_PYTHON: its torch, or an error naming it', () => {
    const s = findLibTorch({ TORCHNODE_PYTHON: oraclePython });
    expect(s.found[0].libDir).toBe(path.join(realTorchDir, 'lib'));
    expect(s.found[0].explicit).toBe(true);
    expect(findLibTorch({ TORCHNODE_PYTHON: path.join(tmp, 'no-python') }).explicitError).toMatch(/could not be run \(ENOENT\)/);
  });

  it('a folder holding the libraries themselves is one too (TORCHNODE_LIBTORCH=/usr/lib/x86_64-linux-gnu)', () => {
    const s = findLibTorch({ TORCHNODE_LIBTORCH: path.join(zip, 'lib') });
    expect(s.explicitError).toMatch(/could not be read/); // the libraries, but nothing that says the version
    const sys = findLibTorch({ TORCHNODE_LIBTORCH: '/usr/lib/x86_64-linux-gnu' });
    if (fs.existsSync('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13')) expect(sys.found[0].majorMinor).toBe('1.13');
  });

  it("reads an active virtual environment's torch without running its Python, and stops once enough is found", () => {
    const venv = path.join(tmp, 'venv');
    fs.mkdirSync(path.join(venv, 'lib', 'python3.12', 'site-packages'), { recursive: true });
    fs.cpSync(fakeLibTorch('venv-torch', { files: { 'version.py': "__version__ = '2.9.1+cpu'\ncuda = None\n" } }), path.join(venv, 'lib', 'python3.12', 'site-packages', 'torch'), { recursive: true });
    const env = { VIRTUAL_ENV: venv, TORCHNODE_CACHE: path.join(tmp, 'empty-cache'), PATH: process.env.PATH };
    const s = findLibTorch(env, (t) => t.majorMinor === '2.9');
    expect(s.found.map((f) => [f.version, f.source])).toEqual([['2.9.1+cpu', `the torch of VIRTUAL_ENV=${venv}`]]);
    expect(s.searched.some((l) => l.includes('python3 on PATH'))).toBe(false); // never ran
  });

  it("finds install-libtorch's cache before a Python torch and the system, and lists what it searched", () => {
    const cache = path.join(tmp, 'cache');
    fs.mkdirSync(path.join(cache, 'libtorch-2.10.0-cpu'), { recursive: true });
    fs.cpSync(zip, path.join(cache, 'libtorch-2.10.0-cpu', 'libtorch'), { recursive: true });
    const s = findLibTorch({ TORCHNODE_CACHE: cache, PATH: process.env.PATH });
    expect(s.found[0].source).toMatch(/^npx torchnode install-libtorch/);
    expect(s.found[0].version).toBe('2.10.0+cpu');
    expect(s.searched.some((l) => l.startsWith('the torch of python3 on PATH'))).toBe(true);
    expect(s.explicitError).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('planLoad', () => {
  const zip = fakeLibTorch('zip-2.10-plan', { files: { 'build-version': '2.10.0+cpu' } });

  it('picks the prebuild tagged with the found major.minor and flavour, never another version', () => {
    const root = fakeRoot('root-match', ['torchnode.libtorch-2.1-cpu.node', 'torchnode.libtorch-2.10-cpu.node', 'torchnode.libtorch-2.10-cu128.node']);
    const { plan } = planLoad(root, { TORCHNODE_LIBTORCH: zip });
    expect(plan?.kind).toBe('prebuild');
    expect(plan && path.basename(plan.file)).toBe('torchnode.libtorch-2.10-cpu.node');
  });

  it('no prebuild for the version: names both, the prebuilds there are, and the rebuild command', () => {
    const root = fakeRoot('root-other', ['torchnode.libtorch-1.13-cpu.node', 'torchnode.libtorch-2.13-cpu.node']);
    const { plan, problem } = planLoad(root, { TORCHNODE_LIBTORCH: zip });
    expect(plan).toBeNull();
    expect(problem).toContain('No prebuilt addon matches the LibTorch found:');
    expect(problem).toContain(`LibTorch 2.10.0+cpu from TORCHNODE_LIBTORCH=${zip}`);
    expect(problem).toContain('prebuilt addons: libtorch-1.13-cpu, libtorch-2.13-cpu');
    expect(problem).toContain('`npm rebuild torchnode --build-from-source --foreground-scripts`');
    // a pinned download that a prebuild here fits (the table has 2.13.0 cpu for linux-x64)
    if (process.arch === 'x64') expect(problem).toContain('`npx torchnode install-libtorch --version 2.13.0 --flavor cpu`');
  });

  it('no platform package: says which one, and how optional dependencies come back', () => {
    const { problem } = planLoad(fakeRoot('root-none', null), { TORCHNODE_LIBTORCH: zip });
    expect(problem).toContain(`No prebuilt addons for ${platformPackage()} are installed (the optional dependency @torchnode/${platformPackage()})`);
    expect(problem).toContain('npm install --include=optional');
  });

  it('TORCHNODE_ADDON, then a build from source, come before prebuilds', () => {
    const root = fakeRoot('root-built', ['torchnode.libtorch-2.10-cpu.node']);
    expect(planLoad(root, { TORCHNODE_ADDON: 'x.node' }).plan).toEqual({ kind: 'TORCHNODE_ADDON', file: path.resolve('x.node') });
    fs.mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(root, 'build', 'Release', 'torchnode.node'), '');
    expect(planLoad(root, { TORCHNODE_LIBTORCH: zip }).plan?.kind).toBe('build from source');
  });
});

describe('remedies', () => {
  const root = fakeRoot('root-remedies', ['torchnode.libtorch-2.13-cpu.node']);
  const libtorch = describeLibTorch(fakeLibTorch('zip-2.13', { files: { 'build-version': '2.13.0+cpu' } }), 'TORCHNODE_LIBTORCH=/x', true) as LibTorchInstall;
  const plan = { kind: 'prebuild' as const, file: '/p/torchnode.libtorch-2.13-cpu.node', preload: '/p/torchnode_preload.node', libtorch, tag: 'libtorch-2.13-cpu' };

  it('no LibTorch: what was searched, and how to get one here', () => {
    const m = noLibTorch({ found: [], searched: ['the system folders: /usr/lib'], explicitError: null }, { folders: [], looked: [] }, root);
    expect(m).toContain('No LibTorch was found. Searched:\n  the system folders: /usr/lib');
    expect(m).toContain('`npx torchnode install-libtorch`');
    if (process.platform === 'linux') expect(m).toContain('sudo apt-get install libtorch-dev libopenblas0-pthread');
    expect(m).toContain('npx torchnode doctor');
  });

  it('each load failure is matched to its remedy', () => {
    const abi = loadFailure(plan, '/p/torchnode.libtorch-2.13-cpu.node: undefined symbol: _ZN3c1019UndefinedTensorImpl10_singletonE', root);
    expect(abi).toContain('does not fit LibTorch 2.13.0+cpu in ');
    expect(abi).toContain('npm rebuild torchnode --build-from-source');
    expect(loadFailure(plan, 'x.node: undefined symbol: node_api_post_finalizer', root)).toContain(`needs a Node-API function this Node.js (${process.version}) lacks`);
    expect(loadFailure(plan, 'libopenblas.so.0: cannot open shared object file: No such file or directory', root)).toContain('sudo apt-get install libopenblas0-pthread');
    expect(loadFailure(plan, 'libcudart.so.13: cannot open shared object file', root)).toContain('CUDA runtime libraries');
    const version = loadFailure(plan, 'torchnode: this addon was built against LibTorch 2.13.0 but LibTorch 2.12.1 was loaded (/x).', root);
    expect(version).toMatch(/built against LibTorch 2\.13\.0[\s\S]*npm rebuild torchnode --build-from-source/);
  });

  it('what the install hook recorded is part of the load error', () => {
    fs.writeFileSync(path.join(root, 'install-record.json'), JSON.stringify({ ok: false, message: 'the build failed: no cmake', time: 'then' }));
    expect(loadFailure(plan, 'x: cannot open', root)).toContain('At install time (then): the build failed: no cmake');
  });
});
