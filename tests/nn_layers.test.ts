// The standard layers against PyTorch (tests/fixtures/torch-X.Y/nn_layers.json, written by
// scripts/gen_nn_fixtures.py): seeded initial state_dicts, forward/backward parity in float32
// and float64 (outputs, input and parameter gradients, running statistics), dropout masks for a
// seed, functional forms, reprs, and the argument errors.
import { readFixture } from './oracle';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const { nn } = torch;
const F = nn.functional;

interface TensorJson {
  shape: number[];
  dtype: string;
  values: number[];
}
interface RunJson {
  outputs: TensorJson[];
  weight: TensorJson;
  input_grads: (TensorJson | null)[];
  param_grads: Record<string, TensorJson>;
  buffers: Record<string, TensorJson>;
}
type InputSpec = number[] | { high: number; shape: number[] };
interface ModuleCase {
  id: string;
  cls: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  train?: boolean;
  repeat?: number;
  forward_seed?: number;
  seed: number;
  repr: string;
  init_state: Record<string, TensorJson>;
  state: Record<string, TensorJson>;
  inputs: TensorJson[];
  float32: RunJson;
  float64: RunJson;
}
interface FunctionalCase {
  id: string;
  fn: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  inputs: InputSpec[];
  inputs_values: TensorJson[];
  after_inputs: TensorJson[];
  outputs: TensorJson[];
}
interface Fixtures {
  modules: ModuleCase[];
  functional: FunctionalCase[];
  nested: { repr: string; state: Record<string, TensorJson>; input: TensorJson; output: TensorJson };
  conv2d_repr: string;
}

const fx: Fixtures = readFixture('nn_layers.json');

// float32 runs of the same LibTorch kernels agree to rounding; float64 to ~1e-10.
const TOL = { float32: { rtol: 1e-4, atol: 1e-5 }, float64: { rtol: 1e-10, atol: 1e-10 } };

function fromJson(t: TensorJson, dtype?: torch.DType): torch.Tensor {
  const dt = dtype ?? (t.dtype === 'int64' ? torch.int64 : t.dtype === 'float64' ? torch.float64 : torch.float32);
  const flat = dt === torch.int64 ? torch.tensor(t.values, { dtype: dt }) : torch.from_typed_array(Float64Array.from(t.values), [t.values.length]).to(dt);
  return flat.reshape(t.shape);
}

function expectClose(actual: torch.Tensor, expected: TensorJson, tol: { rtol: number; atol: number }, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.detach().to(torch.float64).toTypedArray() as Float64Array);
  let worst = -1;
  let worstErr = 0;
  got.forEach((g, i) => {
    const e = expected.values[i];
    const err = Math.abs(g - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  });
  if (worst >= 0) expect.fail(`${what}: element ${worst} is ${got[worst]}, expected ${expected.values[worst]}`);
}

function construct(c: { cls: string; args: unknown[]; kwargs?: Record<string, unknown> }): torch.nn.Module {
  const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.cls];
  const kwargs = c.kwargs ?? {};
  return Object.keys(kwargs).length ? new Cls(...c.args, kwargs) : new Cls(...c.args);
}

function stateFromJson(state: Record<string, TensorJson>): Record<string, torch.Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fromJson(v)]));
}

describe('seeded initialisation equals PyTorch', () => {
  for (const c of fx.modules.filter((m) => Object.keys(m.init_state).length > 0)) {
    it(`${c.id}: ${c.cls}`, () => {
      torch.manual_seed(c.seed);
      const sd = construct(c).state_dict();
      expect(Object.keys(sd)).toEqual(Object.keys(c.init_state));
      for (const [k, v] of Object.entries(c.init_state)) {
        expect(sd[k].dtype.toString(), k).toBe(`torch.${v.dtype}`);
        expectClose(sd[k], v, { rtol: 0, atol: 1e-6 }, k);
      }
    });
  }
});

