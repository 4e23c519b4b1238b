// torch.optim.SGD, after torch/optim/sgd.py's _single_tensor_sgd (PyTorch 1.13): the same
// operations in the same order, so trajectories match PyTorch's to float rounding.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { Optimizer, ParamsInput, ParamGroupBase, required, optionsOf, checkNotNegative, checkNumber } from './optimizer';
import type { PyArgs } from '../args';
import { useForeach } from './step_count';
import * as fe from './foreach';

/** SGD's keyword arguments (PyTorch's, same defaults). */
export interface SGDOptions {
  /** Learning rate; required (no default, as in PyTorch 1.13). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty (default 0). */
  weight_decay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
  /** true: PyTorch's _multi_tensor_sgd over the _foreach_ kernels; null (default): PyTorch's choice. */
  foreach?: boolean | null;
}

/** An SGD parameter group: its parameters and every SGD option, filled in from the defaults. */
export type SGDParamGroup = ParamGroupBase & {
  /** Momentum factor. */
  momentum: number;
  /** Dampening for momentum. */
  dampening: number;
  /** L2 penalty. */
  weight_decay: number;
  /** Whether Nesterov momentum is used. */
  nesterov: boolean;
  /** Whether the objective is maximised. */
  maximize: boolean;
  /** The foreach choice: true, false, or null for PyTorch's default. */
  foreach: boolean | null;
};

/** One parameter's SGD state: its momentum buffer (null when momentum is 0, as PyTorch records it). */
export type SGDState = {
  /** The running momentum (absent before the first step; null when momentum is 0). */
  momentum_buffer?: Tensor | null;
};

/** SGD's arguments after params: lr, momentum, dampening, weight_decay, nesterov positionally (PyTorch's order), then options. */
export type SGDArgs = PyArgs<[lr: number, momentum: number, dampening: number, weight_decay: number, nesterov: boolean], SGDOptions>;

const NAMES = ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize', 'foreach'] as const;

/**
 * Stochastic gradient descent, optionally with momentum (PyTorch's torch.optim.SGD).
 *
 * new SGD(params, { lr, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false, maximize = false }).
 * lr has no default (PyTorch 1.13). foreach: true runs PyTorch's _multi_tensor_sgd over the _foreach_ kernels.
 * As in PyTorch, maximize and foreach are keyword-only (in the options object); `differentiable`
 * is not supported.
 *
 * @see [torch.optim.SGD](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html)
 */
export class SGD extends Optimizer<SGDParamGroup, SGDState> {
  /**
   * Creates the optimizer over params, with the given defaults for every group.
   *
   * @param params The parameters to optimise: an iterable of Parameters, or of parameter groups
   *   (`{ params, ...options }`) whose options override the defaults for that group.
   * @param args PyTorch's keyword arguments lr, momentum=0, dampening=0, weight_decay=0,
   *   nesterov=false positionally in PyTorch's order, then an options object (which alone may carry
   *   maximize=false and foreach=null). lr is required. Throws RangeError for a negative lr, momentum
   *   or weight_decay, and for nesterov without momentum > 0 and dampening 0.
   */
  constructor(params: ParamsInput, ...args: SGDArgs) {
    const o = optionsOf('SGD', args, NAMES);
    const lr = 'lr' in o ? o.lr : required; // null is Python's None: a TypeError below, not the default
    if (lr !== required) checkNotNegative(lr, 'learning rate');
    if (o.momentum !== undefined) checkNotNegative(o.momentum, 'momentum value');
    if (o.dampening !== undefined) checkNumber(o.dampening, 'dampening value');
    if (o.weight_decay !== undefined) checkNotNegative(o.weight_decay, 'weight_decay value');
    const defaults = {
      lr, momentum: (o.momentum ?? 0) as number, dampening: (o.dampening ?? 0) as number, weight_decay: 'weight_decay' in o ? o.weight_decay : 0,
      nesterov: o.nesterov ?? false, maximize: o.maximize ?? false, foreach: o.foreach ?? null,
    };
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, defaults);
  }

  /** One SGD update of every parameter with a gradient; closure, if given, recomputes the loss (returned). */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const { lr, momentum, dampening, weight_decay, nesterov, maximize } = group;
        if (useForeach(group)) {
          this.foreachStep(group);
          continue;
        }
        for (const param of group.params) {
          const grad = param.grad;
          if (grad === null) continue;
          let d_p = maximize ? grad.neg() : grad;
          if (weight_decay !== 0) d_p = d_p.add(param, { alpha: weight_decay });
          if (momentum !== 0) {
            const state = this.stateOf(param);
            let buf: Tensor | undefined = state.momentum_buffer ?? undefined;
            if (buf === undefined) {
              buf = keep(d_p.clone().detach());
              state.momentum_buffer = buf;
            } else {
              buf.mul_(momentum).add_(d_p, { alpha: 1 - dampening });
            }
            d_p = nesterov ? d_p.add(buf, { alpha: momentum }) : buf;
          } else {
            // PyTorch records momentum_buffer = None for every parameter it steps.
            this.stateOf(param).momentum_buffer = null;
          }
          param.add_(d_p, { alpha: -lr });
        }
      }
    });
  }

  /** _multi_tensor_sgd: one _foreach_ kernel per operation over all the group's parameters. */
  private foreachStep(group: SGDParamGroup): void {
    const { lr, momentum, dampening, weight_decay, nesterov, maximize } = group;
    const params = group.params.filter((p) => p.grad !== null);
    if (params.length === 0) return;
    let grads = params.map((p) => p.grad as Tensor);
    if (maximize) grads = fe.neg(grads);
    if (weight_decay !== 0) {
      if (maximize && !fe.legacy) fe.add_(grads, params, weight_decay);
      else grads = fe.add(grads, params, weight_decay);
    }
    if (momentum !== 0) {
      const states = params.map((p) => this.stateOf(p));
      let bufs: Tensor[];
      if (states.every((s) => s.momentum_buffer instanceof Tensor)) {
        bufs = states.map((s) => s.momentum_buffer as Tensor);
        fe.mul_(bufs, momentum);
        fe.add_(bufs, grads, 1 - dampening);
      } else {
        bufs = states.map((s, i) => {
          if (!(s.momentum_buffer instanceof Tensor)) return (s.momentum_buffer = keep(grads[i].clone().detach()));
          const buf = s.momentum_buffer as Tensor;
          buf.mul_(momentum).add_(grads[i], { alpha: 1 - dampening });
          return buf;
        });
      }
      // As PyTorch: the nesterov sum goes into the grads list itself (p.grad when neither maximize nor weight decay copied it).
      if (nesterov) fe.add_(grads, bufs, momentum);
      else grads = bufs;
    } else {
      for (const p of params) this.stateOf(p).momentum_buffer = null;
    }
    fe.add_(params, grads, -lr);
  }
}
