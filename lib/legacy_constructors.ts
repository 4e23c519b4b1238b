// PyTorch's legacy typed constructors: torch.FloatTensor([1, 2]), torch.LongTensor(2, 3)... Old
// tutorials are full of them. Each takes data (a nested array or a TypedArray), or sizes (an
// uninitialised tensor of that shape, as in PyTorch), or nothing (an empty tensor); and
// `x instanceof torch.LongTensor` holds for a CPU int64 tensor, as isinstance does in Python.
import { Tensor, isTensor, describe, setLegacyTensor } from './tensor';
import { DType, toDType, get_default_dtype } from './dtype';
import { tensor, empty, TensorData } from './creation';

export interface LegacyConstructor {
  (...sizes: number[]): Tensor;
  (data: TensorData | Tensor): Tensor;
  new (...sizes: number[]): Tensor;
  new (data: TensorData | Tensor): Tensor;
}

function legacy(name: string, dtypeOf: () => DType): LegacyConstructor {
  const ctor = function (...args: unknown[]): Tensor {
    const dtype = dtypeOf();
    if (args.length === 0) return empty([0], { dtype });
    if (args.every((a) => typeof a === 'number')) {
      if (!args.every((a) => Number.isInteger(a) && (a as number) >= 0)) {
        throw new TypeError(`${name}(): sizes must be non-negative integers, got (${args.join(', ')})`);
      }
      return empty(args as number[], { dtype });
    }
    if (args.length > 1) throw new TypeError(`${name}(): expected data or sizes, got (${args.map(describe).join(', ')})`);
    const [data] = args;
    if (isTensor(data)) {
      if (data.dtype !== dtype) throw new TypeError(`${name}(): expected ${dtype} (got ${data.dtype})`);
      return data.detach(); // shares the given tensor's storage, as PyTorch's legacy constructor does
    }
    return tensor(data as TensorData, { dtype });
  } as unknown as LegacyConstructor;
  Object.defineProperty(ctor, 'name', { value: name });
  Object.defineProperty(ctor, Symbol.hasInstance, {
    value: (x: unknown) => isTensor(x) && x.dtype === dtypeOf() && x.device.type === 'cpu',
  });
  return ctor;
}

export const FloatTensor = legacy('FloatTensor', () => toDType('float32'));
export const DoubleTensor = legacy('DoubleTensor', () => toDType('float64'));
export const HalfTensor = legacy('HalfTensor', () => toDType('float16'));
export const BFloat16Tensor = legacy('BFloat16Tensor', () => toDType('bfloat16'));
export const ByteTensor = legacy('ByteTensor', () => toDType('uint8'));
export const CharTensor = legacy('CharTensor', () => toDType('int8'));
export const ShortTensor = legacy('ShortTensor', () => toDType('int16'));
export const IntTensor = legacy('IntTensor', () => toDType('int32'));
export const LongTensor = legacy('LongTensor', () => toDType('int64'));
export const BoolTensor = legacy('BoolTensor', () => toDType('bool'));
/** What `new torch.Tensor(...)` makes: as torch.Tensor(...) in Python, a tensor of the default dtype. */
const legacyTensor = legacy('Tensor', get_default_dtype);
setLegacyTensor(legacyTensor as (...args: unknown[]) => Tensor);
