// torch.optim.Adagrad, after torch/optim/adagrad.py's _single_tensor_adagrad (PyTorch 1.13):
// same operations in the same order. As in PyTorch, the state (a 0-dim step tensor and the
// running sum of squared gradients) is created for every parameter up front.
import { Tensor } from '../tensor';
import { keep, tidy } from '../memory';
import { full_like } from '../creation';
import { no_grad } from '../autograd';
import { Optimizer, ParamsInput, optionsOf, checkNonNegative, newStepTensor, stepValue } from './optimizer';
import { useForeach } from './step_count';
import { adagradForeach } from './adagrad_foreach';

/** Adagrad's keyword arguments, as the trailing options object of `new Adagrad(params, ...)`. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay per step (default 0). */
  lr_decay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weight_decay?: number;
  /** The starting value of the sum of squared gradients (default 0). */
  initial_accumulator_value?: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps?: number;
  /**
   * Use the multi-tensor (`_foreach_`) kernels: true forces them, false the per-parameter loop; null
   * (default) picks as PyTorch does: never on 1.13, on 2.x only when every parameter is on CUDA.
   */
  foreach?: boolean | null;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

const NAMES = ['lr', 'lr_decay', 'weight_decay', 'initial_accumulator_value', 'eps', 'foreach', 'maximize'] as const;

/**
 * Adagrad: per-element learning rates scaled by the running sum of squared gradients. The state (a 0-dim
 * step tensor and the sum) is created for every parameter at construction, as in PyTorch.
 *
 * `new Adagrad(params, { lr, lr_decay, weight_decay, initial_accumulator_value, eps, foreach, maximize
 * })`, or the options positionally in PyTorch's order (`new Adagrad(params, lr, ...)`). `params` is an
 * iterable of tensors or of param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html
 */
export class Adagrad extends Optimizer {
  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | boolean | AdagradOptions)[]) {
    const o = optionsOf('Adagrad', args, NAMES);
    const d = {
      // `in`, not ??: null (Python's None) must reach the checks below and raise, not take the default.
      lr: 'lr' in o ? o.lr : 1e-2, lr_decay: 'lr_decay' in o ? o.lr_decay : 0, eps: 'eps' in o ? o.eps : 1e-10,
      weight_decay: 'weight_decay' in o ? o.weight_decay : 0,
      initial_accumulator_value: 'initial_accumulator_value' in o ? o.initial_accumulator_value : 0,
      foreach: o.foreach ?? null, maximize: o.maximize ?? false,
    };
    checkNonNegative(d.lr, 'learning rate');
    checkNonNegative(d.lr_decay, 'lr_decay value');
    checkNonNegative(d.weight_decay, 'weight_decay value');
    checkNonNegative(d.initial_accumulator_value, 'initial_accumulator_value value');
    checkNonNegative(d.eps, 'epsilon value');
    super(params, d);
    tidy(() => no_grad(() => {
      for (const group of this.param_groups) for (const p of group.params) this.initState(p, group.initial_accumulator_value);
    }));
  }

  private initState(p: Tensor, initial: number): void {
    const state = this.stateOf(p);
    state.step = newStepTensor();
    state.sum = keep(full_like(p, initial));
  }

  step(closure?: () => Tensor | number): Tensor | number | undefined {
    return this.runStep(closure, () => {
      for (const group of this.param_groups) {
        const { lr, weight_decay, lr_decay, eps, maximize } = group;
        if (useForeach(group)) {
          const b = this.foreachBatch(group, (p) => {
            const state = this.stateOf(p);
            if (state.sum === undefined) this.initState(p, group.initial_accumulator_value);
            return state;
          });
          if (b) adagradForeach(b.params, b.grads, b.list('sum'), b.states.map((s) => s.step), group);
          continue;
        }
        for (const param of group.params) {
          const g = param.grad;
          if (g === null) continue;
          const state = this.stateOf(param);
          // Parameters added with add_param_group after construction get their state here.
          if (state.sum === undefined) this.initState(param, group.initial_accumulator_value);
          (state.step as Tensor).add_(1);
          const step = stepValue(state.step);
          let grad = maximize ? g.neg() : g;
          if (weight_decay !== 0) grad = grad.add(param, { alpha: weight_decay });
          const clr = lr / (1 + (step - 1) * lr_decay);
          const state_sum: Tensor = state.sum;
          state_sum.addcmul_(grad, grad, { value: 1 });
          const std = state_sum.sqrt().add_(eps);
          param.addcdiv_(grad, std, { value: -clr });
        }
      }
    });
  }

  protected _setstate(): void {
    super._setstate();
    for (const s of this.state.values()) if (typeof s.step === 'number') s.step = newStepTensor().fill_(s.step);
  }
}
