// RMSprop's foreach step: torch/optim/rmsprop.py's _multi_tensor_rmsprop, 1.13's or 2.x's as the
// running LibTorch's PyTorch has it. 1.13 adds weight decay into the gradients in place and keeps
// the step count (a number) out of it; 2.x bumps 0-dim step tensors and moves grad_avg by lerp_.
import { Tensor } from '../tensor';
import { ParamGroup } from './optimizer';
import * as fe from './foreach';

/**
 * RMSprop's per-parameter lists for the foreach step.
 * @internal
 */
export interface RMSpropLists {
  params: Tensor[];
  grads: Tensor[];
  square_avgs: Tensor[];
  grad_avgs: Tensor[];
  momentum_buffers: Tensor[];
  /** 2.x: the 0-dim step tensors; 1.13 counts steps outside the multi-tensor code */
  steps: Tensor[];
}

/**
 * RMSprop's step with the _foreach_ kernels, as PyTorch's _multi_tensor_rmsprop.
 * @internal
 */
export function rmspropForeach(l: RMSpropLists, group: ParamGroup): void {
  const { lr, alpha, eps, weight_decay, momentum, centered, maximize } = group;
  const { params, square_avgs } = l;
  let grads = l.grads;
  if (maximize) grads = fe.neg(grads);
  if (!fe.legacy) fe.add_(l.steps, 1);
  grads = fe.withWeightDecay(grads, params, weight_decay, maximize);
  fe.mul_(square_avgs, alpha);
  fe.addcmul_(square_avgs, grads, grads, 1 - alpha);
  let avg: Tensor[];
  if (centered) {
    if (fe.legacy) {
      fe.mul_(l.grad_avgs, alpha);
      fe.add_(l.grad_avgs, grads, 1 - alpha);
    } else {
      fe.lerp_(l.grad_avgs, grads, 1 - alpha);
    }
    avg = fe.addcmul(square_avgs, l.grad_avgs, l.grad_avgs, -1);
    fe.sqrt_(avg);
    fe.add_(avg, eps);
  } else {
    avg = fe.sqrt(square_avgs);
    fe.add_(avg, eps);
  }
  if (momentum > 0) {
    fe.mul_(l.momentum_buffers, momentum);
    fe.addcdiv_(l.momentum_buffers, grads, avg);
    fe.add_(params, l.momentum_buffers, -lr);
  } else {
    fe.addcdiv_(params, grads, avg, -lr);
  }
}
