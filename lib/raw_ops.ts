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

export function callRaw(name: string, overload: string, args: unknown[]): unknown {
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
  const nativeArgs = values.map((v, i) => toNative(v, info.args[i].kind));
  const out = native.call(id, ...nativeArgs);
  if (info.writtenArg >= 0) return values[info.writtenArg];
  if (info.returns.length === 1) return fromNative(out, info.returns[0]);
  if (info.returns.length === 0) return undefined;
  return (out as unknown[]).map((v, i) => fromNative(v, info.returns[i]));
}

type RawOp = ((...args: unknown[]) => any) & { [overload: string]: (...args: unknown[]) => any };

function packet(name: string): RawOp {
  const base = (...args: unknown[]) => callRaw(name, '', args);
  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop !== 'string') return Reflect.get(target, prop);
      if (prop === 'overloads') return () => native.overloads(`aten::${name}`);
      if (prop === 'schema') return (overload = '') => lookup(name, overload === 'default' ? '' : overload).info.schema;
      const overload = prop === 'default' ? '' : prop;
      return (...args: unknown[]) => callRaw(name, overload, args);
    },
  }) as RawOp;
}

/** torch.ops.aten.add.Tensor(a, b, { alpha: 2 }); torch.ops.aten.relu(x) uses the default overload. */
export const ops: { aten: Record<string, RawOp> } = {
  aten: new Proxy({} as Record<string, RawOp>, {
    get(cache, name) {
      if (typeof name !== 'string') return undefined;
      return (cache[name] ??= packet(name));
    },
  }),
};
