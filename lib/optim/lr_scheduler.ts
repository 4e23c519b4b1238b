// torch.optim.lr_scheduler, after torch/optim/lr_scheduler.py (PyTorch 1.13): the same formulas
// in the same floating-point order (CosineAnnealingLR's recursive form, OneCycleLR's phases),
// so learning-rate sequences equal PyTorch's. A scheduler writes group.lr of its optimizer.
import { Tensor } from '../tensor';
import { warn } from '../warnings';
import { Optimizer, ParamGroup, typename } from './optimizer';
import { params as mergeArgs } from '../args';
import { isPytorch2 } from '../pytorch_version';

const EPOCH_DEPRECATION_WARNING =
  'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. ' +
  'Please call `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, ' +
  'the closed form is used instead of the new chainable form, where available. Please open an issue if you are ' +
  'unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.';

/** Python's '{:.4e}': 1.0000e-01. */
function sci4(x: number): string {
  const [m, e] = x.toExponential(4).split('e');
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

function checkOptimizer(optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typename(optimizer)} is not an Optimizer`);
}

/**
 * The base of the epoch-based schedulers, PyTorch's `torch.optim.lr_scheduler._LRScheduler`
 * (`LRScheduler` in PyTorch 2.x). Subclasses set their own fields, then call `_initialize()`, which
 * performs PyTorch's initial step (last_epoch -1 -> 0) and so sets the first lr on the optimizer.
 *
 * Which PyTorch version is followed (1.13 or 2.x, where they differ) is decided by the LibTorch
 * torchnode runs on.
 *
 * @see https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate
 */
export abstract class _LRScheduler {
  /** The optimizer whose param groups' `lr` this scheduler writes. */
  optimizer: Optimizer;
  /** Each param group's `initial_lr` when the schedule started. */
  base_lrs: number[] = [];
  /** The index of the last epoch (or step) taken; -1 before the initial step. */
  last_epoch = -1;
  /** Whether each lr update is printed to the console (PyTorch's `verbose`). */
  verbose = false;
  /** How many times step() was called, the initial step included (PyTorch's `_step_count`). */
  _step_count = 0;
  /**
   * True while step() computes the lrs, so that get_lr() outside step() can warn.
   * @internal
   */
  _get_lr_called_within_step = false;
  /** The lrs the last step set; read them with get_last_lr(). */
  _last_lr: number[] = [];

  /** Checks that `optimizer` is an Optimizer (a TypeError otherwise) and keeps it. */
  constructor(optimizer: Optimizer) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
  }

  /**
   * Records `initial_lr` in every param group (or, resuming with last_epoch != -1, requires it),
   * sets base_lrs, last_epoch and verbose, and takes the initial step. Subclasses call it last.
   */
  protected _initialize(last_epoch: number, verbose: boolean): void {
    const groups = this.optimizer.param_groups;
    if (last_epoch === -1) {
      for (const g of groups) if (!('initial_lr' in g)) g.initial_lr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!('initial_lr' in g)) {
          throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
        }
      });
    }
    this.base_lrs = groups.map((g) => g.initial_lr as number);
    this.last_epoch = last_epoch;
    this.verbose = verbose;
    this._initial_step();
  }

  /**
   * PyTorch's `_initial_step()`: resets the optimizer's and this scheduler's step counts and takes the
   * first step (SequentialLR restarts its schedulers so).
   * @internal
   */
  _initial_step(): void {
    this.optimizer._step_count = 0;
    this._step_count = 0;
    this.step();
  }

  /**
   * PyTorch 2.x's `_update_lr(epoch)`: jumps to `epoch` (the closed form where there is one) without
   * the deprecation warning or a step count; SequentialLR uses it at a milestone.
   * @internal
   */
  _update_lr(epoch: number): void {
    this._get_lr_called_within_step = true;
    let values: number[];
    try {
      this.last_epoch = epoch;
      values = this._get_closed_form_lr() ?? this.get_lr();
    } finally {
      this._get_lr_called_within_step = false;
    }
    this.optimizer.param_groups.forEach((group, i) => {
      group.lr = values[i];
    });
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  /**
   * The lrs for `last_epoch`, computed from the groups' current lrs (PyTorch's chainable form).
   * Outside step() it warns once and suggests get_last_lr(), as PyTorch does.
   */
  abstract get_lr(): number[];

  /**
   * The lrs as a function of `last_epoch` alone, used by step(epoch); null where PyTorch has no
   * closed form (then get_lr() is used).
   */
  protected _get_closed_form_lr(): number[] | null {
    return null;
  }

  /**
   * The learning rates the last step set, one per param group.
   * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html
   */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** Warns once, as PyTorch does, when get_lr() is called outside step(). */
  protected checkGetLrCall(): void {
    if (!this._get_lr_called_within_step) {
      warn('To get the last learning rate computed by the scheduler, please use `get_last_lr()`.');
    }
  }

  /**
   * Advances one epoch and writes the new lrs to the optimizer's param groups. Call it after
   * `optimizer.step()` (the other order warns, as in PyTorch).
   *
   * Passing `epoch` is deprecated in PyTorch and warns here too: it jumps to that epoch using the
   * closed form where the scheduler has one.
   */
  step(epoch?: number): void {
    if (this._step_count === 1 && this.optimizer._step_count < 1) {
      warn('Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call ' +
        'them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in ' +
        'PyTorch skipping the first value of the learning rate schedule. See more details at ' +
        'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate');
    }
    this._step_count += 1;
    let values: number[];
    this._get_lr_called_within_step = true;
    try {
      if (epoch === undefined || epoch === null) {
        this.last_epoch += 1;
        values = this.get_lr();
      } else {
        warn(EPOCH_DEPRECATION_WARNING);
        this.last_epoch = epoch;
        values = this._get_closed_form_lr() ?? this.get_lr();
      }
    } finally {
      this._get_lr_called_within_step = false;
    }
    this.optimizer.param_groups.forEach((group, i) => {
      group.lr = values[i];
      this.print_lr(this.verbose, i, values[i], epoch);
    });
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  /**
   * Prints `Adjusting learning rate of group <group> to <lr>.` (with the epoch when given) when
   * `is_verbose` is true, in PyTorch's format.
   */
  print_lr(is_verbose: boolean, group: number, lr: number, epoch?: number): void {
    if (!is_verbose) return;
    if (epoch === undefined || epoch === null) console.log(`Adjusting learning rate of group ${group} to ${sci4(lr)}.`);
    else {
      const e = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
      console.log(`Epoch ${e}: adjusting learning rate of group ${group} to ${sci4(lr)}.`);
    }
  }

  /**
   * The scheduler's state as a plain object: every field but the optimizer (and functions), as
   * PyTorch's `state_dict()`. On PyTorch 2.x there is no `verbose` field and `_is_initial` is recorded
   * (false once the initial step is done), so the dict matches the running LibTorch's PyTorch.
   */
  state_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function' || (isPytorch2 && k === 'verbose')) continue;
      out[k] = structuredClone(v);
    }
    if (isPytorch2) out._is_initial = false;
    return out;
  }

  /** Restores fields from a dict made by state_dict() (values are deep-copied). */
  load_state_dict(state_dict: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(state_dict)) (this as Record<string, unknown>)[k] = structuredClone(v);
  }

  /** The optimizer's param groups. */
  protected groups(): ParamGroup[] {
    return this.optimizer.param_groups;
  }
}

/**
 * Python-style arguments: positional in the given order, or a trailing options object; returns
 * them by name.
 * @internal
 */
export function argsOf(name: string, args: unknown[], names: readonly string[]): Record<string, any> {
  const values = mergeArgs(name, args, names);
  const out: Record<string, any> = {};
  names.forEach((n, i) => {
    out[n] = values[i];
  });
  return out;
}

/** The trailing options every epoch-based scheduler takes (PyTorch's keyword arguments). */
export interface EpochOptions {
  /**
   * The index of the last epoch when resuming a schedule; -1 (the default) starts afresh. Resuming
   * requires `initial_lr` in every param group.
   */
  last_epoch?: number;
  /**
   * Print each lr update to the console (default false), in PyTorch 1.13's format. PyTorch 2.x
   * deprecated and then removed this argument; torchnode still honours it.
   */
  verbose?: boolean;
}

/** A function from the epoch index to a multiplicative factor of the initial lr. */
export type LrLambda = (epoch: number) => number;

/**
 * `new LambdaLR(optimizer, lr_lambda, last_epoch?, verbose?)` or with `{ last_epoch, verbose }`:
 * each group's lr is `initial_lr * lr_lambda(epoch)`; pass one function or one per param group.
 *
 * Differs from PyTorch: state_dict() stores `null` for every lambda (functions are not state; PyTorch
 * pickles callable objects' `__dict__`, which JS functions have no equivalent of).
 *
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LambdaLR.html
 */
export class LambdaLR extends _LRScheduler {
  /** One factor function per param group. */
  lr_lambdas: LrLambda[];
  /**
   * Builds the scheduler and takes the initial step; a RangeError if the number of functions is not the
   * number of param groups.
   */
  constructor(optimizer: Optimizer, lr_lambda: LrLambda | LrLambda[], ...args: (number | boolean | EpochOptions)[]) {
    super(optimizer);
    const a = argsOf('LambdaLR', args, ['last_epoch', 'verbose']);
    const n = optimizer.param_groups.length;
    if (!Array.isArray(lr_lambda)) {
      this.lr_lambdas = new Array<LrLambda>(n).fill(lr_lambda);
    } else {
      if (lr_lambda.length !== n) throw new RangeError(`Expected ${n} lr_lambdas, but got ${lr_lambda.length}`);
      this.lr_lambdas = lr_lambda.slice();
    }
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    return this.base_lrs.map((base_lr, i) => base_lr * this.lr_lambdas[i](this.last_epoch));
  }

  /** The state as in the base class, with a `null` slot per lr_lambda: functions are not state. */
  state_dict(): Record<string, unknown> {
    const out = super.state_dict();
    delete out.lr_lambdas;
    out.lr_lambdas = this.lr_lambdas.map(() => null);
    return out;
  }

  /** Restores the state, ignoring the `lr_lambdas` slots (the functions passed to the constructor stay). */
  load_state_dict(state_dict: Record<string, unknown>): void {
    const { lr_lambdas: _ignored, ...rest } = state_dict;
    super.load_state_dict(rest);
  }
}

/**
 * `new StepLR(optimizer, step_size, gamma?, last_epoch?, verbose?)`, or
 * `new StepLR(optimizer, step_size, { gamma = 0.1, last_epoch, verbose })`: multiplies the lr by
 * `gamma` every `step_size` epochs.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html
 */
export class StepLR extends _LRScheduler {
  /** Epochs between two decays. */
  step_size: number;
  /** The multiplicative decay factor. */
  gamma: number;
  /** Builds the scheduler and takes the initial step. */
  constructor(optimizer: Optimizer, step_size: number, ...args: (number | boolean | EpochOptions & { gamma?: number })[]) {
    super(optimizer);
    const a = argsOf('StepLR', args, ['gamma', 'last_epoch', 'verbose']);
    this.step_size = step_size;
    this.gamma = a.gamma ?? 0.1;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    if (this.last_epoch === 0 || pyMod(this.last_epoch, this.step_size) !== 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }

  protected _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => b * this.gamma ** Math.floor(this.last_epoch / this.step_size));
  }
}

/**
 * `new MultiStepLR(optimizer, milestones, gamma?, last_epoch?, verbose?)`, or with
 * `{ gamma = 0.1, last_epoch, verbose }`: multiplies the lr by `gamma` at each milestone epoch
 * (a milestone given twice decays twice).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html
 */
export class MultiStepLR extends _LRScheduler {
  /** Milestone epoch -> how many times it was given (Python's `Counter`). */
  milestones: Record<number, number>;
  /** The multiplicative decay factor. */
  gamma: number;
  /** Builds the scheduler and takes the initial step. */
  constructor(optimizer: Optimizer, milestones: number[], ...args: (number | boolean | EpochOptions & { gamma?: number })[]) {
    super(optimizer);
    const a = argsOf('MultiStepLR', args, ['gamma', 'last_epoch', 'verbose']);
    this.milestones = {};
    for (const m of milestones) this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    this.gamma = a.gamma ?? 0.1;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const count = this.milestones[this.last_epoch];
    if (count === undefined) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma ** count);
  }

  protected _get_closed_form_lr(): number[] {
    // bisect_right over the sorted milestones (with repeats): how many are <= last_epoch.
    let passed = 0;
    for (const [m, c] of Object.entries(this.milestones)) if (Number(m) <= this.last_epoch) passed += c;
    return this.base_lrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * `new ExponentialLR(optimizer, gamma, last_epoch?, verbose?)` or with `{ last_epoch, verbose }`:
 * multiplies the lr by `gamma` every epoch.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html
 */
export class ExponentialLR extends _LRScheduler {
  /** The multiplicative decay factor per epoch. */
  gamma: number;
  /** Builds the scheduler and takes the initial step. */
  constructor(optimizer: Optimizer, gamma: number, ...args: (number | boolean | EpochOptions)[]) {
    super(optimizer);
    const a = argsOf('ExponentialLR', args, ['last_epoch', 'verbose']);
    this.gamma = gamma;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    if (this.last_epoch === 0) return this.groups().map((g) => g.lr);
    return this.groups().map((g) => g.lr * this.gamma);
  }

  protected _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => b * this.gamma ** this.last_epoch);
  }
}

/**
 * `new CosineAnnealingLR(optimizer, T_max, eta_min?, last_epoch?, verbose?)`, or with
 * `{ eta_min = 0, last_epoch, verbose }`: the lr follows a cosine from initial_lr down to `eta_min`
 * over `T_max` epochs and back up, in PyTorch's recursive form (which also follows lr changes made
 * outside the scheduler), so the sequence equals PyTorch's.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
 */
export class CosineAnnealingLR extends _LRScheduler {
  /** Half the cosine period, in epochs. */
  T_max: number;
  /** The minimum lr. */
  eta_min: number;
  /** Builds the scheduler and takes the initial step. */
  constructor(optimizer: Optimizer, T_max: number, ...args: (number | boolean | EpochOptions & { eta_min?: number })[]) {
    super(optimizer);
    const a = argsOf('CosineAnnealingLR', args, ['eta_min', 'last_epoch', 'verbose']);
    this.T_max = T_max;
    this.eta_min = a.eta_min ?? 0;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const { last_epoch, T_max, eta_min } = this;
    const groups = this.groups();
    if (last_epoch === 0) return groups.map((g) => g.lr);
    if (this._step_count === 1 && last_epoch > 0) {
      return this.base_lrs.map((base_lr) => eta_min + (base_lr - eta_min) * (1 + Math.cos(last_epoch * Math.PI / T_max)) / 2);
    }
    if (pyMod(last_epoch - 1 - T_max, 2 * T_max) === 0) {
      return groups.map((g, i) => g.lr + (this.base_lrs[i] - eta_min) * (1 - Math.cos(Math.PI / T_max)) / 2);
    }
    return groups.map((g) => (1 + Math.cos(Math.PI * last_epoch / T_max)) /
      (1 + Math.cos(Math.PI * (last_epoch - 1) / T_max)) * (g.lr - eta_min) + eta_min);
  }

  protected _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => this.eta_min + (b - this.eta_min) * (1 + Math.cos(Math.PI * this.last_epoch / this.T_max)) / 2);
  }
}

/** OneCycleLR's keyword arguments. Give `total_steps`, or `epochs` and `steps_per_epoch`. */
export interface OneCycleLROptions extends EpochOptions {
  /** The number of steps in the cycle (a positive integer). */
  total_steps?: number | null;
  /** With `steps_per_epoch`, sets total_steps = epochs * steps_per_epoch. */
  epochs?: number | null;
  /** Steps per epoch; see `epochs`. */
  steps_per_epoch?: number | null;
  /** The fraction of the cycle spent raising the lr (default 0.3). */
  pct_start?: number;
  /** How to anneal: 'cos' (default) or 'linear'. */
  anneal_strategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycle_momentum?: boolean;
  /** The lower momentum bound, one number or one per group (default 0.85). */
  base_momentum?: number | number[];
  /** The upper momentum bound, one number or one per group (default 0.95). */
  max_momentum?: number | number[];
  /** initial_lr = max_lr / div_factor (default 25). */
  div_factor?: number;
  /** min_lr = initial_lr / final_div_factor (default 1e4). */
  final_div_factor?: number;
  /** Use a third phase that anneals to min_lr after returning to initial_lr (default false). */
  three_phase?: boolean;
}

/** One phase of the 1cycle schedule: where it ends and which group fields it moves between. */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * `new OneCycleLR(optimizer, max_lr, { total_steps | epochs + steps_per_epoch, pct_start = 0.3,
 * anneal_strategy = 'cos', cycle_momentum = true, base_momentum = 0.85, max_momentum = 0.95,
 * div_factor = 25, final_div_factor = 1e4, three_phase = false, last_epoch, verbose })`: the 1cycle
 * policy, stepped once per batch; momentum (or Adam's beta1) moves opposite to the lr. The options may
 * also come positionally in PyTorch's order.
 *
 * Stepping more than `total_steps` times throws a RangeError, as PyTorch raises ValueError.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html
 */
export class OneCycleLR extends _LRScheduler {
  /** The number of steps in the cycle. */
  total_steps: number;
  /**
   * The phases of the cycle (two, or three with `three_phase`).
   * @internal
   */
  _schedule_phases: Phase[];
  /** The annealing function, 'cos' or 'linear'. */
  anneal_strategy: 'cos' | 'linear';
  /** Whether momentum is cycled. */
  cycle_momentum: boolean;
  /** True when the optimizer has `betas` (Adam-like): beta1 is cycled instead of momentum. */
  use_beta1 = false;

  /**
   * Builds the scheduler: writes initial_lr, max_lr and min_lr (and the momentum bounds) into every
   * param group, then takes the initial step. RangeErrors for missing or invalid step counts, a bad
   * pct_start or anneal_strategy, or cycle_momentum on an optimizer without momentum.
   */
  constructor(optimizer: Optimizer, max_lr: number | number[], ...args: OneCycleLROptions[]) {
    super(optimizer);
    const a = argsOf('OneCycleLR', args, ['total_steps', 'epochs', 'steps_per_epoch', 'pct_start', 'anneal_strategy',
      'cycle_momentum', 'base_momentum', 'max_momentum', 'div_factor', 'final_div_factor', 'three_phase', 'last_epoch', 'verbose']);
    const { total_steps, epochs, steps_per_epoch } = a;
    const pct_start: number = a.pct_start ?? 0.3;
    const anneal_strategy = a.anneal_strategy ?? 'cos';
    const div_factor: number = a.div_factor ?? 25.0;
    const final_div_factor: number = a.final_div_factor ?? 1e4;
    const last_epoch: number = a.last_epoch ?? -1;
    const isPositiveInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x > 0;
    if (total_steps == null && epochs == null && steps_per_epoch == null) {
      throw new RangeError('You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (total_steps != null) {
      if (!isPositiveInt(total_steps)) throw new RangeError(`Expected positive integer total_steps, but got ${String(total_steps)}`);
      this.total_steps = total_steps;
    } else {
      if (!isPositiveInt(epochs)) throw new RangeError(`Expected positive integer epochs, but got ${String(epochs)}`);
      if (!isPositiveInt(steps_per_epoch)) throw new RangeError(`Expected positive integer steps_per_epoch, but got ${String(steps_per_epoch)}`);
      this.total_steps = epochs * steps_per_epoch;
    }
    const T = this.total_steps;
    this._schedule_phases = a.three_phase
      ? [
        { end_step: pct_start * T - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: 2 * pct_start * T - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        { end_step: T - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
      ]
      : [
        { end_step: pct_start * T - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        { end_step: T - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
      ];
    if (typeof pct_start !== 'number' || pct_start < 0 || pct_start > 1) {
      throw new RangeError(`Expected float between 0 and 1 pct_start, but got ${String(pct_start)}`);
    }
    if (anneal_strategy !== 'cos' && anneal_strategy !== 'linear') {
      throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(anneal_strategy)}`);
    }
    this.anneal_strategy = anneal_strategy;

    const groups = optimizer.param_groups;
    const max_lrs = formatParam('max_lr', optimizer, max_lr);
    if (last_epoch === -1) {
      groups.forEach((g, i) => {
        g.initial_lr = max_lrs[i] / div_factor;
        g.max_lr = max_lrs[i];
        g.min_lr = g.initial_lr / final_div_factor;
      });
    }
    this.cycle_momentum = a.cycle_momentum ?? true;
    if (this.cycle_momentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
        throw new RangeError('optimizer must support momentum with `cycle_momentum` option enabled');
      }
      this.use_beta1 = 'betas' in optimizer.defaults;
      const max_momentums = formatParam('max_momentum', optimizer, a.max_momentum ?? 0.95);
      const base_momentums = formatParam('base_momentum', optimizer, a.base_momentum ?? 0.85);
      if (last_epoch === -1) {
        groups.forEach((g, i) => {
          if (this.use_beta1) g.betas = [max_momentums[i], ...g.betas.slice(1)];
          else g.momentum = max_momentums[i];
          g.max_momentum = max_momentums[i];
          g.base_momentum = base_momentums[i];
        });
      }
    }
    this._initialize(last_epoch, a.verbose ?? false);
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.anneal_strategy === 'cos') {
      const cos_out = Math.cos(Math.PI * pct) + 1;
      return end + (start - end) / 2.0 * cos_out;
    }
    return (end - start) * pct + start;
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const step_num = this.last_epoch;
    if (step_num > this.total_steps) {
      throw new RangeError(`Tried to step ${step_num + 1} times. The specified number of total steps is ${this.total_steps}`);
    }
    const phases = this._schedule_phases;
    return this.groups().map((group) => {
      let start_step = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        const end_step = phase.end_step;
        if (step_num <= end_step || i === phases.length - 1) {
          const pct = (step_num - start_step) / (end_step - start_step);
          lr = this.anneal(group[phase.start_lr], group[phase.end_lr], pct);
          if (this.cycle_momentum) momentum = this.anneal(group[phase.start_momentum], group[phase.end_momentum], pct);
          break;
        }
        start_step = phase.end_step;
      }
      if (this.cycle_momentum) {
        if (this.use_beta1) group.betas = [momentum, ...group.betas.slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }
}

/**
 * One value per param group: an array is checked for length, a number repeated.
 * @internal
 */
export function formatParam(name: string, optimizer: Optimizer, param: number | number[]): number[] {
  const n = optimizer.param_groups.length;
  if (Array.isArray(param)) {
    if (param.length !== n) throw new RangeError(`expected ${n} values for ${name}, got ${param.length}`);
    return param.slice();
  }
  return new Array<number>(n).fill(param);
}

/**
 * Python's `%` (the result takes the divisor's sign).
 * @internal
 */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** ReduceLROnPlateau's keyword arguments. */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  /** new_lr = lr * factor; must be < 1 (default 0.1). */
  factor?: number;
  /** Bad epochs tolerated before reducing (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): the threshold is relative to the best value; 'abs': absolute. */
  threshold_mode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** The lower bound of the lr, one number or one per group (default 0). */
  min_lr?: number | number[];
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
  /** Print each reduction (default false). */
  verbose?: boolean;
}

