// torch.autograd.gradcheck: compares the gradients autograd computes with central finite
// differences, as PyTorch's slow (full Jacobian) mode does. For each input that requires grad
// and each output that does, the numerical Jacobian comes from perturbing one input element at
// a time by ±eps, the analytical one from one vector-Jacobian product per output element
// (autograd.grad with a one-hot grad_output), computed twice to catch a backward that is not
// reentrant. Real floating inputs only; use float64 (the defaults are tuned for it).
import { Tensor, isTensor, describe } from './tensor';
import { warn } from './warnings';
import { tensor } from './creation';
import { float64 } from './dtype';
import { tidy } from './memory';
import { grad } from './autograd';
import { TorchError } from './errors';

/** The keyword arguments of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Perturbation for the finite differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** false: return false instead of throwing a GradcheckError when the check fails (default true). */
  raise_exception?: boolean;
  /** Tolerance between two identical backward passes; 0 (default): they must match exactly. */
  nondet_tol?: number;
}

/**
 * A failed gradcheck, as PyTorch's `torch.autograd.gradcheck.GradcheckError`; its `code` is
 * classified from the message like any TorchError.
 * @see https://pytorch.org/docs/stable/generated/torch.autograd.gradcheck.gradcheck.html
 */
export class GradcheckError extends TorchError {
  /** Makes the error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = 'GradcheckError';
  }
}

/** The function under test: takes the inputs, returns a tensor or an array of tensors. */
type Fn = (...args: any[]) => unknown;

/**
 * `torch.autograd.gradcheck(fn, inputs, { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raise_exception = true,
 * nondet_tol = 0 })`: compares the gradients autograd computes for `fn` with central finite differences
 * for every input that requires grad; `inputs` is a tensor or an array of arguments. Returns true, or
 * throws a GradcheckError (false with raise_exception: false).
 *
 * Differs from PyTorch: only the slow (full Jacobian) mode, real floating inputs only, and no
 * `check_undefined_grad`, `check_batched_grad`, `check_forward_ad` or `fast_mode` options. Use float64
 * inputs: the defaults are tuned for them.
 * @see https://pytorch.org/docs/stable/generated/torch.autograd.gradcheck.gradcheck.html
 */
export function gradcheck(fn: Fn, inputs: unknown, options: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raise_exception = true, nondet_tol = 0 } = options;
  if (typeof fn !== 'function') throw new TypeError(`gradcheck(): fn must be a function, not ${describe(fn)}`);
  const args: unknown[] = isTensor(inputs) ? [inputs] : Array.isArray(inputs) ? inputs : [inputs];
  const diffInputs = checkInputs(args);
  try {
    slowGradcheck(fn, args, diffInputs, eps, atol, rtol, nondet_tol);
  } catch (e) {
    if (e instanceof GradcheckError && !raise_exception) return false;
    throw e;
  }
  return true;
}

/** Indices of the inputs to differentiate, after PyTorch's checks on them. */
function checkInputs(args: unknown[]): number[] {
  const idx: number[] = [];
  args.forEach((a, i) => {
    if (!isTensor(a) || !a.requires_grad) return;
    if (a.dtype.is_complex) throw new TypeError(`gradcheck(): input #${i} is complex, which this gradcheck does not support yet`);
    if (a.dtype !== float64) {
      warn(`Input #${i} requires gradient and is not a double precision floating point or complex. `
        + 'This check will likely fail if all the inputs are not of double precision floating point or complex. ');
    }
    const shape = a.shape;
    if (!a.stride().every((st, d) => st > 0 || shape[d] <= 1)) {
      throw new TorchError(`The ${i}th input has a dimension with stride 0. gradcheck only supports inputs that are `
        + 'non-overlapping to be able to compute the numerical gradients correctly. You should call .contiguous on the '
        + 'input before passing it to gradcheck.');
    }
    idx.push(i);
  });
  if (idx.length === 0) {
    throw new TypeError('gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.');
  }
  return idx;
}

function outputsOf(result: unknown): Tensor[] {
  const list = Array.isArray(result) ? result : [result];
  return list.filter(isTensor);
}

function flat(t: Tensor): Float64Array {
  return Float64Array.from(t.detach().toTypedArray() as ArrayLike<number>, Number);
}

/** A Jacobian: rows index the input's elements, columns the output's, as PyTorch lays them out. */
interface Jacobian {
  rows: number;
  cols: number;
  data: Float64Array;
}

