// The optimizers, LR schedulers and gradient clipping against PyTorch
// (tests/fixtures/torch-X.Y/optim.json, written by scripts/gen_optim_fixtures.py). The fixed problem is a
// 3-4-2 tanh MLP regression written with matmul on plain Parameters, plus one parameter the loss
// never touches (it must never move). Each optimizer configuration runs 20 steps and must follow
// PyTorch's parameter trajectory at every step.
import { readFixture } from './oracle';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';

const { nn, optim } = torch;
const { lr_scheduler } = optim;

interface TensorJson {
  shape: number[];
  dtype: string;
  values: number[];
}
type Trajectory = Record<string, number[]>[];
interface Fixtures {
  problem: { params: Record<string, TensorJson>; x: TensorJson; y: TensorJson; order: string[] };
  optimizers: { optimizer: string; options: Record<string, unknown>; trajectory: Trajectory }[];
  lbfgs: { options: Record<string, unknown>; trajectory: Trajectory; losses: number[]; func_evals: number; n_iter: number }[];
  lbfgs_float64: Fixtures['lbfgs'];
  warm_restarts_fractional: { kwargs: Record<string, number>; epochs: (number | null)[]; lrs: number[][]; T_cur: number; T_i: number; last_epoch: number }[];
  param_groups: {
    sgd: { groups: Record<string, unknown>[]; trajectory: Trajectory };
    adam_add_group: { groups: Record<string, unknown>[]; trajectory: Trajectory };
  };
  state_dicts: Record<string, { options: Record<string, unknown>; state_dict: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] } }>;
  schedulers: { id: string; scheduler: string; kwargs: Record<string, unknown>; lrs: number[][]; momenta: (number | null)[][] }[];
  step_lr_state_dict: Record<string, unknown>;
  plateau: { metrics: number[]; cases: { id: string; kwargs: Record<string, unknown>; lrs: number[][]; num_bad_epochs: number; best: number; cooldown_counter: number; last_epoch: number }[] };
  clip: {
    norm: { max_norm: number; norm_type: number | 'inf'; total_norm: number; grads: Record<string, number[]> }[];
    value: { clip_value: number; grads: Record<string, number[]> };
  };
}

const fx: Fixtures = readFixture('optim.json');
const ORDER = fx.problem.order;

function fromJson(t: TensorJson): torch.Tensor {
  return torch.tensor(t.values, { dtype: torch.float32 }).reshape(t.shape);
}

type Params = Record<string, torch.nn.Parameter>;

function freshParams(): Params {
  const p: Params = {};
  for (const k of ORDER) p[k] = torch.keep(new nn.Parameter(fromJson(fx.problem.params[k])));
  return p;
}
const X = torch.keep(fromJson(fx.problem.x));
const Y = torch.keep(fromJson(fx.problem.y));

function mlpLoss(p: Params): torch.Tensor {
  return X.matmul(p.W1).add(p.b1).tanh().matmul(p.W2).add(p.b2).sub(Y).pow(2).mean();
}

/** One training step as users write it: zero_grad, loss, backward, step, all inside tidy. */
function trainStep(opt: torch.optim.Optimizer, p: Params): void {
  torch.tidy(() => {
    opt.zero_grad();
    mlpLoss(p).backward();
    opt.step();
  });
}

function values(t: torch.Tensor): number[] {
  return Array.from(t.toTypedArray() as Float32Array, Number);
}

function expectParamsAt(p: Params, expected: Record<string, number[]>, label: string, rtol = 1e-5, atol = 1e-6): void {
  for (const k of ORDER) {
    const got = values(p[k]);
    const want = expected[k];
    got.forEach((v, i) => {
      if (!(Math.abs(v - want[i]) <= atol + rtol * Math.abs(want[i]))) {
        throw new Error(`${label}: ${k}[${i}] = ${v}, PyTorch has ${want[i]}`);
      }
    });
  }
}

function expectLrs(got: number[], want: number[], label: string, rtol = 1e-12): void {
  expect(got.length, label).toBe(want.length);
  got.forEach((v, i) => {
    if (!(Math.abs(v - want[i]) <= rtol * Math.abs(want[i]) + 1e-300)) throw new Error(`${label}: lr[${i}] = ${v}, PyTorch has ${want[i]}`);
  });
}

type OptimizerClass = new (params: torch.optim.ParamsInput, options?: Record<string, unknown>) => torch.optim.Optimizer;
const OPTIMIZERS = optim as unknown as Record<string, OptimizerClass>;

