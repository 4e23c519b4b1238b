// torch.ops.aten.<name>.<overload>(...): any ATen operator, by schema, including the ones no
// wrapper covers yet. Keyword arguments go in a trailing options object.
import { native, OpInfo } from './binding';
import { Tensor, wrap, isTensor, describe, notATensorHint } from './tensor';
import { DType } from './dtype';
import { Device, deviceArg } from './device';
import { isOptions } from './args';
import { didYouMean } from './suggest';
import { TORCH, TENSOR, NN } from './generated/signatures';

const infos = new Map<string, { id: number; info: OpInfo }>();

export interface ResolvedOp {
  id: number;
  info: OpInfo;
}

/** The operator aten::name.overload, resolved once; throws where this LibTorch lacks it. */
export function lookupOp(name: string, overload: string): ResolvedOp {
  return lookup(name, overload);
}

function lookup(name: string, overload: string): ResolvedOp {
  const key = `${name}.${overload}`;
  let e = infos.get(key);
  if (!e) {
    const id = resolveOrSuggest(name, overload);
    e = { id, info: native.opInfo(id) };
    infos.set(key, e);
  }
  return e;
}

/** native.resolve, with the nearest names in the error when the operator or overload does not exist. */
function resolveOrSuggest(name: string, overload: string): number {
  try {
    return native.resolve(`aten::${name}`, overload);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const overloads = native.overloads(`aten::${name}`);
    const hint = overloads.length > 0
      ? didYouMean(overload, overloads.map((o) => o || 'default'), (o) => `aten::${name}.${o}`) || ` (its overloads: ${overloads.map((o) => o || 'default').join(', ')})`
      : didYouMean(name, new Set([...Object.keys(TORCH), ...Object.keys(TENSOR), ...Object.keys(NN)]), (c) => `torch.ops.aten.${c}`);
    e.message += hint;
    throw e;
  }
}

const TENSOR_KINDS = new Set(['Tensor', 'Tensor[]', 'Tensor?[]']);

/**
 * A JS value as the native call takes it. Where the schema takes a Tensor: only a Tensor of
 * this thread (its handle), null/undefined where allowed, or, as Python does with a number, a
 * number or boolean as a 0-dim "wrapped number" tensor (its handle goes to temps, freed after
 * the call). Anything else there is a TypeError, so no number is ever taken as a handle.
 */
function toNative(v: unknown, kind: string, where: () => string, temps: number[]): unknown {
  if (isTensor(v)) return TENSOR_KINDS.has(kind) ? v.h : tensorAsNumber(v, kind, where);
  if (TENSOR_KINDS.has(kind)) {
    if (v == null) return v;
    if (kind === 'Tensor' && (typeof v === 'number' || typeof v === 'boolean')) {
      const h = native.wrappedNumber(v);
      temps.push(h);
      return h;
    }
    if (kind !== 'Tensor' && Array.isArray(v)) {
      return v.map((x) => {
        if (isTensor(x)) return x.h;
        if (x == null && kind === 'Tensor?[]') return null;
        throw new TypeError(`${where()} must be a list of Tensors, got an element of type ${describe(x)}${notATensorHint(x)}`);
      });
    }
    throw new TypeError(`${where()} must be a Tensor, not ${describe(v)}${notATensorHint(v)}`);
  }
  if (v instanceof DType) return v.code;
  if (v instanceof Device) return kind === 'Device' ? deviceArg(v) : v.toString();
  if (kind === 'Device' && typeof v === 'string') return deviceArg(v);
  if (kind === 'Scalar[]' && Array.isArray(v)) return v.map((x) => scalarListElement(x, where));
  if (Array.isArray(v)) return v.map((x) => toNative(x, kind, where, temps));
  return v;
}

/**
 * A Tensor where the schema takes a number (int, float, Scalar, or their lists): its one value, as
 * Python reads it through __index__/__float__ (`torch.zeros([t, 2])` with t = tensor([5]));
 * an int slot refuses a floating-point tensor, as Python does.
 */
