// torch.load(..., { weights_only: true }): the globals PyTorch's weights_only unpickler allows
// by default (torch/_weights_only_unpickler.py, _get_allowed_globals in PyTorch 2.x), and its
// refusals, worded as PyTorch words them. The list matters even though torchnode never calls
// anything from a file: a file that loads under weights_only in torchnode should load under
// weights_only in PyTorch too, and the other way round.
import { PickleError } from './pickle';

const ALLOWED = new Set([
  'collections.OrderedDict', 'collections.Counter', 'torch.nn.parameter.Parameter', 'torch.serialization._get_layout',
  'torch.Size', 'torch.Tensor', 'torch.device', '_codecs.encode', 'builtins.bytearray', 'builtins.set', 'builtins.complex',
  // the tensor rebuild functions
  'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state', 'torch._utils._rebuild_qtensor',
  'torch._utils._rebuild_tensor', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_sparse_tensor', 'torch._utils._rebuild_meta_tensor_no_storage', 'torch._utils._rebuild_nested_tensor',
  'torch._utils._rebuild_wrapper_subclass', 'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_device_tensor_from_cpu_tensor', 'torch._tensor._rebuild_from_type_v2',
  // quantization schemes
  'torch.per_tensor_affine', 'torch.per_tensor_symmetric', 'torch.per_channel_affine', 'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams',
]);

/** Modules PyTorch refuses even when a user allowlists something from them. */
const BLOCKED_MODULES = new Set(['sys', 'os', 'posix', 'nt']);

/**
 * Whether PyTorch's weights_only unpickler accepts the global `module.name`. `isTorchDtypeOrStorage`
 * says whether torch.<name> is a dtype (torch.float32...) or a legacy storage class
 * (torch.FloatStorage...), which PyTorch's list also holds.
 * @internal
 */
export function weightsOnlyAllows(module: string, name: string, isTorchDtypeOrStorage: boolean): boolean {
  if (BLOCKED_MODULES.has(module)) return false;
  return ALLOWED.has(`${module}.${name}`) || (module === 'torch' && isTorchDtypeOrStorage);
}

/**
 * PyTorch's refusal of a global under weights_only, with what torchnode can do instead:
 * `loadableWithout` says whether weights_only: false would load it.
 * @internal
 */
export function weightsOnlyRefusal(module: string, name: string, loadableWithout: boolean, supported: string): PickleError {
  const prefix = 'Weights only load failed: ';
  if (BLOCKED_MODULES.has(module)) {
    return new PickleError(`${prefix}Trying to load unsupported GLOBAL ${module}.${name} whose module ${module} is blocked. torchnode never calls anything named in a file, with weights_only true or false.`);
  }
  // PyTorch names builtins without their module, as Python code spells them
  const shown = module === 'builtins' ? name : `${module}.${name}`;
  const refusal = `${prefix}Unsupported global: GLOBAL ${shown} was not an allowed global by default.`;
  if (loadableWithout) {
    return new PickleError(`${refusal} Re-running torch.load with weights_only: false will load it; torchnode still runs no code from the file then (it rebuilds ${shown} itself), but do it only if you trust where the file came from.`);
  }
  return new PickleError(`${refusal} torchnode cannot load it with weights_only: false either: ${supported}`);
}
