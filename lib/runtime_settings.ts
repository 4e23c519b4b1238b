// torch.* functions about the runtime rather than tensors: determinism, matmul precision, threads,
// the CPU generator's seed and state, warnings, the build's ABI. Each reads or sets LibTorch's own
// process-wide setting (native/runtime_settings.cc), as PyTorch's do.
import { native } from './binding';
import { Device } from './device';
import { Tensor, wrap, hOf } from './tensor';

/** Whether the LibTorch in use was built with the C++11 ABI (torch.compiled_with_cxx11_abi). */
export function compiled_with_cxx11_abi(): boolean {
  // null where the loader could not tell (a build for another platform's ABI): not the C++11 one.
  return native.libtorch.cxx11Abi === true;
}

/** The device factories use when none is given: always the CPU here (torch.set_default_device is not supported). */
export function get_default_device(): Device {
  return new Device('cpu');
}

/** torch.use_deterministic_algorithms(mode, { warn_only }): operations without a deterministic implementation then raise (or warn). */
export function use_deterministic_algorithms(mode: boolean, options: { warn_only?: boolean } = {}): void {
  if (typeof mode !== 'boolean') throw new TypeError(`use_deterministic_algorithms(): mode must be a boolean, not ${typeof mode}`);
  native.settings.setDeterministic(mode, options.warn_only ?? false);
}

export function are_deterministic_algorithms_enabled(): boolean {
  return native.settings.getDeterministic().enabled;
}

export function is_deterministic_algorithms_warn_only_enabled(): boolean {
  return native.settings.getDeterministic().warnOnly;
}

/** torch.set_deterministic_debug_mode('default' | 'warn' | 'error', or 0 | 1 | 2). */
export function set_deterministic_debug_mode(debug_mode: 'default' | 'warn' | 'error' | 0 | 1 | 2): void {
  const modes: Record<string, number> = { default: 0, warn: 1, error: 2 };
  const m = typeof debug_mode === 'string' ? modes[debug_mode] : debug_mode;
  if (m !== 0 && m !== 1 && m !== 2) {
    throw new RangeError(`invalid value of debug_mode, expected one of \`default\`, \`warn\`, \`error\`, but got ${String(debug_mode)}`);
  }
  native.settings.setDeterministic(m !== 0, m === 1);
}

export function get_deterministic_debug_mode(): 0 | 1 | 2 {
  const { enabled, warnOnly } = native.settings.getDeterministic();
  return !enabled ? 0 : warnOnly ? 1 : 2;
}

/** torch.set_float32_matmul_precision('highest' | 'high' | 'medium') */
export function set_float32_matmul_precision(precision: 'highest' | 'high' | 'medium'): void {
  // LibTorch 1.13 only warns on another value and keeps the old one: refuse it here instead.
  if (precision !== 'highest' && precision !== 'high' && precision !== 'medium') {
    throw new TypeError(`set_float32_matmul_precision(): precision must be 'highest', 'high' or 'medium', got ${String(precision)}`);
  }
  native.settings.setMatmulPrecision(precision);
}

export function get_float32_matmul_precision(): 'highest' | 'high' | 'medium' {
  return native.settings.getMatmulPrecision();
}

/** torch.set_flush_denormal(mode): true where the CPU supports flushing denormals (SSE3). */
export function set_flush_denormal(mode: boolean): boolean {
  return native.settings.setFlushDenormal(Boolean(mode));
}

export function get_num_interop_threads(): number {
  return native.settings.getNumInteropThreads();
}

/** torch.set_num_interop_threads(n): once, before any inter-op parallel work (LibTorch's rule). */
export function set_num_interop_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_interop_threads() expects a positive integer, got ${n}`);
  native.settings.setNumInteropThreads(n);
}

export function init_num_threads(): void {
  native.settings.initNumThreads();
}

/** The seed of the CPU generator: a number when it fits one exactly, else a bigint (seeds are 64-bit). */
export function initial_seed(): number | bigint {
  return asNumberIfSafe(native.settings.initialSeed());
}

/** torch.seed(): seeds the CPU generator from a non-deterministic source and returns the seed. */
export function seed(): number | bigint {
  return asNumberIfSafe(native.settings.seed());
}

function asNumberIfSafe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The CPU generator's state as a uint8 tensor, for set_rng_state. */
export function get_rng_state(): Tensor {
  return wrap(native.settings.getRngState());
}

export function set_rng_state(new_state: Tensor): void {
  native.settings.setRngState(hOf(new_state, 'new_state'));
}

/** Whether LibTorch's inference mode is on; torchnode has no inference_mode() to turn it on yet (no_grad turns autograd off). */
export function is_inference_mode_enabled(): boolean {
  return native.settings.isInferenceModeEnabled();
}

/** torch.set_warn_always(b): LibTorch's warnings every time, not once per place. */
export function set_warn_always(b: boolean): void {
  native.settings.setWarnAlways(Boolean(b));
}

export function is_warn_always_enabled(): boolean {
  return native.settings.getWarnAlways();
}
