// torch.optim.RAdam, after torch/optim/radam.py's _single_tensor_radam: Adam with the variance
// rectification term. PyTorch 2.x added decoupled_weight_decay and maximize (1.13 rejects them
// as unknown options) and moved the first moment to lerp_; each follows the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, OptimizerState, optionsOf, newStepTensor, stepValue, adamFamilyDefaults } from './optimizer';
import { isPytorch2 } from '../pytorch_version';
import { useForeach } from './step_count';
import { radamForeach } from './radam_foreach';

/** RAdam's keyword arguments, as the trailing options object of `new RAdam(params, ...)`. */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moments (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weight_decay?: number;
  /** AdamW-style decoupled weight decay (default false). PyTorch 2.x only. */
  decoupled_weight_decay?: boolean;
  /**
   * Use the multi-tensor (`_foreach_`) kernels: true forces them, false the per-parameter loop; null
   * (default) picks as PyTorch does: never on 1.13, on 2.x only when every parameter is on CUDA.
   */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). PyTorch 2.x only. */
  maximize?: boolean;
}

const NAMES = isPytorch2
  ? ['lr', 'betas', 'eps', 'weight_decay', 'decoupled_weight_decay', 'foreach', 'maximize'] as const
  : ['lr', 'betas', 'eps', 'weight_decay', 'foreach'] as const;

/**
 * RAdam: Adam with a rectified adaptive learning rate. `decoupled_weight_decay` and `maximize` exist only
 * on PyTorch 2.x, as in each version's RAdam; on 1.13 they are refused.
 *
 * `new RAdam(params, { lr, betas, eps, weight_decay, decoupled_weight_decay, foreach, maximize })`, or the
 * options positionally in PyTorch's order (`new RAdam(params, lr, ...)`). `params` is an iterable of
 * tensors or of param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html
 */
export class RAdam extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | number[] | RAdamOptions)[]) {
    const o = optionsOf('RAdam', args, NAMES);
    const d = adamFamilyDefaults(o, 1e-3);
    if (isPytorch2) {
      d.maximize = o.maximize ?? false;
      d.decoupled_weight_decay = o.decoupled_weight_decay ?? false;
    }
    d.foreach = o.foreach ?? null;
    super(params, d);
  }

  /** The parameter's state, created on its first step. */
  private stateFor(param: Tensor): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      state.step = newStepTensor();
      state.exp_avg = keep(zeros_like(param));
      state.exp_avg_sq = keep(zeros_like(param));
    }
    return state;
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const [beta1, beta2] = group.betas as [number, number];
        const { lr, eps, weight_decay } = group;
        const maximize = group.maximize === true;
        const decoupled = group.decoupled_weight_decay === true;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => this.stateFor(p));
          if (b) radamForeach(b.params, b.grads, b.list('exp_avg'), b.list('exp_avg_sq'), b.list('step'), group);
          continue;
        }
        for (const param of group.params) {
          if (param.grad === null) continue;
          const state = this.stateFor(param);
          let grad = maximize ? param.grad.neg() : param.grad;
          const exp_avg: Tensor = state.exp_avg;
          const exp_avg_sq: Tensor = state.exp_avg_sq;
          (state.step as Tensor).add_(1);
          const step = stepValue(state.step);
          if (weight_decay !== 0) {
            if (decoupled) param.mul_(1 - lr * weight_decay);
            else grad = grad.add(param, { alpha: weight_decay });
          }
          if (isPytorch2) exp_avg.lerp_(grad, 1 - beta1);
          else exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
          exp_avg_sq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
          const bias_correction1 = 1 - beta1 ** step;
          const bias_correction2 = 1 - beta2 ** step;
          const bias_corrected_exp_avg = exp_avg.div(bias_correction1);
          const rho_inf = 2 / (1 - beta2) - 1;
          const rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2;
          if (rho_t > 5.0) {
            const rect = Math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
            // Python's `float / tensor` is tensor.reciprocal() * float.
            const adaptive_lr = exp_avg_sq.sqrt().add_(eps).reciprocal().mul(Math.sqrt(bias_correction2));
            param.add_(bias_corrected_exp_avg.mul(lr).mul(adaptive_lr).mul(rect), { alpha: -1.0 });
          } else {
            param.add_(bias_corrected_exp_avg.mul(lr), { alpha: -1.0 });
          }
        }
      }
    });
  }
}