function slowGradcheck(fn: Fn, args: unknown[], diffInputs: number[], eps: number, atol: number, rtol: number, nondetTol: number): void {
  const outputs = outputsOf(fn(...args));
  const diffOutputs = outputs.map((o, i) => (o.requires_grad ? i : -1)).filter((i) => i >= 0);
  const numerical = numericalJacobians(fn, args, diffInputs, outputs, eps);
  if (diffOutputs.length === 0) {
    if (numerical.some((row) => row.some((j) => j.data.some((v) => v !== 0)))) {
      throw new GradcheckError('Numerical gradient for function expected to be zero');
    }
    return;
  }
  diffOutputs.forEach((outIdx, i) => {
    const analytical = analyticalJacobians(args, diffInputs, outputs[outIdx], nondetTol);
    diffInputs.forEach((_, j) => {
      const a = analytical[j];
      const n = numerical[j][outIdx];
      if (!allclose(a.data, n.data, rtol, atol)) {
        throw new GradcheckError(`Jacobian mismatch for output ${i} with respect to input ${j},\n`
          + `numerical:${show(n)}\nanalytical:${show(a)}\n`);
      }
    });
  });
}

/** Per differentiable input, per output: d output / d input by central differences. */
function numericalJacobians(fn: Fn, args: unknown[], diffInputs: number[], outputs: Tensor[], eps: number): Jacobian[][] {
  return diffInputs.map((k) => {
    const x = args[k] as Tensor;
    const base = x.detach().toTypedArray() as Float32Array | Float64Array;
    const jac = outputs.map((o) => ({ rows: base.length, cols: o.numel(), data: new Float64Array(base.length * o.numel()) }));
    const evalAt = (pos: number, value: number): Float64Array[] =>
      tidy(() => {
        const data = base.slice();
        data[pos] = value;
        // a new tensor in place of x, as PyTorch's in-place perturbation keeps x's requires_grad
        // and device (not the default device: torch.set_default_device)
        const perturbed = tensor(data, { dtype: x.dtype, device: x.device }).reshape(x.shape).requires_grad_(x.requires_grad);
        const replaced = args.map((a, i) => (i === k ? perturbed : a));
        const outs = outputsOf(fn(...replaced));
        outs.forEach((o, i) => checkSameShape(outputs[i], o, pos, eps));
        return outs.map(flat);
      });
    for (let e = 0; e < base.length; e++) {
      const orig = base[e];
      const minus = evalAt(e, orig - eps);
      const plus = evalAt(e, orig + eps);
      jac.forEach((j, o) => {
        for (let c = 0; c < j.cols; c++) j.data[e * j.cols + c] = (plus[o][c] - minus[o][c]) / (2 * eps);
      });
    }
    return jac;
  });
}

function checkSameShape(expected: Tensor | undefined, got: Tensor, idx: number, eps: number): void {
  if (expected === undefined) throw new GradcheckError('Expected `func` to return the same number of outputs when inputs are perturbed');
  const a = expected.shape;
  const b = got.shape;
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
    throw new GradcheckError(`Expected \`func\` to return outputs with the same shape when inputs are perturbed on index ${idx} by ${eps}, but got: shapes [${a}] and [${b}].`);
  }
}

/** Per differentiable input: d output / d input from autograd, one one-hot grad_output per output element. */
function analyticalJacobians(args: unknown[], diffInputs: number[], output: Tensor, nondetTol: number): Jacobian[] {
  const xs = diffInputs.map((k) => args[k] as Tensor);
  const m = output.numel();
  const compute = (): Jacobian[] => {
    const jac = xs.map((x) => ({ rows: x.numel(), cols: m, data: new Float64Array(x.numel() * m) }));
    for (let c = 0; c < m; c++) {
      const columns = tidy(() => {
        const oneHot = new Float64Array(m);
        oneHot[c] = 1;
        const go = tensor(oneHot, { dtype: output.dtype, device: output.device }).reshape(output.shape);
        const grads = grad(output, xs, { grad_outputs: go, retain_graph: true, allow_unused: true });
        return grads.map((g, j) => {
          if (g === null) return new Float64Array(xs[j].numel());
          const gs = g.shape;
          const xsShape = xs[j].shape;
          if (gs.length !== xsShape.length || gs.some((s, d) => s !== xsShape[d])) throw new GradcheckError('Analytical gradient has incorrect size');
          return flat(g);
        });
      });
      columns.forEach((col, j) => {
        for (let r = 0; r < col.length; r++) jac[j].data[r * m + c] = col[r];
      });
    }
    return jac;
  };
  const first = compute();
  const second = compute();
  const reentrant = first.every((j, i) => j.data.every((v, p) => Math.abs(v - second[i].data[p]) <= nondetTol));
  if (!reentrant) {
    throw new GradcheckError('Backward is not reentrant, i.e., running backward with same input and grad_output multiple times '
      + `gives different values, although analytical gradient matches numerical gradient.The tolerance for nondeterminism was ${nondetTol}.`);
  }
  return first;
}

// torch.allclose(analytical, numerical, rtol, atol): NaN is never close.
function allclose(a: Float64Array, n: Float64Array, rtol: number, atol: number): boolean {
  return a.every((v, i) => v === n[i] || Math.abs(v - n[i]) <= atol + rtol * Math.abs(n[i]));
}

function show(j: Jacobian): string {
  return tidy(() => tensor(j.data, { dtype: float64 }).reshape([j.rows, j.cols]).toString());
}
