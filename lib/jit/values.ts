// JS values to and from TorchScript's IValues (native/jit.cc converts by the method's schema):
// Tensors travel as their handles, and come back marked as { __tensor: handle }, because a
// TorchScript int is a number too.
import { Tensor, wrap } from '../tensor';

/**
 * Replaces every Tensor in an argument (arrays, tuples as arrays, dicts as objects) with its handle.
 * @internal
 */
export function toNative(v: unknown): unknown {
  if (v instanceof Tensor) return v.h;
  if (Array.isArray(v)) return v.map(toNative);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toNative(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toNative(x)]));
  return v;
}

/**
 * Wraps every tensor of a result: Tensor, number, boolean, string, null, arrays (lists, tuples), objects
 * and Maps (dicts).
 * @internal
 */
export function fromNative(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromNative);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, fromNative(x)]));
  if (v !== null && typeof v === 'object') {
    if ('__tensor' in v) return wrap((v as { __tensor: number }).__tensor);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromNative(x)]));
  }
  return v;
}
