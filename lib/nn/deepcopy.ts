// copy.deepcopy for modules, used where PyTorch deep-copies a layer (the Transformer stacks).
import { Tensor } from '../tensor';
import { keep } from '../memory';
import { Module, BUFFERS } from './module';
import { Parameter } from './parameter';

/**
 * copy.deepcopy for modules: new Parameters and buffers holding copies of the data, fresh
 * submodules and containers, shared immutable values (dtypes, devices, functions). Unlike
 * building new layers, this draws nothing from the random generator, as in PyTorch.
 */
export function deepcopy<T>(value: T, memo = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (memo.has(value)) return memo.get(value) as T;
  if (value instanceof Parameter) {
    const p = keep(new Parameter(value.detach().clone(), value.requires_grad));
    memo.set(value, p);
    const g = value.grad;
    if (g) p.grad = g.clone();
    return p as T;
  }
  if (value instanceof Tensor) {
    const t = keep(value.detach().clone());
    if (value.requires_grad) t.requires_grad_(true);
    memo.set(value, t);
    return t as T;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    memo.set(value, out);
    for (const v of value) out.push(deepcopy(v, memo));
    return out as T;
  }
  if (value instanceof Map) {
    const out = new Map();
    memo.set(value, out);
    for (const [k, v] of value) out.set(k, deepcopy(v, memo));
    return out as T;
  }
  if (value instanceof Set) {
    const out = new Set();
    memo.set(value, out);
    for (const v of value) out.add(deepcopy(v, memo));
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (!(value instanceof Module) && proto !== Object.prototype && proto !== null) return value; // DType, Device...
  const out = Object.create(proto);
  memo.set(value, out);
  // Symbol keys first: Module's buffer Map must exist on the copy before the buffer accessors.
  const keys = Reflect.ownKeys(value);
  for (const key of [...keys.filter((k) => typeof k === 'symbol'), ...keys.filter((k) => typeof k === 'string')]) {
    const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
    if ('value' in d) Object.defineProperty(out, key, { ...d, value: deepcopy(d.value, memo) });
    else Object.defineProperty(out, key, rebindAccessor(value as object, out, key, d));
  }
  return out;
}

/**
 * Module.register_buffer makes `name` an accessor over the module's buffer Map; the copy's
 * accessor must read the copy's Map, not the original's.
 */
function rebindAccessor(original: object, copy: object, key: string | symbol, d: PropertyDescriptor): PropertyDescriptor {
  const copyBuffers = (copy as Record<symbol, unknown>)[BUFFERS] as Map<string | symbol, Tensor | null> | undefined;
  if (!(original instanceof Module) || !copyBuffers || !copyBuffers.has(key)) return d;
  return {
    get: () => copyBuffers.get(key) ?? null,
    set: (v: Tensor | null) => copyBuffers.set(key, v),
    enumerable: d.enumerable,
    configurable: d.configurable,
  };
}
