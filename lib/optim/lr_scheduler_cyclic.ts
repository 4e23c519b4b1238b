// CyclicLR and CosineAnnealingWarmRestarts, after torch/optim/lr_scheduler.py. Where PyTorch
// 1.13 and 2.x differ (CyclicLR cycling Adam's beta1, and which momentum a cycle starts from),
// the running LibTorch's PyTorch decides.
import { Optimizer, typename } from './optimizer';
import { _LRScheduler, argsOf, EpochOptions, formatParam } from './lr_scheduler';
import { isPytorch2 } from '../pytorch_version';

/** CyclicLR's built-in amplitude policies. */
export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

/** CyclicLR's keyword arguments. */
export interface CyclicLROptions extends EpochOptions {
  /** Steps in the increasing half of a cycle (default 2000). */
  step_size_up?: number;
  /** Steps in the decreasing half (default: step_size_up). */
  step_size_down?: number | null;
  /**
   * 'triangular' (default), 'triangular2' (amplitude halves each cycle) or 'exp_range' (scaled by gamma ** iterations); ignored when scale_fn is given.
   */
  mode?: CyclicMode;
  /** The base of 'exp_range' scaling (default 1). */
  gamma?: number;
  /** A custom amplitude scale of the cycle (or iteration) number; overrides mode. */
  scale_fn?: ((x: number) => number) | null;
  /** Whether scale_fn takes the cycle number ('cycle', default) or the iteration ('iterations'). */
  scale_mode?: 'cycle' | 'iterations';
  /** Cycle momentum inversely to the lr (default true). */
  cycle_momentum?: boolean;
  /** The lower momentum bound, one number or one per group (default 0.8). */
  base_momentum?: number | number[];
  /** The upper momentum bound, one number or one per group (default 0.9). */
  max_momentum?: number | number[];
}

/**
 * `new CyclicLR(optimizer, base_lr, max_lr, { step_size_up = 2000, step_size_down = step_size_up,
 * mode = 'triangular', gamma = 1, scale_fn, scale_mode = 'cycle', cycle_momentum = true,
 * base_momentum = 0.8, max_momentum = 0.9, last_epoch, verbose })` (options may also come
 * positionally): the lr cycles between base_lr and max_lr; step it after every batch.
 *
 * Where PyTorch 1.13 and 2.x differ, the running LibTorch's version decides: on 2.x, Adam-like
 * optimizers (with `betas`) get beta1 cycled and a cycle starts from max_momentum; on 1.13, only an
 * optimizer with `momentum` may cycle momentum, starting from base_momentum. Differs from PyTorch:
 * state_dict() stores `null` for a custom scale_fn.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CyclicLR.html
 */
export class CyclicLR extends _LRScheduler {
  /** The upper lr bound of each param group. */
  max_lrs: number[];
  /** Steps in one cycle (step_size_up + step_size_down). */
  total_size: number;
  /** The fraction of a cycle spent increasing. */
  step_ratio: number;
  /** The amplitude policy name. */
  mode: string;
  /** The base of 'exp_range' scaling. */
  gamma: number;
  /** Whether the scale takes the cycle number or the iteration. */
  scale_mode: 'cycle' | 'iterations';
  /** Whether momentum is cycled. */
  cycle_momentum: boolean;
  /** True when beta1 of an Adam-like optimizer is cycled instead of momentum (PyTorch 2.x only). */
  use_beta1 = false;
  /** The lower momentum bound of each param group. */
  base_momentums: number[] = [];
  /** The upper momentum bound of each param group. */
  max_momentums: number[] = [];
  private _scale_fn_custom: ((x: number) => number) | null;

