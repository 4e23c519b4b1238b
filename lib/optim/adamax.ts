// torch.optim.Adamax, after torch/optim/adamax.py's _single_tensor_adamax: Adam with the
// infinity norm. PyTorch 1.13 updates the first moment with mul_/add_, 2.x with lerp_; the
// running LibTorch's PyTorch decides. (1.13's cat + amax and 2.x's maximum give equal values.)
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, OptimizerState, optionsOf, newStepTensor, stepValue, adamFamilyDefaults } from './optimizer';
import { isPytorch2 } from '../pytorch_version';
import { useForeach } from './step_count';
import { adamaxForeach } from './adamax_foreach';

/** Adamax's keyword arguments, as the trailing options object of `new Adamax(params, ...)`. */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Decay rates of the first moment and of the infinity norm (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weight_decay?: number;
  /**
   * Use the multi-tensor (`_foreach_`) kernels: true forces them, false the per-parameter loop; null
   * (default) picks as PyTorch does: never on 1.13, on 2.x only when every parameter is on CUDA.
   */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

const NAMES = ['lr', 'betas', 'eps', 'weight_decay', 'foreach', 'maximize'] as const;

/**
 * Adamax: Adam with the infinity norm in place of the second moment.
 *
 * `new Adamax(params, { lr, betas, eps, weight_decay, foreach, maximize })`, or the options positionally
 * in PyTorch's order (`new Adamax(params, lr, ...)`). `params` is an iterable of tensors or of param
 * groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.Adamax.html
 */
export class Adamax extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | number[] | AdamaxOptions)[]) {
    const o = optionsOf('Adamax', args, NAMES);
    super(params, { ...adamFamilyDefaults(o, 2e-3), foreach: o.foreach ?? null, maximize: o.maximize ?? false });
  }

  /** The parameter's state, created on its first step. */
  private stateFor(param: Tensor): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      state.step = newStepTensor();
      state.exp_avg = keep(zeros_like(param));
      state.exp_inf = keep(zeros_like(param));
    }
    return state;
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const [beta1, beta2] = group.betas as [number, number];
        const { lr, eps, weight_decay, maximize } = group;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => this.stateFor(p));
          if (b) adamaxForeach(b.params, b.grads, b.list('exp_avg'), b.list('exp_inf'), b.list('step'), group);
          continue;
        }
        for (const param of group.params) {
          if (param.grad === null) continue;
          const state = this.stateFor(param);
          let grad = maximize ? param.grad.neg() : param.grad;
          const exp_avg: Tensor = state.exp_avg;
          const exp_inf: Tensor = state.exp_inf;
          (state.step as Tensor).add_(1);
          if (weight_decay !== 0) grad = grad.add(param, { alpha: weight_decay });
          if (isPytorch2) exp_avg.lerp_(grad, 1 - beta1);
          else exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
          exp_inf.mul_(beta2).maximum_(grad.abs().add_(eps));
          const clr = lr / (1 - beta1 ** stepValue(state.step));
          param.addcdiv_(exp_avg, exp_inf, { value: -clr });
        }
      }
    });
  }
}
