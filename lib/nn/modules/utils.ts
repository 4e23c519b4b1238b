// Helpers shared by the layer modules, after torch/nn/modules/utils.py (_single, _pair...), and
// the Python-style formatting their extra_repr() needs so that reprs read exactly like PyTorch's.
import { Tensor } from '../../tensor';
import { empty } from '../../creation';
import { keep } from '../../memory';
import { DTypeLike } from '../../dtype';
import { DeviceLike } from '../../device';
import { Parameter } from '../parameter';

export type Ints = number | number[];

/** _ntuple(n)(x): a number repeated n times, or the array itself when it has n entries. */
export function _ntuple(n: number, x: Ints, name = 'argument'): number[] {
  if (Array.isArray(x)) {
    if (x.length !== n || !x.every((v) => Number.isInteger(v))) {
      throw new TypeError(`${name} must be an integer or a list of ${n} integers, got [${x.join(', ')}]`);
    }
    return x.slice();
  }
  if (!Number.isInteger(x)) throw new TypeError(`${name} must be an integer or a list of ${n} integers, got ${String(x)}`);
  return new Array<number>(n).fill(x);
}

export const _single = (x: Ints, name?: string): number[] => _ntuple(1, x, name);
export const _pair = (x: Ints, name?: string): number[] => _ntuple(2, x, name);
export const _triple = (x: Ints, name?: string): number[] => _ntuple(3, x, name);

/** [a, b] -> [b, b, a, a]: the layout F.pad wants for per-dimension padding. */
export function _reverse_repeat_tuple(t: number[], n: number): number[] {
  return t.slice().reverse().flatMap((x) => new Array<number>(n).fill(x));
}

/** A float as Python's str() prints it: 0.1, 1e-05, 1.0. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, expPart] = x.toExponential().split('e');
  const exp = Number(expPart);
  // Python switches to scientific notation below 1e-4 and from 1e16, with a 2-digit exponent.
  if (x !== 0 && (exp < -4 || exp >= 16)) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/**
 * A value as Python's str() prints it, for values that are ints, bools, None or tuples in
 * PyTorch (arrays print as tuples, since Python code passes tuples there).
 */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return v.length === 1 ? `(${pyStr(v[0])},)` : `(${v.map(pyStr).join(', ')})`;
  return String(v);
}

/** Python's repr() of a str: 'none'. */
export function pyRepr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Where a layer's parameters and buffers are made: PyTorch's `device` and `dtype` keyword
 * arguments (`factory_kwargs`).
 */
export interface FactoryOptions {
  /** The device of the parameters (default: `torch.get_default_device()`, the CPU unless set). */
  device?: DeviceLike;
  /** The dtype of the floating-point parameters (default: `torch.get_default_dtype()`). */
  dtype?: DTypeLike;
}

/**
 * A new, uninitialised Parameter of the given shape. Kept (torch.keep) so that a module built
 * inside torch.tidy() still owns its weights after the scope ends.
 */
export function newParameter(shape: number[], options: FactoryOptions = {}): Parameter {
  return keep(new Parameter(empty(shape, factoryOptions(options))));
}

/** Persistent module state made in a constructor (buffers): outlives any enclosing scope. */
export function newState(t: Tensor): Tensor {
  return keep(t);
}

export function factoryOptions(options: FactoryOptions): { device?: DeviceLike; dtype?: DTypeLike } {
  const out: { device?: DeviceLike; dtype?: DTypeLike } = {};
  if (options.device != null) out.device = options.device;
  if (options.dtype != null) out.dtype = options.dtype;
  return out;
}

/** Dropout's argument check, with PyTorch's message. */
export function checkProbability(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout probability has to be between 0 and 1, but got ${typeof p === 'number' ? pyFloat(p) : String(p)}`);
  }
}
