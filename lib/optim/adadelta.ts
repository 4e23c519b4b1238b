// torch.optim.Adadelta, after torch/optim/adadelta.py's _single_tensor_adadelta (and, with
// foreach: true, _multi_tensor_adadelta): same operations in the same order. The step count is a
// plain number in PyTorch 1.13 and a 0-dim tensor in 2.x; it follows the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like } from '../creation';
import { Optimizer, ParamsInput, optionsOf, checkNonNegative, checkNumber, pyNumber } from './optimizer';
import { initVersionedStep, bumpVersionedStep, useForeach } from './step_count';
import * as fe from './foreach';

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weight_decay?: number;
  foreach?: boolean | null;
  maximize?: boolean;
}

const NAMES = ['lr', 'rho', 'eps', 'weight_decay', 'foreach', 'maximize'] as const;

/** new Adadelta(params, { lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0, foreach = null, maximize = false }) */
export class Adadelta extends Optimizer {
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