function tensorAsNumber(t: Tensor, kind: string, where: () => string): number | boolean {
  if (t.numel() !== 1) throw new TypeError(`${where()} must be ${kind}, not a Tensor of ${t.numel()} elements`);
  if (kind.startsWith('int') && t.is_floating_point()) {
    throw new TypeError(`${where()} must be ${kind}, not a floating-point Tensor`);
  }
  return t.item();
}

/** One element of a Scalar[] (the _foreach_*.ScalarList step sizes): a number, a boolean, or a one-element Tensor's value. */
function scalarListElement(x: unknown, where: () => string): number | boolean {
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  if (isTensor(x)) return tensorAsNumber(x, 'Scalar', where);
  throw new TypeError(`${where()} must be a list of numbers or booleans, got an element of type ${describe(x)}`);
}

function fromNative(v: unknown, kind: string): unknown {
  if (kind === 'Tensor') return v === null ? null : wrap(v as number);
  if (kind === 'Tensor[]' || kind === 'Tensor?[]') return (v as (number | null)[]).map((h) => (h === null ? null : wrap(h)));
  return v;
}

interface PreparedCall {
  id: number;
  info: OpInfo;
  values: unknown[];
  nativeArgs: unknown[];
  /** wrapped-number tensors made for this call, to dispose once it is queued or done */
  temps: number[];
}

function releaseTemps(temps: number[]): void {
  for (const h of temps) native.dispose(h);
}

function prepare(name: string, overload: string, args: unknown[]): PreparedCall {
  const { id, info } = lookup(name, overload);
  const positional = args.length > 0 && isOptions(args[args.length - 1], isTensor) ? args.slice(0, -1) : args.slice();
  const kwargs = positional.length < args.length ? (args[args.length - 1] as Record<string, unknown>) : {};
  if (positional.length > info.args.length) {
    throw new TypeError(`${info.schema}: takes ${info.args.length} arguments but ${positional.length} were given`);
  }
  const values: unknown[] = new Array(info.args.length);
  for (let i = 0; i < positional.length; i++) values[i] = positional[i];
  for (const [k, v] of Object.entries(kwargs)) {
    const i = info.args.findIndex((a) => a.name === k);
    if (i < 0) throw new TypeError(`${info.schema}: got an unexpected keyword argument '${k}'`);
    values[i] = v;
  }
  return prepareValues({ id, info }, values);
}

function prepareValues({ id, info }: ResolvedOp, values: unknown[], where?: (i: number) => string): PreparedCall {
  const temps: number[] = [];
  const argWhere = where ?? ((i: number) => `${info.name}.${info.overload || 'default'}: argument '${info.args[i].name}'`);
  try {
    const nativeArgs = values.map((v, i) => toNative(v, info.args[i].kind, () => argWhere(i), temps));
    return { id, info, values, nativeArgs, temps };
  } catch (e) {
    releaseTemps(temps);
    throw e;
  }
}

/**
 * Calls a resolved operator with its arguments already in schema order (undefined takes the
 * schema's default): the engine under the generated torch.* namespace (lib/python_args.ts).
 * `where(i)` names argument i in conversion errors.
 */
export function invokeOp(op: ResolvedOp, values: unknown[], where?: (i: number) => string): unknown {
  return run(prepareValues(op, values, where));
}

function run(call: PreparedCall): unknown {
  let out: unknown;
  try {
    out = native.call(call.id, ...call.nativeArgs);
  } finally {
    releaseTemps(call.temps);
  }
  return finish(call, out);
}

function finish({ info, values }: PreparedCall, out: unknown): unknown {
  if (info.writtenArg >= 0) return values[info.writtenArg];
  if (info.returns.length === 1) return fromNative(out, info.returns[0]);
  if (info.returns.length === 0) return undefined;
  return (out as unknown[]).map((v, i) => fromNative(v, info.returns[i]));
}

export function callRaw(name: string, overload: string, args: unknown[]): unknown {
  return run(prepare(name, overload, args));
}

/**
 * The same call on a libuv worker thread: the JS thread stays free while the operator runs
 * (a large matmul, an index_select over a data set, a CUDA forward). The arguments are
 * converted now; the promise settles with what callRaw would return, or rejects with the
 * TorchError. Grad mode is the caller's at the time of the call.
 */
