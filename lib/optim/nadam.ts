// torch.optim.NAdam, after torch/optim/nadam.py's _single_tensor_nadam. PyTorch 2.x added
// decoupled_weight_decay and maximize (1.13 has neither, and rejects them as unknown options),
// moved the first moment to lerp_ and computes mu_product_next in double from mu_product; 1.13
// multiplies 0-dim float tensors (mu_product * mu * mu_next, with mu counted twice). Each
// follows the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like, scalar_tensor } from '../creation';
import { get_default_dtype } from '../dtype';
import { Optimizer, ParamsInput, OptimizerState, optionsOf, checkNonNegative, newStepTensor, stepValue, adamFamilyDefaults } from './optimizer';
import { isPytorch2 } from '../pytorch_version';
import { useForeach } from './step_count';
import { nadamForeach } from './nadam_foreach';

/** NAdam's keyword arguments, as the trailing options object of `new NAdam(params, ...)`. */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Decay rates of the first and second moments (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weight_decay?: number;
  /** Momentum decay (default 4e-3). */
  momentum_decay?: number;
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
  ? ['lr', 'betas', 'eps', 'weight_decay', 'momentum_decay', 'decoupled_weight_decay', 'foreach', 'maximize'] as const
  : ['lr', 'betas', 'eps', 'weight_decay', 'momentum_decay', 'foreach'] as const;

/**
 * NAdam: Adam with Nesterov momentum. `decoupled_weight_decay` and `maximize` exist only on PyTorch 2.x,
 * as in each version's NAdam; on 1.13 they are refused.
 *
 * `new NAdam(params, { lr, betas, eps, weight_decay, momentum_decay, decoupled_weight_decay, foreach,
 * maximize })`, or the options positionally in PyTorch's order (`new NAdam(params, lr, ...)`). `params` is
 * an iterable of tensors or of param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.NAdam.html
 */
export class NAdam extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | number[] | NAdamOptions)[]) {
    const o = optionsOf('NAdam', args, NAMES);
    const d: Record<string, unknown> = { ...adamFamilyDefaults(o, 2e-3), momentum_decay: 'momentum_decay' in o ? o.momentum_decay : 4e-3 };
    if (isPytorch2) {
      d.decoupled_weight_decay = o.decoupled_weight_decay ?? false;
      d.maximize = o.maximize ?? false;
    }
    d.foreach = o.foreach ?? null;
    checkNonNegative(d.momentum_decay, 'momentum_decay value');
    super(params, d);
  }

  /** The parameter's state, created on its first step. */
  private stateFor(param: Tensor): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      state.step = newStepTensor();
      state.mu_product = keep(scalar_tensor(1, { dtype: get_default_dtype() }));
      state.exp_avg = keep(zeros_like(param));
      state.exp_avg_sq = keep(zeros_like(param));
    }
    return state;
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const [beta1, beta2] = group.betas as [number, number];
        const { lr, eps, weight_decay, momentum_decay } = group;
        const maximize = group.maximize === true;
        const decoupled = group.decoupled_weight_decay === true;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => this.stateFor(p));
          if (b) {
            nadamForeach({
              params: b.params, grads: b.grads, exp_avgs: b.list('exp_avg'),
              exp_avg_sqs: b.list('exp_avg_sq'), mu_products: b.list('mu_product'), steps: b.list('step'),
            }, group);
          }
          continue;
        }
        for (const param of group.params) {
          if (param.grad === null) continue;
          const state = this.stateFor(param);
          let grad = maximize ? param.grad.neg() : param.grad;
          const exp_avg: Tensor = state.exp_avg;
          const exp_avg_sq: Tensor = state.exp_avg_sq;
          const mu_product: Tensor = state.mu_product;
          (state.step as Tensor).add_(1);
          const step = stepValue(state.step);
          const bias_correction2 = 1 - beta2 ** step;
          if (weight_decay !== 0) {
            if (decoupled) param.mul_(1 - lr * weight_decay);
            else grad = grad.add(param, { alpha: weight_decay });
          }
          const mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay));
          const mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay));
          mu_product.mul_(mu);
          let mu_product_next: number;
          if (isPytorch2) {
            mu_product_next = (mu_product.item() as number) * mu_next;
            exp_avg.lerp_(grad, 1 - beta1);
          } else {
            mu_product_next = mu_product.mul(mu).mul(mu_next).item() as number;
            exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
          }
          exp_avg_sq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
          const denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps);
          param.addcdiv_(grad, denom, { value: -lr * (1.0 - mu) / (1.0 - (mu_product.item() as number)) });
          param.addcdiv_(exp_avg, denom, { value: (-lr * mu_next) / (1.0 - mu_product_next) });
        }
      }
    });
  }

  protected _setstate(): void {
    super._setstate();
    for (const s of this.state.values()) {
      if (typeof s.step === 'number') s.step = newStepTensor().fill_(s.step);
      if (typeof s.mu_product === 'number') s.mu_product = keep(scalar_tensor(s.mu_product, { dtype: get_default_dtype() }));
    }
  }
}
