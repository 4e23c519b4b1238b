// Python index expressions for Tensor.index(): x.index(':', -1, '...', null, mask) is
// x[:, -1, ..., None, mask]. The native side applies them with LibTorch's at::indexing.
import { native, EncodedIndex, Handle } from './binding';

export type IndexItem = number | string | null | boolean | number[] | boolean[] | number[][] | { h: Handle };

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function parseSlice(s: string): [number | null, number | null, number | null] {
  const m = SLICE.exec(s);
  if (!m) throw new TypeError(`invalid index '${s}': expected an integer, a slice like '1:5:2' or ':', '...', null, or a tensor`);
  const step = m[3] === undefined ? null : Number(m[3]);
  if (step !== null && step <= 0) throw new RangeError(`invalid slice '${s}': step must be greater than zero`);
  return [m[1] === undefined ? null : Number(m[1]), m[2] === undefined ? null : Number(m[2]), step];
}

/** Encodes index items; integer arrays become temporary int64 tensors, released by the caller. */
export function encodeIndices(items: IndexItem[], handleOf: (t: any) => Handle, temps: Handle[] = []): EncodedIndex[] {
  return items.map((it): EncodedIndex => {
    if (typeof it === 'number') {
      if (!Number.isInteger(it)) throw new TypeError(`index ${it} is not an integer`);
      return it;
    }
    if (typeof it === 'boolean' || it === null) return it;
    if (typeof it === 'string') return it.trim() === '...' ? '...' : parseSlice(it);
    if (Array.isArray(it)) {
      const flat = it.flat(Infinity) as unknown[];
      if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) {
        // A list of booleans is a mask, as in Python's x[[True, False]].
        const h = native.fromBuffer(Uint8Array.from(flat as boolean[], (v) => (v ? 1 : 0)), 11, listShape(it));
        temps.push(h);
        return { h };
      }
      const data = BigInt64Array.from(it.flat(Infinity) as number[], (v) => {
        if (!Number.isInteger(v)) throw new TypeError(`index list entries must be integers, got ${v}`);
        return BigInt(v);
      });
      const h = native.fromBuffer(data, 4, listShape(it));
      temps.push(h);
      return { h };
    }
    if (typeof it === 'object' && typeof (it as { h?: unknown }).h === 'number') return { h: handleOf(it) };
    throw new TypeError(`unsupported index of type ${typeof it}`);
  });
}

function listShape(a: unknown): number[] {
  const shape: number[] = [];
  let cur = a;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}
