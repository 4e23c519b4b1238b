// Adagrad's foreach step: torch/optim/adagrad.py's _multi_tensor_adagrad, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. 1.13 computes the per-tensor learning rate from the step
// tensor (float32 tensor arithmetic) and multiplies by that list of 0-dim tensors; 2.x reads the
// step as a Python float and passes the rates as a Scalar list.
import { Tensor } from '../tensor';
import { ParamGroup, stepValue } from './optimizer';
import * as fe from './foreach';

/**
 * Adagrad's step with the _foreach_ kernels, as PyTorch's _multi_tensor_adagrad.
 * @internal
 */
export function adagradForeach(params: Tensor[], grads0: Tensor[], state_sums: Tensor[], steps: Tensor[], group: ParamGroup): void {
  const { lr, weight_decay, lr_decay, eps, maximize } = group;
  let grads = maximize ? fe.neg(grads0) : grads0;
  fe.add_(steps, 1);
  grads = fe.withWeightDecay(grads, params, weight_decay, maximize);
  if (fe.legacy) {
    // -lr / (1 + (step - 1) * lr_decay) with step a tensor: Python's `float / tensor` is
    // tensor.reciprocal() * float.
    const minus_clr = steps.map((step) => step.sub(1).mul(lr_decay).add(1).reciprocal().mul(-lr));
    fe.addcmul_(state_sums, grads, grads, 1);
    const std = fe.add(fe.sqrt(state_sums), eps);
    const toAdd = fe.div(fe.mul(grads, minus_clr), std);
    fe.add_(params, toAdd);
    return;
  }
  const minus_clr = steps.map((step) => -lr / (1 + (stepValue(step) - 1) * lr_decay));
  fe.addcmul_(state_sums, grads, grads, 1);
  const std = fe.sqrt(state_sums);
  fe.add_(std, eps);
  let numerator: Tensor[];
  if (weight_decay !== 0 || maximize) {
    fe.mul_(grads, minus_clr);
    numerator = grads;
  } else {
    numerator = fe.mul(grads, minus_clr);
  }
  fe.addcdiv_(params, numerator, std);
}
