// Loading, module formats, runtime information, and per-environment state (worker_threads).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';
import { oraclePython } from './oracle';

const root = path.join(__dirname, '..');

describe('runtime information', () => {
  it('reports its own and LibTorch versions', () => {
    expect(torch.version.torchnode).toBe(require('../package.json').version);
    expect(torch.version.libtorch).toMatch(/^(1\.13|2)\.\d+/);
  });
  it('describes the LibTorch it runs on as the PyTorch of the same LibTorch does', () => {
    const py = JSON.parse(execFileSync(oraclePython, ['-c', 'import json, torch; print(json.dumps([torch.__version__, ' +
      'torch.version.cuda, torch.backends.mkl.is_available(), torch.backends.mkldnn.is_available(), ' +
      'torch.backends.cudnn.is_available(), torch.backends.cudnn.version()]))'], { encoding: 'utf8' }));
    expect(py[0].startsWith(torch.version.libtorch)).toBe(true);
    expect([torch.version.cuda, torch.version.mkl, torch.version.mkldnn]).toEqual(py.slice(1, 4));
    expect([torch.backends.cudnn.is_available(), torch.backends.cudnn.version()]).toEqual(py.slice(4));
    expect(torch.version.flavour).toBe(py[1] === null ? 'cpu' : `cu${py[1].replace('.', '')}`);
    expect(torch.version.cxx11_abi).toBe(true);
    expect(existsSync(torch.version.library)).toBe(true);
    expect(path.basename(torch.version.library)).toMatch(/^libtorch_cpu\.so/);
  });
  // Headers of one LibTorch over the libraries of another once hung on the first mutex. A 2.x
  // addon is shown Debian's 1.13 libraries under its own names: it must refuse, naming both.
  const debian113 = '/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13';
  it.runIf(!torch.version.libtorch.startsWith('1.13') && existsSync(debian113))('refuses to load over a LibTorch other than the one it was built against', () => {
    const fake = mkdtempSync(path.join(tmpdir(), 'torchnode-other-libtorch-'));
    for (const lib of ['libtorch.so', 'libc10.so', 'libtorch_cpu.so']) symlinkSync(`/usr/lib/x86_64-linux-gnu/${lib}.1.13`, path.join(fake, lib));
    const addon = process.env.TORCHNODE_ADDON ?? path.join(root, 'build', 'Release', 'torchnode.node');
    const out = execFileSync(process.execPath, ['-e', `try { require(${JSON.stringify(addon)}); console.log('loaded') } catch (e) { console.log(e.message) }`],
      { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: fake }, timeout: 60_000 });
    rmSync(fake, { recursive: true });
    // A CUDA build is refused one step earlier: its libc10_cuda cannot bind to 1.13's libc10, and
    // the dynamic loader names the missing symbol before the addon's own check runs.
    const ours = `built against LibTorch ${torch.version.libtorch} but LibTorch 1.13.0 was loaded`;
    if (torch.version.flavour === 'cpu') {
      expect(out).toContain(ours);
      expect(out).toContain('npm rebuild torchnode --build-from-source');
    } else {
      expect(out).toMatch(/undefined symbol/);
    }
  });
  it('gets and sets the intra-op thread count', () => {
    const n = torch.get_num_threads();
    torch.set_num_threads(2);
    expect(torch.get_num_threads()).toBe(2);
    torch.set_num_threads(n);
    expect(() => torch.set_num_threads(0)).toThrow(RangeError);
  });
  it('answers CUDA queries on any build', () => {
    expect(typeof torch.cuda.is_available()).toBe('boolean');
    expect(torch.cuda.device_count()).toBe(torch.cuda.is_available() ? torch.cuda.device_count() : 0);
  });
  it('set_default_dtype changes what float creation returns, as in PyTorch', () => {
    torch.set_default_dtype(torch.float64);
    try {
      expect(torch.zeros(1).dtype).toBe(torch.float64);
      expect(torch.tensor([0.5]).dtype).toBe(torch.float64);
      expect(torch.arange(0, 1, 0.5).dtype).toBe(torch.float64);
    } finally {
      torch.set_default_dtype(torch.float32);
    }
    expect(torch.zeros(1).dtype).toBe(torch.float32);
    expect(() => torch.set_default_dtype(torch.int64)).toThrow(TypeError);
  });
});