/**
 * `new ReduceLROnPlateau(optimizer, { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4,
 * threshold_mode = 'rel', cooldown = 0, min_lr = 0, eps = 1e-8, verbose = false })` (the options may
 * also come positionally in PyTorch's order): reduces the lr by `factor` when a metric has stopped
 * improving for `patience` epochs. Call `step(metric)` after each epoch.
 *
 * Unlike the epoch-based schedulers it does not extend _LRScheduler, as in PyTorch 1.13.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
 */
export class ReduceLROnPlateau {
  /** The factor the lr is multiplied by at a reduction. */
  factor: number;
  /** The optimizer whose param groups' `lr` this scheduler reduces. */
  optimizer: Optimizer;
  /** The lower bound of each param group's lr. */
  min_lrs: number[];
  /** Bad epochs tolerated before a reduction. */
  patience: number;
  /** Whether each reduction is printed. */
  verbose: boolean;
  /** Epochs to wait after a reduction before bad epochs count again. */
  cooldown: number;
  /** Epochs of cooldown left. */
  cooldown_counter = 0;
  /** 'min' or 'max': whether a lower or a higher metric is better. */
  mode: 'min' | 'max';
  /** The least change that counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative ('rel') or absolute ('abs'). */
  threshold_mode: 'rel' | 'abs';
  /** The best metric seen so far. */
  best = Infinity;
  /** Consecutive epochs without improvement. */
  num_bad_epochs = 0;
  /** The worst possible metric for `mode` (Infinity for 'min', -Infinity for 'max'). */
  mode_worse = Infinity;
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** The index of the last epoch stepped. */
  last_epoch = 0;
  /** The lrs after the last step; read them with get_last_lr(). */
  _last_lr: number[] = [];

