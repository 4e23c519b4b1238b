// torch.<X>Storage: the names torch.save writes in each storage's persistent id. The storage
// type is the only place a saved tensor's dtype is recorded.
import {
  DType, float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool, complex64, complex128,
} from '../dtype';

const PAIRS: [string, DType][] = [
  ['FloatStorage', float32], ['DoubleStorage', float64], ['HalfStorage', float16], ['BFloat16Storage', bfloat16],
  ['LongStorage', int64], ['IntStorage', int32], ['ShortStorage', int16], ['CharStorage', int8],
  ['ByteStorage', uint8], ['BoolStorage', bool], ['ComplexFloatStorage', complex64], ['ComplexDoubleStorage', complex128],
];

/**
 * PyTorch storage type names ('FloatStorage'...) to dtypes.
 * @internal
 */
export const dtypeOfStorageType = new Map<string, DType>(PAIRS);
// A storage saved on its own (not through a tensor) is untyped bytes.
dtypeOfStorageType.set('UntypedStorage', uint8);

/**
 * dtypes to PyTorch storage type names.
 * @internal
 */
export const storageTypeOfDtype = new Map<DType, string>(PAIRS.map(([n, d]) => [d, n]));
