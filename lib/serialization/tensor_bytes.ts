// Raw little-endian element bytes (a storage record, a numpy array's data) as a native tensor.
import { Tensor } from '../tensor';
import { DType, uint8 } from '../dtype';
import { Device } from '../device';
import { from_typed_array } from '../creation';
import { ops } from '../raw_ops';

/**
 * One flat native tensor holding `bytes` as elements of `dtype`, on the target device.
 * @internal
 */
export function fromBytes(bytes: Uint8Array, dtype: DType, target: Device): Tensor {
  const raw = from_typed_array(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), [bytes.length]);
  let t = raw;
  if (dtype !== uint8) {
    t = ops.aten.view.dtype(raw, dtype);
    raw.dispose();
  }
  if (target.type !== 'cpu') {
    const moved = t.to(target);
    t.dispose();
    t = moved;
  }
  return t;
}

/**
 * Reverses each `width`-byte group in place (big-endian to little-endian).
 * @internal
 */
export function swapBytes(b: Uint8Array, width: number): void {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (width === 2) buf.swap16();
  else if (width === 4) buf.swap32();
  else if (width === 8) buf.swap64();
}
