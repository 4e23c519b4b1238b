// Tensor creation: torch.tensor from JS data, and the factory functions (zeros, randn...).
import { native, Handle } from './binding';
import { DType, DTypeLike, toDType, get_default_dtype, dtypeForTypedArray, TypedArray, bool, int64, float32, float64 } from './dtype';
import { DeviceLike, deviceArg } from './device';
import { defaultDeviceArg } from './default_device';
import { Tensor, TensorOrScalar, wrap, describe, hOf, setCreation } from './tensor';
import { op, call } from './ops';
import { isOptions } from './args';

/**
 * The factory keyword arguments: https://pytorch.org/docs/stable/tensor_attributes.html
 * (layout, pin_memory and memory_format are not supported).
 */
export interface TensorOptions {
  /** The dtype (default: torch.get_default_dtype() for floats, or as inferred from the data). */
  dtype?: DTypeLike;
  /**
   * The device (default: torch.get_default_device(), the CPU unless torch.set_default_device
   * changed it; the input's device for the *_like functions).
   */
  device?: DeviceLike;
  /** Record operations on the result for autograd (default false). */
  requires_grad?: boolean;
  /**
   * Never set. A Tensor has dtype, device and requires_grad too, so without this member it
   * would pass for an options object and `torch.zeros(t)` would compile.
   */
  shape?: never;
}

/** Nested JS arrays of numbers or booleans, as torch.tensor takes (Python's nested lists). */
export type NestedArray = number | boolean | NestedArray[];
/** What torch.tensor takes: nested arrays, or a TypedArray (1-d). */
export type TensorData = NestedArray | TypedArray;

function finish(h: Handle, opts: TensorOptions | undefined): Tensor {
  const t = wrap(h);
  if (opts?.requires_grad) native.setRequiresGrad(t.h, true);
  return t;
}

/** [dtype, layout, device, pin_memory] as the factory schemas take them. */
type OptionArgs = [number | null | undefined, null, string | null, null];

/** The OptionArgs of opts; `fallback` is the device when none is given. */
function optionArgs(opts: TensorOptions | undefined, fallback: string | null): OptionArgs {
  return [opts?.dtype == null ? undefined : toDType(opts.dtype).code, null, opts?.device == null ? fallback : deviceArg(opts.device), null];
}

/** optionArgs for PyTorch's device constructors (torch/utils/_device.py): no device means the default one. */
function factoryArgs(opts: TensorOptions | undefined): OptionArgs {
  return optionArgs(opts, defaultDeviceArg());
}

/**
 * optionArgs for the *_like functions and normal, which PyTorch's set_default_device leaves alone:
 * no device means the input's (the CPU for normal).
 */
function likeArgs(opts: TensorOptions | undefined): OptionArgs {
  return optionArgs(opts, null);
}

/** The device a constructor makes its tensor on: the one asked for, else the default (null: the CPU). */
function targetDevice(device: DeviceLike | null | undefined): string | null {
  return device == null ? defaultDeviceArg() : deviceArg(device);
}

function checkOptions(fname: string, opts: unknown, allowed: readonly string[]): TensorOptions | undefined {
  if (opts === undefined) return undefined;
  for (const k of Object.keys(opts as object)) {
    if (!allowed.includes(k)) throw new TypeError(`${fname}() got an unexpected keyword argument '${k}'`);
  }
  return opts as TensorOptions;
}

const OPTION_KEYS = ['dtype', 'device', 'requires_grad'] as const;

/** Splits (...sizes, options?) or ([sizes], options?). */
function sizeAndOptions(fname: string, args: unknown[]): [number[], TensorOptions | undefined] {
  let opts: TensorOptions | undefined;
  let rest = args;
  const last = args[args.length - 1];
  if (args.length > 0 && isOptions(last, (v) => v instanceof Tensor)) {
    opts = checkOptions(fname, last, OPTION_KEYS);
    rest = args.slice(0, -1);
  }
  if (rest.length > 1 && rest.some((r) => typeof r !== 'number')) {
    const shown = rest.map((r) => (Array.isArray(r) ? JSON.stringify(r) : typeof r === 'number' ? String(r) : describe(r)));
    throw new TypeError(`${fname}(): size must be one array of integers or integers given separately, but got (${shown.join(', ')}); ` +
      `keyword arguments go in a trailing options object: ${fname}([2, 3], { dtype: torch.float64 })`);
  }
  const sizes = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  for (const s of sizes) {
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      throw new TypeError(`${fname}(): size must be a sequence of integers, got ${describe(s)}${typeof s === 'number' ? ` ${s}` : ''}`);
    }
    if (s < 0) throw new RangeError(`${fname}(): Trying to create tensor with negative dimension ${s}: [${sizes.join(', ')}]`);
  }
  return [sizes as number[], opts];
}

