// Builds a fuzz argument (scripts/fuzz/spec.ts) into the JS value the call receives. Tensors
// come from a fixed formula of (dtype, shape, argument position), not from a RNG, so a call
// rebuilt in another process gets the same bits.
import * as torch from '../../lib/index';
import type { Tensor } from '../../lib/index';
import type { V } from './spec';

export interface BuildContext {
  /** Every tensor built for this call, in order: the hazards dispose the first one. */
  tensors: Tensor[];
  position: number;
}

/** T(dtype, shape, opts): the tensor a reproducer names. */
export function T(dtype: string, shape: number[], opts: { view?: string; special?: boolean; disposed?: boolean; grad?: boolean } = {}, position = 0): Tensor {
  const view = opts.view ?? 'none';
  // The step view reads every other element of a twice-as-wide base; transpose swaps the last two dims.
  const base = view === 'step' && shape.length > 0 ? [...shape.slice(0, -1), shape[shape.length - 1] * 2] : shape;
  const n = base.reduce((a, b) => a * b, 1);
  let t = torch.arange(n, { dtype: torch.float64 }).mul(0.37).add(position * 1.3).sin().mul(5);
  if (opts.special && n > 0) {
    const fill = [NaN, Infinity, -Infinity, -0];
    t = t.index_put_([torch.tensor([0, 1, 2, 3].filter((i) => i < n))], torch.tensor(fill.slice(0, Math.min(4, n)), { dtype: torch.float64 }));
  }
  t = dtype === 'bool' ? t.gt(0) : t.to(dtype);
  t = t.reshape(base);
  if (view === 'step' && shape.length > 0) t = t.index('...', '::2');
  if (view === 'transpose' && shape.length >= 2) t = t.reshape([...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]]).transpose(-1, -2);
  if (opts.grad && t.is_floating_point()) t.requires_grad_(true);
  if (opts.disposed) t.dispose();
  return t;
}

function num(v: number | string): number {
  return typeof v === 'number' ? v : v === '-0' ? -0 : Number(v);
}

export function build(v: V, ctx: BuildContext): unknown {
  switch (v.t) {
    case 'num': return num(v.v);
    case 'big': return BigInt(v.v);
    case 'str': return v.v;
    case 'bool': return v.v;
    case 'null': return null;
    case 'undef': return undefined;
    case 'arr': return v.v.map((x) => build(x, ctx));
    case 'obj': return Object.fromEntries(Object.entries(v.v).map(([k, x]) => [k, build(x, ctx)]));
    case 'typed': {
      const Ctor = globalThis[v.kind] as unknown as new (n: number) => ArrayLike<unknown>;
      return new Ctor(v.n);
    }
    case 'tensor': {
      let t: Tensor;
      try {
        t = T(v.dtype, v.shape, v, ctx.position);
      } catch {
        t = T('float32', v.shape, { ...v }, ctx.position); // a dtype this build cannot make (complex)
      }
      ctx.tensors.push(t);
      return t;
    }
    case 'dtype': return (torch as unknown as Record<string, unknown>)[v.v] ?? v.v;
    case 'device': return v.v;
    case 'fn': return () => 1;
    case 'proxy': return new Proxy(build(v.v, ctx) as object, {});
    case 'fake': return { h: v.h };
    case 'throwingProxy': return new Proxy({}, { get() { throw new Error('trap'); }, has() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } });
    case 'valueOfDispose': return { valueOf() { ctx.tensors[0]?.dispose(); return v.v; } };
    case 'getterDispose': return { get [v.key]() { ctx.tensors[0]?.dispose(); return 1; } };
  }
}
