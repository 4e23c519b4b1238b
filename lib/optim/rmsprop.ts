// torch.optim.RMSprop, after torch/optim/rmsprop.py's _single_tensor_rmsprop: same operations in
// the same order. The step count is a plain number in PyTorch 1.13 and a 0-dim tensor in 2.x;
// here it follows the PyTorch of the running LibTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, ParamGroup, OptimizerState, optionsOf, checkNonNegative, newStepTensor } from './optimizer';
import { isPytorch2 } from '../pytorch_version';
import { useForeach } from './step_count';
import { rmspropForeach } from './rmsprop_foreach';

/** RMSprop's keyword arguments, as the trailing options object of `new RMSprop(params, ...)`. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the running average (default 0.99). */
  alpha?: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weight_decay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance (default false). */
  centered?: boolean;
  /**
   * Use the multi-tensor (`_foreach_`) kernels: true forces them, false the per-parameter loop; null
   * (default) picks as PyTorch does: never on 1.13, on 2.x only when every parameter is on CUDA.
   */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

const NAMES = ['lr', 'alpha', 'eps', 'weight_decay', 'momentum', 'centered', 'foreach', 'maximize'] as const;

/**
 * RMSprop: divides the gradient by a running root mean square of recent gradients.
 *
 * `new RMSprop(params, { lr, alpha, eps, weight_decay, momentum, centered, foreach, maximize })`, or the
 * options positionally in PyTorch's order (`new RMSprop(params, lr, ...)`). `params` is an iterable of
 * tensors or of param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html
 */
export class RMSprop extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | RMSpropOptions)[]) {
    const o = optionsOf('RMSprop', args, NAMES);
    const d = {
      // `in`, not ??: null (Python's None) must reach the checks below and raise, not take the default.
      lr: 'lr' in o ? o.lr : 1e-2, momentum: 'momentum' in o ? o.momentum : 0, alpha: 'alpha' in o ? o.alpha : 0.99,
      eps: 'eps' in o ? o.eps : 1e-8, centered: o.centered ?? false,
      weight_decay: 'weight_decay' in o ? o.weight_decay : 0, foreach: o.foreach ?? null, maximize: o.maximize ?? false,
    };
    checkNonNegative(d.lr, 'learning rate');
    checkNonNegative(d.eps, 'epsilon value');
    checkNonNegative(d.momentum, 'momentum value');
    checkNonNegative(d.weight_decay, 'weight_decay value');
    checkNonNegative(d.alpha, 'alpha value');
    super(params, d);
  }

  /** The parameter's state, created on its first step. */
  private stateFor(param: Tensor, group: ParamGroup): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      // PyTorch 2.x keeps the step count as a 0-dim tensor, 1.x as a number.
      state.step = isPytorch2 ? newStepTensor() : 0;
      state.square_avg = keep(zeros_like(param));
      if (group.momentum > 0) state.momentum_buffer = keep(zeros_like(param));
      if (group.centered) state.grad_avg = keep(zeros_like(param));
    }
    return state;
  }

  private foreachStep(group: ParamGroup): void {
    const b = this.foreachBatch(group, (p) => this.stateFor(p, group));
    if (b === null) return;
    // 1.13 counts the (number) step in step() itself, before the multi-tensor call.
    if (!isPytorch2) for (const s of b.states) s.step += 1;
    rmspropForeach({
      params: b.params, grads: b.grads, square_avgs: b.list('square_avg'), grad_avgs: b.list('grad_avg'),
      momentum_buffers: b.list('momentum_buffer'), steps: b.states.map((s) => s.step),
    }, group);
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const { lr, alpha, eps, weight_decay, momentum, centered, maximize } = group;
        if (useForeach(group)) {
          this.foreachStep(group);
          continue;
        }
        for (const param of group.params) {
          const g = param.grad;
          if (g === null) continue;
          const state = this.stateFor(param, group);
          if (isPytorch2) (state.step as Tensor).add_(1);
          else state.step += 1;

          let grad = maximize ? g.neg() : g;
          if (weight_decay !== 0) grad = grad.add(param, { alpha: weight_decay });
          const square_avg: Tensor = state.square_avg;
          square_avg.mul_(alpha).addcmul_(grad, grad, { value: 1 - alpha });

          let avg: Tensor;
          if (centered) {
            const grad_avg: Tensor = state.grad_avg;
            grad_avg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
            avg = square_avg.addcmul(grad_avg, grad_avg, { value: -1 }).sqrt_();
          } else {
            avg = square_avg.sqrt();
          }
          avg.add_(eps);

          if (momentum > 0) {
            const buf: Tensor = state.momentum_buffer;
            buf.mul_(momentum).addcdiv_(grad, avg);
            param.add_(buf, { alpha: -lr });
          } else {
            param.addcdiv_(grad, avg, { value: -lr });
          }
        }
      }
    });
  }
}
