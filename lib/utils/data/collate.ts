// default_collate: turns a list of samples into a batch, recursing through arrays and objects.
import { Tensor, describe } from '../../tensor';
import { stack } from '../../functions';
import { from_typed_array, tensor } from '../../creation';
import { bool, float64, int64, TypedArray } from '../../dtype';

/**
 * The batch default_collate makes from samples of type T: tensors, numbers, booleans and
 * TypedArrays become one Tensor; strings a string array; arrays (tuples) are collated element
 * by element, keeping their shape (`[Tensor, number]` gives `[Tensor, Tensor]`); plain objects
 * key by key. Any other type is `unknown` (default_collate rejects it at run time).
 */
export type Collated<T> = T extends Tensor | number | boolean | TypedArray
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : unknown;

/**
 * torch.utils.data.default_collate: https://pytorch.org/docs/stable/data.html#torch.utils.data.default_collate
 * PyTorch's default_collate:
 *  - tensors: torch.stack along a new first dimension;
 *  - numbers: one tensor, int64 when all are integers, float64 otherwise (JS cannot tell 1.0
 *    from 1, so a batch of whole-number floats becomes int64; return tensors to avoid that);
 *  - booleans: a bool tensor; strings: kept as a string array;
 *  - TypedArrays of equal length (PyTorch's numpy arrays): one [batch, length] tensor;
 *  - arrays (tuples): transposed, [[x0, y0], [x1, y1]] -> [collate([x0, x1]), collate([y0, y1])];
 *  - plain objects: by key, [{x, y}, ...] -> {x: collate(xs), y: collate(ys)}.
 */
// `const T`: literal samples infer as tuples ([x, 0] as [Tensor, number], not (Tensor | number)[]).
export function default_collate<const T>(batch: readonly T[]): Collated<T>;
export function default_collate(batch: readonly unknown[]): unknown {
  if (!Array.isArray(batch) || batch.length === 0) throw new TypeError('default_collate(): expected a non-empty array of samples');
  const elem = batch[0];
  if (elem instanceof Tensor) {
    requireAll(batch, (b) => b instanceof Tensor, 'Tensor');
    return stack(batch as Tensor[], 0);
  }
  if (typeof elem === 'number') {
    requireAll(batch, (b) => typeof b === 'number', 'number');
    const nums = batch as number[];
    const dtype = nums.every(Number.isInteger) ? int64 : float64;
    return from_typed_array(Float64Array.from(nums), [nums.length], { dtype });
  }
  if (typeof elem === 'boolean') {
    requireAll(batch, (b) => typeof b === 'boolean', 'boolean');
    return tensor(batch as boolean[], { dtype: bool });
  }
  if (typeof elem === 'string') {
    requireAll(batch, (b) => typeof b === 'string', 'string');
    return Array.from(batch);
  }
  if (ArrayBuffer.isView(elem) && !(elem instanceof DataView)) return collateTypedArrays(batch as TypedArray[]);
  if (Array.isArray(elem)) {
    requireAll(batch, Array.isArray, 'Array');
    const size = elem.length;
    if ((batch as unknown[][]).some((b) => b.length !== size)) {
      throw new RangeError('each element in list of batch should be of equal size');
    }
    return elem.map((_, i) => default_collate((batch as unknown[][]).map((b) => b[i])));
  }
  if (isPlainObject(elem)) {
    requireAll(batch, isPlainObject, 'object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) {
      out[key] = default_collate((batch as Record<string, unknown>[]).map((b) => {
        if (!(key in b)) throw new TypeError(`default_collate(): a sample lacks the key '${key}' that the first one has`);
        return b[key];
      }));
    }
    return out;
  }
  throw new TypeError(`default_collate: batch must contain tensors, numbers, booleans, strings, TypedArrays, arrays or objects; found ${describe(elem)}`);
}

function requireAll(batch: readonly unknown[], test: (b: unknown) => boolean, what: string): void {
  const i = batch.findIndex((b) => !test(b));
  if (i >= 0) throw new TypeError(`default_collate(): samples mix types: the first is a ${what}, sample ${i} is a ${describe(batch[i])}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** One copy into a single buffer, one tensor: no per-sample tensors. */
function collateTypedArrays(batch: TypedArray[]): Tensor {
  const first = batch[0];
  const Ctor = first.constructor as new (n: number) => TypedArray;
  for (const b of batch) {
    if (b.constructor !== Ctor || b.length !== first.length) {
      throw new TypeError('default_collate(): TypedArrays in a batch must share their type and length');
    }
  }
  const out = new Ctor(batch.length * first.length);
  batch.forEach((b, i) => (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(b, i * first.length));
  return from_typed_array(out, [batch.length, first.length]);
}