describe('module formats', () => {
  // The built package (dist/), as users load it.
  it('works with require() and with import', () => {
    const cjs = execFileSync(process.execPath, ['-e', "const t = require('./dist/index.js'); console.log(t.ones(2).add(1).sum().item())"], { cwd: root }).toString().trim();
    expect(cjs).toBe('4');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import * as t from 'torchnode'; console.log(t.arange(4).sum().item())"], { cwd: root }).toString().trim();
    expect(esm).toBe('6');
  });
});

describe('worker_threads', () => {
  it('each environment has its own tensor table and the main thread is unaffected', async () => {
    const before = liveTensors();
    const code = `
      const { parentPort } = require('node:worker_threads');
      const torch = require(${JSON.stringify(path.join(root, 'dist/index.js'))});
      torch.manual_seed(0);
      const x = torch.randn(3);
      parentPort.postMessage({ values: x.tolist(), live: torch.memory_stats().live_tensors });
    `;
    const result = await new Promise<{ values: number[]; live: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(result.live).toBe(1);
    torch.manual_seed(0);
    const again = torch.randn(3);
    expect(again.tolist()).toEqual(result.values);
    expect(liveTensors()).toBe(before + 1);
    again.dispose();
  });
});

describe('runtime settings and torch.backends (LibTorch their own)', () => {
  it('use_deterministic_algorithms sets LibTorch\'s flag, and the debug mode reads it back', () => {
    try {
      torch.use_deterministic_algorithms(true, { warn_only: true });
      expect([torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode()]).toEqual([true, true, 1]);
      torch.set_deterministic_debug_mode('error');
      expect(torch.get_deterministic_debug_mode()).toBe(2);
      expect(() => torch.set_deterministic_debug_mode('loud' as 'warn')).toThrow(/invalid value of debug_mode/);
    } finally {
      torch.use_deterministic_algorithms(false);
    }
    expect(torch.are_deterministic_algorithms_enabled()).toBe(false);
  });
  it('the CPU generator: manual_seed, initial_seed, get_rng_state and set_rng_state replay a sequence', () => {
    torch.manual_seed(123);
    expect(torch.initial_seed()).toBe(123);
    const state = torch.get_rng_state();
    expect(state.dtype.name).toBe('uint8');
    const a = torch.rand(4).tolist();
    torch.set_rng_state(state);
    expect(torch.rand(4).tolist()).toEqual(a);
    const s = torch.seed();
    expect(torch.initial_seed()).toBe(s);
    torch.manual_seed(0);
  });
  it('matmul precision, warn_always and interop threads round-trip', () => {
    const before = torch.get_float32_matmul_precision();
    torch.set_float32_matmul_precision('high');
    expect(torch.get_float32_matmul_precision()).toBe('high');
    torch.set_float32_matmul_precision(before);
    expect(() => torch.set_float32_matmul_precision('fast' as 'high')).toThrow(/must be 'highest', 'high' or 'medium'/);
    torch.set_warn_always(true);
    expect(torch.is_warn_always_enabled()).toBe(true);
    torch.set_warn_always(false);
    expect(torch.get_num_interop_threads()).toBeGreaterThan(0);
    expect(torch.is_inference_mode_enabled()).toBe(false);
    expect(typeof torch.set_flush_denormal(false)).toBe('boolean');
  });
  it('torch.backends reports the build and sets its flags in LibTorch', () => {
    expect(torch.backends.mps.is_available()).toBe(false);
    expect(torch.backends.mkldnn.is_available()).toBe(torch.version.mkldnn);
    expect(torch.backends.mkl.is_available()).toBe(torch.version.mkl);
    // cuDNN's availability and version are compared with PyTorch's above.
    expect(torch.backends.cuda.is_built()).toBe(torch.version.cuda !== null);
    const before = torch.backends.cudnn.benchmark;
    torch.backends.cudnn.benchmark = !before;
    expect(torch.backends.cudnn.benchmark).toBe(!before);
    torch.backends.cudnn.benchmark = before;
    torch.backends.mkldnn.enabled = false;
    expect(torch.backends.mkldnn.enabled).toBe(false);
    torch.backends.mkldnn.enabled = true;
    expect(() => { (torch.backends.cudnn as { deterministic: unknown }).deterministic = 'yes'; }).toThrow(/must be a boolean/);
  });
});