describe('forward and backward parity', () => {
  for (const c of fx.modules) {
    for (const dtypeName of ['float32', 'float64'] as const) {
      it(`${c.id} (${dtypeName})`, () => {
        const run = c[dtypeName];
        const tol = TOL[dtypeName];
        const dtype = dtypeName === 'float64' ? torch.float64 : torch.float32;
        const m = construct(c);
        m.load_state_dict(stateFromJson(c.state));
        if (dtypeName === 'float64') m.double();
        m.train(c.train ?? true);
        const xs = c.inputs.map((x) => (x.dtype === 'int64' ? fromJson(x) : fromJson(x, dtype).requires_grad_(true)));
        for (let i = 0; i < (c.repeat ?? 1) - 1; i++) torch.no_grad(() => m.forward(...xs));
        if (c.forward_seed !== undefined) torch.manual_seed(c.forward_seed);
        const out = m.forward(...xs);
        const outs: torch.Tensor[] = Array.isArray(out) ? out : [out];
        expect(outs.length).toBe(run.outputs.length);
        outs.forEach((o, i) => {
          expect(o.dtype.toString()).toBe(`torch.${run.outputs[i].dtype}`);
          expectClose(o, run.outputs[i], tol, `output ${i}`);
        });
        if (outs[0].requires_grad) outs[0].mul(fromJson(run.weight, dtype)).sum().backward();
        xs.forEach((x, i) => {
          const g = run.input_grads[i];
          if (g === null) expect(x.is_floating_point() ? x.grad : null).toBeNull();
          else expectClose(x.grad!, g, tol, `grad of input ${i}`);
        });
        const grads = Object.fromEntries([...m.named_parameters()].filter(([, p]) => p.grad !== null).map(([k, p]) => [k, p.grad!]));
        expect(Object.keys(grads)).toEqual(Object.keys(run.param_grads));
        for (const [k, g] of Object.entries(run.param_grads)) expectClose(grads[k], g, tol, `grad of ${k}`);
        const buffers = Object.fromEntries(m.named_buffers());
        expect(Object.keys(buffers)).toEqual(Object.keys(run.buffers));
        for (const [k, b] of Object.entries(run.buffers)) expectClose(buffers[k], b, tol, `buffer ${k}`);
      });
    }
  }

  it('dropout drops a different mask for another seed, and is the identity in eval mode', () => {
    const c = fx.modules.find((m) => m.id === 'dropout_train')!;
    const x = fromJson(c.inputs[0]);
    const d = new nn.Dropout(0.3);
    torch.manual_seed(c.forward_seed! + 1);
    const other = d.forward(x).eq(0);
    torch.manual_seed(c.forward_seed!);
    const same = d.forward(x).eq(0);
    expect(same.equal(other)).toBe(false);
    expect(d.eval().forward(x).equal(x)).toBe(true);
  });
});

describe('functional forms', () => {
  for (const c of fx.functional) {
    it(`F.${c.fn}: ${c.id}`, () => {
      const xs = c.inputs_values.map((v) => fromJson(v));
      const resolve = (v: unknown) => (typeof v === 'string' && v.startsWith('$') ? xs[Number(v.slice(1))] : v);
      const args = c.args.map(resolve);
      const kwargs = Object.fromEntries(Object.entries(c.kwargs ?? {}).map(([k, v]) => [k, resolve(v)]));
      const fn = (F as unknown as Record<string, (...a: unknown[]) => torch.Tensor | torch.Tensor[]>)[c.fn];
      const out = Object.keys(kwargs).length ? fn(xs[0], ...args, kwargs) : fn(xs[0], ...args);
      const outs = Array.isArray(out) ? out : [out];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectClose(o, c.outputs[i], TOL.float32, `output ${i}`));
      // embedding with max_norm renormalises the weight rows in place, as PyTorch does.
      xs.forEach((x, i) => expectClose(x, c.after_inputs[i], TOL.float32, `input ${i} afterwards`));
    });
  }

  it('softmax takes dim positionally or as an option, and dtype', () => {
    const x = torch.randn(2, 3);
    expect(F.softmax(x, 1).equal(F.softmax(x, { dim: 1 }))).toBe(true);
    expect(F.log_softmax(x, { dim: 1, dtype: torch.float64 }).dtype).toBe(torch.float64);
  });

  it('dropout(p, training) follows the options, and training=false is the identity', () => {
    const x = torch.ones(100);
    expect(F.dropout(x, { p: 0.5, training: false }).equal(x)).toBe(true);
    const y = F.dropout(x, { p: 1 });
    expect(y.sum().item()).toBe(0);
  });
});