  /**
   * Checks the options (RangeError for factor >= 1, an unknown mode or threshold_mode, or a wrong
   * number of min_lrs) and starts with no best value.
   */
  constructor(optimizer: Optimizer, ...args: (string | number | boolean | number[] | ReduceLROnPlateauOptions)[]) {
    const a = argsOf('ReduceLROnPlateau', args, ['mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown',
      'min_lr', 'eps', 'verbose']);
    const factor: number = a.factor ?? 0.1;
    if (factor >= 1.0) throw new RangeError('Factor should be < 1.0.');
    this.factor = factor;
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    const min_lr = a.min_lr ?? 0;
    const n = optimizer.param_groups.length;
    if (Array.isArray(min_lr)) {
      if (min_lr.length !== n) throw new RangeError(`expected ${n} min_lrs, got ${min_lr.length}`);
      this.min_lrs = min_lr.slice();
    } else {
      this.min_lrs = new Array<number>(n).fill(min_lr);
    }
    this.patience = a.patience ?? 10;
    this.verbose = a.verbose ?? false;
    this.cooldown = a.cooldown ?? 0;
    this.mode = a.mode ?? 'min';
    this.threshold = a.threshold ?? 1e-4;
    this.threshold_mode = a.threshold_mode ?? 'rel';
    this.eps = a.eps ?? 1e-8;
    this._init_is_better(this.mode, this.threshold, this.threshold_mode);
    this._reset();
  }

