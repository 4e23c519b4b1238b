// torch.jit against PyTorch, live: the oracle Python scripts and traces the chapter's three
// models (scripts/jit_oracle.py), torchnode loads and runs them; torchnode traces the same
// models written in TypeScript, and the oracle loads and runs those files. Then every kind of
// value across the boundary, freezing, saving, bad files, forward_async and worker threads.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { AttentionClassifier, CNN, LSTMClassifier } from '../examples/models';
import { checkOracle, oracleEnv, oraclePython } from './oracle';
import { warningsOf } from './warnings_heard';
import { inWorker, workerCode } from './workers';

type Json = { shape: number[]; data: number[] };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-jit-'));
const script = path.join(__dirname, '..', 'scripts', 'jit_oracle.py');
let expected: Record<string, any>;

beforeAll(() => {
  checkOracle();
  execFileSync(oraclePython, [script, 'export', dir], { stdio: ['ignore', 'ignore', 'pipe'], env: oracleEnv() });
  expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fromJson = (j: Json) => torch.tensor(j.data, { dtype: torch.float32 }).reshape(j.shape);
const maxDiff = (a: torch.Tensor, b: torch.Tensor) => a.sub(b).abs().max().item() as number;
const MODELS = ['cnn', 'lstm', 'attention'] as const;

describe('files PyTorch wrote with torch.jit.save', () => {
  for (const name of MODELS) {
    for (const kind of ['scripted', 'traced']) {
      it(`${name}, ${kind}: the same outputs, state_dict keys and mode as in PyTorch`, () => {
        const m = torch.jit.load(path.join(dir, `${name}_${kind}.pt`));
        const e = expected[name];
        const y = torch.no_grad(() => m.forward(fromJson(e.input))) as torch.Tensor;
        expect(y.shape).toEqual(e.output.shape);
        expect(maxDiff(y, fromJson(e.output))).toBeLessThan(1e-6);
        expect(Object.keys(m.state_dict()).sort()).toEqual(e.state_dict);
        expect(m.training).toBe(false);
        expect(m.parameters().length).toBeGreaterThan(0);
      });
    }
  }
});

describe('values across the boundary (a scripted module with exported methods)', () => {
  let k: torch.jit.ScriptModule;
  beforeAll(() => {
    k = torch.jit.load(path.join(dir, 'kitchen.pt'));
  });

  it('lists its methods with their schemas', () => {
    expect(k.methods().map((m) => m.name).sort()).toEqual(['clamped', 'describe', 'fail', 'forward', 'grad_enabled', 'pair', 'stats']);
    expect(k.methods().find((m) => m.name === 'forward')!.schema).toBe('forward(__torch__.Kitchen self, Tensor x, int k=1) -> Tensor');
  });

  it('forward with a default, positionally, and by keyword', () => {
    const w = fromJson(expected.kitchen.weight), b = fromJson(expected.kitchen.bias);
    const x = torch.tensor([[1, 2, 3]], { dtype: torch.float32 });
    const lin = x.matmul(w.t()).add(b);
    const offset = torch.tensor([0, 1], { dtype: torch.float32 });
    expect(maxDiff(k.forward(x), lin.add(offset))).toBeLessThan(1e-6);
    expect(maxDiff(k.forward(x, 2), lin.mul(2).add(offset))).toBeLessThan(1e-6);
    expect(maxDiff(k.forward(x, { k: 3 }), lin.mul(3).add(offset))).toBeLessThan(1e-6);
  });

  it('optional tensors, tuples, lists, dicts, strings, booleans and None', () => {
    const [a, flag] = k.run_method('pair', torch.ones(2));
    expect([a.tolist(), flag]).toEqual([[2.5, 2.5], 0]);
    const [s, one] = k.run_method('pair', torch.ones(2), torch.ones(2));
    expect([s.tolist(), one]).toEqual([[2, 2], 1]);
    const stats = k.run_method('stats', [torch.ones(2), torch.ones(3)], { a: 1.5 });
    expect(Object.fromEntries(Object.entries(stats).map(([n, t]) => [n, (t as torch.Tensor).item()]))).toEqual({ sum0: 2, sum1: 3, a: 1.5 });
    expect(k.run_method('describe', ['ab', 'cde'], true, 0.5)).toEqual(['kitchen:ab,cde', [2, 3], 2]);
    expect(k.run_method('describe', [], false, 0.5)).toEqual(['kitchen:', [], null]);
  });

  it('attributes read and written with their TorchScript types; submodules are ScriptModules', () => {
    expect([(k as any).scale, (k as any).label, (k as any).count]).toEqual([2.5, 'kitchen', 3]);
    expect((k as any).lin).toBeInstanceOf(torch.jit.ScriptModule);
    expect([...k.named_children()].map(([n]) => n)).toEqual(['lin']);
    k.setattr('count', 4);
    expect(k.getattr('count')).toBe(4);
    expect(() => k.setattr('count', 'four')).toThrow(/count: expected an integer/);
    expect(() => k.setattr('nope', 1)).toThrow(/has no attribute 'nope'/);
  });

  it('wrong arguments are TypeErrors naming the argument; a raise in TorchScript is a TorchError', () => {
    expect(() => k.forward('x')).toThrow(TypeError);
    expect(() => k.forward(torch.ones(1, 3), 1.5)).toThrow(/forward\(\) argument 'k': expected an integer/);
    expect(() => k.run_method('stats', [1, 2], {})).toThrow(/stats\(\) argument 'xs'\[0\]: Expected a Tensor/);
    expect(() => k.forward(torch.ones(1, 3), { q: 1 })).toThrow(/unexpected keyword argument 'q'/);
    expect(() => k.run_method('nope')).toThrow(/has no method 'nope'/);
    expect(() => k.run_method('fail', torch.ones(2))).toThrow(torch.TorchError);
    expect(() => k.run_method('fail', torch.ones(2))).toThrow(/the sum is positive/);
    expect(k.run_method('fail', torch.zeros(2)).tolist()).toEqual([0, 0]);
  });

  it("warnings.warn in TorchScript is a Node warning, from a method and from the worker thread of an async one", async () => {
    const k = torch.jit.load(path.join(dir, 'kitchen.pt'));
    torch.set_warn_always(true); // each time, not once per process
    let seen: { name: string; message: string }[];
    try {
      seen = await warningsOf(async () => {
        expect(k.run_method('clamped', torch.tensor([-1, 2])).tolist()).toEqual([0, 2]);
        expect(k.run_method('clamped', torch.tensor([1, 2])).tolist()).toEqual([1, 2]);
        expect((await k.run_method_async('clamped', torch.tensor([-3, 2]))).tolist()).toEqual([0, 2]);
      });
    } finally {
      torch.set_warn_always(false);
    }
    expect(seen.map((w) => `${w.name}: ${w.message}`)).toEqual(['UserWarning: clamped: the input has negative values', 'UserWarning: clamped: the input has negative values']);
  });

  it('train/eval, buffers and to(dtype)', () => {
    const m = torch.jit.load(path.join(dir, 'kitchen.pt'));
    expect(m.training).toBe(true);
    expect(m.eval().training).toBe(false);
    expect(m.buffers().map((b) => b.tolist())).toEqual([[0, 1]]);
    m.to(torch.float64);
    expect(m.parameters().map((p) => p.dtype)).toEqual([torch.float64, torch.float64]);
    expect(m.forward(torch.ones(1, 3, { dtype: torch.float64 })).dtype).toBe(torch.float64);
  });
});

describe('torch.jit.trace of the TypeScript models, opened by PyTorch', () => {
  const build = {
    cnn: () => [new CNN(), torch.randn(4, 3, 24, 24)] as const,
    lstm: () => [new LSTMClassifier(), torch.randn(4, 7, 10)] as const,
    attention: () => [new AttentionClassifier(6, 8, 2, 3, 5), torch.randn(4, 5, 6)] as const,
  };
  for (const name of MODELS) {
    it(`${name}: traced here, saved, loaded and run in PyTorch with the same outputs and keys`, () => {
      torch.manual_seed(0);
      const [model, x] = build[name]();
      model.eval();
      const eager = torch.no_grad(() => model.forward(x));
      const traced = torch.jit.trace(model, x);
      expect(traced.original_name).toBe(model.constructor.name);
      expect(maxDiff(torch.no_grad(() => traced.forward(x)), eager)).toBe(0);
      const file = path.join(dir, `ts_${name}.pt`);
      traced.save(file);
      fs.writeFileSync(path.join(dir, 'in.json'), JSON.stringify({ shape: x.shape, data: Array.from(x.flatten().toTypedArray() as Float32Array) }));
      const py = JSON.parse(execFileSync(oraclePython, [script, 'run', file, path.join(dir, 'in.json')], { encoding: 'utf8', env: oracleEnv() }));
      expect(maxDiff(fromJson(py.output), eager)).toBeLessThan(1e-6);
      expect(py.state_dict).toEqual(Object.keys(model.state_dict()).sort());
      expect(py.training).toBe(false);
    });
  }

  it('records what the inputs took; a forward that returns no tensor is refused; JS errors propagate', () => {
    class Branchy extends torch.nn.Module {
      forward(x: torch.Tensor) {
        return (x.sum().item() as number) > 0 ? x.mul(2) : x.mul(-1);
      }
    }
    const t = torch.jit.trace(new Branchy(), torch.ones(2));
    expect(t.forward(torch.full([2], -1)).tolist()).toEqual([-2, -2]); // the positive branch, as recorded
    class Bad extends torch.nn.Module {
      forward() {
        return 3;
      }
    }
    expect(() => torch.jit.trace(new Bad(), torch.ones(1))).toThrow(/only Tensors and arrays \(tuples\) of them can be traced/);
    class Throws extends torch.nn.Module {
      forward(): torch.Tensor {
        throw new RangeError('inside forward');
      }
    }
    expect(() => torch.jit.trace(new Throws(), torch.ones(1))).toThrow(RangeError);
    // the tracer was abandoned: tracing works again
    expect(torch.jit.trace(new Branchy(), torch.ones(2)).forward(torch.ones(2)).tolist()).toEqual([2, 2]);
  });

  it('tuple outputs come back as arrays', () => {
    class Two extends torch.nn.Module {
      forward(x: torch.Tensor) {
        return [x.add(1), x.mul(3)];
      }
    }
    const out = torch.jit.trace(new Two(), torch.ones(2)).forward(torch.ones(2)) as torch.Tensor[];
    expect(out.map((t) => t.tolist())).toEqual([[2, 2], [3, 3]]);
  });
});

describe('freeze and optimize_for_inference', () => {
  it('keep the outputs; freezing needs eval mode; the frozen module has its weights folded in', () => {
    torch.manual_seed(0);
    const model = new CNN();
    const x = torch.randn(2, 3, 24, 24);
    const traced = torch.jit.trace(model, x);
    expect(() => torch.jit.freeze(traced)).toThrow(/only implemented for modules in eval mode/);
    traced.eval();
    const eager = torch.no_grad(() => traced.forward(x));
    const frozen = torch.jit.freeze(traced);
    expect(frozen.parameters()).toEqual([]);
    expect(maxDiff(torch.no_grad(() => frozen.forward(x)), eager)).toBeLessThan(1e-5);
    const optimized = torch.jit.optimize_for_inference(torch.jit.trace(model.train(), x));
    expect(maxDiff(torch.no_grad(() => optimized.forward(x)), eager)).toBeLessThan(1e-5);
  });
});

describe('files', () => {
  it('save is atomic: a failed save keeps the previous file', () => {
    const m = torch.jit.load(path.join(dir, 'lstm_scripted.pt'));
    const file = path.join(dir, 'saved.pt');
    m.save(file);
    const before = fs.readFileSync(file);
    expect(torch.jit.load(file).forward(fromJson(expected.lstm.input)).shape).toEqual([4, 2]);
    const readOnly = path.join(dir, 'ro');
    fs.mkdirSync(readOnly);
    fs.copyFileSync(file, path.join(readOnly, 'saved.pt'));
    fs.chmodSync(readOnly, 0o500);
    try {
      if (process.getuid?.() !== 0) expect(() => m.save(path.join(readOnly, 'saved.pt'))).toThrow();
    } finally {
      fs.chmodSync(readOnly, 0o700);
    }
    expect(() => torch.jit.save(m, path.join(dir, 'missing-folder', 'x.pt'))).toThrow();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('bad files are TorchErrors, never a crash', () => {
    const good = fs.readFileSync(path.join(dir, 'lstm_scripted.pt'));
    const truncated = path.join(dir, 'truncated.pt');
    fs.writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
    expect(() => torch.jit.load(truncated)).toThrow(torch.TorchError);
    const notZip = path.join(dir, 'text.pt');
    fs.writeFileSync(notZip, 'not a TorchScript file');
    expect(() => torch.jit.load(notZip)).toThrow(torch.TorchError);
    const stateDict = path.join(dir, 'state_dict.pt');
    torch.save({ w: torch.ones(2) }, stateDict);
    expect(() => torch.jit.load(stateDict)).toThrow(torch.TorchError);
    expect(() => torch.jit.load(path.join(dir, 'absent.pt'))).toThrow(/absent\.pt: no such file/);
    // an operator this LibTorch lacks (as in a file from a newer PyTorch): LibTorch's own message
    expect(() => torch.jit.load(path.join(dir, 'unknown_op.pt'))).toThrow(torch.TorchError);
    expect(() => torch.jit.load(path.join(dir, 'unknown_op.pt'))).toThrow(/gt_from_the_future/);
  });
});

describe('forward_async', () => {
  it('gives what forward gives, with many calls in flight and inputs disposed meanwhile', async () => {
    const m = torch.jit.load(path.join(dir, 'cnn_traced.pt'));
    const x = fromJson(expected.cnn.input);
    const want = torch.no_grad(() => m.forward(x));
    const inputs = Array.from({ length: 12 }, () => x.clone());
    const pending = inputs.map((i) => m.forward_async(i));
    for (const i of inputs) i.dispose();
    for (const y of await Promise.all(pending)) expect(maxDiff(y, want)).toBe(0);
  });

  it("the module's parameters may not be written, nor the module changed, until it settles", async () => {
    const m = torch.jit.load(path.join(dir, 'cnn_traced.pt'));
    const pending = m.forward_async(torch.randn(64, 3, 24, 24));
    expect(() => m.train()).toThrow(/a forward_async of this module is still running/);
    expect(() => torch.no_grad(() => m.parameters()[0].add_(1))).toThrow(/in use by a pending asynchronous operation/);
    await pending;
    torch.no_grad(() => m.parameters()[0].add_(1));
    expect(m.eval().training).toBe(false);
  });

  it('rejects with the caller\'s stack, and grad mode is the caller\'s', async () => {
    const k = torch.jit.load(path.join(dir, 'kitchen.pt'));
    const err = await k.run_method_async('fail', torch.ones(2)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(torch.TorchError);
    expect((err as Error).stack).toContain('jit.test.ts');
    // TorchScript's own torch.is_grad_enabled(), run on the worker thread
    expect(await k.run_method_async('grad_enabled')).toBe(true);
    expect(await torch.no_grad(() => k.run_method_async('grad_enabled'))).toBe(false);
  });
});

describe('process exit', () => {
  it('with forward_async calls still running is a clean exit', () => {
    const tsx = path.join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const code = `
      const torch = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
      const m = torch.jit.load(${JSON.stringify(path.join(dir, 'cnn_traced.pt'))});
      const x = torch.randn(256, 3, 24, 24);
      for (let i = 0; i < 8; i++) m.forward_async(x);
      setImmediate(() => process.exit(3));`;
    for (let round = 0; round < 3; round++) {
      const r = spawnSync(process.execPath, [tsx, '-e', code], { encoding: 'utf8' });
      expect([r.status, r.signal, r.stderr.trim()]).toEqual([3, null, '']);
    }
  });
});

describe('worker threads', () => {
  it('four workers serve the same model at once, each with its own module, with the right outputs', async () => {
    const file = path.join(dir, 'cnn_traced.pt');
    const results = await Promise.all(Array.from({ length: 4 }, () => inWorker<number[]>(`
      const m = torch.jit.load(workerData.file);
      const x = torch.tensor(workerData.input.data, { dtype: torch.float32 }).reshape(workerData.input.shape);
      const ys = await Promise.all([m.forward_async(x), m.forward_async(x)]);
      return [...ys.map((y) => y.flatten().tolist()).flat(), ...torch.no_grad(() => m.forward(x)).flatten().tolist()];
    `, { file, input: expected.cnn.input })));
    const want = expected.cnn.output.data as number[];
    for (const r of results) for (let i = 0; i < r.length; i++) expect(Math.abs(r[i] - want[i % want.length])).toBeLessThan(1e-5);
  });

  it('terminating a worker in the middle of forward_async leaves this thread working', async () => {
    for (let round = 0; round < 3; round++) {
      const w = new Worker(workerCode(`
        const m = torch.jit.load(workerData.file);
        const x = torch.randn(256, 3, 24, 24);
        const pending = Array.from({ length: 8 }, () => m.forward_async(x));
        parentPort.postMessage({ started: true });
        await Promise.all(pending);
      `), { eval: true, workerData: { file: path.join(dir, 'cnn_traced.pt') } });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      expect(await w.terminate()).toBe(1);
      const m = torch.jit.load(path.join(dir, 'lstm_traced.pt'));
      expect((await m.forward_async(fromJson(expected.lstm.input))).shape).toEqual([4, 2]);
    }
  });
});
