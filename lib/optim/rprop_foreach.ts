// Rprop's foreach step: torch/optim/rprop.py's _multi_tensor_rprop, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. 1.13 counts the (number) step outside and keeps a clone of
// each gradient as `prev`; 2.x bumps the 0-dim step tensors and writes the gradients straight
// into `prev` with _foreach_copy_ before masking them.
import { Tensor } from '../tensor';
import { ParamGroup } from './optimizer';
import * as fe from './foreach';

/** In PyTorch's order: positives to etaplus, negatives to etaminus, zeros to 1. */
function signsToFactors(signs: Tensor[], etaminus: number, etaplus: number): void {
  for (const sign of signs) {
    sign.masked_fill_(sign.gt(0), etaplus);
    sign.masked_fill_(sign.lt(0), etaminus);
    sign.masked_fill_(sign.eq(0), 1);
  }
}

/**
 * Rprop's step with the _foreach_ kernels, as PyTorch's _multi_tensor_rprop.
 * @internal
 */
export function rpropForeach(params: Tensor[], grads0: Tensor[], prevs: Tensor[], step_sizes: Tensor[], steps: Tensor[], group: ParamGroup): void {
  const [etaminus, etaplus] = group.etas as [number, number];
  const [step_size_min, step_size_max] = group.step_sizes as [number, number];
  const maximize = group.maximize === true;
  let grads: Tensor[];
  let signs: Tensor[];
  if (fe.legacy) {
    grads = maximize ? fe.neg(grads0) : grads0;
    signs = fe.mul(grads, prevs).map((s) => s.sign());
  } else {
    fe.add_(steps, 1);
    signs = fe.mul(grads0, prevs);
    if (maximize) fe.neg_(signs);
    fe.copy_(prevs, grads0);
    if (maximize) fe.neg_(prevs);
    grads = prevs;
    fe.sign_(signs);
  }
  signsToFactors(signs, etaminus, etaplus);
  fe.mul_(step_sizes, signs);
  for (const step_size of step_sizes) step_size.clamp_(step_size_min, step_size_max);
  // Where the sign flipped, skip this step (and forget the gradient).
  if (fe.legacy) grads = grads.map((g) => g.clone());
  grads.forEach((g, i) => g.masked_fill_(signs[i].eq(etaminus), 0));
  const grad_signs = grads.map((g) => g.sign());
  fe.addcmul_(params, grad_signs, step_sizes, -1);
  if (fe.legacy) prevs.forEach((prev, i) => prev.copy_(grads[i]));
}
