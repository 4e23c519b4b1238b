// PyTorch's legacy typed constructors: torch.FloatTensor([1, 2]), torch.LongTensor(2, 3)... Old
// tutorials are full of them. Each takes data (a nested array or a TypedArray), or sizes (an
// uninitialised tensor of that shape, as in PyTorch), or nothing (an empty tensor); and
// `x instanceof torch.LongTensor` holds for a CPU int64 tensor, as isinstance does in Python.
import { Tensor, isTensor, describe, setLegacyTensor } from './tensor';
import { DType, toDType, get_default_dtype } from './dtype';
import { tensor, empty, TensorData } from './creation';

/**
 * A legacy typed constructor such as `torch.FloatTensor`: callable with or without `new`, from
 * sizes (an uninitialised tensor of that shape, as in PyTorch), from data (a nested array or a
 * TypedArray), or from nothing (an empty tensor). `x instanceof torch.LongTensor` holds for a CPU
 * int64 tensor, as `isinstance` does in Python.
 *
 * Differs from PyTorch: CPU only (no `torch.cuda.FloatTensor`), and a tensor argument must already
 * have the constructor's dtype (a TypeError otherwise); it is returned detached, sharing storage.
 * @see https://pytorch.org/docs/stable/tensors.html#data-types
 */
export interface LegacyConstructor {
  /** An uninitialised tensor of the given sizes (an empty tensor with none). */
  (...sizes: number[]): Tensor;
  /** A tensor of this dtype holding `data`. */
  (data: TensorData | Tensor): Tensor;
  /** An uninitialised tensor of the given sizes (an empty tensor with none). */
  new (...sizes: number[]): Tensor;
  /** A tensor of this dtype holding `data`. */
  new (data: TensorData | Tensor): Tensor;
}

function legacy(name: string, dtypeOf: () => DType): LegacyConstructor {
  const ctor = function (...args: unknown[]): Tensor {
    // CPU whatever torch.set_default_device says: PyTorch's typed constructors are CPU types.
    const options = { dtype: dtypeOf(), device: 'cpu' } as const;
    const { dtype } = options;
    if (args.length === 0) return empty([0], options);
    if (args.every((a) => typeof a === 'number')) {
      if (!args.every((a) => Number.isInteger(a) && (a as number) >= 0)) {
        throw new TypeError(`${name}(): sizes must be non-negative integers, got (${args.join(', ')})`);
      }
      return empty(args as number[], options);
    }
    if (args.length > 1) throw new TypeError(`${name}(): expected data or sizes, got (${args.map(describe).join(', ')})`);
    const [data] = args;
    if (isTensor(data)) {
      if (data.dtype !== dtype) throw new TypeError(`${name}(): expected ${dtype} (got ${data.dtype})`);
      return data.detach(); // shares the given tensor's storage, as PyTorch's legacy constructor does
    }
    return tensor(data as TensorData, options);
  } as unknown as LegacyConstructor;
  Object.defineProperty(ctor, 'name', { value: name });
  Object.defineProperty(ctor, Symbol.hasInstance, {
    value: (x: unknown) => isTensor(x) && x.dtype === dtypeOf() && x.device.type === 'cpu',
  });
  return ctor;
}

/** `torch.FloatTensor`: the legacy constructor of CPU float32 tensors; see {@link LegacyConstructor}. */
export const FloatTensor = legacy('FloatTensor', () => toDType('float32'));
/** `torch.DoubleTensor`: the legacy constructor of CPU float64 tensors; see {@link LegacyConstructor}. */
export const DoubleTensor = legacy('DoubleTensor', () => toDType('float64'));
/** `torch.HalfTensor`: the legacy constructor of CPU float16 tensors; see {@link LegacyConstructor}. */
export const HalfTensor = legacy('HalfTensor', () => toDType('float16'));
/** `torch.BFloat16Tensor`: the legacy constructor of CPU bfloat16 tensors; see {@link LegacyConstructor}. */
export const BFloat16Tensor = legacy('BFloat16Tensor', () => toDType('bfloat16'));
/** `torch.ByteTensor`: the legacy constructor of CPU uint8 tensors; see {@link LegacyConstructor}. */
export const ByteTensor = legacy('ByteTensor', () => toDType('uint8'));
/** `torch.CharTensor`: the legacy constructor of CPU int8 tensors; see {@link LegacyConstructor}. */
export const CharTensor = legacy('CharTensor', () => toDType('int8'));
/** `torch.ShortTensor`: the legacy constructor of CPU int16 tensors; see {@link LegacyConstructor}. */
export const ShortTensor = legacy('ShortTensor', () => toDType('int16'));
/** `torch.IntTensor`: the legacy constructor of CPU int32 tensors; see {@link LegacyConstructor}. */
export const IntTensor = legacy('IntTensor', () => toDType('int32'));
/** `torch.LongTensor`: the legacy constructor of CPU int64 tensors; see {@link LegacyConstructor}. */
export const LongTensor = legacy('LongTensor', () => toDType('int64'));
/** `torch.BoolTensor`: the legacy constructor of CPU bool tensors; see {@link LegacyConstructor}. */
export const BoolTensor = legacy('BoolTensor', () => toDType('bool'));
/** What `new torch.Tensor(...)` makes: as torch.Tensor(...) in Python, a tensor of the default dtype. */
const legacyTensor = legacy('Tensor', get_default_dtype);
setLegacyTensor(legacyTensor as (...args: unknown[]) => Tensor);
