// Reading safetensors data into tensors. Each tensor's bytes are read from the file with pread
// straight into the storage LibTorch allocates for it (native/file_read.cc): no JS buffer, no
// copy. Where the addon lacks that function (Windows, an older build) they are read into one
// reused JS buffer and copied once into the tensor. Either way the file is never held whole.
import * as fs from 'node:fs';
import { native } from '../binding';
import { Tensor, wrap } from '../tensor';
import { Device } from '../device';
import { TorchError } from '../errors';
import { Header, HeaderError, TensorEntry, headerLength, parseHeader } from './header';

/** Reads of at most 1 GiB each: fs.readSync takes at most 2^31 - 1 bytes at a time. */
const READ_CHUNK = 1 << 30;

/**
 * `safetensors: <where>: <reason>`, the failure as a TorchError (the original as its cause). An
 * error of the file system itself (reading a folder, EIO) is not the file's fault and is thrown
 * as it is, as a failure to open the file is.
 * @internal
 */
export function stError(where: string, e: unknown): Error {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string') return e;
  const err = e instanceof Error ? e : new Error(String(e));
  let reason = err.message;
  if (!(e instanceof HeaderError || e instanceof TorchError)) reason = `malformed file (${reason.split('\n')[0]})`;
  const out = new TorchError(`safetensors: ${where}: ${reason}`);
  Object.defineProperty(out, 'cause', { value: err, enumerable: false, writable: true, configurable: true });
  return out;
}

/**
 * Reads exactly into.length bytes at position, or throws a HeaderError at end of file.
 * @internal
 */
export function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, Math.min(into.length - done, READ_CHUNK), position + done);
    if (n === 0) throw new HeaderError(`the file ended at byte ${position + done}, before the ${into.length} bytes at ${position} could be read (did it change while being read?)`);
    done += n;
  }
}

/**
 * Reads and checks the header of the open file fd.
 * @internal
 */
export function readHeader(fd: number): Header {
  const size = fs.fstatSync(fd).size;
  const first8 = new Uint8Array(8);
  if (size >= 8) readFully(fd, first8, 0);
  const n = headerLength(first8, size);
  const bytes = new Uint8Array(n);
  readFully(fd, bytes, 8);
  return parseHeader(bytes, size - 8 - n);
}

/**
 * Parses and checks the header at the start of an in-memory file.
 * @internal
 */
export function headerOfBytes(buf: Uint8Array): Header {
  const n = headerLength(buf.subarray(0, 8), buf.length);
  return parseHeader(buf.subarray(8, 8 + n), buf.length - 8 - n);
}

/**
 * A tensor over bytes already in memory (copied once into the tensor's storage).
 * @internal
 */
export function tensorFromBytes(e: TensorEntry, bytes: Uint8Array, device: Device): Tensor {
  let t: Tensor;
  try {
    // fromBuffer checks only the byte length, so the raw bytes go straight into a tensor of e.dtype
    t = wrap(native.fromBuffer(bytes, e.dtype.code, e.shape));
  } catch (err) {
    throw new HeaderError(`tensor ${JSON.stringify(e.name)}: ${(err as Error).message}`);
  }
  return toDevice(t, device, e);
}

/**
 * Whether tensors are read with the addon's pread (tests turn it off to run the JS path).
 * @internal
 */
export const nativeRead = { enabled: typeof native.readTensor === 'function' };

/**
 * A reusable JS buffer for the fallback path, allocated only if that path runs.
 * @internal
 */
export class Scratch {
  private buf = new Uint8Array(0);
  constructor(private readonly size: number) {}
  view(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.size));
    return this.buf.subarray(0, n);
  }
}

/**
 * Reads one tensor from fd: straight into its storage, or through scratch.
 * @internal
 */
export function tensorFromFile(fd: number, header: Header, e: TensorEntry, scratch: Scratch, device: Device): Tensor {
  const position = header.dataStart + e.begin;
  if (!nativeRead.enabled) {
    const bytes = scratch.view(e.end - e.begin);
    try {
      readFully(fd, bytes, position);
    } catch (err) {
      throw new HeaderError(`tensor ${JSON.stringify(e.name)}: ${(err as Error).message}`);
    }
    return tensorFromBytes(e, bytes, device);
  }
  let t: Tensor;
  try {
    t = wrap(native.readTensor!(fd, position, e.dtype.code, e.shape));
  } catch (err) {
    throw new HeaderError(`tensor ${JSON.stringify(e.name)}: ${(err as Error).message}`);
  }
  return toDevice(t, device, e);
}

function toDevice(t: Tensor, device: Device, e: TensorEntry): Tensor {
  if (device.type === 'cpu') return t;
  try {
    return t.to(device);
  } catch (err) {
    throw new HeaderError(`tensor ${JSON.stringify(e.name)}: ${(err as Error).message}`);
  } finally {
    t.dispose();
  }
}

/**
 * The largest tensor's byte count: the one scratch buffer a whole-file load needs.
 * @internal
 */
export function largest(tensors: TensorEntry[]): number {
  return tensors.reduce((m, e) => Math.max(m, e.end - e.begin), 0);
}
