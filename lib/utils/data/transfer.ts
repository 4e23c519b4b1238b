// Batches across threads. A Tensor is a handle into its own thread's table, so a worker sends a
// batch as data: each tensor becomes { dtype, shape, elements } with its element buffer
// transferred (not copied), and the main thread rebuilds Tensors from it. Arrays and plain
// objects are walked, so the nested structures default_collate makes round-trip; everything
// else goes through the structured clone as is.
import { Tensor } from '../../tensor';
import { from_typed_array } from '../../creation';
import type { DTypeName, TypedArray } from '../../dtype';

/** The key that marks an encoded tensor: an ordinary string key survives the structured clone. */
const TENSOR_KEY = '$torchnode.tensor';

interface EncodedTensor {
  [TENSOR_KEY]: true;
  dtype: DTypeName;
  shape: number[];
  elements: TypedArray;
}

/**
 * A Tensor of this library, or of another copy of it loaded in the same worker (a dataset
 * module that imports the ESM build while the worker loaded the CommonJS one): both export
 * their elements the same way.
 */
function isTensorLike(v: unknown): v is Tensor {
  if (v instanceof Tensor) return true;
  const t = v as Partial<Tensor> | null;
  return t !== null && typeof t === 'object' && typeof t.toTypedArray === 'function' && Array.isArray(t.shape) && typeof t.dtype?.name === 'string';
}

/** v with every tensor replaced by its data; the tensors' fresh buffers are pushed to transfer. */
export function encode(v: unknown, transfer: ArrayBuffer[]): unknown {
  if (isTensorLike(v)) {
    if (v.dtype.is_complex) throw new TypeError(`a ${v.dtype} tensor cannot cross a DataLoader worker thread yet; send torch.view_as_real(t) instead`);
    const elements = v.toTypedArray(); // a fresh copy: transferring it detaches nothing the worker still uses
    transfer.push(elements.buffer as ArrayBuffer);
    const out: EncodedTensor = { [TENSOR_KEY]: true, dtype: v.dtype.name, shape: Array.from(v.shape), elements };
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => encode(x, transfer));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, encode(x, transfer));
    return out;
  }
  return v;
}

/** The inverse of encode, on the receiving thread: encoded tensors become Tensors again. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (isPlainObject(v)) {
    if ((v as Partial<EncodedTensor>)[TENSOR_KEY] === true) {
      const { dtype, shape, elements } = v as unknown as EncodedTensor;
      return from_typed_array(elements, shape, { dtype });
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, decode(x));
    return out;
  }
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** out[k] = v as an own property, even for k '__proto__' (an assignment would set the prototype). */
function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
}
