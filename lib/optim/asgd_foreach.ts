// ASGD's foreach step: torch/optim/asgd.py's _multi_tensor_asgd, 1.13's or 2.x's as the running
// LibTorch's PyTorch has it. 1.13 reads the first parameter's eta for the whole list and averages
// tensor by tensor; 2.x multiplies by each 0-dim eta and mu tensor and computes the new eta from
// the step tensor (float32 tensor arithmetic).
import { Tensor } from '../tensor';
import { scalar_tensor } from '../creation';
import { get_default_dtype } from '../dtype';
import { ParamGroup, stepValue } from './optimizer';
import * as fe from './foreach';

/**
 * ASGD's per-parameter lists for the foreach step.
 * @internal
 */
export interface ASGDLists {
  params: Tensor[];
  grads: Tensor[];
  axs: Tensor[];
  mus: Tensor[];
  etas: Tensor[];
  steps: Tensor[];
}

/** torch.tensor(x): a Python float as a tensor of the default dtype. */
function pyTensor(x: number): Tensor {
  return scalar_tensor(x, { dtype: get_default_dtype() });
}

/**
 * ASGD's step with the _foreach_ kernels, as PyTorch's _multi_tensor_asgd.
 * @internal
 */
export function asgdForeach(l: ASGDLists, group: ParamGroup): void {
  const { lr, lambd, alpha, t0, weight_decay, maximize } = group;
  const { params, axs, mus, etas, steps } = l;
  let grads = maximize ? fe.neg(l.grads) : l.grads;
  fe.add_(steps, 1);
  if (fe.legacy) {
    if (weight_decay !== 0) grads = fe.add(grads, params, weight_decay);
    const eta = etas[0].item() as number;
    fe.mul_(params, 1 - lambd * eta);
    fe.add_(params, grads, -eta);
    axs.forEach((ax, i) => {
      if ((mus[i].item() as number) !== 1) ax.add_(params[i].sub(ax).mul(mus[i]));
      else ax.copy_(params[i]);
    });
    steps.forEach((step, i) => {
      const k = stepValue(step);
      etas[i].copy_(pyTensor(lr / Math.pow(1 + lambd * lr * k, alpha)));
      mus[i].copy_(pyTensor(1 / Math.max(1, k - t0)));
    });
    return;
  }
  let intermediate: Tensor[];
  if (weight_decay !== 0) {
    if (maximize) {
      fe.add_(grads, params, weight_decay);
      intermediate = grads;
    } else {
      intermediate = fe.add(grads, params, weight_decay);
    }
    fe.add_(intermediate, params, lambd);
  } else {
    intermediate = fe.add(grads, params, lambd);
  }
  fe.addcmul_(params, intermediate, etas, -1);
  fe.addcmul_(axs, fe.sub(params, axs), mus);
  // lr / ((1 + lambd * lr * step) ** alpha) with step a tensor: (lambd * lr) * step, 1 + t, t ** alpha,
  // and Python's `float / tensor`, which is tensor.reciprocal() * float.
  const new_etas = steps.map((step) => step.mul(lambd * lr).add(1).pow(alpha).reciprocal().mul(lr));
  const new_mus = steps.map((step) => pyTensor(1 / Math.max(1, stepValue(step) - t0)));
  fe.copy_(etas, new_etas);
  fe.copy_(mus, new_mus);
}