describe('optimizers follow PyTorch trajectories for 20 steps', () => {
  for (const c of fx.optimizers) {
    it(`${c.optimizer} ${JSON.stringify(c.options)}`, () => {
      const p = freshParams();
      const opt = new OPTIMIZERS[c.optimizer](ORDER.map((k) => p[k]), c.options);
      c.trajectory.forEach((expected, step) => {
        trainStep(opt, p);
        expectParamsAt(p, expected, `step ${step + 1}`);
      });
      // The unused parameter never had a gradient: no state (Adagrad makes its state up front, as
      // PyTorch does, but never steps it), and no movement (checked in the trajectory).
      if (c.optimizer === 'Adagrad') expect(opt.state.get(p.unused)!.step.item()).toBe(0);
      else expect(opt.state.has(p.unused)).toBe(false);
    });
  }

  it('a step leaves no tensors behind beyond the optimizer state', () => {
    const p = freshParams();
    const opt = new optim.Adam(ORDER.map((k) => p[k]), { lr: 0.01, amsgrad: true });
    trainStep(opt, p);
    const before = torch.memory_stats().live_tensors;
    for (let i = 0; i < 50; i++) trainStep(opt, p);
    // Grads are replaced each step (set_to_none), state updated in place: the count does not grow
    // (the GC may meanwhile free older garbage, so it can only go down).
    expect(torch.memory_stats().live_tensors).toBeLessThanOrEqual(before);
  });

  it('step(closure) re-evaluates the loss and returns it', () => {
    const p = freshParams();
    const opt = new optim.SGD(ORDER.map((k) => p[k]), { lr: 0.1 });
    const loss = torch.tidy(() => opt.step(() => {
      opt.zero_grad();
      const l = mlpLoss(p);
      l.backward();
      return l;
    }) as torch.Tensor);
    expect(loss).toBeInstanceOf(torch.Tensor);
    expectParamsAt(p, fx.optimizers.find((c) => c.optimizer === 'SGD')!.trajectory[0], 'closure step');
  });
});

describe('param groups', () => {
  it('groups with their own lrs follow PyTorch (SGD with momentum)', () => {
    const p = freshParams();
    const opt = new optim.SGD([{ params: [p.W1, p.b1], lr: 0.2 }, { params: [p.W2, p.b2] }], { lr: 0.05, momentum: 0.9 });
    const { groups, trajectory } = fx.param_groups.sgd;
    opt.param_groups.forEach((g, i) => {
      for (const [k, v] of Object.entries(groups[i])) if (k in g) expect(g[k as keyof typeof g], k).toEqual(v);
    });
    trajectory.forEach((expected, step) => {
      trainStep(opt, p);
      expectParamsAt(p, expected, `step ${step + 1}`);
    });
  });

  it('add_param_group mid-training follows PyTorch (Adam)', () => {
    const p = freshParams();
    const opt = new optim.Adam([{ params: [p.W1, p.b1], lr: 0.02 }, { params: [p.W2] }], { lr: 0.01 });
    const { groups, trajectory } = fx.param_groups.adam_add_group;
    trajectory.forEach((expected, step) => {
      if (step === 10) opt.add_param_group({ params: p.b2, lr: 0.05, betas: [0.5, 0.9] });
      trainStep(opt, p);
      expectParamsAt(p, expected, `step ${step + 1}`);
    });
    expect(opt.param_groups.length).toBe(3);
    opt.param_groups.forEach((g, i) => {
      for (const [k, v] of Object.entries(groups[i])) if (k in g) expect(g[k as keyof typeof g], k).toEqual(v);
    });
  });

  it('fill defaults into each group and reject overlapping groups', () => {
    const p = freshParams();
    const opt = new optim.RMSprop([{ params: [p.W1] }, { params: [p.b1], alpha: 0.5 }], { lr: 0.1 });
    expect(opt.param_groups[0]).toMatchObject({ lr: 0.1, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: false });
    expect(opt.param_groups[1].alpha).toBe(0.5);
    expect(() => opt.add_param_group({ params: [p.W1] })).toThrow('some parameters appear in more than one parameter group');
  });
});

