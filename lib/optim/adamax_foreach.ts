// Adamax's foreach step: torch/optim/adamax.py's _multi_tensor_adamax, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. 1.13 adds weight decay into the gradients in place and takes
// the infinity norm tensor by tensor (cat + max; maximum_ gives the same values); 2.x uses lerp_,
// _foreach_abs and _foreach_maximum_.
import { Tensor } from '../tensor';
import { ParamGroup, stepValue } from './optimizer';
import * as fe from './foreach';

/**
 * Adamax's step with the _foreach_ kernels, as PyTorch's _multi_tensor_adamax.
 * @internal
 */
export function adamaxForeach(params: Tensor[], grads0: Tensor[], exp_avgs: Tensor[], exp_infs: Tensor[], steps: Tensor[], group: ParamGroup): void {
  const [beta1, beta2] = group.betas as [number, number];
  const { lr, eps, weight_decay, maximize } = group;
  let grads = maximize ? fe.neg(grads0) : grads0;
  fe.add_(steps, 1);
  grads = fe.withWeightDecay(grads, params, weight_decay, maximize);
  if (fe.legacy) {
    fe.mul_(exp_avgs, beta1);
    fe.add_(exp_avgs, grads, 1 - beta1);
    fe.mul_(exp_infs, beta2);
    exp_infs.forEach((exp_inf, i) => exp_inf.maximum_(grads[i].abs().add_(eps)));
  } else {
    fe.lerp_(exp_avgs, grads, 1 - beta1);
    fe.mul_(exp_infs, beta2);
    if (!maximize && weight_decay === 0) grads = fe.abs(grads);
    else fe.abs_(grads);
    fe.add_(grads, eps);
    fe.maximum_(exp_infs, grads);
  }
  const step_size = steps.map((step) => -1 * (lr / (1 - beta1 ** stepValue(step))));
  fe.addcdiv_(params, exp_avgs, exp_infs, step_size);
}
