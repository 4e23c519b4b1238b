// torch.optim.Adadelta, after torch/optim/adadelta.py's _single_tensor_adadelta (and, with
// foreach: true, _multi_tensor_adadelta): same operations in the same order. The step count is a
// plain number in PyTorch 1.13 and a 0-dim tensor in 2.x; it follows the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, optionsOf, checkNonNegative, checkNumber, pyNumber } from './optimizer';
import { initVersionedStep, bumpVersionedStep, useForeach } from './step_count';
import * as fe from './foreach';

/** Adadelta's keyword arguments, as the trailing options object of `new Adadelta(params, ...)`. */
export interface AdadeltaOptions {
  /** Scales the delta before it is applied (default 1.0). */
  lr?: number;
  /** The running averages' decay (default 0.9). */
  rho?: number;
  /** Added to the denominator for stability (default 1e-6). */
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

const NAMES = ['lr', 'rho', 'eps', 'weight_decay', 'foreach', 'maximize'] as const;

/**
 * Adadelta: an adaptive learning-rate method from running averages of squared gradients and updates. The
 * step count is a number on PyTorch 1.13 and a 0-dim tensor on 2.x, as in each version's state_dict.
 *
 * `new Adadelta(params, { lr, rho, eps, weight_decay, foreach, maximize })`, or the options positionally
 * in PyTorch's order (`new Adadelta(params, lr, ...)`). `params` is an iterable of tensors or of param
 * groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html
 */
export class Adadelta extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | AdadeltaOptions)[]) {
    const o = optionsOf('Adadelta', args, NAMES);
    const d = {
      lr: 'lr' in o ? o.lr : 1.0, rho: 'rho' in o ? o.rho : 0.9, eps: 'eps' in o ? o.eps : 1e-6,
      weight_decay: 'weight_decay' in o ? o.weight_decay : 0, maximize: o.maximize ?? false, foreach: o.foreach ?? null,
    };
    checkNonNegative(d.lr, 'learning rate');
    checkNumber(d.rho, 'rho value');
    if (!(0.0 <= d.rho && d.rho <= 1.0)) throw new RangeError(`Invalid rho value: ${pyNumber(d.rho)}`);
    checkNonNegative(d.eps, 'epsilon value');
    checkNonNegative(d.weight_decay, 'weight_decay value');
    super(params, d);
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const { lr, rho, eps, weight_decay, maximize } = group;
        const params: Tensor[] = [];
        const grads: Tensor[] = [];
        const square_avgs: Tensor[] = [];
        const acc_deltas: Tensor[] = [];
        for (const p of group.params) {
          if (p.grad === null) continue;
          const state = this.stateOf(p);
          if (Object.keys(state).length === 0) {
            initVersionedStep(state);
            state.square_avg = keep(zeros_like(p));
            state.acc_delta = keep(zeros_like(p));
          }
          bumpVersionedStep(state);
          params.push(p);
          grads.push(p.grad);
          square_avgs.push(state.square_avg);
          acc_deltas.push(state.acc_delta);
        }
        if (params.length === 0) continue;
        if (useForeach(group)) {
          let g = maximize ? fe.neg(grads) : grads;
          if (weight_decay !== 0) {
            // 1.13 adds in place into the grads (p.grad itself unless maximize made copies); 2.x makes new ones.
            if (fe.legacy) fe.add_(g, params, weight_decay);
            else g = fe.add(g, params, weight_decay);
          }
          fe.mul_(square_avgs, rho);
          fe.addcmul_(square_avgs, g, g, 1 - rho);
          const std = fe.add(square_avgs, eps);
          fe.sqrt_(std);
          const deltas = fe.add(acc_deltas, eps);
          fe.sqrt_(deltas);
          fe.div_(deltas, std);
          fe.mul_(deltas, g);
          if (fe.legacy) {
            fe.add_(params, deltas, -lr);
            fe.mul_(acc_deltas, rho);
            fe.addcmul_(acc_deltas, deltas, deltas, 1 - rho);
          } else {
            fe.mul_(acc_deltas, rho);
            fe.addcmul_(acc_deltas, deltas, deltas, 1 - rho);
            fe.add_(params, deltas, -lr);
          }
          continue;
        }
        params.forEach((param, i) => {
          let grad = maximize ? grads[i].neg() : grads[i];
          if (weight_decay !== 0) grad = grad.add(param, { alpha: weight_decay });
          const square_avg = square_avgs[i];
          const acc_delta = acc_deltas[i];
          square_avg.mul_(rho).addcmul_(grad, grad, { value: 1 - rho });
          const std = square_avg.add(eps).sqrt_();
          const delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad);
          acc_delta.mul_(rho).addcmul_(delta, delta, { value: 1 - rho });
          param.add_(delta, { alpha: -lr });
        });
      }
    });
  }
}