describe('optimizer state_dict', () => {
  for (const [name, { options, state_dict: expected }] of Object.entries(fx.state_dicts)) {
    it(`${name}: same structure and values as PyTorch after 3 steps`, () => {
      const p = freshParams();
      const opt = new OPTIMIZERS[name](ORDER.map((k) => p[k]), options);
      for (let i = 0; i < 3; i++) trainStep(opt, p);
      const sd = opt.state_dict();
      expect(Object.keys(sd.state).sort()).toEqual(Object.keys(expected.state).sort());
      for (const [idx, entry] of Object.entries(expected.state)) {
        const ours = sd.state[Number(idx)];
        expect(Object.keys(ours).sort(), `state ${idx}`).toEqual(Object.keys(entry).sort());
        for (const [k, v] of Object.entries(entry)) {
          if (v !== null && typeof v === 'object') {
            const t = v as TensorJson;
            const got = ours[k] as torch.Tensor;
            expect(got.shape, `${idx}.${k}`).toEqual(t.shape);
            expect(got.dtype.name, `${idx}.${k}`).toBe(t.dtype);
            values(got).forEach((x, i) => expect(Math.abs(x - t.values[i]), `${idx}.${k}[${i}]`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(t.values[i])));
          } else {
            expect(ours[k], `${idx}.${k}`).toEqual(v);
          }
        }
      }
      // Every option we keep is PyTorch's, with PyTorch's value; params are renumbered indices.
      expect(sd.param_groups.length).toBe(expected.param_groups.length);
      sd.param_groups.forEach((g, i) => {
        for (const [k, v] of Object.entries(g)) {
          expect(k in expected.param_groups[i], `unexpected option ${k}`).toBe(true);
          expect(v, k).toEqual(expected.param_groups[i][k]);
        }
      });
    });
  }

  for (const [name, options] of [['Adam', { lr: 0.01, amsgrad: true }], ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }],
    ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }], ['Adagrad', { lr: 0.1, lr_decay: 0.01 }], ['AdamW', { lr: 0.01 }],
    // The foreach paths read the same state (1.13's number steps included).
    ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5, foreach: true }], ['Rprop', { lr: 0.01, foreach: true }],
    ['NAdam', { lr: 0.01, foreach: true }], ['ASGD', { lr: 0.01, t0: 3, foreach: true }],
    ['Adagrad', { lr: 0.1, lr_decay: 0.01, foreach: true }]] as const) {
    it(`${name}${'foreach' in options ? ' (foreach)' : ''}: a state_dict round trip continues identically`, () => {
      const a = freshParams();
      const optA = new OPTIMIZERS[name](ORDER.map((k) => a[k]), options);
      for (let i = 0; i < 10; i++) trainStep(optA, a);

      // A second model with the same weights and a fresh optimizer given A's state.
      const b = freshParams();
      torch.no_grad(() => ORDER.forEach((k) => b[k].copy_(a[k])));
      const optB = new OPTIMIZERS[name](ORDER.map((k) => b[k]), { lr: 123 });
      optB.load_state_dict(optA.state_dict());
      expect(optB.param_groups[0].lr).toBe(options.lr);
      // Loaded state is a copy: it must not alias A's tensors.
      const stateA = optA.state.get(a.W1)!;
      const stateB = optB.state.get(b.W1)!;
      for (const k of Object.keys(stateA)) {
        // Identity by ===: vitest's toBe would deep-compare on failure paths, iterating the tensors
        // (a 0-dim step tensor cannot be iterated, as in Python).
        if (stateA[k] instanceof torch.Tensor) expect(stateB[k] === stateA[k], `state '${k}' aliased`).toBe(false);
      }
      for (let i = 0; i < 10; i++) {
        trainStep(optA, a);
        trainStep(optB, b);
        for (const k of ORDER) expect(values(b[k]), `${k} after ${i + 1} resumed steps`).toEqual(values(a[k]));
      }
    });
  }

  it('rejects a state dict for a different set of groups', () => {
    const p = freshParams();
    const opt = new optim.SGD([p.W1, p.b1], { lr: 0.1 });
    const other = new optim.SGD([{ params: [p.W1] }, { params: [p.b1] }], { lr: 0.1 });
    expect(() => opt.load_state_dict(other.state_dict())).toThrow('loaded state dict has a different number of parameter groups');
    const bigger = new optim.SGD([p.W1, p.b1, p.W2], { lr: 0.1 });
    expect(() => opt.load_state_dict(bigger.state_dict())).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  });
});

describe('zero_grad', () => {
  it('sets grads to null by default and to zeros with set_to_none = false', () => {
    const p = freshParams();
    const opt = new optim.SGD(ORDER.map((k) => p[k]), { lr: 0.1 });
    torch.tidy(() => mlpLoss(p).backward());
    opt.zero_grad(false);
    expect(values(p.W1.grad!)).toEqual(new Array(12).fill(0));
    expect(p.unused.grad).toBeNull();
    opt.zero_grad();
    expect(p.W1.grad).toBeNull();
  });
});

describe('optimizer argument errors are PyTorch\'s', () => {
  const p = [new nn.Parameter(torch.zeros([2]))];
  it.each([
    [() => new optim.SGD(p, { lr: -0.1 }), 'Invalid learning rate: -0.1'],
    [() => new optim.SGD(p, { lr: 0.1, momentum: -1 }), 'Invalid momentum value: -1'],
    [() => new optim.SGD(p, { lr: 0.1, nesterov: true }), 'Nesterov momentum requires a momentum and zero dampening'],
    [() => new optim.SGD(p), "parameter group didn't specify a value of required optimization parameter lr"],
    [() => new optim.Adam(p, { betas: [1.0, 0.999] }), 'Invalid beta parameter at index 0: 1'],
    [() => new optim.Adam(p, { betas: [0.9, -0.1] }), 'Invalid beta parameter at index 1: -0.1'],
    [() => new optim.Adam(p, { eps: -1e-8 }), 'Invalid epsilon value: -1e-08'], // Python's str(-1e-8),
    [() => new optim.AdamW(p, { weight_decay: -0.5 }), 'Invalid weight_decay value: -0.5'],
    [() => new optim.RMSprop(p, { alpha: -0.5 }), 'Invalid alpha value: -0.5'],
    [() => new optim.Adagrad(p, { lr_decay: -1 }), 'Invalid lr_decay value: -1'],
    [() => new optim.Adagrad(p, { initial_accumulator_value: -1 }), 'Invalid initial_accumulator_value value: -1'],
    [() => new optim.SGD([], { lr: 0.1 }), 'optimizer got an empty parameter list'],
    [() => new optim.SGD(p[0] as unknown as torch.Tensor[], { lr: 0.1 }), 'params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor'],
    [() => new optim.SGD([1, 2] as unknown as torch.Tensor[], { lr: 0.1 }), 'optimizer can only optimize Tensors, but one of the params is int'],
    [() => new optim.SGD([p[0].mul(2)], { lr: 0.1 }), "can't optimize a non-leaf Tensor"],
    [() => new optim.Adam(p, { learning_rate: 0.1 } as never), "Adam() got an unexpected keyword argument 'learning_rate'"],
  ])('%#', (make, message) => {
    expect(make).toThrow(message as string);
  });

  it('prints param groups like PyTorch', () => {
    const opt = new optim.SGD(p, { lr: 0.1, momentum: 0.9 });
    expect(opt.toString()).toBe('SGD (\nParameter Group 0\n    dampening: 0\n    foreach: None\n    lr: 0.1\n    maximize: False\n' +
      '    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)');
  });
});