  /**
   * Builds the scheduler, sets each group's lr to base_lr (and momentum) and takes the initial step.
   * RangeError for an unknown mode without scale_fn or cycle_momentum without momentum support.
   */
  constructor(optimizer: Optimizer, base_lr: number | number[], max_lr: number | number[],
    ...args: (number | string | boolean | null | CyclicLROptions)[]) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typename(optimizer)} is not an Optimizer`);
    super(optimizer);
    const a = argsOf('CyclicLR', args, ['step_size_up', 'step_size_down', 'mode', 'gamma', 'scale_fn', 'scale_mode',
      'cycle_momentum', 'base_momentum', 'max_momentum', 'last_epoch', 'verbose']);
    const last_epoch: number = a.last_epoch ?? -1;
    const groups = optimizer.param_groups;
    const base_lrs = formatParam('base_lr', optimizer, base_lr);
    if (last_epoch === -1) groups.forEach((g, i) => { g.lr = base_lrs[i]; });
    this.max_lrs = formatParam('max_lr', optimizer, max_lr);
    const step_size_up = Number(a.step_size_up ?? 2000);
    const step_size_down = a.step_size_down != null ? Number(a.step_size_down) : step_size_up;
    this.total_size = step_size_up + step_size_down;
    this.step_ratio = step_size_up / this.total_size;
    const mode: string = a.mode ?? 'triangular';
    const scale_fn = a.scale_fn ?? null;
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scale_fn === null) {
      throw new RangeError('mode is invalid and scale_fn is None');
    }
    this.mode = mode;
    this.gamma = a.gamma ?? 1.0;
    this._scale_fn_custom = scale_fn;
    this.scale_mode = scale_fn !== null ? (a.scale_mode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
    this.cycle_momentum = a.cycle_momentum ?? true;
    if (this.cycle_momentum) {
      const base_momentum = a.base_momentum ?? 0.8;
      const max_momentum = a.max_momentum ?? 0.9;
      if (isPytorch2) {
        if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
          throw new RangeError('optimizer must support momentum or beta1 with `cycle_momentum` option enabled');
        }
        this.use_beta1 = 'betas' in optimizer.defaults;
        this.base_momentums = formatParam('base_momentum', optimizer, base_momentum);
        this.max_momentums = formatParam('max_momentum', optimizer, max_momentum);
        if (last_epoch === -1) {
          groups.forEach((g, i) => {
            if (this.use_beta1) g.betas = [this.max_momentums[i], ...g.betas.slice(1)];
            else g.momentum = this.max_momentums[i];
            g.max_momentum = this.max_momentums[i];
            g.base_momentum = this.base_momentums[i];
          });
        }
      } else {
        // PyTorch 1.13: momentum only, and a cycle starts from base_momentum.
        if (!('momentum' in optimizer.defaults)) throw new RangeError('optimizer must support momentum with `cycle_momentum` option enabled');
        const base_momentums = formatParam('base_momentum', optimizer, base_momentum);
        if (last_epoch === -1) groups.forEach((g, i) => { g.momentum = base_momentums[i]; });
        this.base_momentums = groups.map((g) => g.momentum);
        this.max_momentums = formatParam('max_momentum', optimizer, max_momentum);
      }
    }
    this._initialize(last_epoch, a.verbose ?? false);
    this.base_lrs = base_lrs;
  }

  /** The amplitude scale of cycle (or iteration) `x`: the custom scale_fn, or the mode's. */
  scale_fn(x: number): number {
    if (this._scale_fn_custom !== null) return this._scale_fn_custom(x);
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    return this.gamma ** x;
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const cycle = Math.floor(1 + this.last_epoch / this.total_size);
    const x = 1.0 + this.last_epoch / this.total_size - cycle;
    const scale_factor = x <= this.step_ratio ? x / this.step_ratio : (x - 1) / (this.step_ratio - 1);
    const at = this.scale_mode === 'cycle' ? cycle : this.last_epoch;
    const lrs = this.base_lrs.map((base_lr, i) => base_lr + (this.max_lrs[i] - base_lr) * scale_factor * this.scale_fn(at));
    if (this.cycle_momentum) {
      this.groups().forEach((g, i) => {
        const base_height = (this.max_momentums[i] - this.base_momentums[i]) * scale_factor;
        const momentum = this.max_momentums[i] - base_height * this.scale_fn(at);
        if (this.use_beta1) g.betas = [momentum, ...g.betas.slice(1)];
        else g.momentum = momentum;
      });
    }
    return lrs;
  }

  /** The state as in the base class; a custom scale_fn is not state, so its slot holds null. */
  state_dict(): Record<string, unknown> {
    const out = super.state_dict();
    out._scale_fn_custom = null;
    return out;
  }

  /** Restores the state, keeping the scale_fn passed to the constructor. */
  load_state_dict(state_dict: Record<string, unknown>): void {
    const { _scale_fn_custom: _ignored, ...rest } = state_dict;
    super.load_state_dict(rest);
  }
}

/** CosineAnnealingWarmRestarts' keyword arguments. */
export interface CosineAnnealingWarmRestartsOptions extends EpochOptions {
  /** The factor T_i grows by after a restart (an integer >= 1, default 1). */
  T_mult?: number;
  /** The minimum lr (default 0). */
  eta_min?: number;
}

/**
 * `new CosineAnnealingWarmRestarts(optimizer, T_0, T_mult?, eta_min?, last_epoch?, verbose?)`, or with
 * `{ T_mult = 1, eta_min = 0, last_epoch, verbose }`: cosine annealing (SGDR) restarted every T_i
 * epochs, T_i growing by T_mult; step(epoch) accepts fractional epochs, e.g. per batch.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html
 */
export class CosineAnnealingWarmRestarts extends _LRScheduler {
  /** Epochs until the first restart. */
  T_0: number;
  /** Epochs in the current cycle. */
  T_i: number;
  /** The factor T_i grows by after each restart. */
  T_mult: number;
  /** The minimum lr. */
  eta_min: number;
  /** Epochs since the last restart (fractional when stepped with fractional epochs). */
  T_cur: number;

  /**
   * Builds the scheduler and takes the initial step; RangeError for a T_0 or T_mult that is not a
   * positive integer or a non-numeric eta_min.
   */
  constructor(optimizer: Optimizer, T_0: number, ...args: (number | boolean | CosineAnnealingWarmRestartsOptions)[]) {
    super(optimizer);
    const a = argsOf('CosineAnnealingWarmRestarts', args, ['T_mult', 'eta_min', 'last_epoch', 'verbose']);
    const T_mult = a.T_mult ?? 1;
    const eta_min = a.eta_min ?? 0;
    if (!(Number.isInteger(T_0) && T_0 > 0)) throw new RangeError(`Expected positive integer T_0, but got ${String(T_0)}`);
    if (!(Number.isInteger(T_mult) && T_mult >= 1)) throw new RangeError(`Expected integer T_mult >= 1, but got ${String(T_mult)}`);
    if (typeof eta_min !== 'number') {
      throw new RangeError(`Expected float or int eta_min, but got ${String(eta_min)} of type ${typename(eta_min)}`);
    }
    this.T_0 = T_0;
    this.T_i = T_0;
    this.T_mult = T_mult;
    this.eta_min = eta_min;
    const last_epoch: number = a.last_epoch ?? -1;
    this.T_cur = last_epoch;
    this._initialize(last_epoch, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    return this.base_lrs.map((b) => this.eta_min + (b - this.eta_min) * (1 + Math.cos(Math.PI * this.T_cur / this.T_i)) / 2);
  }

  /**
   * Advances one epoch, or (as PyTorch allows here without a deprecation warning) jumps to a possibly
   * fractional epoch; a RangeError for a negative epoch.
   */
  step(epoch?: number): void {
    if ((epoch === undefined || epoch === null) && this.last_epoch < 0) epoch = 0;
    if (epoch === undefined || epoch === null) {
      epoch = this.last_epoch + 1;
      this.T_cur = this.T_cur + 1;
      if (this.T_cur >= this.T_i) {
        this.T_cur = isPytorch2 ? this.T_cur % this.T_i : this.T_cur - this.T_i;
        this.T_i = this.T_i * this.T_mult;
      }
    } else {
      if (epoch < 0) throw new RangeError(`Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T_0) {
        if (this.T_mult === 1) {
          this.T_cur = epoch % this.T_0;
        } else {
          const n = Math.trunc(Math.log(epoch / this.T_0 * (this.T_mult - 1) + 1) / Math.log(this.T_mult));
          this.T_cur = epoch - this.T_0 * (this.T_mult ** n - 1) / (this.T_mult - 1);
          this.T_i = this.T_0 * this.T_mult ** n;
        }
      } else {
        this.T_i = this.T_0;
        this.T_cur = epoch;
      }
    }
    this.last_epoch = Math.floor(epoch);
    this._get_lr_called_within_step = true;
    let values: number[];
    try {
      values = this.get_lr();
    } finally {
      this._get_lr_called_within_step = false;
    }
    this.optimizer.param_groups.forEach((g, i) => {
      g.lr = values[i];
      this.print_lr(this.verbose, i, values[i], epoch);
    });
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }
}