  private _reset(): void {
    this.best = this.mode_worse;
    this.cooldown_counter = 0;
    this.num_bad_epochs = 0;
  }

  /**
   * Records one epoch's metric (a number or a one-element tensor) and reduces the lr after more than
   * `patience` bad epochs. Passing `epoch` is deprecated, as in PyTorch, and warns.
   */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = metrics instanceof Tensor ? Number(metrics.item()) : Number(metrics);
    if (epoch === undefined || epoch === null) epoch = this.last_epoch + 1;
    else warn(EPOCH_DEPRECATION_WARNING);
    this.last_epoch = epoch;
    if (this.is_better(current, this.best)) {
      this.best = current;
      this.num_bad_epochs = 0;
    } else {
      this.num_bad_epochs += 1;
    }
    if (this.in_cooldown) {
      this.cooldown_counter -= 1;
      this.num_bad_epochs = 0; // bad epochs in cooldown do not count
    }
    if (this.num_bad_epochs > this.patience) {
      this._reduce_lr(epoch);
      this.cooldown_counter = this.cooldown;
      this.num_bad_epochs = 0;
    }
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  private _reduce_lr(epoch: number): void {
    this.optimizer.param_groups.forEach((group, i) => {
      const old_lr = Number(group.lr);
      const new_lr = Math.max(old_lr * this.factor, this.min_lrs[i]);
      if (old_lr - new_lr > this.eps) {
        group.lr = new_lr;
        if (this.verbose) {
          const e = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
          console.log(`Epoch ${e}: reducing learning rate of group ${i} to ${sci4(new_lr)}.`);
        }
      }
    });
  }