// ---- schedulers ---------------------------------------------------------------------------------

function oneParam(): torch.Tensor[] {
  return [new nn.Parameter(torch.zeros([2]))];
}
function sgd(lr = 0.1, extra: Record<string, unknown> = {}): torch.optim.Optimizer {
  return new optim.SGD(oneParam(), { lr, ...extra });
}
function sgdTwoGroups(momentum?: number): torch.optim.Optimizer {
  return new optim.SGD([{ params: oneParam(), lr: 0.1 }, { params: oneParam(), lr: 0.01 }], { lr: 0.1, ...(momentum !== undefined ? { momentum } : {}) });
}

type Sched = { step(): void; get_last_lr(): number[] };
const SCHEDULERS: Record<string, () => { opt: torch.optim.Optimizer; sched: Sched }> = {
  step: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.StepLR(opt, 7, { gamma: 0.5 }) }; },
  step_two_groups: () => { const opt = sgdTwoGroups(); return { opt, sched: new lr_scheduler.StepLR(opt, 3) }; },
  multistep: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.MultiStepLR(opt, [5, 12, 12, 20], { gamma: 0.3 }) }; },
  exponential: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.ExponentialLR(opt, 0.9) }; },
  cosine: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.CosineAnnealingLR(opt, 10, { eta_min: 0.001 }) }; },
  cosine_7: () => { const opt = sgdTwoGroups(); return { opt, sched: new lr_scheduler.CosineAnnealingLR(opt, 7) }; },
  onecycle: () => { const opt = sgd(0.1, { momentum: 0.9 }); return { opt, sched: new lr_scheduler.OneCycleLR(opt, 1.0, { total_steps: 30 }) }; },
  onecycle_epochs: () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    return { opt, sched: new lr_scheduler.OneCycleLR(opt, 0.5, { epochs: 3, steps_per_epoch: 10, pct_start: 0.25, div_factor: 10, final_div_factor: 100 }) };
  },
  onecycle_three_phase_linear: () => {
    const opt = new optim.Adam([{ params: oneParam(), lr: 0.1 }, { params: oneParam(), lr: 0.01 }]);
    return { opt, sched: new lr_scheduler.OneCycleLR(opt, [0.4, 0.04], { total_steps: 30, three_phase: true, anneal_strategy: 'linear' }) };
  },
  onecycle_three_phase_cos: () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    return { opt, sched: new lr_scheduler.OneCycleLR(opt, 0.3, { total_steps: 35, three_phase: true, base_momentum: 0.8, max_momentum: 0.9 }) };
  },
  onecycle_no_momentum: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.OneCycleLR(opt, 0.3, { total_steps: 30, cycle_momentum: false }) }; },
  constant: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.ConstantLR(opt) }; },
  constant_two_groups: () => { const opt = sgdTwoGroups(); return { opt, sched: new lr_scheduler.ConstantLR(opt, { factor: 0.5, total_iters: 8 }) }; },
  linear: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.LinearLR(opt) }; },
  linear_decay: () => {
    const opt = sgdTwoGroups();
    return { opt, sched: new lr_scheduler.LinearLR(opt, { start_factor: 1.0, end_factor: 0.1, total_iters: 12 }) };
  },
  polynomial: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.PolynomialLR(opt) }; },
  polynomial_pow: () => { const opt = sgdTwoGroups(); return { opt, sched: new lr_scheduler.PolynomialLR(opt, { total_iters: 20, power: 2.0 }) }; },
  cyclic_triangular: () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    return { opt, sched: new lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 4 }) };
  },
  cyclic_triangular2: () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    return { opt, sched: new lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 3, step_size_down: 5, mode: 'triangular2' }) };
  },
  cyclic_exp_range: () => {
    const opt = sgdTwoGroups(0.9);
    return {
      opt,
      sched: new lr_scheduler.CyclicLR(opt, [0.01, 0.001], [0.1, 0.01], { step_size_up: 5, mode: 'exp_range', gamma: 0.95, base_momentum: 0.7, max_momentum: 0.95 }),
    };
  },
  cyclic_no_momentum: () => {
    const opt = sgd();
    return { opt, sched: new lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 4, cycle_momentum: false }) };
  },
  cyclic_adam_beta1: () => {
    const opt = new optim.Adam([{ params: oneParam(), lr: 0.1 }, { params: oneParam(), lr: 0.01 }]);
    return { opt, sched: new lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 4 }) };
  },
  warm_restarts: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.CosineAnnealingWarmRestarts(opt, 5) }; },
  warm_restarts_mult: () => {
    const opt = sgdTwoGroups();
    return { opt, sched: new lr_scheduler.CosineAnnealingWarmRestarts(opt, 3, { T_mult: 2, eta_min: 0.001 }) };
  },
  // The generator's build_special cases.
  cyclic_scale_fn: () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    return { opt, sched: new lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 3, scale_fn: (x: number) => 0.9 ** x, scale_mode: 'iterations' }) };
  },
  sequential: () => {
    const opt = sgd();
    const S = lr_scheduler;
    return { opt, sched: new S.SequentialLR(opt, [new S.LinearLR(opt, { start_factor: 0.1, total_iters: 4 }), new S.ExponentialLR(opt, 0.9)], [5]) };
  },
  sequential_three: () => {
    const opt = sgdTwoGroups();
    const S = lr_scheduler;
    return {
      opt,
      sched: new S.SequentialLR(opt, [new S.ConstantLR(opt, { factor: 0.5, total_iters: 3 }), new S.StepLR(opt, 4, { gamma: 0.5 }),
        new S.CosineAnnealingLR(opt, 6)], [6, 15]),
    };
  },
  chained: () => {
    const opt = sgd();
    const S = lr_scheduler;
    return { opt, sched: new S.ChainedScheduler([new S.ConstantLR(opt, { factor: 0.1, total_iters: 2 }), new S.ExponentialLR(opt, 0.9)]) };
  },
  chained_linear_step: () => {
    const opt = sgdTwoGroups();
    const S = lr_scheduler;
    return { opt, sched: new S.ChainedScheduler([new S.LinearLR(opt, { start_factor: 0.2, total_iters: 5 }), new S.StepLR(opt, 7, { gamma: 0.3 })]) };
  },
  // The same functions as the fixture generator's Python lambdas.
  lambda_pow: () => { const opt = sgd(); return { opt, sched: new lr_scheduler.LambdaLR(opt, (e) => 0.95 ** e) }; },
  lambda_two: () => {
    const opt = sgdTwoGroups();
    return { opt, sched: new lr_scheduler.LambdaLR(opt, [(e) => 1.0 / (e + 1), (e) => Math.floor(e / 5) + 1]) };
  },
};