describe('repr', () => {
  it('Conv2d prints as in PyTorch', () => {
    expect(String(new nn.Conv2d(3, 32, 3, { padding: 1 }))).toBe(fx.conv2d_repr);
  });

  for (const c of fx.modules) {
    it(`${c.id}: ${c.repr.split('\n')[0]}`, () => {
      expect(String(construct(c))).toBe(c.repr);
    });
  }

  it('a nested Sequential: repr, seeded state_dict and eval output', () => {
    torch.manual_seed(7);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 2 * 2, 3), new nn.Dropout(0.1)), new nn.LogSoftmax({ dim: 1 }),
    );
    expect(String(net)).toBe(fx.nested.repr);
    const sd = net.state_dict();
    expect(Object.keys(sd)).toEqual(Object.keys(fx.nested.state));
    for (const [k, v] of Object.entries(fx.nested.state)) expectClose(sd[k], v, { rtol: 0, atol: 1e-6 }, k);
    net.eval();
    expectClose(net.forward(fromJson(fx.nested.input)), fx.nested.output, TOL.float32, 'output');
  });
});

describe('argument checks and lifetime', () => {
  it('raises PyTorch\'s errors for bad layer arguments', () => {
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow('in_channels must be divisible by groups');
    expect(() => new nn.Conv2d(4, 3, 3, { groups: 2 })).toThrow('out_channels must be divisible by groups');
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow("padding='same' is not supported for strided convolutions");
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 'full' as 'same' })).toThrow("Invalid padding string 'full'");
    expect(() => new nn.Conv2d(3, 4, 3, { padding_mode: 'mirror' as 'zeros' })).toThrow('padding_mode must be one of');
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { padding_mode: 'reflect' as 'zeros' })).toThrow('Only "zeros" padding mode is supported for ConvTranspose2d');
    expect(() => new nn.Dropout(1.5)).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
    expect(() => new nn.Embedding(3, 2, { padding_idx: 3 })).toThrow('Padding_idx must be within num_embeddings');
    expect(() => new nn.GroupNorm(4, 6)).toThrow('num_channels must be divisible by num_groups');
    expect(() => new nn.Linear(3, 4, { bais: false } as never)).toThrow("Linear() got an unexpected keyword argument 'bais'");
  });

  it('raises for bad inputs instead of crashing', () => {
    expect(() => new nn.BatchNorm2d(3).forward(torch.randn(2, 3, 4))).toThrow('expected 4D input (got 3D input)');
    expect(() => new nn.BatchNorm1d(3).forward(torch.randn(1, 3))).toThrow('Expected more than 1 value per channel when training');
    expect(() => new nn.Linear(3, 4).forward(torch.randn(2, 5))).toThrow(torch.TorchError);
    expect(() => new nn.Conv2d(3, 4, 3).forward(torch.randn(1, 2, 5, 5))).toThrow(torch.TorchError);
    expect(() => F.relu(null as never)).toThrow(TypeError);
  });

  it('ConvTranspose2d reaches a requested output_size', () => {
    const ct = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = torch.randn(1, 2, 4, 4);
    expect(ct.forward(x).shape).toEqual([1, 3, 7, 7]);
    expect(ct.forward(x, [8, 8]).shape).toEqual([1, 3, 8, 8]);
    expect(() => ct.forward(x, [10, 10])).toThrow('requested an output size of [10, 10], but valid sizes range from [7, 7] to [8, 8]');
  });

  it('MaxPool2d with return_indices gives [output, indices]', () => {
    const [out, indices] = new nn.MaxPool2d(2, { return_indices: true }).forward(torch.randn(1, 1, 4, 4));
    expect(out.shape).toEqual([1, 1, 2, 2]);
    expect(indices.dtype).toBe(torch.int64);
  });

  it('modules built and run inside torch.tidy keep their parameters and running statistics', () => {
    const bn = torch.tidy(() => {
      const m = new nn.BatchNorm1d(3);
      m.forward(torch.randn(4, 3));
      return m;
    });
    torch.tidy(() => bn.forward(torch.randn(4, 3)));
    expect(bn.weight!.is_disposed).toBe(false);
    expect(bn.running_mean!.is_disposed).toBe(false);
    expect(bn.num_batches_tracked!.item()).toBe(2);
    expect(bn.running_mean!.abs().sum().item()).toBeGreaterThan(0);
  });
});
