// The strong-Wolfe line search LBFGS uses, after torch/optim/lbfgs.py's _strong_wolfe and
// _cubic_interpolate (themselves after minFunc). In PyTorch most of these scalars are 0-dim
// float tensors (directional derivatives, and the step t computed from them), mixed with Python
// floats (losses, constants); a mixed operation runs in float with the float operand rounded
// to float first. `S` tracks which a value is, so the branches decide as PyTorch's do. With
// float64 parameters those tensors are float64, and every operation is a double's, as in Python.
import { Tensor } from '../tensor';

/**
 * A scalar as PyTorch's line search holds it: a Python float, or a 0-dim tensor (t) of the
 * parameters' dtype.
 * @internal
 */
export interface S {
  v: number;
  t: boolean;
}
const exact = (v: number): number => v;
/** The rounding of the 0-dim tensors' arithmetic: float32's, or none for float64 parameters. */
let f32: (v: number) => number = Math.fround;
/**
 * Sets and returns the rounding of the 0-dim tensors' arithmetic for parameters of this dtype:
 * none for float64, float32's otherwise. LBFGS.step() sets it before it makes any tensor scalar.
 * @internal
 */
export function useScalarDtype(dtype: { name: string }): (v: number) => number {
  f32 = dtype.name === 'float64' ? exact : Math.fround;
  return f32;
}
/**
 * A Python float in the line search.
 * @internal
 */
export const py = (v: number): S => ({ v, t: false });
/**
 * A 0-dim tensor's value in the line search (rounded to float32 unless the parameters are float64).
 * @internal
 */
export const ten = (v: number): S => ({ v: f32(v), t: true });

function bin(a: S | number, b: S | number, op: (x: number, y: number) => number): S {
  const x = typeof a === 'number' ? py(a) : a;
  const y = typeof b === 'number' ? py(b) : b;
  return x.t || y.t ? ten(op(f32(x.v), f32(y.v))) : py(op(x.v, y.v));
}
const add = (a: S | number, b: S | number): S => bin(a, b, (x, y) => x + y);
const sub = (a: S | number, b: S | number): S => bin(a, b, (x, y) => x - y);
const mul = (a: S | number, b: S | number): S => bin(a, b, (x, y) => x * y);
const div = (a: S | number, b: S | number): S => bin(a, b, (x, y) => x / y);
const abs = (a: S): S => ({ v: Math.abs(a.v), t: a.t });
/** a < b as Python compares them: in float where a tensor is involved. */
function lt(a: S | number, b: S | number): boolean {
  const x = typeof a === 'number' ? py(a) : a;
  const y = typeof b === 'number' ? py(b) : b;
  return x.t || y.t ? f32(x.v) < f32(y.v) : x.v < y.v;
}
const le = (a: S | number, b: S | number): boolean => !lt(b, a);
const gt = (a: S | number, b: S | number): boolean => lt(b, a);
const ge = (a: S | number, b: S | number): boolean => !lt(a, b);
/** Python's min/max of two: the first unless the second is strictly smaller/larger. */
const min2 = (a: S, b: S): S => (lt(b, a) ? b : a);
const max2 = (a: S, b: S): S => (gt(b, a) ? b : a);

/**
 * Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to bounds.
 * @internal
 */
export function cubicInterpolate(x1: S, f1: S, g1: S, x2: S, f2: S, g2: S, bounds?: [S, S]): S {
  const [xmin_bound, xmax_bound] = bounds ?? (le(x1, x2) ? [x1, x2] : [x2, x1]);
  const d1 = sub(add(g1, g2), div(mul(3, sub(f1, f2)), sub(x1, x2)));
  const d2_square = sub(mul(d1, d1), mul(g1, g2));
  if (ge(d2_square, 0)) {
    const d2 = d2_square.t ? ten(Math.sqrt(d2_square.v)) : py(Math.sqrt(d2_square.v));
    const min_pos = le(x1, x2)
      ? sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))))
      : sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    return min2(max2(min_pos, xmin_bound), xmax_bound);
  }
  return div(add(xmin_bound, xmax_bound), 2.0);
}

/**
 * Evaluates the loss and flat gradient at x + t * d (and puts the parameters back).
 * @internal
 */
export type DirectionalObjective = (x: Tensor[], t: number, d: Tensor) => [number, Tensor];

function dot(a: Tensor, b: Tensor): S {
  return ten(a.dot(b).item() as number);
}

