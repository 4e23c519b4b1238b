// safetensors dtype names and torchnode's dtypes. The format's other dtypes are recognised, so a
// file using one is refused by name rather than as an unknown string.
import { DType, bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64 } from '../dtype';

/**
 * safetensors dtype names ('F32', 'BF16'...) to torchnode dtypes.
 * @internal
 */
export const dtypeOfName = new Map<string, DType>([
  ['BOOL', bool], ['U8', uint8], ['I8', int8], ['I16', int16], ['I32', int32], ['I64', int64],
  ['F16', float16], ['BF16', bfloat16], ['F32', float32], ['F64', float64], ['C64', complex64],
]);

/**
 * torchnode dtypes to safetensors dtype names.
 * @internal
 */
export const nameOfDtype = new Map<DType, string>([...dtypeOfName].map(([name, d]) => [d, name]));

/**
 * The format's dtypes torchnode has no tensor type for (safetensors 0.8 and the Rust crate).
 * @internal
 */
export const UNSUPPORTED = new Set([
  'U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
]);

/**
 * The supported safetensors dtype names, for error messages.
 * @internal
 */
export const SUPPORTED_NAMES = [...dtypeOfName.keys()].join(', ');
