// ConstantLR, LinearLR and PolynomialLR, after torch/optim/lr_scheduler.py: the same chainable
// formulas (each step rescales the groups' current lrs) and closed forms for step(epoch).
import { Optimizer } from './optimizer';
import { _LRScheduler, argsOf, EpochOptions } from './lr_scheduler';
import { isPytorch2 } from '../pytorch_version';

/** ConstantLR's keyword arguments. */
export interface ConstantLROptions extends EpochOptions {
  /** The factor applied until total_iters (0 to 1, default 1/3). */
  factor?: number;
  /** Epochs the factor applies for (default 5). */
  total_iters?: number;
}

/**
 * `new ConstantLR(optimizer, factor?, total_iters?, last_epoch?, verbose?)`, or with
 * `{ factor = 1/3, total_iters = 5, last_epoch, verbose }`: the lr is multiplied by `factor` until
 * epoch `total_iters`, then restored.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ConstantLR.html
 */
export class ConstantLR extends _LRScheduler {
  /** The constant factor. */
  factor: number;
  /** The epoch at which the factor stops applying. */
  total_iters: number;
  /** Builds the scheduler and takes the initial step; a RangeError for a factor outside [0, 1]. */
  constructor(optimizer: Optimizer, ...args: (number | boolean | ConstantLROptions)[]) {
    super(optimizer);
    const a = argsOf('ConstantLR', args, ['factor', 'total_iters', 'last_epoch', 'verbose']);
    const factor: number = a.factor ?? 1.0 / 3;
    if (factor > 1.0 || factor < 0) throw new RangeError('Constant multiplicative factor expected to be between 0 and 1.');
    this.factor = factor;
    this.total_iters = a.total_iters ?? 5;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const groups = this.groups();
    if (this.last_epoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.last_epoch !== this.total_iters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1.0 / this.factor));
  }

  protected _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => b * (this.factor + Number(this.last_epoch >= this.total_iters) * (1 - this.factor)));
  }
}

/** LinearLR's keyword arguments. */
export interface LinearLROptions extends EpochOptions {
  /** The factor at the first epoch (default 1/3; in (0, 1] on PyTorch 2.x, [0, 1] on 1.13). */
  start_factor?: number;
  /** The factor reached at total_iters (0 to 1, default 1). */
  end_factor?: number;
  /** Epochs of the ramp (default 5). */
  total_iters?: number;
}

/**
 * `new LinearLR(optimizer, start_factor?, end_factor?, total_iters?, last_epoch?, verbose?)`, or with
 * `{ start_factor = 1/3, end_factor = 1, total_iters = 5, last_epoch, verbose }`: the lr factor ramps
 * linearly from start_factor to end_factor over total_iters epochs.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LinearLR.html
 */
export class LinearLR extends _LRScheduler {
  /** The factor at the first epoch. */
  start_factor: number;
  /** The factor reached at total_iters. */
  end_factor: number;
  /** Epochs of the ramp. */
  total_iters: number;
  /**
   * Builds the scheduler and takes the initial step; RangeErrors for factors out of range (PyTorch
   * 2.x also refuses start_factor 0).
   */
  constructor(optimizer: Optimizer, ...args: (number | boolean | LinearLROptions)[]) {
    super(optimizer);
    const a = argsOf('LinearLR', args, ['start_factor', 'end_factor', 'total_iters', 'last_epoch', 'verbose']);
    const start_factor: number = a.start_factor ?? 1.0 / 3;
    const end_factor: number = a.end_factor ?? 1.0;
    // PyTorch 2.x also refuses a start factor of 0 (its chainable form would divide by zero).
    if (isPytorch2 ? start_factor > 1.0 || start_factor <= 0 : start_factor > 1.0 || start_factor < 0) {
      throw new RangeError(isPytorch2
        ? 'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.'
        : 'Starting multiplicative factor expected to be between 0 and 1.');
    }
    if (end_factor > 1.0 || end_factor < 0) throw new RangeError('Ending multiplicative factor expected to be between 0 and 1.');
    this.start_factor = start_factor;
    this.end_factor = end_factor;
    this.total_iters = a.total_iters ?? 5;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const groups = this.groups();
    const { start_factor, end_factor, total_iters, last_epoch } = this;
    if (last_epoch === 0) return groups.map((g) => g.lr * start_factor);
    if (last_epoch > total_iters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1.0 + (end_factor - start_factor) /
      (total_iters * start_factor + (last_epoch - 1) * (end_factor - start_factor))));
  }

  protected _get_closed_form_lr(): number[] {
    const { start_factor, end_factor, total_iters, last_epoch } = this;
    return this.base_lrs.map((b) => b * (start_factor + (end_factor - start_factor) * Math.min(total_iters, last_epoch) / total_iters));
  }
}

/** PolynomialLR's keyword arguments. */
export interface PolynomialLROptions extends EpochOptions {
  /** Epochs of decay (default 5). */
  total_iters?: number;
  /** The polynomial's power (default 1). */
  power?: number;
}

/**
 * `new PolynomialLR(optimizer, total_iters?, power?, last_epoch?, verbose?)`, or with
 * `{ total_iters = 5, power = 1, last_epoch, verbose }`: the lr decays as
 * `(1 - t / total_iters) ** power` and stays at 0 after total_iters.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html
 */
export class PolynomialLR extends _LRScheduler {
  /** Epochs of decay. */
  total_iters: number;
  /** The polynomial's power. */
  power: number;
  /** Builds the scheduler and takes the initial step. */
  constructor(optimizer: Optimizer, ...args: (number | boolean | PolynomialLROptions)[]) {
    super(optimizer);
    const a = argsOf('PolynomialLR', args, ['total_iters', 'power', 'last_epoch', 'verbose']);
    this.total_iters = a.total_iters ?? 5;
    this.power = a.power ?? 1.0;
    this._initialize(a.last_epoch ?? -1, a.verbose ?? false);
  }

  get_lr(): number[] {
    this.checkGetLrCall();
    const { total_iters, last_epoch } = this;
    if (last_epoch === 0 || last_epoch > total_iters) return this.groups().map((g) => g.lr);
    const decay_factor = ((1.0 - last_epoch / total_iters) / (1.0 - (last_epoch - 1) / total_iters)) ** this.power;
    return this.groups().map((g) => g.lr * decay_factor);
  }

  protected _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => b * (1.0 - Math.min(this.total_iters, this.last_epoch) / this.total_iters) ** this.power);
  }
}
