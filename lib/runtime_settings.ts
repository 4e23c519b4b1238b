// torch.* functions about the runtime rather than tensors: determinism, matmul precision, threads,
// the CPU generator's seed and state, warnings, the build's ABI. Each reads or sets LibTorch's own
// process-wide setting (native/runtime_settings.cc), as PyTorch's do.
import { native } from './binding';
import { Tensor, wrap, hOf } from './tensor';

/**
 * `torch.compiled_with_cxx11_abi()`: whether the LibTorch in use was built with the C++11 ABI (false
 * where the loader could not tell).
 * @see https://pytorch.org/docs/stable/generated/torch.compiled_with_cxx11_abi.html
 */
export function compiled_with_cxx11_abi(): boolean {
  // null where the loader could not tell (a build for another platform's ABI): not the C++11 one.
  return native.libtorch.cxx11Abi === true;
}

/**
 * `torch.use_deterministic_algorithms(mode, { warn_only = false })`: with mode true, operations
 * without a deterministic implementation throw (or, with warn_only, warn).
 * @see https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
 */
export function use_deterministic_algorithms(mode: boolean, options: { warn_only?: boolean } = {}): void {
  if (typeof mode !== 'boolean') throw new TypeError(`use_deterministic_algorithms(): mode must be a boolean, not ${typeof mode}`);
  native.settings.setDeterministic(mode, options.warn_only ?? false);
}

/**
 * `torch.are_deterministic_algorithms_enabled()`: whether use_deterministic_algorithms(true) is in
 * effect.
 * @see https://pytorch.org/docs/stable/generated/torch.are_deterministic_algorithms_enabled.html
 */
export function are_deterministic_algorithms_enabled(): boolean {
  return native.settings.getDeterministic().enabled;
}

/**
 * `torch.is_deterministic_algorithms_warn_only_enabled()`: whether deterministic mode only warns.
 * @see https://pytorch.org/docs/stable/generated/torch.is_deterministic_algorithms_warn_only_enabled.html
 */
export function is_deterministic_algorithms_warn_only_enabled(): boolean {
  return native.settings.getDeterministic().warnOnly;
}

/**
 * `torch.set_deterministic_debug_mode(debug_mode)`: 'default' (0) turns deterministic mode off,
 * 'warn' (1) warns, 'error' (2) throws on nondeterministic operations.
 * @see https://pytorch.org/docs/stable/generated/torch.set_deterministic_debug_mode.html
 */
export function set_deterministic_debug_mode(debug_mode: 'default' | 'warn' | 'error' | 0 | 1 | 2): void {
  const modes: Record<string, number> = { default: 0, warn: 1, error: 2 };
  const m = typeof debug_mode === 'string' ? modes[debug_mode] : debug_mode;
  if (m !== 0 && m !== 1 && m !== 2) {
    throw new RangeError(`invalid value of debug_mode, expected one of \`default\`, \`warn\`, \`error\`, but got ${String(debug_mode)}`);
  }
  native.settings.setDeterministic(m !== 0, m === 1);
}

/**
 * `torch.get_deterministic_debug_mode()`: 0 (off), 1 (warn) or 2 (error).
 * @see https://pytorch.org/docs/stable/generated/torch.get_deterministic_debug_mode.html
 */
export function get_deterministic_debug_mode(): 0 | 1 | 2 {
  const { enabled, warnOnly } = native.settings.getDeterministic();
  return !enabled ? 0 : warnOnly ? 1 : 2;
}

/**
 * `torch.set_float32_matmul_precision('highest' | 'high' | 'medium')`: the internal precision of
 * float32 matmuls (TF32 or bfloat16 where the hardware has them). Differs from PyTorch 1.13: another
 * value throws a TypeError rather than only warning.
 * @see https://pytorch.org/docs/stable/generated/torch.set_float32_matmul_precision.html
 */
export function set_float32_matmul_precision(precision: 'highest' | 'high' | 'medium'): void {
  // LibTorch 1.13 only warns on another value and keeps the old one: refuse it here instead.
  if (precision !== 'highest' && precision !== 'high' && precision !== 'medium') {
    throw new TypeError(`set_float32_matmul_precision(): precision must be 'highest', 'high' or 'medium', got ${String(precision)}`);
  }
  native.settings.setMatmulPrecision(precision);
}

