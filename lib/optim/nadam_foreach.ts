// NAdam's foreach step: torch/optim/nadam.py's _multi_tensor_nadam, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. Both read the step and mu_product back as Python floats and
// pass the per-tensor step sizes as Scalar lists; 1.13 adds weight decay into the gradients in
// place and has neither maximize nor decoupled weight decay.
import { Tensor } from '../tensor';
import { ParamGroup, stepValue } from './optimizer';
import * as fe from './foreach';

/**
 * NAdam's per-parameter lists for the foreach step.
 * @internal
 */
export interface NAdamLists {
  params: Tensor[];
  grads: Tensor[];
  exp_avgs: Tensor[];
  exp_avg_sqs: Tensor[];
  mu_products: Tensor[];
  steps: Tensor[];
}

/**
 * NAdam's step with the _foreach_ kernels, as PyTorch's _multi_tensor_nadam.
 * @internal
 */
export function nadamForeach(l: NAdamLists, group: ParamGroup): void {
  const [beta1, beta2] = group.betas as [number, number];
  const { lr, eps, weight_decay, momentum_decay } = group;
  const maximize = group.maximize === true;
  const { params, exp_avgs, exp_avg_sqs, mu_products, steps } = l;
  let grads = maximize ? fe.neg(l.grads) : l.grads;
  fe.add_(steps, 1);
  const stepValues = steps.map((s) => stepValue(s));
  const mus = stepValues.map((n) => beta1 * (1.0 - 0.5 * 0.96 ** (n * momentum_decay)));
  const mu_nexts = stepValues.map((n) => beta1 * (1.0 - 0.5 * 0.96 ** ((n + 1) * momentum_decay)));
  const bias_correction_sqrt = stepValues.map((n) => Math.sqrt(1 - beta2 ** n));
  if (fe.legacy) fe.mul_(mu_products, mus);
  if (group.decoupled_weight_decay === true) {
    if (weight_decay !== 0) fe.mul_(params, 1 - lr * weight_decay);
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
  const exp_avg_sq_sqrt = fe.sqrt(exp_avg_sqs);
  let denom: Tensor[];
  if (fe.legacy) {
    fe.div_(exp_avg_sq_sqrt, bias_correction_sqrt);
    denom = fe.add(exp_avg_sq_sqrt, eps);
  } else {
    fe.mul_(mu_products, mus);
    fe.div_(exp_avg_sq_sqrt, bias_correction_sqrt);
    fe.add_(exp_avg_sq_sqrt, eps);
    denom = exp_avg_sq_sqrt;
  }
  const mu_product_values = mu_products.map((t) => t.item() as number);
  const step_size_grads = mus.map((mu, i) => ((lr * (1.0 - mu)) / (1.0 - mu_product_values[i])) * -1);
  const step_size_expavg = mu_nexts.map((mu_next, i) => ((lr * mu_next) / (1.0 - mu_product_values[i] * mu_next)) * -1);
  fe.addcdiv_(params, grads, denom, step_size_grads);
  fe.addcdiv_(params, exp_avgs, denom, step_size_expavg);
}