  /** Whether the scheduler is in its cooldown after a reduction. */
  get in_cooldown(): boolean {
    return this.cooldown_counter > 0;
  }

  /** Whether metric `a` improves on `best` under mode, threshold and threshold_mode. */
  is_better(a: number, best: number): boolean {
    if (this.mode === 'min' && this.threshold_mode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min' && this.threshold_mode === 'abs') return a < best - this.threshold;
    if (this.mode === 'max' && this.threshold_mode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  private _init_is_better(mode: string, threshold: number, threshold_mode: string): void {
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`mode ${mode} is unknown!`);
    if (threshold_mode !== 'rel' && threshold_mode !== 'abs') throw new RangeError(`threshold mode ${threshold_mode} is unknown!`);
    this.mode_worse = mode === 'min' ? Infinity : -Infinity;
    this.mode = mode;
    this.threshold = threshold;
    this.threshold_mode = threshold_mode;
  }

  /** The learning rates after the last step, one per param group. */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** Every field but the optimizer, as a plain object (PyTorch's `state_dict()`). */
  state_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = structuredClone(v);
    return out;
  }

  /** Restores the fields from a dict made by state_dict(). */
  load_state_dict(state_dict: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(state_dict)) (this as Record<string, unknown>)[k] = structuredClone(v);
    this._init_is_better(this.mode, this.threshold, this.threshold_mode);
  }
}