/**
 * `torch.get_float32_matmul_precision()`: the current float32 matmul precision.
 * @see https://pytorch.org/docs/stable/generated/torch.get_float32_matmul_precision.html
 */
export function get_float32_matmul_precision(): 'highest' | 'high' | 'medium' {
  return native.settings.getMatmulPrecision();
}

/**
 * `torch.set_flush_denormal(mode)`: flushes denormal floats to zero on the CPU; returns true where the
 * CPU supports it (SSE3).
 * @see https://pytorch.org/docs/stable/generated/torch.set_flush_denormal.html
 */
export function set_flush_denormal(mode: boolean): boolean {
  return native.settings.setFlushDenormal(Boolean(mode));
}

/**
 * `torch.get_num_interop_threads()`: the number of threads for inter-op parallelism on the CPU.
 * @see https://pytorch.org/docs/stable/generated/torch.get_num_interop_threads.html
 */
export function get_num_interop_threads(): number {
  return native.settings.getNumInteropThreads();
}

/**
 * `torch.set_num_interop_threads(n)`: sets the inter-op thread count; once, before any inter-op
 * parallel work (LibTorch's rule). A RangeError for a non-positive or non-integer n.
 * @see https://pytorch.org/docs/stable/generated/torch.set_num_interop_threads.html
 */
export function set_num_interop_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_interop_threads() expects a positive integer, got ${n}`);
  native.settings.setNumInteropThreads(n);
}

/**
 * `torch.init_num_threads()`: initializes the intra-op thread pool settings for the calling thread.
 * @see https://pytorch.org/docs/stable/torch.html#parallelism
 */
export function init_num_threads(): void {
  native.settings.initNumThreads();
}

/**
 * `torch.initial_seed()`: the seed of the CPU generator; a number when it fits one exactly, else a
 * bigint (seeds are 64-bit, PyTorch returns a Python int).
 * @see https://pytorch.org/docs/stable/generated/torch.initial_seed.html
 */
export function initial_seed(): number | bigint {
  return asNumberIfSafe(native.settings.initialSeed());
}

/**
 * `torch.seed()`: seeds the CPU generator from a non-deterministic source and returns the seed (a
 * number, or a bigint when it does not fit one exactly).
 * @see https://pytorch.org/docs/stable/generated/torch.seed.html
 */
export function seed(): number | bigint {
  return asNumberIfSafe(native.settings.seed());
}

function asNumberIfSafe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * `torch.get_rng_state()`: the CPU generator's state as a uint8 tensor, for set_rng_state.
 * @see https://pytorch.org/docs/stable/generated/torch.get_rng_state.html
 */
export function get_rng_state(): Tensor {
  return wrap(native.settings.getRngState());
}

/**
 * `torch.set_rng_state(new_state)`: restores the CPU generator's state from a tensor made by
 * get_rng_state.
 * @see https://pytorch.org/docs/stable/generated/torch.set_rng_state.html
 */
export function set_rng_state(new_state: Tensor): void {
  native.settings.setRngState(hOf(new_state, 'new_state'));
}

/**
 * `torch.is_inference_mode_enabled()`: whether LibTorch's inference mode is on. torchnode has no
 * inference_mode() to turn it on yet (no_grad turns gradient recording off).
 * @see https://pytorch.org/docs/stable/generated/torch.is_inference_mode_enabled.html
 */
export function is_inference_mode_enabled(): boolean {
  return native.settings.isInferenceModeEnabled();
}

/**
 * `torch.set_warn_always(b)`: LibTorch's warnings every time, not once per place.
 * @see https://pytorch.org/docs/stable/generated/torch.set_warn_always.html
 */
export function set_warn_always(b: boolean): void {
  native.settings.setWarnAlways(Boolean(b));
}

/**
 * `torch.is_warn_always_enabled()`: whether set_warn_always(true) is in effect.
 * @see https://pytorch.org/docs/stable/generated/torch.is_warn_always_enabled.html
 */
export function is_warn_always_enabled(): boolean {
  return native.settings.getWarnAlways();
}
