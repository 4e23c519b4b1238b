// torch.dtype: the codes are c10::ScalarType's, which are stable across LibTorch versions.
import { native } from './binding';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint8ClampedArray;

type TypedArrayCtor = new (buffer: ArrayBuffer) => TypedArray;

export class DType {
  /** @internal */
  constructor(
    readonly name: string,
    /** c10::ScalarType code */
    readonly code: number,
    readonly itemsize: number,
    readonly is_floating_point: boolean,
    readonly is_complex: boolean,
    /** The TypedArray that holds this dtype's values when exported. */
    readonly arrayType: TypedArrayCtor,
  ) {}
  toString(): string {
    return `torch.${this.name}`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export const uint8 = new DType('uint8', 0, 1, false, false, Uint8Array);
export const int8 = new DType('int8', 1, 1, false, false, Int8Array);
export const int16 = new DType('int16', 2, 2, false, false, Int16Array);
export const int32 = new DType('int32', 3, 4, false, false, Int32Array);
export const int64 = new DType('int64', 4, 8, false, false, BigInt64Array);
// Half and bfloat16 export as float32: Node 20 has no Float16Array.
export const float16 = new DType('float16', 5, 2, true, false, Float32Array);
export const float32 = new DType('float32', 6, 4, true, false, Float32Array);
export const float64 = new DType('float64', 7, 8, true, false, Float64Array);
export const complex64 = new DType('complex64', 9, 8, false, true, Float32Array);
export const complex128 = new DType('complex128', 10, 16, false, true, Float64Array);
export const bool = new DType('bool', 11, 1, false, false, Uint8Array);
export const bfloat16 = new DType('bfloat16', 15, 2, true, false, Float32Array);

// PyTorch's aliases.
export const float = float32;
export const double = float64;
export const half = float16;
export const long = int64;
export const int = int32;
export const short = int16;
export const cfloat = complex64;
export const cdouble = complex128;

const all = [uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16];
const byCode: DType[] = [];
for (const d of all) byCode[d.code] = d;

const byName = new Map<string, DType>([
  ...all.map((d) => [d.name, d] as [string, DType]),
  ['float', float32], ['double', float64], ['half', float16], ['long', int64], ['int', int32],
  ['short', int16], ['cfloat', complex64], ['cdouble', complex128],
]);

export function dtypeFromCode(code: number): DType {
  const d = byCode[code];
  if (!d) throw new TypeError(`torchnode does not support the scalar type with code ${code}`);
  return d;
}

/** A dtype given as a DType or as a name ('float32', 'torch.float32', 'long'...). */
export type DTypeLike = DType | string;

export function toDType(d: DTypeLike): DType {
  if (d instanceof DType) return d;
  if (typeof d === 'string') {
    const found = byName.get(d.startsWith('torch.') ? d.slice(6) : d);
    if (found) return found;
    throw new TypeError(`unknown dtype '${d}'; expected one of ${[...byName.keys()].join(', ')}`);
  }
  throw new TypeError(`expected a torch dtype, got ${typeof d}`);
}

// The default dtype is LibTorch's own, which is process-wide as in PyTorch: set in a worker, it
// applies to every thread. Reading it from LibTorch keeps get_default_dtype() in agreement with
// what arange/linspace/tensor() use on every thread.
export function get_default_dtype(): DType {
  return dtypeFromCode(native.getDefaultDtype());
}

export function set_default_dtype(d: DTypeLike): void {
  const dt = toDType(d);
  if (!dt.is_floating_point) throw new TypeError('only floating-point types are supported as the default type');
  native.setDefaultDtype(dt.code);
}

/** PyTorch's promotion between a dtype and a JS number's kind, for creation ops. */
export function dtypeForTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return float32;
  if (a instanceof Float64Array) return float64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof BigInt64Array) return int64;
  if (a instanceof Int16Array) return int16;
  if (a instanceof Int8Array) return int8;
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return uint8;
  // Uint16Array, Uint32Array, BigUint64Array...: torchnode has no such dtype, and taking their
  // bytes as uint8 would be a wrong answer.
  const name = (a as object)?.constructor?.name ?? typeof a;
  throw new TypeError(`a ${name} has no torchnode dtype; convert it first (e.g. Int32Array.from(a) or Float64Array.from(a))`);
}
