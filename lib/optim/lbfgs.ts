// torch.optim.LBFGS, after torch/optim/lbfgs.py: limited-memory BFGS over all parameters as one
// flat vector, driven by a closure that re-evaluates the loss (and its gradients); optionally
// with the strong-Wolfe line search. PyTorch 2.x caps the line search at the evaluations left
// (max_eval - evaluations so far); 1.13 allows 25. Both follow the running LibTorch's PyTorch.
import { Tensor } from '../tensor';
import { tidy, keep } from '../memory';
import { no_grad, enable_grad } from '../autograd';
import { cat } from '../functions';
import { zeros } from '../creation';
import { Optimizer, ParamsInput, optionsOf, checkNonNegative, OptimizerState } from './optimizer';
import { strongWolfe, S, py, ten, useScalarDtype } from './lbfgs_line_search';
import { isPytorch2 } from '../pytorch_version';

/** LBFGS's keyword arguments, as the trailing options object of `new LBFGS(params, ...)`. */
export interface LBFGSOptions {
  /** Learning rate (default 1). */
  lr?: number;
  /** Maximal iterations per step() (default 20). */
  max_iter?: number;
  /** Maximal function evaluations per step() (default max_iter * 5 / 4). */
  max_eval?: number | null;
  /** Stop when the gradient's largest absolute element is at most this (default 1e-7). */
  tolerance_grad?: number;
  /** Stop when the change of the function value or of the parameters is at most this (default 1e-9). */
  tolerance_change?: number;
  /** How many updates are remembered (default 100). */
  history_size?: number;
  /** 'strong_wolfe' or null (default: a fixed step of lr). */
  line_search_fn?: 'strong_wolfe' | null;
}

const NAMES = ['lr', 'max_iter', 'max_eval', 'tolerance_grad', 'tolerance_change', 'history_size', 'line_search_fn'] as const;

/**
 * L-BFGS, a quasi-Newton method. As in PyTorch it takes a single param group (add_param_group throws a
 * RangeError), and step() needs a closure that clears the gradients, computes the loss, calls backward()
 * and returns the loss.
 *
 * `new LBFGS(params, { lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size,
 * line_search_fn })`, or the options positionally in PyTorch's order (`new LBFGS(params, lr, ...)`).
 * `params` is an iterable of tensors or of param groups (objects with `params` and per-group options).
 * @see https://pytorch.org/docs/stable/generated/torch.optim.LBFGS.html
 */
export class LBFGS extends Optimizer {
  private _params: Tensor[];
  private _numel_cache: number | null = null;

  /**
   * Checks the options (a RangeError or TypeError for an invalid value, as PyTorch's ValueError) and builds
   * the param groups.
   */
  constructor(params: ParamsInput, ...args: (number | string | null | LBFGSOptions)[]) {
    const o = optionsOf('LBFGS', args, NAMES);
    const lr = 'lr' in o ? o.lr : 1;
    if (isPytorch2) checkNonNegative(lr, 'learning rate');
    const max_iter = (o.max_iter ?? 20) as number;
    const max_eval = o.max_eval ?? Math.trunc(max_iter * 5 / 4);
    const defaults = {
      lr, max_iter, max_eval, tolerance_grad: o.tolerance_grad ?? 1e-7, tolerance_change: o.tolerance_change ?? 1e-9,
      history_size: o.history_size ?? 100, line_search_fn: o.line_search_fn ?? null,
    };
    super(params, defaults);
    if (this.param_groups.length !== 1) throw new RangeError("LBFGS doesn't support per-parameter options (parameter groups)");
    this._params = this.param_groups[0].params;
  }

  /** Throws a RangeError once a group exists: LBFGS, as in PyTorch, supports a single param group. */
  add_param_group(param_group: Record<string, unknown>): void {
    if (this.param_groups.length >= 1) throw new RangeError("LBFGS doesn't support per-parameter options (parameter groups)");
    super.add_param_group(param_group);
  }

