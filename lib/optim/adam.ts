// torch.optim.Adam and AdamW, after torch/optim/adam.py's _single_tensor_adam and
// torch/optim/adamw.py's _single_tensor_adamw (PyTorch 1.13, non-capturable path): same
// operations in the same order, the step count kept as a 0-dim tensor as PyTorch does.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, ParamGroupBase, optionsOf, newStepTensor, stepValue, adamFamilyDefaults } from './optimizer';
import type { PyArgs } from '../args';
import { useForeach } from './step_count';
import * as fe from './foreach';

/** Adam's and AdamW's keyword arguments (PyTorch's; AdamW's weight_decay defaults to 1e-2). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty (default 0); AdamW: decoupled weight decay (default 1e-2). */
  weight_decay?: number;
  /** The AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
  /** true: PyTorch's _multi_tensor_adam over the _foreach_ kernels; null (default): PyTorch's choice. */
  foreach?: boolean | null;
}

/** An Adam or AdamW parameter group: its parameters and every option, filled in from the defaults. */
export type AdamParamGroup = ParamGroupBase & {
  /** Coefficients of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: L2 penalty; AdamW: decoupled weight decay. */
  weight_decay: number;
  /** Whether the AMSGrad variant is used. */
  amsgrad: boolean;
  /** Whether the objective is maximised. */
  maximize: boolean;
  /** The foreach choice: true, false, or null for PyTorch's default. */
  foreach: boolean | null;
};

/**
 * One parameter's Adam state, made on its first step: the step count (a 0-dim tensor, as in
 * PyTorch; a number in state dicts from before PyTorch 1.12), and the moment estimates.
 */
export type AdamState = {
  /** Steps taken: a 0-dim float tensor (a number only in old loaded state dicts, converted on load). */
  step?: Tensor | number;
  /** Running average of the gradient (first moment). */
  exp_avg?: Tensor;
  /** Running average of the squared gradient (second moment). */
  exp_avg_sq?: Tensor;
  /** Running maximum of exp_avg_sq (only with amsgrad). */
  max_exp_avg_sq?: Tensor;
};

/** Adam's arguments after params: lr, betas, eps, weight_decay, amsgrad positionally (PyTorch's order), then options. */
export type AdamArgs = PyArgs<[lr: number, betas: [number, number], eps: number, weight_decay: number, amsgrad: boolean], AdamOptions>;

const NAMES = ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach'] as const;

function adamDefaults(name: string, args: unknown[], weightDecayDefault: number): Record<string, unknown> {
  const o = optionsOf(name, args, NAMES);
  return { ...adamFamilyDefaults(o, 1e-3, weightDecayDefault), amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false, foreach: o.foreach ?? null };
}

/** Shared by Adam and AdamW: lazy state, the moment updates and the bias-corrected step. */
abstract class AdamBase extends Optimizer<AdamParamGroup, AdamState> {
  /** @internal Applies weight decay for one parameter; returns the gradient the moments should see. */
  protected abstract decay(param: Tensor, grad: Tensor, group: AdamParamGroup): Tensor;
  /** @internal AdamW's weight decay shrinks the parameters instead of adding to the gradients. */
  protected abstract readonly decoupled: boolean;