function momentaOf(opt: torch.optim.Optimizer): (number | null)[] {
  return opt.param_groups.map((g) => (g.momentum !== undefined ? g.momentum : g.betas ? g.betas[0] : null));
}

describe('lr schedulers give PyTorch\'s lr sequence over 30 steps', () => {
  for (const c of fx.schedulers) {
    it(`${c.id} (${c.scheduler})`, () => {
      const make = SCHEDULERS[c.id];
      expect(make, `no scheduler set up for ${c.id}`).toBeDefined();
      const { opt, sched } = make();
      expectLrs(sched.get_last_lr(), c.lrs[0], 'initial');
      for (let i = 1; i < c.lrs.length; i++) {
        opt.step();
        sched.step();
        expectLrs(sched.get_last_lr(), c.lrs[i], `step ${i}`);
        expectLrs(opt.param_groups.map((g) => g.lr), c.lrs[i], `group lr, step ${i}`);
        const m = momentaOf(opt);
        c.momenta[i].forEach((want, j) => {
          if (want === null) expect(m[j]).toBeNull();
          else expectLrs([m[j] as number], [want], `momentum step ${i}`);
        });
      }
    });
  }

  it('OneCycleLR raises after total_steps, with PyTorch\'s message', () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    const sched = new lr_scheduler.OneCycleLR(opt, 1.0, { total_steps: 3 });
    for (let i = 0; i < 3; i++) sched.step();
    expect(() => sched.step()).toThrow('Tried to step 5 times. The specified number of total steps is 3');
  });

  it('state_dict holds PyTorch\'s fields (StepLR after 6 steps)', () => {
    const opt = sgd();
    const sched = new lr_scheduler.StepLR(opt, 4, { gamma: 0.5 });
    for (let i = 0; i < 6; i++) {
      opt.step();
      sched.step();
    }
    expect(sched.state_dict()).toEqual(fx.step_lr_state_dict);
  });

  it('load_state_dict resumes the schedule', () => {
    const optA = sgd();
    const a = new lr_scheduler.CosineAnnealingLR(optA, 10, { eta_min: 0.001 });
    for (let i = 0; i < 5; i++) a.step();
    const optB = sgd();
    optB.load_state_dict(optA.state_dict());
    const b = new lr_scheduler.CosineAnnealingLR(optB, 10, { eta_min: 0.001, last_epoch: 4 });
    b.load_state_dict(a.state_dict());
    for (let i = 0; i < 10; i++) {
      a.step();
      b.step();
      expect(b.get_last_lr()).toEqual(a.get_last_lr());
    }
    expectLrs(a.get_last_lr(), fx.schedulers.find((c) => c.id === 'cosine')!.lrs[15], 'after 15 steps');
  });

  it('errors are PyTorch\'s', () => {
    expect(() => new lr_scheduler.StepLR({} as torch.optim.Optimizer, 3)).toThrow('Object is not an Optimizer');
    expect(() => new lr_scheduler.StepLR(sgd(), 3, { last_epoch: 5 })).toThrow(
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
    expect(() => new lr_scheduler.LambdaLR(sgdTwoGroups(), [(e: number) => e])).toThrow('Expected 2 lr_lambdas, but got 1');
    expect(() => new lr_scheduler.OneCycleLR(sgd(), 1.0)).toThrow('You must define either total_steps OR (epochs AND steps_per_epoch)');
    expect(() => new lr_scheduler.OneCycleLR(new optim.Adagrad(oneParam()), 1.0, { total_steps: 10 })).toThrow(
      'optimizer must support momentum with `cycle_momentum` option enabled');
    expect(() => new lr_scheduler.ReduceLROnPlateau(sgd(), { factor: 1.5 })).toThrow('Factor should be < 1.0.');
    expect(() => new lr_scheduler.ReduceLROnPlateau(sgd(), { mode: 'up' as 'min' })).toThrow('mode up is unknown!');
  });
});