export async function callRawAsync(name: string, overload: string, args: unknown[]): Promise<unknown> {
  const call = prepare(name, overload, args);
  let pending: Promise<unknown>;
  try {
    pending = native.callAsync(call.id, ...call.nativeArgs);
  } finally {
    releaseTemps(call.temps); // the queued operator holds its own references
  }
  return finish(call, await pending);
}

/** One value an ATen operator returns: a schema's `Tensor`, `Tensor[]`, `int`, `float`, `bool`, `str`, `int[]`... */
export type OpValue = Tensor | (Tensor | null)[] | number | boolean | string | number[] | boolean[] | null;

/**
 * What a torch.ops call returns: one OpValue, an array of them for a schema with several
 * returns (`(Tensor, Tensor)`), or undefined for one with none.
 */
export type OpResult = OpValue | OpValue[] | undefined;

/**
 * An overload: call it, or call `.async(...)` to run it off the JS thread.
 *
 * The result's type is a type parameter that defaults to the OpResult union: used as is, the
 * caller narrows it (`instanceof Tensor`); where the caller states what the schema returns
 * (`const t: Tensor = torch.ops.aten.relu(x)`, or `torch.ops.aten.relu<Tensor>(x)`), TypeScript
 * takes that type. The schema is only known at run time, so that statement is the caller's
 * (unchecked, like a cast), and it is visible in the code, unlike `any`.
 */
export interface RawOverload {
  <R extends OpResult = OpResult>(...args: unknown[]): R;
  /** The same call, run off the JS thread; the promise settles with what the call would return. */
  async<R extends OpResult = OpResult>(...args: unknown[]): Promise<R>;
}

/**
 * An operator: its default overload, callable, with each overload as a property
 * (`torch.ops.aten.add.Tensor`), `overloads()` listing their names and `schema(name)` one's schema.
 */
export type RawOp = RawOverload & { [overload: string]: RawOverload };

function overloadFn(name: string, overload: string): RawOverload {
  const fn = ((...args: unknown[]) => callRaw(name, overload, args)) as RawOverload;
  fn.async = ((...args: unknown[]) => callRawAsync(name, overload, args)) as RawOverload['async'];
  return fn;
}

function packet(name: string): RawOp {
  const overloads = new Map<string, RawOverload>();
  return new Proxy(overloadFn(name, ''), {
    get(target, prop) {
      if (typeof prop !== 'string' || prop === 'async') return Reflect.get(target, prop);
      if (prop === 'overloads') return () => native.overloads(`aten::${name}`);
      if (prop === 'schema') return (overload = '') => lookup(name, overload === 'default' ? '' : overload).info.schema;
      const overload = prop === 'default' ? '' : prop;
      let fn = overloads.get(overload);
      if (!fn) overloads.set(overload, (fn = overloadFn(name, overload)));
      return fn;
    },
  }) as RawOp;
}

/**
 * Any ATen operator by schema name and overload (PyTorch's torch.ops).
 *
 * torch.ops.aten.add.Tensor(a, b, { alpha: 2 }); torch.ops.aten.relu(x) uses the default overload;
 * torch.ops.aten.mm.default.async(a, b) runs off the JS thread and returns a Promise. Only the
 * `aten` namespace exists; results are typed as {@link OpResult} (see {@link RawOverload}).
 *
 * @see [torch.ops](https://pytorch.org/docs/stable/torch.html#torch.ops); PyTorch documents the
 *   operators only through their schemas, in
 *   [native_functions.yaml](https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/native_functions.yaml).
 */
export const ops: {
  /** The ATen operators by name: `ops.aten.<name>` is the default overload, `ops.aten.<name>.<overload>` a named one. */
  aten: Record<string, RawOp>;
} = {
  aten: new Proxy({} as Record<string, RawOp>, {
    get(cache, name) {
      if (typeof name !== 'string') return undefined;
      return (cache[name] ??= packet(name));
    },
  }),
};