  /** One Adam update of every parameter with a gradient; closure, if given, recomputes the loss (returned). */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const [beta1, beta2] = group.betas;
        const { lr, eps, amsgrad, maximize } = group;
        if (useForeach(group)) {
          this.foreachStep(group);
          continue;
        }
        for (const param of group.params) {
          const g = param.grad;
          if (g === null) continue;
          const state = this.stateOf(param);
          if (Object.keys(state).length === 0) {
            state.step = newStepTensor();
            state.exp_avg = keep(zeros_like(param));
            state.exp_avg_sq = keep(zeros_like(param));
            if (amsgrad) state.max_exp_avg_sq = keep(zeros_like(param));
          }
          const grad0 = maximize ? g.neg() : g;
          const exp_avg = state.exp_avg!;
          const exp_avg_sq = state.exp_avg_sq!;
          (state.step as Tensor).add_(1);
          const grad = this.decay(param, grad0, group);

          exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
          exp_avg_sq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });

          const step = stepValue(state.step!);
          const bias_correction1 = 1 - beta1 ** step;
          const bias_correction2 = 1 - beta2 ** step;
          const step_size = lr / bias_correction1;
          const bias_correction2_sqrt = Math.sqrt(bias_correction2);
          let denom: Tensor;
          if (amsgrad) {
            const max_exp_avg_sq = state.max_exp_avg_sq!;
            // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            max_exp_avg_sq.maximum_(exp_avg_sq);
            denom = max_exp_avg_sq.sqrt().div(bias_correction2_sqrt).add_(eps);
          } else {
            denom = exp_avg_sq.sqrt().div(bias_correction2_sqrt).add_(eps);
          }
          param.addcdiv_(exp_avg, denom, { value: -step_size });
        }
      }
    });
  }

  /**
   * _multi_tensor_adam / _multi_tensor_adamw: PyTorch 1.13's (mul_ then add_ for the first
   * moment) or 2.x's (_foreach_lerp_), as the running LibTorch's PyTorch does it.
   */
  private foreachStep(group: AdamParamGroup): void {
    const [beta1, beta2] = group.betas;
    const { lr, eps, amsgrad, maximize, weight_decay } = group;
    const params = group.params.filter((p) => p.grad !== null);
    if (params.length === 0) return;
    const states = params.map((p) => {
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        state.step = newStepTensor();
        state.exp_avg = keep(zeros_like(p));
        state.exp_avg_sq = keep(zeros_like(p));
        if (amsgrad) state.max_exp_avg_sq = keep(zeros_like(p));
      }
      return state;
    });
    let grads = params.map((p) => p.grad as Tensor);
    if (maximize) grads = fe.neg(grads);
    const steps = states.map((s) => s.step as Tensor);
    const exp_avgs = states.map((s) => s.exp_avg as Tensor);
    const exp_avg_sqs = states.map((s) => s.exp_avg_sq as Tensor);
    fe.add_(steps, 1);
    if (this.decoupled) {
      // 1.13's AdamW multiplies even by 1 (weight_decay 0); the result is the same.
      if (weight_decay !== 0 || fe.legacy) fe.mul_(params, 1 - lr * weight_decay);
    } else {
      grads = fe.withWeightDecay(grads, params, weight_decay, maximize);
    }
    if (fe.legacy) {
      fe.mul_(exp_avgs, beta1);
      fe.add_(exp_avgs, grads, 1 - beta1);
    } else {
      fe.lerp_(exp_avgs, grads, 1 - beta1);
    }
    fe.mul_(exp_avg_sqs, beta2);
    fe.addcmul_(exp_avg_sqs, grads, grads, 1 - beta2);
    const stepValues = steps.map((t) => stepValue(t));
    const step_size = stepValues.map((n) => (lr / (1 - beta1 ** n)) * -1);
    const bias_correction2_sqrt = stepValues.map((n) => Math.sqrt(1 - beta2 ** n));
    let root: Tensor[];
    if (amsgrad) {
      const maxs = states.map((s) => s.max_exp_avg_sq as Tensor);
      fe.maximum_(maxs, exp_avg_sqs);
      root = fe.sqrt(maxs);
    } else {
      root = fe.sqrt(exp_avg_sqs);
    }
    fe.div_(root, bias_correction2_sqrt);
    const denom = fe.legacy ? fe.add(root, eps) : root;
    if (!fe.legacy) fe.add_(root, eps);
    fe.addcdiv_(params, exp_avgs, denom, step_size);
  }

  protected _setstate(): void {
    super._setstate();
    // Older state dicts hold the step as a number; PyTorch 1.13 converts it to a tensor.
    for (const s of this.state.values()) if (typeof s.step === 'number') s.step = newStepTensor().fill_(s.step);
  }
}

/**
 * The Adam algorithm: adaptive moment estimation (PyTorch's torch.optim.Adam).
 *
 * new Adam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0, amsgrad = false, maximize = false, foreach = null }).
 * As in PyTorch, maximize and foreach are keyword-only; capturable, differentiable and fused are not supported.
 *
 * @see [torch.optim.Adam](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)
 */
export class Adam extends AdamBase {
  /**
   * Creates the optimizer over params, with the given defaults for every group.
   *
   * @param params The parameters to optimise: an iterable of Parameters, or of parameter groups
   *   (`{ params, ...options }`) whose options override the defaults for that group.
   * @param args PyTorch's keyword arguments lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0,
   *   amsgrad=false positionally in PyTorch's order, then an options object (which alone may carry
   *   maximize=false and foreach=null). Throws RangeError for a negative lr, eps or weight_decay, or a
   *   beta outside [0, 1).
   */
  constructor(params: ParamsInput, ...args: AdamArgs) {
    super(params, adamDefaults('Adam', args, 0));
  }
  /** @internal */
  protected readonly decoupled = false;
  // L2 penalty folded into the gradient.
  /** @internal */
  protected decay(param: Tensor, grad: Tensor, group: AdamParamGroup): Tensor {
    return group.weight_decay !== 0 ? grad.add(param, { alpha: group.weight_decay }) : grad;
  }
}

/**
 * Adam with decoupled weight decay (PyTorch's torch.optim.AdamW).
 *
 * new AdamW(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 1e-2, amsgrad = false, maximize = false, foreach = null }).
 * As in PyTorch, maximize and foreach are keyword-only; capturable, differentiable and fused are not supported.
 *
 * @see [torch.optim.AdamW](https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html)
 */
export class AdamW extends AdamBase {
  /**
   * Creates the optimizer over params, with the given defaults for every group.
   *
   * @param params The parameters to optimise: an iterable of Parameters, or of parameter groups
   *   (`{ params, ...options }`) whose options override the defaults for that group.
   * @param args PyTorch's keyword arguments lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=1e-2,
   *   amsgrad=false positionally in PyTorch's order, then an options object (which alone may carry
   *   maximize=false and foreach=null). Throws RangeError for a negative lr, eps or weight_decay, or a
   *   beta outside [0, 1).
   */
  constructor(params: ParamsInput, ...args: AdamArgs) {
    super(params, adamDefaults('AdamW', args, 1e-2));
  }
  /** @internal */
  protected readonly decoupled = true;
  // Decoupled weight decay: shrink the parameter, leave the gradient alone.
  /** @internal */
  protected decay(param: Tensor, grad: Tensor, group: AdamParamGroup): Tensor {
    param.mul_(1 - group.lr * group.weight_decay);
    return grad;
  }
}
