// SequentialLR and ChainedScheduler, after torch/optim/lr_scheduler.py: schedulers run one
// after another at milestones, or all of them every step.
import { Optimizer } from './optimizer';
import { _LRScheduler, ReduceLROnPlateau, argsOf, EpochOptions } from './lr_scheduler';
import { isPytorch2 } from '../pytorch_version';

function checkSchedulers(kind: string, schedulers: unknown, optimizer: Optimizer): asserts schedulers is _LRScheduler[] {
  if (!Array.isArray(schedulers)) throw new TypeError(`${kind} expects a list of schedulers`);
  if (isPytorch2 && schedulers.length < 1) {
    throw new RangeError(kind === 'ChainedScheduler'
      ? 'ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.'
      : `${kind} expects at least one scheduler, but got no scheduler.`);
  }
  schedulers.forEach((s, i) => {
    if (s instanceof ReduceLROnPlateau) {
      throw new RangeError(`${kind} does not support \`ReduceLROnPlateau\` scheduler as it requires additional kwargs to be ` +
        `specified when calling \`step\`, but got one at index ${i} in the given schedulers sequence.`);
    }
    if (!(s instanceof _LRScheduler) && !(s instanceof SequentialLR) && !(s instanceof ChainedScheduler)) {
      throw new TypeError(`${kind} at index ${i} should have \`optimizer\` as its attribute.`);
    }
    if (s.optimizer !== optimizer) {
      throw new RangeError(`${kind} expects all schedulers to belong to the same optimizer, but got scheduler ` +
        `${s.constructor.name} at index ${i} has a different optimizer.`);
    }
  });
}

/** What ChainedScheduler needs of a scheduler. */
type Stepper = { step(): void; get_last_lr(): number[]; last_epoch: number; state_dict(): Record<string, unknown>; load_state_dict(s: Record<string, unknown>): void };

/**
 * `new SequentialLR(optimizer, schedulers, milestones, last_epoch?, verbose?)` (or
 * `{ last_epoch, verbose }`; verbose is accepted and ignored): `schedulers[i]` runs from
 * `milestones[i - 1]` on; at a milestone the next scheduler restarts from epoch 0. The schedulers
 * must share `optimizer` and cannot include ReduceLROnPlateau.
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.SequentialLR.html
 */
export class SequentialLR {
  /** The optimizer all the schedulers drive. */
  optimizer: Optimizer;
  /** The schedulers, in order. */
  _schedulers: _LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  _milestones: number[];
  /** The index of the last epoch stepped. */
  last_epoch: number;
  /** The lrs after the last step; read them with get_last_lr(). */
  _last_lr: number[];

  /**
   * Checks the schedulers (TypeError/RangeError as PyTorch's ValueError/TypeError), undoes the initial
   * step each took when it was made, and restarts the first.
   */
  constructor(optimizer: Optimizer, schedulers: _LRScheduler[], milestones: number[], ...args: (number | boolean | EpochOptions)[]) {
    const a = argsOf('SequentialLR', args, ['last_epoch', 'verbose']);
    checkSchedulers('SequentialLR', schedulers, optimizer);
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError('Sequential Schedulers expects number of schedulers provided to be one more than the number of ' +
        `milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`);
    }
    this._schedulers = schedulers;
    this._milestones = milestones.slice();
    this.last_epoch = (a.last_epoch ?? -1) + 1;
    this.optimizer = optimizer;
    for (const g of optimizer.param_groups) g.lr = g.initial_lr;
    // Undo the initial step each scheduler took when it was made, then restart the first.
    for (const s of schedulers) s.last_epoch -= 1;
    const idx = isPytorch2 ? bisectRight(this._milestones, 0) : 0;
    schedulers[idx]._initial_step();
    this._last_lr = schedulers[idx].get_last_lr();
  }

  /** Advances one epoch, stepping the scheduler that is active at the new epoch. */
  step(): void {
    this.last_epoch += 1;
    const idx = bisectRight(this._milestones, this.last_epoch);
    const scheduler = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.last_epoch) {
      // 1.13 calls step(0) (with its deprecation warning); 2.x the same update without it.
      if (isPytorch2) scheduler._update_lr(0);
      else scheduler.step(0);
    } else {
      scheduler.step();
    }
    this._last_lr = scheduler.get_last_lr();
  }

  /** The learning rates the last step set, one per param group. */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** The state as a plain object, with each scheduler's state_dict() under `_schedulers`. */
  state_dict(): Record<string, unknown> {
    return composedStateDict(this);
  }

  /** Restores the state and each scheduler's from a dict made by state_dict(). */
  load_state_dict(state_dict: Record<string, unknown>): void {
    loadComposed(this, state_dict);
  }
}

/**
 * `new ChainedScheduler(schedulers, optimizer?)`: every step() steps each scheduler in turn, so their
 * factors multiply. The optimizer defaults to the first scheduler's (PyTorch 2.x's optional argument).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ChainedScheduler.html
 */
export class ChainedScheduler {
  /** The optimizer all the schedulers drive. */
  optimizer: Optimizer;
  /** The chained schedulers. */
  _schedulers: Stepper[];
  /** The lrs after the last step; read them with get_last_lr(). */
  _last_lr: number[];

  /** Checks the schedulers (they must share one optimizer and cannot include ReduceLROnPlateau). */
  constructor(schedulers: Stepper[], optimizer?: Optimizer) {
    if (!Array.isArray(schedulers)) throw new TypeError('ChainedScheduler expects a list of schedulers');
    const opt = optimizer ?? (schedulers[0] as { optimizer?: Optimizer } | undefined)?.optimizer;
    if (isPytorch2 || schedulers.length > 0) checkSchedulers('ChainedScheduler', schedulers, opt as Optimizer);
    this._schedulers = schedulers.slice();
    this.optimizer = opt as Optimizer;
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  /** Steps every scheduler once, in order. */
  step(): void {
    for (const s of this._schedulers) s.step();
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  /** The learning rates after the last step, one per param group. */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** The state as a plain object, with each scheduler's state_dict() under `_schedulers`. */
  state_dict(): Record<string, unknown> {
    return composedStateDict(this);
  }

  /** Restores the state and each scheduler's from a dict made by state_dict(). */
  load_state_dict(state_dict: Record<string, unknown>): void {
    loadComposed(this, state_dict);
  }
}

/** Python's bisect.bisect_right over a sorted list. */
function bisectRight(xs: number[], x: number): number {
  let i = 0;
  while (i < xs.length && xs[i] <= x) i++;
  return i;
}

function composedStateDict(self: { _schedulers: Stepper[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(self)) {
    if (k === 'optimizer' || k === '_schedulers') continue;
    out[k] = structuredClone(v);
  }
  out._schedulers = self._schedulers.map((s) => s.state_dict());
  return out;
}

function loadComposed(self: { _schedulers: Stepper[] }, state_dict: Record<string, unknown>): void {
  const { _schedulers, ...rest } = state_dict;
  for (const [k, v] of Object.entries(rest)) (self as unknown as Record<string, unknown>)[k] = structuredClone(v);
  (_schedulers as Record<string, unknown>[]).forEach((s, i) => self._schedulers[i].load_state_dict(s));
}
