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
export type { DTypeLike, DTypeName, DTypeAlias, NestedList, TypedArray } from './dtype';
export { Device, device } from './device';
export type { DeviceLike, DeviceType, DeviceString } from './device';
export { set_default_device, get_default_device } from './default_device';
export * from './creation';
export * from './functions';
export { svd_lowrank, pca_lowrank } from './lowrank';
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
export type { NodeHook, NodePreHook } from './autograd_graph';
export { ops } from './raw_ops';
export type { OpResult, OpValue, RawOverload, RawOp } from './raw_ops';
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
  /** torchnode's own version, from its package.json (same as `__version__`). */
  torchnode: packageVersion,
  /** The version of the LibTorch loaded, e.g. '2.13.0'. */
  libtorch: native.libtorch.version,
  /** 'cpu', or 'cu<major><minor>' (e.g. 'cu130') for a build with that CUDA runtime. */
  flavour: native.libtorch.flavour,
  /** The CUDA version LibTorch was built with, as PyTorch's `torch.version.cuda`; null without CUDA. */
  cuda: native.libtorch.cuda,
  /** Whether LibTorch has MKL (`torch.backends.mkl.is_available()`). */
  mkl: native.libtorch.mkl,
  /** Whether LibTorch has oneDNN, formerly MKL-DNN (`torch.backends.mkldnn.is_available()`). */
  mkldnn: native.libtorch.mkldnn,
  /** Whether the addon uses the C++11 std::string ABI (`torch.compiled_with_cxx11_abi()`); null where not applicable. */
  cxx11_abi: native.libtorch.cxx11Abi,
  /** The path of the LibTorch library file loaded. */
  library: native.libtorch.library,
};
/**
 * torchnode's version string, from its package.json. Unlike `torch.__version__`, this is not the
 * LibTorch version: see `version.libtorch`.
 */
export const __version__ = packageVersion;

/**
 * Seeds the random generators (CPU and CUDA), so sequences equal PyTorch's for the same seed.
 * `seed` must be an integer (TypeError otherwise). Returns nothing (PyTorch returns a Generator).
 *
 * @see [torch.manual_seed](https://pytorch.org/docs/stable/generated/torch.manual_seed.html)
 */
export function manual_seed(seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`manual_seed() expects an integer, got ${seed}`);
  native.manualSeed(seed);
}

/**
 * The number of threads LibTorch uses for intra-op parallelism on the CPU.
 *
 * @see [torch.get_num_threads](https://pytorch.org/docs/stable/generated/torch.get_num_threads.html)
 */
export function get_num_threads(): number {
  return native.getNumThreads();
}

/**
 * Sets the number of threads LibTorch uses for intra-op parallelism on the CPU, process-wide.
 * `n` must be a positive integer (RangeError otherwise).
 *
 * @see [torch.set_num_threads](https://pytorch.org/docs/stable/generated/torch.set_num_threads.html)
 */
export function set_num_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_threads() expects a positive integer, got ${n}`);
  native.setNumThreads(n);
}

/**
 * Sets the default floating-point dtype, used by `torch.tensor()` for JS numbers that are not
 * integers and by factories such as `torch.zeros()` without a dtype. Accepts a DType or a name
 * ('float64'); a non-floating dtype is a TypeError. Process-wide, so it applies to worker threads too.
 *
 * @see [torch.set_default_dtype](https://pytorch.org/docs/stable/generated/torch.set_default_dtype.html)
 */
export function set_default_dtype(d: DTypeLike): void {
  setDefaultDtypeTs(d);
  native.setDefaultDtype(toDType(d).code);
}
export * as utils from './utils';
export * as datasets from './datasets';
export * as distributed from './distributed';
export * as jit from './jit';
export * as serving from './serving';