  private _numel(): number {
    if (this._numel_cache === null) this._numel_cache = this._params.reduce((n, p) => n + p.numel(), 0);
    return this._numel_cache;
  }

  private _gather_flat_grad(): Tensor {
    return cat(this._params.map((p) => (p.grad === null ? zeros([p.numel()], { dtype: p.dtype, device: p.device }) : p.grad.reshape([-1]))), 0);
  }

  private _add_grad(step_size: number, update: Tensor): void {
    let offset = 0;
    for (const p of this._params) {
      const numel = p.numel();
      p.add_(update.narrow(0, offset, numel).view_as(p), { alpha: step_size });
      offset += numel;
    }
  }

  private _directional_evaluate(closure: () => Tensor | number, x: Tensor[], t: number, d: Tensor): [number, Tensor] {
    this._add_grad(t, d);
    const loss = Number(toNumber(enable_grad(closure)));
    const flat_grad = this._gather_flat_grad();
    x.forEach((xi, i) => this._params[i].copy_(xi));
    return [loss, flat_grad];
  }

  /** Runs up to max_iter L-BFGS iterations; closure clears the grads, computes the loss, backward()s and returns it. */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    if (typeof closure !== 'function') throw new TypeError("step() missing 1 required positional argument: 'closure'");
    const before = stateTensors(this.state);
    let after = new Set<Tensor>();
    const result = tidy(() => no_grad(() => {
      const loss = this.iterate(closure);
      // Keep what the state now holds; the rest of this step's tensors are garbage of the scope.
      after = stateTensors(this.state);
      for (const t of after) keep(t);
      return loss;
    }));
    // Free what the state dropped (old history entries, replaced vectors).
    for (const t of before) if (!after.has(t)) t.dispose();
    this._step_count++;
    return result;
  }

  private iterate(closure: () => Tensor | number): Tensor | number {
    const group = this.param_groups[0];
    const { lr, max_iter, max_eval, tolerance_grad, tolerance_change, line_search_fn, history_size } = group;
    const state = this.stateOf(this._params[0]);
    state.func_evals ??= 0;
    state.n_iter ??= 0;

    const orig_loss = enable_grad(closure);
    let loss = Number(toNumber(orig_loss));
    let current_evals = 1;
    state.func_evals += 1;
    let flat_grad = this._gather_flat_grad();
    // ys, ro, H_diag, al, be_i and the first t are 0-dim tensors of the parameters' dtype in
    // PyTorch: their arithmetic rounds to float32, or not at all for float64 parameters.
    const f32 = useScalarDtype(flat_grad.dtype);
    let opt_cond = maxAbs(flat_grad) <= tolerance_grad;
    if (opt_cond) return orig_loss;

    let d: Tensor = state.d;
    // t is a 0-dim float tensor in PyTorch when the first iteration scales it, a float
    // otherwise; each iteration sets it before the line search reads it.
    let tS: S = py(state.t ?? 0);
    let t: number = state.t;
    let old_dirs: Tensor[] = state.old_dirs;
    let old_stps: Tensor[] = state.old_stps;
    let ro: number[] = state.ro;
    let H_diag: number = state.H_diag;
    let prev_flat_grad: Tensor | undefined = state.prev_flat_grad ?? undefined;
    let prev_loss: number = state.prev_loss;

    let n_iter = 0;
    while (n_iter < max_iter) {
      n_iter += 1;
      state.n_iter += 1;
      // Compute the descent direction.
      if (state.n_iter === 1) {
        d = flat_grad.neg();
        old_dirs = [];
        old_stps = [];
        ro = [];
        H_diag = 1;
      } else {
        const y = flat_grad.sub(prev_flat_grad!);
        const s = d.mul(t);
        const ys = y.dot(s).item() as number;
        if (ys > 1e-10) {
          if (old_dirs.length === history_size) {
            old_dirs.shift();
            old_stps.shift();
            ro.shift();
          }
          old_dirs.push(y);
          old_stps.push(s);
          ro.push(f32(1.0 / ys));
          H_diag = f32(ys / (y.dot(y).item() as number));
        }
        const num_old = old_dirs.length;
        // Two-loop recursion for the approximate inverse Hessian times the gradient. The
        // scalars are PyTorch's 0-dim tensors, so their products round to float32 (f32) unless
        // the parameters are float64.
        const al: number[] = new Array(history_size).fill(0);
        const q = flat_grad.neg();
        for (let i = num_old - 1; i >= 0; i--) {
          al[i] = f32((old_stps[i].dot(q).item() as number) * ro[i]);
          q.add_(old_dirs[i], { alpha: -al[i] });
        }
        const r = q.mul(H_diag);
        d = r;
        for (let i = 0; i < num_old; i++) {
          const be_i = f32((old_dirs[i].dot(r).item() as number) * ro[i]);
          r.add_(old_stps[i], { alpha: f32(al[i] - be_i) });
        }
      }
      if (prev_flat_grad === undefined) prev_flat_grad = flat_grad.clone();
      else prev_flat_grad.copy_(flat_grad);
      prev_loss = loss;

      // The step length: the first iteration's is scaled by the gradient's L1 norm.
      if (state.n_iter === 1) {
        // min(1., 1. / flat_grad.abs().sum()) * lr: the tensor (reciprocal, in the parameters'
        // precision) unless 1 is smaller.
        const inv = f32(1.0 / (flat_grad.abs().sum().item() as number));
        tS = inv < 1.0 ? ten(f32(inv) * f32(lr)) : py(1.0 * lr);
      } else {
        tS = py(lr);
      }
      t = tS.v;
      const gtd = flat_grad.dot(d).item() as number;
      if (gtd > -tolerance_change) break; // not a descent direction

      let ls_func_evals = 0;
      if (line_search_fn !== null && line_search_fn !== undefined) {
        if (line_search_fn !== 'strong_wolfe') throw new Error("only 'strong_wolfe' is supported");
        const x_init = this._params.map((p) => p.clone());
        const obj = (x: Tensor[], tt: number, dd: Tensor) => this._directional_evaluate(closure, x, tt, dd);
        [loss, flat_grad, tS, ls_func_evals] = strongWolfe(obj, x_init, tS, d, loss, flat_grad, gtd, 1e-4, 0.9, 1e-9,
          isPytorch2 ? max_eval - current_evals : 25);
        t = tS.v;
        this._add_grad(t, d);
        opt_cond = maxAbs(flat_grad) <= tolerance_grad;
      } else {
        this._add_grad(t, d);
        if (n_iter !== max_iter) {
          loss = Number(toNumber(enable_grad(closure)));
          flat_grad = this._gather_flat_grad();
          opt_cond = maxAbs(flat_grad) <= tolerance_grad;
          ls_func_evals = 1;
        }
      }
      current_evals += ls_func_evals;
      state.func_evals += ls_func_evals;

      if (n_iter === max_iter) break;
      if (current_evals >= max_eval) break;
      if (opt_cond) break;
      if ((d.mul(t).abs().max().item() as number) <= tolerance_change) break;
      if (Math.abs(loss - prev_loss) < tolerance_change) break;
    }
    Object.assign(state, { d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss });
    return orig_loss;
  }
}

function toNumber(loss: Tensor | number): number {
  return loss instanceof Tensor ? (loss.item() as number) : loss;
}

function maxAbs(t: Tensor): number {
  return t.abs().max().item() as number;
}

function stateTensors(state: Map<Tensor, OptimizerState>): Set<Tensor> {
  const out = new Set<Tensor>();
  for (const s of state.values()) {
    for (const v of Object.values(s)) {
      if (v instanceof Tensor) out.add(v);
      else if (Array.isArray(v)) for (const x of v) if (x instanceof Tensor) out.add(x);
    }
  }
  return out;
}