// ---- torch.tensor -------------------------------------------------------------------------------

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

type Kind = 'bool' | 'int' | 'float';

function flattenInto(data: NestedArray, shape: number[], dim: number, out: (number | boolean)[]): Kind {
  if (dim === shape.length) {
    if (typeof data === 'boolean') {
      out.push(data);
      return 'bool';
    }
    if (typeof data !== 'number') throw new TypeError(`Could not infer dtype of ${describe(data)}`);
    out.push(data);
    return Number.isInteger(data) ? 'int' : 'float';
  }
  if (!Array.isArray(data)) throw new TypeError(`expected sequence of length ${shape[dim]} at dim ${dim} (got a scalar)`);
  if (data.length !== shape[dim]) throw new TypeError(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${data.length})`);
  let kind: Kind | null = null;
  for (const d of data) {
    const k = flattenInto(d, shape, dim + 1, out);
    kind = kind === null ? k : join(kind, k);
  }
  return kind ?? 'float';
}

function join(a: Kind, b: Kind): Kind {
  if (a === 'float' || b === 'float') return 'float';
  if (a === 'int' || b === 'int') return 'int';
  return 'bool';
}

/**
 * torch.tensor(data, { dtype, device, requires_grad }). As in PyTorch, integers give int64,
 * any fractional number gives the default dtype, booleans give bool. JS cannot tell 1.0 from 1:
 * pass { dtype: torch.float32 } for whole-number float data. TypedArrays keep their type.
 */
export function tensor(data: TensorData | Tensor, options?: TensorOptions): Tensor {
  const opts = checkOptions('tensor', options, OPTION_KEYS);
  const device = targetDevice(opts?.device);
  if (data instanceof Tensor) {
    const t = data.detach().clone();
    return finishTo(t, { ...opts, device: (device ?? undefined) as DeviceLike | undefined });
  }
  let values: ArrayLike<number | boolean | bigint>;
  let shape: number[];
  let target: DType;
  if (ArrayBuffer.isView(data)) {
    values = data as TypedArray;
    shape = [values.length];
    target = opts?.dtype != null ? toDType(opts.dtype) : dtypeForTypedArray(data as TypedArray);
  } else {
    shape = inferShape(data);
    const flat: (number | boolean)[] = [];
    const kind = shape.includes(0) ? 'float' : flattenInto(data, shape, 0, flat);
    values = flat;
    // Whole numbers are int64, but int tensors cannot require grad: with requires_grad the
    // user wrote floats that JS printed without a decimal point (Python's [1., 2.]).
    const intKind = kind === 'int' && !opts?.requires_grad;
    target = opts?.dtype != null ? toDType(opts.dtype) : kind === 'bool' ? bool : intKind ? int64 : get_default_dtype();
  }
  // One crossing into native code with dtype, device and requires_grad: JS numbers already in
  // the target dtype where JS has an array for it (float16, bfloat16 and complex convert there);
  // a TypedArray as it is, cast there as PyTorch casts a numpy array.
  const [buf, dtype] = ArrayBuffer.isView(values) ? [values as TypedArray, dtypeForTypedArray(values as TypedArray)] : asBuffer(values as (number | boolean)[], target);
  return wrap(native.fromBuffer(buf, dtype.code, shape, device ?? undefined, Boolean(opts?.requires_grad), target.code));
}

// The values each dtype holds: a JS number outside them is an error, as PyTorch's
// "value cannot be converted to type ... without overflow"; unsigned types take negatives down to
// -max and wrap them, as PyTorch does.
const RANGES: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647], int64: [-(2 ** 63), 9223372036854774784 /* the largest double below 2^63 */],
  uint8: [-255, 255], float32: [-3.4028234663852886e38, 3.4028234663852886e38], float16: [-65504, 65504],
  bfloat16: [-3.3895313892515355e38, 3.3895313892515355e38],
};

function checkRange(v: number, target: DType): void {
  const r = RANGES[target.name];
  if (!r || Number.isNaN(v) && target.is_floating_point) return;
  if (Number.isNaN(v) || (Number.isFinite(v) ? v < r[0] || v > r[1] : !target.is_floating_point)) {
    throw new RangeError(`tensor(): value ${v} cannot be converted to type ${target.name} without overflow`);
  }
}

/** JS numbers as a typed array of the target dtype, or of float64 where JS has no such array. */
function asBuffer(values: (number | boolean)[], target: DType): [TypedArray, DType] {
  // As PyTorch: NaN is true, like every other non-zero number.
  if (target === bool) return [Uint8Array.from(values, (v) => (Number(v) !== 0 ? 1 : 0)), bool];
  for (const v of values) checkRange(Number(v), target);
  if (target.arrayType === BigInt64Array) {
    // As PyTorch casts: toward zero (tensor([1.7], dtype=int64) is 1).
    return [BigInt64Array.from(values, (v) => BigInt(Math.trunc(Number(v)))), target];
  }
  const jsItemSize = (target.arrayType as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (!target.is_complex && target.itemsize === jsItemSize) {
    const ctor = target.arrayType as unknown as { from(a: ArrayLike<number>, f: (v: number) => number): TypedArray };
    const toNumber = target.is_floating_point ? Number : (v: number) => Math.trunc(Number(v));
    return [ctor.from(values as number[], toNumber), target];
  }
  return [Float64Array.from(values, Number), float64];
}

function finishTo(t: Tensor, opts: TensorOptions | undefined): Tensor {
  let out = t;
  const wantDtype = opts?.dtype != null ? toDType(opts.dtype) : undefined;
  if ((wantDtype && wantDtype !== out.dtype) || opts?.device != null) {
    out = t.to({ dtype: wantDtype, device: opts?.device });
    t.dispose();
  }
  if (opts?.requires_grad) out.requires_grad_(true);
  return out;
}

/**
 * A tensor over a copy of a TypedArray's elements, with the given shape: torchnode's torch.from_numpy,
 * so like it on the CPU whatever torch.set_default_device says (pass `device` to place it).
 */
export function from_typed_array(data: TypedArray, shape: number[], options?: TensorOptions): Tensor {
  const h = native.fromBuffer(data, dtypeForTypedArray(data).code, shape);
  return finishTo(wrap(h), options);
}

// ---- factories ----------------------------------------------------------------------------------

function factory(name: string) {
  const o = op(name);
  return (...args: unknown[]): Tensor => {
    const [size, opts] = sizeAndOptions(name, args);
    return finish(call(o.get(), size, ...factoryArgs(opts)), opts);
  };
}

/**
 * A size given variadically (`zeros(2, 3)`) or as one array (`zeros([2, 3])`), optionally
 * followed by the options object, as PyTorch's `*size` / `size` plus keywords.
 */
export type SizeArgs = [...size: number[]] | [...size: number[], options: TensorOptions] | [size: readonly number[], options?: TensorOptions];

/** torch.zeros(*size, dtype, device, requires_grad): https://pytorch.org/docs/stable/generated/torch.zeros.html */
export const zeros: (...args: SizeArgs) => Tensor = factory('zeros');
/** torch.ones: https://pytorch.org/docs/stable/generated/torch.ones.html */
export const ones: (...args: SizeArgs) => Tensor = factory('ones');
/** torch.empty: https://pytorch.org/docs/stable/generated/torch.empty.html (memory_format is not supported). */
export const empty: (...args: SizeArgs) => Tensor = factory('empty.memory_format');
/** torch.rand, U[0, 1): https://pytorch.org/docs/stable/generated/torch.rand.html (no generator argument: torch.manual_seed seeds it). */
export const rand: (...args: SizeArgs) => Tensor = factory('rand');
/** torch.randn, N(0, 1): https://pytorch.org/docs/stable/generated/torch.randn.html (same values as PyTorch for the same seed). */
export const randn: (...args: SizeArgs) => Tensor = factory('randn');

/** torch.full: https://pytorch.org/docs/stable/generated/torch.full.html The dtype follows the fill value when not given (bool, int64 for an integer number, else the default float), as in PyTorch; a JS number that is whole counts as an integer. */
export function full(size: number[], fill_value: number | boolean, options?: TensorOptions): Tensor {
  const [s, opts] = sizeAndOptions('full', options ? [size, options] : [size]);
  let dtypeArgs = factoryArgs(opts);
  if (dtypeArgs[0] === undefined) {
    // PyTorch infers the dtype from the fill value: bool, int64, or the default float type.
    const inferred = typeof fill_value === 'boolean' ? bool : Number.isInteger(fill_value) ? int64 : get_default_dtype();
    dtypeArgs = [inferred.code, null, dtypeArgs[2], null];
  }
  return finish(call(op('full').get(), s, fill_value, ...dtypeArgs), opts);
}

/** arange(end), arange(start, end, step?, options?) */
export function arange(...args: (number | TensorOptions)[]): Tensor {
  const last = args[args.length - 1];
  const opts = typeof last === 'object' ? checkOptions('arange', last, OPTION_KEYS) : undefined;
  const nums = (opts ? args.slice(0, -1) : args) as number[];
  for (const n of nums) if (typeof n !== 'number') throw new TypeError(`arange(): expected numbers, got ${describe(n)}`);
  const fa = factoryArgs(opts);
  if (nums.length === 1) return finish(call(op('arange').get(), nums[0], ...fa), opts);
  if (nums.length === 2) return finish(call(op('arange.start').get(), nums[0], nums[1], ...fa), opts);
  if (nums.length === 3) return finish(call(op('arange.start_step').get(), nums[0], nums[1], nums[2], ...fa), opts);
  throw new TypeError(`arange() takes 1 to 3 numbers, got ${nums.length}`);
}

/** torch.linspace: https://pytorch.org/docs/stable/generated/torch.linspace.html */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  const opts = checkOptions('linspace', options, OPTION_KEYS);
  return finish(call(op('linspace').get(), start, end, steps, ...factoryArgs(opts)), opts);
}

/** eye(n), eye(n, m), with options last */
export function eye(n: number, m?: number | TensorOptions, options?: TensorOptions): Tensor {
  if (typeof m === 'object') return eye(n, undefined, m);
  const opts = checkOptions('eye', options, OPTION_KEYS);
  if (m === undefined) return finish(call(op('eye').get(), n, ...factoryArgs(opts)), opts);
  return finish(call(op('eye.m').get(), n, m, ...factoryArgs(opts)), opts);
}

/** randint(high, size) or randint(low, high, size), options last; int64 by default as in PyTorch. */
export function randint(...args: (number | number[] | TensorOptions)[]): Tensor {
  const last = args[args.length - 1];
  const opts = !Array.isArray(last) && typeof last === 'object' ? checkOptions('randint', last, OPTION_KEYS) : undefined;
  const a = opts ? args.slice(0, -1) : args;
  const size = a[a.length - 1];
  if (!Array.isArray(size)) throw new TypeError('randint() expects a size array as its last positional argument');
  if (a.length === 2) return finish(call(op('randint').get(), a[0], size, ...factoryArgs(opts)), opts);
  if (a.length === 3) return finish(call(op('randint.low').get(), a[0], a[1], size, ...factoryArgs(opts)), opts);
  throw new TypeError('randint(high, size) or randint(low, high, size)');
}

/** normal(mean, std, size, options?) with numbers, or normal(meanTensor, stdTensorOrNumber). */
export function normal(mean: TensorOrScalar, std: TensorOrScalar, size?: number[], options?: TensorOptions): Tensor {
  if (mean instanceof Tensor && std instanceof Tensor) return wrap(call(op('normal.Tensor_Tensor').get(), mean.h, std.h));
  if (mean instanceof Tensor) return wrap(call(op('normal.Tensor_float').get(), mean.h, std));
  if (std instanceof Tensor) return wrap(call(op('normal.float_Tensor').get(), mean, std.h));
  if (!size) throw new TypeError('normal(mean, std, size): size is required when mean and std are numbers');
  const opts = checkOptions('normal', options, OPTION_KEYS);
  return finish(call(op('normal.float_float').get(), mean, std, size, null, ...likeArgs(opts)), opts);
}

/** torch.scalar_tensor: a 0-d tensor of value (default dtype float). */
export function scalar_tensor(value: number | boolean, options?: TensorOptions): Tensor {
  const opts = checkOptions('scalar_tensor', options, OPTION_KEYS);
  return finish(call(op('scalar_tensor').get(), value, ...factoryArgs(opts)), opts);
}

// ---- *_like -------------------------------------------------------------------------------------

function likeFactory(name: string) {
  const o = op(name);
  return (input: Tensor, options?: TensorOptions): Tensor => {
    const opts = checkOptions(name, options, OPTION_KEYS);
    return finish(call(o.get(), hOf(input, 'input'), ...likeArgs(opts)), opts);
  };
}

/** torch.zeros_like(input, options?): https://pytorch.org/docs/stable/generated/torch.zeros_like.html (memory_format is not supported). */
export const zeros_like = likeFactory('zeros_like');
/** torch.ones_like: https://pytorch.org/docs/stable/generated/torch.ones_like.html */
export const ones_like = likeFactory('ones_like');
/** torch.empty_like: https://pytorch.org/docs/stable/generated/torch.empty_like.html */
export const empty_like = likeFactory('empty_like');
/** torch.rand_like: https://pytorch.org/docs/stable/generated/torch.rand_like.html */
export const rand_like = likeFactory('rand_like');
/** torch.randn_like: https://pytorch.org/docs/stable/generated/torch.randn_like.html */
export const randn_like = likeFactory('randn_like');

/** torch.full_like: https://pytorch.org/docs/stable/generated/torch.full_like.html */
export function full_like(input: Tensor, fill_value: number | boolean, options?: TensorOptions): Tensor {
  const opts = checkOptions('full_like', options, OPTION_KEYS);
  return finish(call(op('full_like').get(), hOf(input, 'input'), fill_value, ...likeArgs(opts)), opts);
}

/** randint_like(input, high) or randint_like(input, low, high), options last */
export function randint_like(input: Tensor, a: number, b?: number | TensorOptions, options?: TensorOptions): Tensor {
  if (typeof b === 'object') return randint_like(input, a, undefined, b);
  const opts = checkOptions('randint_like', options, OPTION_KEYS);
  if (b === undefined) return finish(call(op('randint_like').get(), hOf(input, 'input'), a, ...likeArgs(opts)), opts);
  return finish(call(op('randint_like.low_dtype').get(), hOf(input, 'input'), a, b, ...likeArgs(opts)), opts);
}

export { float64 };

setCreation({ tensor: tensor as (data: unknown, options: object) => Tensor });

/**
 * torch.as_tensor(data, { dtype, device }): a Tensor as is when it already has that dtype and
 * device (no copy), converted when not; JS data is copied into a new tensor as torch.tensor does.
 */
export function as_tensor(data: TensorData | Tensor, options?: { dtype?: DTypeLike; device?: DeviceLike }): Tensor {
  const opts = checkOptions('as_tensor', options, ['dtype', 'device']);
  if (data instanceof Tensor) {
    const device = targetDevice(opts?.device);
    if (opts?.dtype == null && device == null) return data;
    return data.to({ dtype: opts?.dtype == null ? undefined : toDType(opts.dtype), device });
  }
  return tensor(data, opts);
}

/**
 * torch.asarray(obj, { dtype, device, copy, requires_grad }). A Tensor is returned as is (or a
 * view of it) unless a copy is asked for or its dtype or device must change. JS arrays and
 * TypedArrays are always copied here (native memory cannot alias a JS array), so `copy: false`
 * with them is an error, as PyTorch raises when it cannot share.
 */
export function asarray(obj: TensorData | Tensor, options?: { dtype?: DTypeLike; device?: DeviceLike; copy?: boolean | null; requires_grad?: boolean }): Tensor {
  const opts = checkOptions('asarray', options, ['dtype', 'device', 'copy', 'requires_grad']) as
    { dtype?: DTypeLike; device?: DeviceLike; copy?: boolean | null; requires_grad?: boolean } | undefined;
  const copy = opts?.copy ?? null;
  if (obj instanceof Tensor) {
    const dtype = opts?.dtype == null ? obj.dtype : toDType(opts.dtype);
    const device = targetDevice(opts?.device);
    const moves = device != null && device !== obj.device.toString();
    if (copy === false && (dtype !== obj.dtype || moves)) {
      throw new TypeError("asarray(): can't alias the tensor: its dtype or device must change, but copy=false");
    }
    let out = dtype !== obj.dtype || moves ? obj.to({ dtype, device }) : obj;
    if (copy === true && out === obj) out = obj.clone();
    if (opts?.requires_grad) out.requires_grad_(true);
    return out;
  }
  if (copy === false) throw new TypeError("asarray(): can't alias JS data: torchnode copies arrays into native memory (pass copy: true or leave it null)");
  return tensor(obj, { dtype: opts?.dtype, device: opts?.device, requires_grad: opts?.requires_grad });
}