describe('CosineAnnealingWarmRestarts with fractional and interleaved epochs', () => {
  for (const c of fx.warm_restarts_fractional) {
    it(JSON.stringify(c.kwargs), () => {
      const opt = sgd();
      const { T_0, ...rest } = c.kwargs;
      const sched = new lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, rest);
      c.epochs.forEach((e, i) => {
        if (e === null) sched.step();
        else sched.step(e);
        expectLrs(sched.get_last_lr(), c.lrs[i], `step ${i} (epoch ${e})`);
      });
      expect(sched.T_cur).toBeCloseTo(c.T_cur, 12);
      expect(sched.T_i).toBe(c.T_i);
      expect(sched.last_epoch).toBe(c.last_epoch);
    });
  }
});

describe('new scheduler errors are PyTorch\'s', () => {
  it.each([
    [() => new lr_scheduler.ConstantLR(sgd(), { factor: 1.5 }), 'Constant multiplicative factor expected to be between 0 and 1.'],
    [() => new lr_scheduler.LinearLR(sgd(), { end_factor: -0.5 }), 'Ending multiplicative factor expected to be between 0 and 1.'],
    [() => new lr_scheduler.CyclicLR(sgd(), 0.01, 0.1, { mode: 'zigzag' as 'triangular' }), 'mode is invalid and scale_fn is None'],
    [() => new lr_scheduler.CosineAnnealingWarmRestarts(sgd(), 0), 'Expected positive integer T_0, but got 0'],
    [() => new lr_scheduler.CosineAnnealingWarmRestarts(sgd(), 3, { T_mult: 0 }), 'Expected integer T_mult >= 1, but got 0'],
    [() => new lr_scheduler.SequentialLR(sgd(), [new lr_scheduler.ConstantLR(sgd())], [3]), 'expects all schedulers to belong to the same optimizer'],
    [() => { const o = sgd(); return new lr_scheduler.SequentialLR(o, [new lr_scheduler.ConstantLR(o)], [3]); },
      'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1'],
  ])('%#', (make, message) => {
    expect(make).toThrow(message as string);
  });

  it('CosineAnnealingWarmRestarts refuses a negative epoch', () => {
    const s = new lr_scheduler.CosineAnnealingWarmRestarts(sgd(), 3);
    expect(() => s.step(-1)).toThrow('Expected non-negative epoch, but got -1');
  });
});

describe('LBFGS follows PyTorch (closure-driven, with and without strong Wolfe)', () => {
  for (const c of fx.lbfgs) {
    it(JSON.stringify(c.options), () => {
      const p = freshParams();
      const opt = new optim.LBFGS(ORDER.map((k) => p[k]), c.options);
      const closure = () => {
        opt.zero_grad();
        const loss = mlpLoss(p);
        loss.backward();
        return loss;
      };
      c.trajectory.forEach((expected, step) => {
        const loss = torch.tidy(() => (opt.step(closure) as torch.Tensor).item() as number);
        expect(Math.abs(loss - c.losses[step]), `loss at step ${step + 1}`).toBeLessThanOrEqual(1e-5 * Math.abs(c.losses[step]) + 1e-7);
        expectParamsAt(p, expected, `step ${step + 1}`, 1e-4, 1e-5);
      });
      const st = opt.state.get(p.W1)!;
      expect(st.func_evals).toBe(c.func_evals);
      expect(st.n_iter).toBe(c.n_iter);
    });
  }

  it('needs a closure, one param group, and keeps a bounded number of tensors', () => {
    const p = freshParams();
    const opt = new optim.LBFGS(ORDER.map((k) => p[k]), { history_size: 2, max_iter: 3 });
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => new optim.LBFGS([{ params: [p.W1] }, { params: [p.b1] }])).toThrow("LBFGS doesn't support per-parameter options (parameter groups)");
    const closure = () => {
      opt.zero_grad();
      const loss = mlpLoss(p);
      loss.backward();
      return loss;
    };
    torch.tidy(() => { opt.step(closure); });
    torch.tidy(() => { opt.step(closure); });
    const before = torch.memory_stats().live_tensors;
    for (let i = 0; i < 5; i++) torch.tidy(() => { opt.step(closure); });
    expect(torch.memory_stats().live_tensors).toBeLessThanOrEqual(before);
  });

  // In float64 PyTorch's 0-dim tensor scalars (ys, ro, H_diag, al, the first step length, the
  // line search's) are float64 tensors: nothing rounds to float32, and the run matches bit for bit.
  for (const c of fx.lbfgs_float64) {
    it(`in float64, bit for bit: ${JSON.stringify(c.options)}`, () => {
      const p: Params = {};
      for (const k of ORDER) p[k] = torch.keep(new nn.Parameter(fromJson(fx.problem.params[k]).double()));
      const [x, y] = [X.double(), Y.double()];
      const opt = new optim.LBFGS(ORDER.map((k) => p[k]), c.options);
      const closure = () => {
        opt.zero_grad();
        const loss = x.matmul(p.W1).add(p.b1).tanh().matmul(p.W2).add(p.b2).sub(y).pow(2).mean();
        loss.backward();
        return loss;
      };
      const losses: number[] = [];
      const trajectory: Trajectory = [];
      for (let step = 0; step < c.trajectory.length; step++) {
        losses.push(torch.tidy(() => (opt.step(closure) as torch.Tensor).item() as number));
        trajectory.push(Object.fromEntries(ORDER.map((k) => [k, p[k].detach().flatten().tolist() as number[]])));
      }
      expect(losses).toEqual(c.losses);
      expect(trajectory).toEqual(c.trajectory);
      const st = opt.state.get(p.W1)!;
      expect([st.func_evals, st.n_iter]).toEqual([c.func_evals, c.n_iter]);
    });
  }
});

