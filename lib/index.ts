// torchnode: PyTorch for Node.js over native LibTorch. `import * as torch from 'torchnode'`.
import { native, packageVersion } from './binding';
import './errors';
import { set_default_dtype as setDefaultDtypeTs, DTypeLike, toDType } from './dtype';

export { TorchError } from './errors';
export { Tensor, ValuesIndices, GradFn, isTensor as is_tensor } from './tensor';
export type { Scalar, TensorOrScalar } from './tensor';
export {
  DType, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16,
  float, double, half, long, int, short, cfloat, cdouble, get_default_dtype,
} from './dtype';
export type { DTypeLike, TypedArray } from './dtype';
export { Device, device } from './device';
export type { DeviceLike } from './device';
export * from './creation';
export * from './functions';
export * from './generated/torch_functions';
export * from './legacy_constructors';
export * from './runtime_settings';
export { set_printoptions } from './format';
export * as linalg from './generated/linalg';
export * as fft from './generated/fft';
export * as special from './generated/special';
export { var_ as var } from './generated/torch_functions';
export { tidy, keep, scope, DisposeScope, memory_stats } from './memory';
export { no_grad, enable_grad, set_grad_enabled, is_grad_enabled, autograd } from './autograd';
export type { FunctionCtx } from './autograd_function';
export { GradcheckError } from './autograd_gradcheck';
export { ops } from './raw_ops';
export * as cuda from './cuda';
export * as nn from './nn';
export * as optim from './optim';
export * from './serialization';
export * as safetensors from './safetensors';
export * as backends from './backends';

/**
 * torchnode's version and the LibTorch it runs on: its version, its flavour ('cpu', or 'cu130'
 * for a build with CUDA runtime 13.0), `cuda` as PyTorch's torch.version.cuda (null without CUDA),
 * whether it has MKL and oneDNN (MKL-DNN), its C++ ABI, and the library file loaded.
 */
export const version = {
  torchnode: packageVersion,
  libtorch: native.libtorch.version,
  flavour: native.libtorch.flavour,
  cuda: native.libtorch.cuda,
  mkl: native.libtorch.mkl,
  mkldnn: native.libtorch.mkldnn,
  cxx11_abi: native.libtorch.cxx11Abi,
  library: native.libtorch.library,
};
export const __version__ = packageVersion;

/** Seeds the random generators (CPU and CUDA), so sequences equal PyTorch's for the same seed. */
export function manual_seed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`manual_seed() expects an integer, got ${seed}`);
  native.manualSeed(seed);
}

export function get_num_threads(): number {
  return native.getNumThreads();
}

export function set_num_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_threads() expects a positive integer, got ${n}`);
  native.setNumThreads(n);
}

export function set_default_dtype(d: DTypeLike): void {
  setDefaultDtypeTs(d);
  native.setDefaultDtype(toDType(d).code);
}
export * as utils from './utils';
export * as datasets from './datasets';
export * as jit from './jit';
export * as serving from './serving';
