// CyclicLR and CosineAnnealingWarmRestarts, after torch/optim/lr_scheduler.py. Where PyTorch
// 1.13 and 2.x differ (CyclicLR cycling Adam's beta1, and which momentum a cycle starts from),
// the running LibTorch's PyTorch decides.
import { Optimizer, typename } from './optimizer';
import { _LRScheduler, argsOf, EpochOptions, formatParam } from './lr_scheduler';
import { isPytorch2 } from '../pytorch_version';

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicLROptions extends EpochOptions {
  step_size_up?: number;
  step_size_down?: number | null;
  mode?: CyclicMode;
  gamma?: number;
  scale_fn?: ((x: number) => number) | null;
  scale_mode?: 'cycle' | 'iterations';
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
}

/**
 * new CyclicLR(optimizer, base_lr, max_lr, { step_size_up = 2000, step_size_down = step_size_up,
 * mode = 'triangular', gamma = 1, scale_fn, scale_mode = 'cycle', cycle_momentum = true,
 * base_momentum = 0.8, max_momentum = 0.9 }): the lr cycles between base_lr and max_lr (stepped per batch).
 */
export class CyclicLR extends _LRScheduler {
  max_lrs: number[];
  total_size: number;
  step_ratio: number;
  mode: string;
  gamma: number;
  scale_mode: 'cycle' | 'iterations';
  cycle_momentum: boolean;
  use_beta1 = false;
  base_momentums: number[] = [];
  max_momentums: number[] = [];
  private _scale_fn_custom: ((x: number) => number) | null;

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

  /** The amplitude scale of cycle (or iteration) x: the custom scale_fn, or the mode's. */
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

  /** A custom scale_fn is not state: its slot holds null, as PyTorch's for a plain function. */
  state_dict(): Record<string, unknown> {
    const out = super.state_dict();
    out._scale_fn_custom = null;
    return out;
  }

  load_state_dict(state_dict: Record<string, unknown>): void {
    const { _scale_fn_custom: _ignored, ...rest } = state_dict;
    super.load_state_dict(rest);
  }
}

export interface CosineAnnealingWarmRestartsOptions extends EpochOptions {
  T_mult?: number;
  eta_min?: number;
}

/**
 * new CosineAnnealingWarmRestarts(optimizer, T_0, { T_mult = 1, eta_min = 0 }): cosine annealing
 * restarted every T_i epochs (T_i grows by T_mult); step(epoch) takes fractional epochs.
 */
export class CosineAnnealingWarmRestarts extends _LRScheduler {
  T_0: number;
  T_i: number;
  T_mult: number;
  eta_min: number;
  T_cur: number;

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

  /** Advances one epoch, or (as PyTorch allows here without deprecation) jumps to a possibly fractional epoch. */
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
