// torch.ops.aten.<name>.<overload>(...): any ATen operator, by schema, including the ones no
// wrapper covers yet. Keyword arguments go in a trailing options object.
import { native, OpInfo } from './binding';
import { Tensor, wrap, isTensor } from './tensor';
import { DType } from './dtype';
import { Device, deviceArg } from './device';
import { isOptions } from './args';

const infos = new Map<string, { id: number; info: OpInfo }>();

function lookup(name: string, overload: string): { id: number; info: OpInfo } {
  const key = `${name}.${overload}`;
  let e = infos.get(key);
  if (!e) {
    const id = native.resolve(`aten::${name}`, overload);
    e = { id, info: native.opInfo(id) };
    infos.set(key, e);
  }
  return e;
}

function toNative(v: unknown, kind: string): unknown {
  if (v instanceof Tensor) return v.h;
  if (v instanceof DType) return v.code;
  if (v instanceof Device) return kind === 'Device' ? deviceArg(v) : v.toString();
  if (kind === 'Device' && typeof v === 'string') return deviceArg(v);
  if (Array.isArray(v)) return v.map((x) => toNative(x, kind));
  return v;
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
  return { id, info, values, nativeArgs: values.map((v, i) => toNative(v, info.args[i].kind)) };
}

function finish({ info, values }: PreparedCall, out: unknown): unknown {
  if (info.writtenArg >= 0) return values[info.writtenArg];
  if (info.returns.length === 1) return fromNative(out, info.returns[0]);
  if (info.returns.length === 0) return undefined;
  return (out as unknown[]).map((v, i) => fromNative(v, info.returns[i]));
}

export function callRaw(name: string, overload: string, args: unknown[]): unknown {
  const call = prepare(name, overload, args);
  return finish(call, native.call(call.id, ...call.nativeArgs));
}

/**
 * The same call on a libuv worker thread: the JS thread stays free while the operator runs
 * (a large matmul, an index_select over a data set, a CUDA forward). The arguments are
 * converted now; the promise settles with what callRaw would return, or rejects with the
 * TorchError. Grad mode is the caller's at the time of the call.
 */
export async function callRawAsync(name: string, overload: string, args: unknown[]): Promise<unknown> {
  const call = prepare(name, overload, args);
  return finish(call, await native.callAsync(call.id, ...call.nativeArgs));
}

/** An overload: call it, or call `.async(...)` to run it off the JS thread. */
type RawOverload = ((...args: unknown[]) => any) & { async: (...args: unknown[]) => Promise<any> };
type RawOp = RawOverload & { [overload: string]: RawOverload };

function overloadFn(name: string, overload: string): RawOverload {
  const fn = ((...args: unknown[]) => callRaw(name, overload, args)) as RawOverload;
  fn.async = (...args: unknown[]) => callRawAsync(name, overload, args);
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
 * torch.ops.aten.add.Tensor(a, b, { alpha: 2 }); torch.ops.aten.relu(x) uses the default overload;
 * torch.ops.aten.mm.default.async(a, b) runs off the JS thread and returns a Promise.
 */
export const ops: { aten: Record<string, RawOp> } = {
  aten: new Proxy({} as Record<string, RawOp>, {
    get(cache, name) {
      if (typeof name !== 'string') return undefined;
      return (cache[name] ??= packet(name));
    },
  }),
};
