// torch.optim.ASGD, after torch/optim/asgd.py's _single_tensor_asgd: averaged SGD. eta, mu and
// the step are 0-dim float tensors (so eta is read back rounded to float), as in PyTorch 1.13 and 2.x.
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { zeros_like, scalar_tensor } from '../creation';
import { get_default_dtype } from '../dtype';
import { useForeach } from './step_count';
import { asgdForeach } from './asgd_foreach';
import { Optimizer, ParamsInput, OptimizerState, optionsOf, checkNonNegative, checkNumber, newStepTensor, stepValue } from './optimizer';

/** ASGD's keyword arguments, as the trailing options object of `new ASGD(params, ...)`. */
export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Decay term (default 1e-4). */
  lambd?: number;
  /** Power for the eta update (default 0.75). */
  alpha?: number;
  /** The step at which averaging starts (default 1e6). */
  t0?: number;
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

const NAMES = ['lr', 'lambd', 'alpha', 't0', 'weight_decay', 'foreach', 'maximize'] as const;

function scalarState(v: number): Tensor {
  return keep(scalar_tensor(v, { dtype: get_default_dtype() }));
}

/**
 * ASGD: averaged stochastic gradient descent; the averaged parameters are kept in the state as `ax`.
 * Non-numeric lambd, alpha or t0 throw at construction (PyTorch fails only at step()).
 *
 * `new ASGD(params, { lr, lambd, alpha, t0, weight_decay, foreach, maximize })`, or the options
 * positionally in PyTorch's order (`new ASGD(params, lr, ...)`). `params` is an iterable of tensors or of
 * param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.ASGD.html
 */
export class ASGD extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | ASGDOptions)[]) {
    const o = optionsOf('ASGD', args, NAMES);
    const d = {
      lr: 'lr' in o ? o.lr : 1e-2, lambd: 'lambd' in o ? o.lambd : 1e-4, alpha: 'alpha' in o ? o.alpha : 0.75,
      t0: 't0' in o ? o.t0 : 1e6, weight_decay: 'weight_decay' in o ? o.weight_decay : 0,
      foreach: o.foreach ?? null, maximize: o.maximize ?? false,
    };
    checkNonNegative(d.lr, 'learning rate');
    checkNonNegative(d.weight_decay, 'weight_decay value');
    // PyTorch would fail at step() on a non-number; here at once.
    checkNumber(d.lambd, 'lambd value');
    checkNumber(d.alpha, 'alpha value');
    checkNumber(d.t0, 't0 value');
    super(params, d);
  }

  /** The parameter's state, created on its first step. */
  private stateFor(param: Tensor, lr: number): OptimizerState {
    const state = this.stateOf(param);
    if (Object.keys(state).length === 0) {
      state.step = newStepTensor();
      state.eta = scalarState(lr);
      state.mu = scalarState(1);
      state.ax = keep(zeros_like(param));
    }
    return state;
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const { lr, lambd, alpha, t0, weight_decay, maximize } = group;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => this.stateFor(p, lr));
          if (b) {
            asgdForeach({
              params: b.params, grads: b.grads, axs: b.list('ax'), mus: b.list('mu'), etas: b.list('eta'), steps: b.list('step'),
            }, group);
          }
          continue;
        }
        for (const param of group.params) {
          if (param.grad === null) continue;
          const state = this.stateFor(param, lr);
          let grad = maximize ? param.grad.neg() : param.grad;
          const eta: Tensor = state.eta;
          const mu: Tensor = state.mu;
          const ax: Tensor = state.ax;
          (state.step as Tensor).add_(1);
          const step = stepValue(state.step);
          if (weight_decay !== 0) grad = grad.add(param, { alpha: weight_decay });
          const eta_value = eta.item() as number;
          param.mul_(1 - lambd * eta_value); // decay term
          param.add_(grad, { alpha: -eta_value });
          if ((mu.item() as number) !== 1) ax.add_(param.sub(ax).mul(mu));
          else ax.copy_(param);
          eta.fill_(lr / (1 + lambd * lr * step) ** alpha);
          mu.fill_(1 / Math.max(1, step - t0));
        }
      }
    });
  }

  protected _setstate(): void {
    super._setstate();
    for (const s of this.state.values()) {
      if (typeof s.step === 'number') s.step = newStepTensor().fill_(s.step);
      if (typeof s.eta === 'number') s.eta = scalarState(s.eta);
      if (typeof s.mu === 'number') s.mu = scalarState(s.mu);
    }
  }
}
