// PyTorch keyword arguments become a trailing options object: x.sum(1, { keepdim: true }).
// This turns positional values plus that object into one positional list, with Python's errors.
import { DType } from './dtype';
import { Device } from './device';

/**
 * The argument list of a PyTorch-style signature: a prefix of the positional parameters `P`
 * (in order, each with its own type), optionally followed by one options object `O` for the
 * keyword arguments. `PyArgs<[boolean, DeviceLike], { bias?: boolean }>` accepts `()`,
 * `(true)`, `(true, 'cpu')`, `({ bias })`, `(true, { ... })`... and rejects an extra positional
 * or a positional of the wrong type, which a plain `(boolean | Options)[]` rest would let through.
 * (A keyword that repeats a positional is caught at run time, as Python's "multiple values".)
 */
export type PyArgs<P extends unknown[], O> = P extends [...infer Init, unknown]
  ? P | [...P, O] | PyArgs<Init, O>
  : [] | [O];

/** @internal */
export interface TensorLikeObject {
  h: number;
}

/** @internal Whether x is a trailing keyword-options object. */
// Options are plain objects ({...} literals): an object of some class (a look-alike Tensor made
// from Tensor.prototype, say) is a positional argument, which then fails as one.
export function isOptions(x: unknown, isTensor: (v: unknown) => boolean): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return (proto === Object.prototype || proto === null) && !isTensor(x);
}

let tensorCheck: (v: unknown) => boolean = () => false;
/** @internal wired by tensor.ts */
export function setArgsTensorCheck(fn: (v: unknown) => boolean): void {
  tensorCheck = fn;
}

/** @internal Merges positional args and a trailing keyword object into the order of `names`. */
export function params(fname: string, args: ArrayLike<unknown>, names: readonly string[]): unknown[] {
  let n = args.length;
  let opts: Record<string, unknown> | undefined;
  if (n > 0 && isOptions(args[n - 1], tensorCheck)) {
    opts = args[n - 1] as Record<string, unknown>;
    n--;
  }
  if (n > names.length) throw new TypeError(`${fname}() takes at most ${names.length} positional arguments but ${n} were given`);
  const out = new Array<unknown>(names.length);
  for (let i = 0; i < n; i++) out[i] = args[i];
  if (opts) {
    for (const k of Object.keys(opts)) {
      const i = names.indexOf(k);
      if (i < 0) throw new TypeError(`${fname}() got an unexpected keyword argument '${k}'`);
      if (i < n && args[i] !== undefined) throw new TypeError(`${fname}() got multiple values for argument '${k}'`);
      out[i] = opts[k];
    }
  }
  return out;
}

/** @internal Sizes given variadically (view(2, 3)) or as one array (view([2, 3])). */
export function sizesArg(fname: string, args: ArrayLike<unknown>): number[] {
  const first = args[0];
  const list = Array.isArray(first) ? first : Array.from(args);
  for (const s of list) {
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      throw new TypeError(`${fname}(): sizes must be integers, got ${typeof s === 'number' ? s : typeof s}`);
    }
  }
  return list as number[];
}