describe('new optimizers validate as PyTorch does', () => {
  const p = [new nn.Parameter(torch.zeros([2]))];
  it.each([
    [() => new optim.Adadelta(p, { rho: 1.5 }), 'Invalid rho value: 1.5'],
    [() => new optim.Adadelta(p, { lr: -1 }), 'Invalid learning rate: -1'],
    [() => new optim.Adamax(p, { betas: [0.9, 1.0] }), 'Invalid beta parameter at index 1: 1.0'],
    [() => new optim.NAdam(p, { momentum_decay: -0.1 }), 'Invalid momentum_decay value: -0.1'],
    [() => new optim.RAdam(p, { eps: -1 }), 'Invalid epsilon value: -1'],
    [() => new optim.ASGD(p, { weight_decay: -1 }), 'Invalid weight_decay value: -1'],
    [() => new optim.Rprop(p, { etas: [1.5, 1.2] }), 'Invalid eta values: 1.5, 1.2'],
  ])('%#', (make, message) => {
    expect(make).toThrow(message as string);
  });

  it('NAdam and RAdam take decoupled_weight_decay and maximize only where PyTorch does (2.x)', () => {
    const make = () => new optim.NAdam(p, { decoupled_weight_decay: true });
    const makeR = () => new optim.RAdam(p, { maximize: true });
    if (torch.version.libtorch.startsWith('1.')) {
      expect(make).toThrow("NAdam() got an unexpected keyword argument 'decoupled_weight_decay'");
      expect(makeR).toThrow("RAdam() got an unexpected keyword argument 'maximize'");
    } else {
      expect(make().param_groups[0].decoupled_weight_decay).toBe(true);
      expect(makeR().param_groups[0].maximize).toBe(true);
    }
  });

  it('foreach: null stays on the single-tensor path on the CPU, as PyTorch picks it', () => {
    const q = freshParams();
    const opt = new optim.Adam(ORDER.map((k) => q[k]), { lr: 0.01 });
    expect(opt.param_groups[0].foreach).toBeNull();
    trainStep(opt, q);
    expectParamsAt(q, fx.optimizers.find((c) => c.optimizer === 'Adam' && JSON.stringify(c.options) === '{"lr":0.01}')!.trajectory[0], 'step 1');
  });
});

describe('ReduceLROnPlateau', () => {
  const PLATEAU: Record<string, () => torch.optim.Optimizer> = {
    plateau_min_rel: () => sgd(1.0),
    plateau_default: () => sgd(1.0),
    plateau_max_abs: () => sgdTwoGroups(),
  };
  for (const c of fx.plateau.cases) {
    it(`${c.id}: lrs over a fixed metric sequence equal PyTorch's`, () => {
      const opt = PLATEAU[c.id]();
      const sched = new lr_scheduler.ReduceLROnPlateau(opt, c.kwargs);
      fx.plateau.metrics.forEach((m, i) => {
        // Metrics may be tensors, as in PyTorch (float(metrics)).
        sched.step(i % 2 === 0 ? m : torch.tensor(m, { dtype: torch.float64 }));
        expectLrs(opt.param_groups.map((g) => g.lr), c.lrs[i], `epoch ${i + 1}`);
      });
      expect(sched.num_bad_epochs).toBe(c.num_bad_epochs);
      expect(sched.best).toBe(c.best);
      expect(sched.cooldown_counter).toBe(c.cooldown_counter);
      expect(sched.last_epoch).toBe(c.last_epoch);
      expect(sched.get_last_lr()).toEqual(c.lrs[c.lrs.length - 1]);
    });
  }
});

// ---- gradient clipping --------------------------------------------------------------------------

