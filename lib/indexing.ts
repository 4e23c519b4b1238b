// Python index expressions for Tensor.index(): x.index(':', -1, '...', null, mask) is
// x[:, -1, ..., None, mask]. The native side applies them with LibTorch's at::indexing.
import { native, Handle } from './binding';

/**
 * One item of a Python index expression for `Tensor.index(...)`: an integer, a slice string like
 * `'1:5:2'` or `':'`, `'...'`, null (a new axis, Python's None), a boolean, an integer or boolean
 * array (advanced indexing), or a tensor (an integer index or a boolean mask).
 * `x.index(':', -1, '...', null, mask)` is Python's `x[:, -1, ..., None, mask]`.
 * @see https://pytorch.org/docs/stable/tensor_view.html
 */
export type IndexItem = number | string | null | boolean | number[] | boolean[] | number[][] | { readonly h: Handle };

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

type Slice = [number | null, number | null, number | null];
// Index strings repeat (':' above all), so each is parsed once.
const parsedSlices = new Map<string, Slice>();

function parseSlice(s: string): Slice {
  let slice = parsedSlices.get(s);
  if (slice === undefined) {
    slice = parseSliceText(s);
    if (parsedSlices.size < 1024) parsedSlices.set(s, slice);
  }
  return slice;
}

function parseSliceText(s: string): Slice {
  const m = SLICE.exec(s);
  if (!m) throw new TypeError(`invalid index '${s}': expected an integer, a slice like '1:5:2' or ':', '...', null, or a tensor`);
  // Bounds beyond 2^53 lose digits here; the native side clamps anything beyond any size.
  const step = m[3] === undefined ? null : Number(m[3]);
  if (step !== null && step <= 0) throw new RangeError(`invalid slice '${s}': step must be greater than zero`);
  return [m[1] === undefined ? null : Number(m[1]), m[2] === undefined ? null : Number(m[2]), step];
}

// The encoding native/indexing.cc reads: four numbers per item, [kind, a, b, c], in one
// reused Float64Array, so the native side makes one call to read the whole index instead of
// a property lookup per item. NaN stands for None in slices.
/**
 * Item kinds in the encoding native/indexing.cc reads.
 * @internal
 */
export const INDEX_INT = 0, INDEX_SLICE = 1, INDEX_ELLIPSIS = 2, INDEX_NONE = 3, INDEX_BOOL = 4, INDEX_TENSOR = 5;
let encoded = new Float64Array(4 * 16);
let encoding = false;

/**
 * Encodes index items into the shared buffer and returns it with the item count; integer and
 * boolean arrays become temporary tensors, whose handles go to temps for the caller to release.
 * The caller passes the buffer to native code at once. An item's getter that indexes again
 * while this runs gets a buffer of its own.
 * @internal
 */
export function encodeIndices(items: IndexItem[], handleOf: (t: unknown) => Handle, temps: Handle[] = []): [Float64Array, number] {
  if (encoding) return encodeInto(new Float64Array(4 * items.length), items, handleOf, temps);
  if (encoded.length < 4 * items.length) encoded = new Float64Array(4 * items.length);
  encoding = true;
  try {
    return encodeInto(encoded, items, handleOf, temps);
  } finally {
    encoding = false;
  }
}

function encodeInto(out: Float64Array, items: IndexItem[], handleOf: (t: unknown) => Handle, temps: Handle[]): [Float64Array, number] {
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const k = 4 * i;
    if (typeof it === 'number') {
      if (!Number.isInteger(it)) throw new TypeError(`index ${it} is not an integer`);
      out[k] = INDEX_INT;
      out[k + 1] = it;
    } else if (it === null) {
      out[k] = INDEX_NONE;
    } else if (typeof it === 'boolean') {
      out[k] = INDEX_BOOL;
      out[k + 1] = it ? 1 : 0;
    } else if (typeof it === 'string') {
      if (it === '...' || it.trim() === '...') {
        out[k] = INDEX_ELLIPSIS;
      } else {
        const [start, stop, step] = parseSlice(it);
        out[k] = INDEX_SLICE;
        out[k + 1] = start ?? NaN;
        out[k + 2] = stop ?? NaN;
        out[k + 3] = step ?? NaN;
      }
    } else if (Array.isArray(it)) {
      out[k] = INDEX_TENSOR;
      out[k + 1] = listIndex(it, temps);
    } else if (typeof it === 'object') {
      out[k] = INDEX_TENSOR;
      out[k + 1] = handleOf(it); // a TypeError for anything but a Tensor of this thread
    } else {
      throw new TypeError(`unsupported index of type ${typeof it}`);
    }
  }
  return [out, items.length];
}

/** A nested list of booleans (a mask, as in Python's x[[True, False]]) or integers, as a temporary tensor. */
function listIndex(it: unknown[], temps: Handle[]): Handle {
  const flat = it.flat(Infinity) as unknown[];
  let h: Handle;
  if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) {
    h = native.fromBuffer(Uint8Array.from(flat as boolean[], (v) => (v ? 1 : 0)), 11, listShape(it));
  } else {
    const data = BigInt64Array.from(flat as number[], (v) => {
      if (!Number.isInteger(v)) throw new TypeError(`index list entries must be integers, got ${v}`);
      return BigInt(v);
    });
    h = native.fromBuffer(data, 4, listShape(it));
  }
  temps.push(h);
  return h;
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
