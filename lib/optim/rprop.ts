// torch.optim.Rprop, after torch/optim/rprop.py's _single_tensor_rprop: resilient backprop, one
// step size per element grown or shrunk by the sign of grad * previous grad. The step count is a
// number in PyTorch 1.13 and a 0-dim tensor in 2.x; it follows the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like, full_like } from '../creation';
import { Optimizer, ParamsInput, OptimizerState, optionsOf, checkNonNegative, pyNumber, typename } from './optimizer';
import { initVersionedStep, bumpVersionedStep, useForeach } from './step_count';
import { rpropForeach } from './rprop_foreach';
import { isPytorch2 } from '../pytorch_version';

/** Rprop's keyword arguments, as the trailing options object of `new Rprop(params, ...)`. */
export interface RpropOptions {
  /** The initial step size (default 1e-2). */
  lr?: number;
  /** The [decrease, increase] factors of the step size (default [0.5, 1.2]). */
  etas?: [number, number];
  /** The [minimum, maximum] step size (default [1e-6, 50]). */
  step_sizes?: [number, number];
  /**
   * Use the multi-tensor (`_foreach_`) kernels: true forces them, false the per-parameter loop; null
   * (default) picks as PyTorch does: never on 1.13, on 2.x only when every parameter is on CUDA.
   */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

const NAMES = ['lr', 'etas', 'step_sizes', 'foreach', 'maximize'] as const;

function checkPair(v: unknown, what: string): asserts v is [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') {
    throw new TypeError(`Invalid ${what}: expected a pair of numbers, got ${typename(v)}`);
  }
}

/**
 * Rprop: resilient backpropagation, which adapts per-element step sizes from the signs of successive
 * gradients. The step count is a number on PyTorch 1.13 and a 0-dim tensor on 2.x.
 *
 * `new Rprop(params, { lr, etas, step_sizes, foreach, maximize })`, or the options positionally in
 * PyTorch's order (`new Rprop(params, lr, ...)`). `params` is an iterable of tensors or of param groups
 * (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.Rprop.html
 */
export class Rprop extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | number[] | RpropOptions)[]) {
    const o = optionsOf('Rprop', args, NAMES);
    const d = {
      lr: 'lr' in o ? o.lr : 1e-2,
      etas: Array.isArray(o.etas) ? o.etas.slice() : 'etas' in o ? o.etas : [0.5, 1.2],
      step_sizes: Array.isArray(o.step_sizes) ? o.step_sizes.slice() : 'step_sizes' in o ? o.step_sizes : [1e-6, 50],
      foreach: o.foreach ?? null, maximize: o.maximize ?? false,
    };
    checkNonNegative(d.lr, 'learning rate');
    checkPair(d.etas, 'etas');
    checkPair(d.step_sizes, 'step_sizes');
    const [etaminus, etaplus] = d.etas;
    if (!(0.0 < etaminus && etaminus < 1.0 && 1.0 < etaplus)) {
      throw new RangeError(`Invalid eta values: ${pyNumber(etaminus)}, ${pyNumber(etaplus)}`);
    }
    super(params, d);
  }

  /** The parameter's state, created on its first step (it has a gradient then). */
  private stateFor(param: Tensor, lr: number): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      initVersionedStep(state);
      state.prev = keep(zeros_like(param));
      state.step_size = keep(full_like(param.grad as Tensor, lr));
    }
    return state;
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const [etaminus, etaplus] = group.etas as [number, number];
        const [step_size_min, step_size_max] = group.step_sizes as [number, number];
        const maximize = group.maximize === true;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => this.stateFor(p, group.lr));
          if (b === null) continue;
          // 1.13 counts the (number) step in step() itself, before the multi-tensor call.
          if (!isPytorch2) b.states.forEach(bumpVersionedStep);
          rpropForeach(b.params, b.grads, b.list('prev'), b.list('step_size'), b.list('step'), group);
          continue;
        }
        for (const param of group.params) {
          if (param.grad === null) continue;
          const state = this.stateFor(param, group.lr);
          bumpVersionedStep(state);
          let grad = maximize ? param.grad.neg() : param.grad;
          const prev: Tensor = state.prev;
          const step_size: Tensor = state.step_size;
          const sign = grad.mul(prev).sign();
          // In PyTorch's order: positives to etaplus, negatives to etaminus, zeros to 1.
          sign.masked_fill_(sign.gt(0), etaplus);
          sign.masked_fill_(sign.lt(0), etaminus);
          sign.masked_fill_(sign.eq(0), 1);
          step_size.mul_(sign).clamp_(step_size_min, step_size_max);
          grad = grad.clone();
          grad.masked_fill_(sign.eq(etaminus), 0); // where the sign flipped, skip this step
          param.addcmul_(grad.sign(), step_size, { value: -1 });
          prev.copy_(grad);
        }
      }
    });
  }
}