/**
 * Returns [loss, flat_grad, t, evaluations]; runs inside the caller's tidy scope, which owns
 * every tensor made here.
 * @internal
 */
export function strongWolfe(obj_func: DirectionalObjective, x: Tensor[], t0: S, d: Tensor, f: number, g0: Tensor,
  gtdValue: number, c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9, max_ls = 25): [number, Tensor, S, number] {
  const gtd = ten(gtdValue);
  let t = t0;
  const d_norm = ten(d.abs().max().item() as number);
  const g = g0.clone();
  let [f_new_v, g_new] = obj_func(x, t.v, d);
  let f_new = py(f_new_v);
  let ls_func_evals = 1;
  let gtd_new = dot(g_new, d);

  let t_prev: S = py(0);
  let f_prev: S = py(f);
  let g_prev = g;
  let gtd_prev = gtd;
  let done = false;
  let ls_iter = 0;
  let bracket: S[] = [];
  let bracket_f: S[] = [];
  let bracket_g: Tensor[] = [];
  let bracket_gtd: S[] = [];
  const armijoFails = (tt: S, fn: S): boolean => gt(fn, add(f, mul(mul(c1, tt), gtd)));
  const curvatureHolds = (gn: S): boolean => le(abs(gn), mul(-c2, gtd));
  while (ls_iter < max_ls) {
    // Armijo condition fails, or no decrease: the minimum is bracketed.
    if (armijoFails(t, f_new) || (ls_iter > 1 && ge(f_new, f_prev))) {
      [bracket, bracket_f, bracket_g, bracket_gtd] = [[t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new]];
      break;
    }
    if (curvatureHolds(gtd_new)) { // strong Wolfe conditions hold
      [bracket, bracket_f, bracket_g] = [[t], [f_new], [g_new]];
      done = true;
      break;
    }
    if (ge(gtd_new, 0)) {
      [bracket, bracket_f, bracket_g, bracket_gtd] = [[t_prev, t], [f_prev, f_new], [g_prev, g_new.clone()], [gtd_prev, gtd_new]];
      break;
    }
    // Extrapolate.
    const min_step = add(t, mul(0.01, sub(t, t_prev)));
    const max_step = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, [min_step, max_step]);
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new.clone();
    gtd_prev = gtd_new;
    [f_new_v, g_new] = obj_func(x, t.v, d);
    f_new = py(f_new_v);
    ls_func_evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter === max_ls) {
    [bracket, bracket_f, bracket_g] = [[py(0), t], [py(f), f_new], [g, g_new]];
  }

  // Zoom until the interval is small enough or the conditions hold.
  let insuf_progress = false;
  let [low_pos, high_pos] = le(bracket_f[0], bracket_f[bracket_f.length - 1]) ? [0, 1] : [1, 0];
  while (!done && ls_iter < max_ls) {
    if (lt(mul(abs(sub(bracket[1], bracket[0])), d_norm), tolerance_change)) break;
    t = cubicInterpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    const hi = max2(bracket[0], bracket[1]);
    const lo = min2(bracket[0], bracket[1]);
    const eps = mul(0.1, sub(hi, lo));
    if (lt(min2(sub(hi, t), sub(t, lo)), eps)) {
      if (insuf_progress || ge(t, hi) || le(t, lo)) {
        t = lt(abs(sub(t, hi)), abs(sub(t, lo))) ? sub(hi, eps) : add(lo, eps);
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    [f_new_v, g_new] = obj_func(x, t.v, d);
    f_new = py(f_new_v);
    ls_func_evals += 1;
    gtd_new = dot(g_new, d);
    ls_iter += 1;
    if (armijoFails(t, f_new) || ge(f_new, bracket_f[low_pos])) {
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = g_new.clone();
      bracket_gtd[high_pos] = gtd_new;
      [low_pos, high_pos] = le(bracket_f[0], bracket_f[1]) ? [0, 1] : [1, 0];
    } else {
      if (curvatureHolds(gtd_new)) {
        done = true;
      } else if (ge(mul(gtd_new, sub(bracket[high_pos], bracket[low_pos])), 0)) {
        bracket[high_pos] = bracket[low_pos];
        bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos];
        bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = g_new.clone();
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  return [bracket_f[low_pos].v, bracket_g[low_pos], bracket[low_pos], ls_func_evals];
}
