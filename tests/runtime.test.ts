// Loading, module formats, runtime information, and per-environment state (worker_threads).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { inWorker } from './workers';

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

describe('torch.set_default_device', () => {
  // Each case: a call without a device, the same call in Python, and (for a device constructor)
  // the call with an explicit device. Run with the default device 'meta'.
  const c = torch.ones(2);
  type Case = { js: () => torch.Tensor; py: string; explicit?: () => torch.Tensor };
  const constructors: Record<string, Case> = {
    tensor: { js: () => torch.tensor([1, 2]), py: 'torch.tensor([1, 2])', explicit: () => torch.tensor([1, 2], { device: 'cpu' }) },
    as_tensor: { js: () => torch.as_tensor([1.5]), py: 'torch.as_tensor([1.5])', explicit: () => torch.as_tensor([1.5], { device: 'cpu' }) },
    asarray: { js: () => torch.asarray([true]), py: 'torch.asarray([True])', explicit: () => torch.asarray([true], { device: 'cpu' }) },
    zeros: { js: () => torch.zeros(2, 3), py: 'torch.zeros(2, 3)', explicit: () => torch.zeros(2, 3, { device: 'cpu' }) },
    ones: { js: () => torch.ones([2], { dtype: torch.int32 }), py: 'torch.ones([2], dtype=torch.int32)', explicit: () => torch.ones([2], { device: 'cpu' }) },
    empty: { js: () => torch.empty(4), py: 'torch.empty(4)', explicit: () => torch.empty(4, { device: 'cpu' }) },
    rand: { js: () => torch.rand(2, 2), py: 'torch.rand(2, 2)', explicit: () => torch.rand([2], { device: 'cpu' }) },
    randn: { js: () => torch.randn(3), py: 'torch.randn(3)', explicit: () => torch.randn([3], { device: 'cpu' }) },
    randint: { js: () => torch.randint(5, [3]), py: 'torch.randint(5, (3,))', explicit: () => torch.randint(5, [3], { device: 'cpu' }) },
    full: { js: () => torch.full([2], 7), py: 'torch.full((2,), 7)', explicit: () => torch.full([2], 7, { device: 'cpu' }) },
    arange: { js: () => torch.arange(0, 1, 0.25), py: 'torch.arange(0, 1, 0.25)', explicit: () => torch.arange(3, { device: 'cpu' }) },
    linspace: { js: () => torch.linspace(0, 1, 5), py: 'torch.linspace(0, 1, 5)', explicit: () => torch.linspace(0, 1, 5, { device: 'cpu' }) },
    logspace: { js: () => torch.logspace(0, 2, 3), py: 'torch.logspace(0, 2, 3)', explicit: () => torch.logspace(0, 2, 3, { device: 'cpu' }) },
    eye: { js: () => torch.eye(2, 3), py: 'torch.eye(2, 3)', explicit: () => torch.eye(2, { device: 'cpu' }) },
    scalar_tensor: { js: () => torch.scalar_tensor(2), py: 'torch.scalar_tensor(2)', explicit: () => torch.scalar_tensor(2, { device: 'cpu' }) },
    empty_strided: { js: () => torch.empty_strided([2, 3], [1, 2]), py: 'torch.empty_strided((2, 3), (1, 2))', explicit: () => torch.empty_strided([2], [1], { device: 'cpu' }) },
    bartlett_window: { js: () => torch.bartlett_window(5), py: 'torch.bartlett_window(5)', explicit: () => torch.bartlett_window(5, { device: 'cpu' }) },
    blackman_window: { js: () => torch.blackman_window(5, false), py: 'torch.blackman_window(5, False)', explicit: () => torch.blackman_window(5, { device: 'cpu' }) },
    hamming_window: { js: () => torch.hamming_window(4, { dtype: torch.float64 }), py: 'torch.hamming_window(4, dtype=torch.float64)', explicit: () => torch.hamming_window(4, { device: 'cpu' }) },
    hann_window: { js: () => torch.hann_window(6), py: 'torch.hann_window(6)', explicit: () => torch.hann_window(6, { device: 'cpu' }) },
    kaiser_window: { js: () => torch.kaiser_window(3), py: 'torch.kaiser_window(3)', explicit: () => torch.kaiser_window(3, { device: 'cpu' }) },
    'fft.fftfreq': { js: () => torch.fft.fftfreq(4), py: 'torch.fft.fftfreq(4)', explicit: () => torch.fft.fftfreq(4, { device: 'cpu' }) },
    'fft.rfftfreq': { js: () => torch.fft.rfftfreq(5, 0.5), py: 'torch.fft.rfftfreq(5, 0.5)', explicit: () => torch.fft.rfftfreq(5, { device: 'cpu' }) },
    ...(torch.version.libtorch.startsWith('1.') ? {} : {
      empty_permuted: { js: () => torch.empty_permuted([2, 3], [1, 0]), py: 'torch.empty_permuted((2, 3), (1, 0))', explicit: () => torch.empty_permuted([2], [0], { device: 'cpu' }) },
    }),
  };
  // Device constructors LibTorch has no meta kernel for (PyTorch registers theirs in Python): made
  // on the default device they fail for it, which shows the default was applied.
  const withoutMetaKernel: Record<string, { js: () => torch.Tensor; explicit: () => torch.Tensor }> = {
    randperm: { js: () => torch.randperm(3), explicit: () => torch.randperm(3, { device: 'cpu' }) },
    tril_indices: { js: () => torch.tril_indices(3, 3), explicit: () => torch.tril_indices(3, 3, { device: 'cpu' }) },
    triu_indices: { js: () => torch.triu_indices(3, 3), explicit: () => torch.triu_indices(3, 3, { device: 'cpu' }) },
  };
  // What PyTorch leaves on the CPU (or the input's device) whatever the default.
  const unaffected: Record<string, Case> = {
    zeros_like: { js: () => torch.zeros_like(c), py: 'torch.zeros_like(c)' },
    ones_like: { js: () => torch.ones_like(c), py: 'torch.ones_like(c)' },
    full_like: { js: () => torch.full_like(c, 3), py: 'torch.full_like(c, 3)' },
    randint_like: { js: () => torch.randint_like(c, 4), py: 'torch.randint_like(c, 4)' },
    normal: { js: () => torch.normal(0, 1, [2]), py: 'torch.normal(0., 1., (2,))' },
    new_zeros: { js: () => c.new_zeros([3]), py: 'c.new_zeros(3)' },
    new_tensor: { js: () => c.new_tensor([1, 2]), py: 'c.new_tensor([1, 2])' },
    add: { js: () => c.add(1), py: 'c + 1' },
    cat: { js: () => torch.cat([c, c]), py: 'torch.cat([c, c])' },
    FloatTensor: { js: () => torch.FloatTensor(2, 3), py: 'torch.FloatTensor(2, 3)' },
    LongTensor: { js: () => torch.LongTensor([1, 2]), py: 'torch.LongTensor([1, 2])' },
    Tensor: { js: () => new torch.Tensor(2), py: 'torch.Tensor(2)' },
  };
  // A tensor given to torch.tensor, as_tensor or asarray moves to the default device.
  const moved: Record<string, Case> = {
    'tensor(t)': { js: () => torch.tensor(c), py: 'torch.tensor(c)' },
    'as_tensor(t)': { js: () => torch.as_tensor(c), py: 'torch.as_tensor(c)' },
    'asarray(t)': { js: () => torch.asarray(c), py: 'torch.asarray(c)' },
    'Linear.weight': { js: () => new torch.nn.Linear(2, 3).weight, py: 'torch.nn.Linear(2, 3).weight' },
  };
  const describeTensor = (t: torch.Tensor) => [String(t.device), t.shape, String(t.dtype)];
  const onMeta = <T>(fn: () => T): T => {
    torch.set_default_device('meta');
    try {
      return fn();
    } finally {
      torch.set_default_device(null);
    }
  };

  it('is the CPU until set; set_default_device(null) restores it', () => {
    expect(String(torch.get_default_device())).toBe('cpu');
    torch.set_default_device('meta');
    try {
      expect(torch.get_default_device()).toBeInstanceOf(torch.Device);
      expect(String(torch.get_default_device())).toBe('meta');
      expect(String(torch.zeros(2).device)).toBe('meta');
      torch.set_default_device(torch.device('meta:0'));
      expect([torch.get_default_device().type, torch.get_default_device().index]).toEqual(['meta', 0]);
      torch.set_default_device('cpu');
      expect(String(torch.get_default_device())).toBe('cpu');
      expect(torch.arange(3).tolist()).toEqual([0, 1, 2]);
    } finally {
      torch.set_default_device(null);
    }
    expect(String(torch.get_default_device())).toBe('cpu');
    expect(torch.tensor([1.5, 2]).tolist()).toEqual([1.5, 2]);
  });

  it('device constructors make their tensors on it; an explicit device wins', () => {
    const made = onMeta(() => Object.fromEntries(Object.entries(constructors).map(([name, k]) => [name, [describeTensor(k.js()), String(k.explicit!().device)]])));
    for (const [name, [[device], explicit]] of Object.entries(made)) expect([name, device, explicit]).toEqual([name, 'meta', 'cpu']);
    expect(made.zeros[0]).toEqual(['meta', [2, 3], 'torch.float32']);
    expect(made.ones[0]).toEqual(['meta', [2], 'torch.int32']);
    expect(made.tensor[0]).toEqual(['meta', [2], 'torch.int64']);
    expect(made['fft.rfftfreq'][0]).toEqual(['meta', [3], 'torch.float32']);
    onMeta(() => {
      for (const [name, k] of Object.entries(withoutMetaKernel)) {
        expect(k.js, name).toThrow(/Meta/);
        expect([name, String(k.explicit().device)]).toEqual([name, 'cpu']);
      }
      // A null device is no device, as in PyTorch.
      expect(String(torch.zeros([1], { device: null as unknown as undefined }).device)).toBe('meta');
      // out= decides the device of a function that takes it.
      expect(String(torch.randperm(3, { out: torch.empty([3], { dtype: torch.int64, device: 'cpu' }) }).device)).toBe('cpu');
    });
  });

  it('leaves *_like, normal, new_*, operations on tensors, legacy constructors and from_typed_array alone', () => {
    const devices = onMeta(() => [...Object.values(unaffected).map((k) => String(k.js().device)),
      String(torch.from_typed_array(new Float32Array([1, 2]), [2]).device)]);
    expect(devices).toEqual(new Array(Object.keys(unaffected).length + 1).fill('cpu'));
  });

  it('moves a tensor given to tensor(), as_tensor() and asarray() there, and makes nn layers on it', () => {
    onMeta(() => {
      for (const [name, k] of Object.entries(moved)) expect([name, String(k.js().device)]).toEqual([name, 'meta']);
      const bn = new torch.nn.BatchNorm1d(3);
      expect([bn.weight!, bn.running_mean!, bn.num_batches_tracked!].map(describeTensor)).toEqual([
        ['meta', [3], 'torch.float32'], ['meta', [3], 'torch.float32'], ['meta', [], 'torch.int64']]);
      const linear = new torch.nn.Linear(2, 3);
      expect([linear.weight, linear.bias!].map(describeTensor)).toEqual([['meta', [3, 2], 'torch.float32'], ['meta', [3], 'torch.float32']]);
      expect(String(new torch.nn.Linear(2, 3, { device: 'cpu' }).weight.device)).toBe('cpu');
      expect(() => torch.asarray(c, { copy: false })).toThrow(/can't alias the tensor/);
    });
  });

  it('refuses a bad device at once, with PyTorch\'s message, and keeps the one set', () => {
    onMeta(() => {
      expect(() => torch.set_default_device('gpu')).toThrow(/^Expected one of cpu, cuda, .* device type at start of device string: gpu$/);
      expect(() => torch.set_default_device('cuda:x')).toThrow(/^Invalid device string: 'cuda:x'/);
      expect(() => torch.set_default_device(3 as unknown as 'cpu')).toThrow(TypeError);
      if (!torch.cuda.is_available()) expect(() => torch.set_default_device('cuda')).toThrow(/CUDA was requested/);
      expect(String(torch.get_default_device())).toBe('meta');
    });
  });

  it('belongs to the environment that sets it (a worker has its own)', async () => {
    torch.set_default_device('meta');
    try {
      const seen = await inWorker<string[]>(`
        const before = [String(torch.get_default_device()), String(torch.zeros(1).device)];
        torch.set_default_device('cpu:1');
        return [...before, String(torch.get_default_device())];`);
      expect(seen).toEqual(['cpu', 'cpu', 'cpu:1']);
      expect(String(torch.get_default_device())).toBe('meta');
    } finally {
      torch.set_default_device(null);
    }
  });

  // PyTorch 1.13 has no set_default_device: there torchnode's PyTorch 2.x semantics are checked
  // against the values above only.
  it.runIf(!torch.version.libtorch.startsWith('1.'))('agrees with PyTorch on every case, and covers its device constructors', () => {
    checkOracle();
    const cases = { ...constructors, ...unaffected, ...moved };
    const script = `
import json, torch, warnings
from torch.utils._device import _device_constructors
warnings.simplefilter('ignore')
c = torch.ones(2)
torch.set_default_device('meta')
made = {}
for name, expr in json.loads(${JSON.stringify(JSON.stringify(Object.entries(cases).map(([n, k]) => [n, k.py])))}):
    t = eval(expr)
    made[name] = [str(t.device), list(t.shape), str(t.dtype)]
ids = {id(f) for f in _device_constructors()}
names = [prefix + n for mod, prefix in [(torch, ''), (torch.fft, 'fft.'), (torch.nested, 'nested.')] for n in dir(mod) if id(getattr(mod, n)) in ids]
print(json.dumps([made, names, str(torch.get_default_device())]))`;
    const [pyMade, pyNames, pyDefault] = JSON.parse(execFileSync(oraclePython, ['-c', script], { encoding: 'utf8', env: oracleEnv() }));
    const made = onMeta(() => Object.fromEntries(Object.entries(cases).map(([n, k]) => [n, describeTensor(k.js())])));
    expect(made).toEqual(pyMade);
    expect(pyDefault).toBe('meta');
    // Each of PyTorch's device constructors is checked above, or torchnode lacks it (empty_quantized
    // needs a quantized tensor, which torchnode cannot make).
    const lookup = (name: string) => name.split('.').reduce<any>((m, k) => m?.[k], torch);
    const unchecked = pyNames.filter((n: string) => !(n in constructors) && !(n in withoutMetaKernel) && n !== 'empty_quantized' && typeof lookup(n) === 'function');
    expect(unchecked).toEqual([]);
  });
});
