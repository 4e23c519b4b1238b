// RAdam's foreach step: torch/optim/radam.py's _multi_tensor_radam, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. 1.13 divides by sqrt(v / bias_correction2) without eps and
// applies the rectified and unrectified parts as two addcdiv_ calls (one against ones);
// 2.x folds both into one per-element multiplier, eps included.
import { Tensor } from '../tensor';
import { ones_like } from '../creation';
import { ParamGroup, stepValue } from './optimizer';
import * as fe from './foreach';

/**
 * RAdam's step with the _foreach_ kernels, as PyTorch's _multi_tensor_radam.
 * @internal
 */
export function radamForeach(params: Tensor[], grads0: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], steps: Tensor[], group: ParamGroup): void {
  const [beta1, beta2] = group.betas as [number, number];
  const { lr, eps, weight_decay } = group;
  const maximize = group.maximize === true;
  fe.add_(steps, 1);
  let grads = maximize ? fe.neg(grads0) : grads0;
  const n = steps.map((s) => stepValue(s));
  const rho_inf = 2 / (1 - beta2) - 1;
  const rho_t_list = n.map((k) => rho_inf - (2 * k * beta2 ** k) / (1 - beta2 ** k));
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
  const rect = rho_t_list.map((rho_t) =>
    rho_t > 5 ? Math.sqrt(((rho_t - 4) * (rho_t - 2) * rho_inf) / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0);
  const unrectified = rect.map((r) => (r > 0 ? 0 : 1.0));
  const bias_correction1 = n.map((k) => 1 - beta1 ** k);
  if (fe.legacy) {
    const denom = fe.div(fe.sqrt(exp_avg_sqs), n.map((k) => Math.sqrt(1 - beta2 ** k)));
    fe.addcdiv_(params, exp_avgs, denom, rect.map((r, i) => ((lr * r) / bias_correction1[i]) * -1));
    const ones = exp_avgs.map((e) => ones_like(e));
    fe.addcdiv_(params, exp_avgs, ones, unrectified.map((r, i) => ((lr * r) / bias_correction1[i]) * -1));
    return;
  }
  const unrect_step_size = unrectified.map((r, i) => ((lr * r) / bias_correction1[i]) * -1);
  const bias_correction2 = n.map((k, i) => Math.sqrt(1 - beta2 ** k) * ((lr * rect[i]) / bias_correction1[i]) * -1);
  const buffer = fe.sqrt(exp_avg_sqs);
  fe.add_(buffer, eps);
  fe.div_(buffer, bias_correction2);
  fe.reciprocal_(buffer);
  fe.add_(buffer, unrect_step_size);
  fe.addcmul_(params, exp_avgs, buffer);
}
