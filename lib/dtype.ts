// torch.dtype: the codes are c10::ScalarType's, which are stable across LibTorch versions.
import { native } from './binding';

/** The TypedArrays that a tensor can be made from or exported to (no Uint16/32, BigUint64: no such dtype here). */
export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint8ClampedArray;

type TypedArrayCtor = { new (buffer: ArrayBuffer): TypedArray; readonly BYTES_PER_ELEMENT: number };

/** The canonical dtype names: a DType's `name`, as PyTorch prints them after `torch.`. */
export type DTypeName =
  | 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64'
  | 'complex64' | 'complex128' | 'bool' | 'bfloat16';

/** PyTorch's alias names for dtypes (`torch.float` is `torch.float32`, ...). */
export type DTypeAlias = 'float' | 'double' | 'half' | 'long' | 'int' | 'short' | 'cfloat' | 'cdouble';

/**
 * torch.dtype: https://pytorch.org/docs/stable/tensor_attributes.html#torch.dtype
 *
 * The objects are `torch.float32`, `torch.int64`... (one per dtype; compare with `===`). Unlike
 * PyTorch, the dtypes without a torchnode kernel path (uint16/32/64, float8, quantized) are absent.
 */
export class DType {
  /** @internal */
  constructor(
    /** The canonical name, e.g. 'float32' (PyTorch prints `torch.float32`). */
    readonly name: DTypeName,
    /** The c10::ScalarType code (stable across LibTorch versions); not in PyTorch's Python API. */
    readonly code: number,
    /** Bytes per element, as PyTorch's `dtype.itemsize`. */
    readonly itemsize: number,
    /** As PyTorch's `dtype.is_floating_point` (false for complex dtypes). */
    readonly is_floating_point: boolean,
    /** As PyTorch's `dtype.is_complex`. */
    readonly is_complex: boolean,
    /** The TypedArray that holds this dtype's values when exported. */
    readonly arrayType: TypedArrayCtor,
  ) {}
  /** `torch.<name>`, as PyTorch's repr. */
  toString(): string {
    return `torch.${this.name}`;
  }
  /** What console.log and util.inspect show: `torch.float32`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** `torch.uint8` (see {@link DType}). */
export const uint8 = new DType('uint8', 0, 1, false, false, Uint8Array);
/** `torch.int8` (see {@link DType}). */
export const int8 = new DType('int8', 1, 1, false, false, Int8Array);
/** `torch.int16` (see {@link DType}). */
export const int16 = new DType('int16', 2, 2, false, false, Int16Array);
/** `torch.int32` (see {@link DType}). */
export const int32 = new DType('int32', 3, 4, false, false, Int32Array);
/** `torch.int64` (see {@link DType}). */
export const int64 = new DType('int64', 4, 8, false, false, BigInt64Array);
// Half and bfloat16 export as float32: Node 20 has no Float16Array.
/** `torch.float16` (see {@link DType}). */
export const float16 = new DType('float16', 5, 2, true, false, Float32Array);
/** `torch.float32` (see {@link DType}). */
export const float32 = new DType('float32', 6, 4, true, false, Float32Array);
/** `torch.float64` (see {@link DType}). */
export const float64 = new DType('float64', 7, 8, true, false, Float64Array);
/** `torch.complex64` (see {@link DType}). */
export const complex64 = new DType('complex64', 9, 8, false, true, Float32Array);
/** `torch.complex128` (see {@link DType}). */
export const complex128 = new DType('complex128', 10, 16, false, true, Float64Array);
/** `torch.bool` (see {@link DType}). */
export const bool = new DType('bool', 11, 1, false, false, Uint8Array);
/** `torch.bfloat16` (see {@link DType}). */
export const bfloat16 = new DType('bfloat16', 15, 2, true, false, Float32Array);

// PyTorch's aliases.
/** `torch.float`, PyTorch's alias of `torch.float32`. */
export const float = float32;
/** `torch.double`, PyTorch's alias of `torch.float64`. */
export const double = float64;
/** `torch.half`, PyTorch's alias of `torch.float16`. */
export const half = float16;
/** `torch.long`, PyTorch's alias of `torch.int64`. */
export const long = int64;
/** `torch.int`, PyTorch's alias of `torch.int32`. */
export const int = int32;
/** `torch.short`, PyTorch's alias of `torch.int16`. */
export const short = int16;
/** `torch.cfloat`, PyTorch's alias of `torch.complex64`. */
export const cfloat = complex64;
/** `torch.cdouble`, PyTorch's alias of `torch.complex128`. */
export const cdouble = complex128;

/**
 * What `Tensor.tolist()` returns, as PyTorch's `tolist`: numbers (booleans for a bool tensor)
 * nested one array level per dimension; a 0-d tensor gives the bare number or boolean.
 * int64 values beyond 2^53 lose precision as JS numbers; complex tensors are not supported.
 */
export type NestedList = number | boolean | NestedList[];

const all = [uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16];
const byCode: DType[] = [];
for (const d of all) byCode[d.code] = d;

const byName = new Map<string, DType>([
  ...all.map((d) => [d.name, d] as [string, DType]),
  ['float', float32], ['double', float64], ['half', float16], ['long', int64], ['int', int32],
  ['short', int16], ['cfloat', complex64], ['cdouble', complex128],
]);

/** @internal The DType of a c10::ScalarType code. */
export function dtypeFromCode(code: number): DType {
  const d = byCode[code];
  if (!d) throw new TypeError(`torchnode does not support the scalar type with code ${code}`);
  return d;
}

/**
 * A dtype given as a DType or as a name ('float32', 'torch.float32', 'long'...). Only the names
 * torchnode knows type-check: `{ dtype: 'float33' }` is a compile error (PyTorch takes only the
 * objects; the names are a JS convenience).
 */
export type DTypeLike = DType | DTypeName | DTypeAlias | `torch.${DTypeName | DTypeAlias}`;

/**
 * @internal The DType for a DTypeLike; a string from outside the type system (a CLI flag, JSON)
 * is checked here, with the known names in the error.
 */
export function toDType(d: DTypeLike | string): DType {
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
/** torch.get_default_dtype: https://pytorch.org/docs/stable/generated/torch.get_default_dtype.html */
export function get_default_dtype(): DType {
  return dtypeFromCode(native.getDefaultDtype());
}

/**
 * torch.set_default_dtype: https://pytorch.org/docs/stable/generated/torch.set_default_dtype.html
 * Process-wide (it is LibTorch's), so setting it in a worker thread applies to all threads.
 */
export function set_default_dtype(d: DTypeLike): void {
  const dt = toDType(d);
  if (!dt.is_floating_point) throw new TypeError('only floating-point types are supported as the default type');
  native.setDefaultDtype(dt.code);
}

/** @internal The dtype that holds a TypedArray's values without conversion. */
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