describe('clip_grad_norm_ and clip_grad_value_', () => {
  function gradsAfterBackward(): Params {
    const p = freshParams();
    torch.tidy(() => mlpLoss(p).backward());
    return p;
  }
  for (const c of fx.clip.norm) {
    it(`max_norm ${c.max_norm}, norm_type ${c.norm_type}`, () => {
      const p = gradsAfterBackward();
      const normType = c.norm_type === 'inf' ? Infinity : c.norm_type;
      const total = nn.utils.clip_grad_norm_(ORDER.map((k) => p[k]), c.max_norm, { norm_type: normType });
      expect(total.dtype).toBe(torch.float32);
      expect(Math.abs((total.item() as number) - c.total_norm)).toBeLessThanOrEqual(1e-6 * c.total_norm);
      expect(p.unused.grad).toBeNull();
      for (const [k, want] of Object.entries(c.grads)) {
        values(p[k].grad!).forEach((v, i) => {
          if (!(Math.abs(v - want[i]) <= 1e-7 + 1e-5 * Math.abs(want[i]))) throw new Error(`${k}.grad[${i}] = ${v}, PyTorch has ${want[i]}`);
        });
      }
    });
  }

  it("accepts 'inf' as the norm type and a single tensor", () => {
    const p = gradsAfterBackward();
    const fromString = nn.utils.clip_grad_norm_(p.W1, 1e9, { norm_type: 'inf' });
    expect(fromString.item()).toBe(values(p.W1.grad!.abs().max() as torch.Tensor)[0]);
  });

  it('returns 0 when no parameter has a gradient, and raises on a non-finite norm when asked', () => {
    const q = new nn.Parameter(torch.zeros([2]));
    expect(nn.utils.clip_grad_norm_([q], 1.0).item()).toBe(0);
    q.grad = torch.tensor([Infinity, 1.0]);
    expect(() => nn.utils.clip_grad_norm_([q], 1.0, { error_if_nonfinite: true })).toThrow(
      'The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped.');
  });

  it('clip_grad_value_ clamps like PyTorch', () => {
    const p = gradsAfterBackward();
    nn.utils.clip_grad_value_(ORDER.map((k) => p[k]), fx.clip.value.clip_value);
    for (const [k, want] of Object.entries(fx.clip.value.grads)) {
      expect(values(p[k].grad!)).toEqual(want.map((v) => Math.fround(v)));
    }
  });

  it('leaves no tensors behind', () => {
    const p = gradsAfterBackward();
    const before = torch.memory_stats().live_tensors;
    for (let i = 0; i < 20; i++) {
      const total = nn.utils.clip_grad_norm_(ORDER.map((k) => p[k]), 0.1);
      nn.utils.clip_grad_value_(ORDER.map((k) => p[k]), 0.01);
      total.dispose(); // the returned norm is the caller's
    }
    // Only the GC (freeing older garbage) can change the count meanwhile, and only downwards.
    expect(torch.memory_stats().live_tensors).toBeLessThanOrEqual(before);
  });
});

// ---- argument validation, table-driven from PyTorch --------------------------------------------

// Every optimizer × numeric option × bad value (negative, NaN, Inf, 0, a string, None, a list)
// as scripts/gen_differential.py recorded PyTorch's constructor reacting to it: accepted, or
// ValueError (RangeError here, same message) or TypeError (TypeError here).
describe('optimizer options are validated as PyTorch validates them', () => {
  interface OptimCase { optimizer: string; kwargs: Record<string, unknown>; ok?: boolean; error?: { type: string; message: string } }
  const cases: OptimCase[] = readFixture('differential.json').optim;
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v !== null && typeof v === 'object' && '$f' in v) return ({ nan: NaN, inf: Infinity, '-inf': -Infinity } as Record<string, number>)[(v as { $f: string }).$f];
    return v;
  };
  const label = (c: OptimCase) => `${c.optimizer}(${Object.entries(c.kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;

  it('has the table', () => {
    expect(cases.length).toBeGreaterThan(100);
  });
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const p = [new nn.Parameter(torch.zeros([2]))];
    const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decode(v)]));
    const make = () => new (optim as unknown as Record<string, new (p: unknown, o: unknown) => unknown>)[c.optimizer](p, kwargs);
    if (c.ok) {
      expect(make).not.toThrow();
    } else if (c.error!.type === 'ValueError') {
      expect(make).toThrow(RangeError);
      expect(make).toThrow(c.error!.message);
    } else {
      expect(make).toThrow(TypeError);
    }
  });

  it('a parameter group\'s own lr must be a number (it would train into NaN)', () => {
    const p = [new nn.Parameter(torch.zeros([2]))];
    expect(() => new optim.SGD([{ params: p, lr: 'x' }], { lr: 0.1 })).toThrow(TypeError);
    expect(() => new optim.Adam([{ params: p, betas: 0.9 }])).not.toThrow(); // PyTorch checks only the defaults' ranges
    expect(() => new optim.Adam(p, { betas: null } as never)).toThrow(TypeError);
    // PyTorch accepts any dampening until step() computes 1 - dampening (a TypeError there); here at once.
    expect(() => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 'x' } as never)).toThrow(TypeError);
    const opt = new optim.SGD([{ params: p, lr: 0.5 }], { lr: 0.1 });
    expect(opt.param_groups[0].lr).toBe(0.5);
  });
});
