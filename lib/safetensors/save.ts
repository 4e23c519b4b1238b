// safetensors.torch's writers: save_file and save. The layout is the Python writer's: the
// header lists "__metadata__" first, then the tensors in the order of their data; the data are
// ordered by element size, largest first, so that every tensor starts at a multiple of its
// element size (the JSON is padded with spaces to a multiple of 8 bytes), and otherwise in the
// caller's order (Python orders them by name; a state_dict of one dtype keeps its order here).
import { native } from '../binding';
import { Tensor } from '../tensor';
import { ops } from '../raw_ops';
import { withByteView } from '../serialization/save';
import { AtomicFile } from './atomic';
import { nameOfDtype, SUPPORTED_NAMES } from './dtypes';
import { MAX_HEADER_SIZE } from './header';

/** Tensors by name, as an object or a Map, for {@link save_file} and {@link save}. */
export type TensorDict = Record<string, Tensor> | Map<string, Tensor>;

/** Bytes copied out of a tensor per write: the scratch memory a save needs, whatever the tensor sizes. */
const WRITE_CHUNK = 16 << 20;

interface Planned {
  name: string;
  tensor: Tensor;
  dtypeName: string;
  shape: number[];
  nbytes: number;
  begin: number;
}

/**
 * Saves tensors to path in the safetensors format, as Python's
 * `safetensors.torch.save_file(tensors, path, metadata)`: tensors is an object (or Map) from
 * name to tensor, metadata an optional object of strings stored as the header's
 * "__metadata__". Tensors on any device and with any strides are written as their contiguous
 * CPU values (Python's save_file refuses non-contiguous ones); each tensor's bytes go to the
 * file in 16 MB pieces, so a save needs little memory beyond the tensors.
 *
 * Atomic, as torch.save is: the file is written to `.<name>.<pid>.<random>.tmp` in the same
 * folder, flushed to disk and renamed over path, so a save that fails or is interrupted leaves
 * the previous file as it was.
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.save_file
 */
export function save_file(tensors: TensorDict, path: string, metadata?: Record<string, string> | null): void {
  const { header, plan } = prepare('save_file', tensors, metadata);
  const file = new AtomicFile(path);
  try {
    file.write(header);
    const scratch = new Uint8Array(Math.min(WRITE_CHUNK, plan.reduce((m, p) => Math.max(m, p.nbytes), 0)));
    for (const p of plan) {
      eachChunk(p.tensor, (flat, from, to) => {
        const view = scratch.subarray(0, to - from);
        copyBytes(flat, from, to, view);
        file.write(view);
      });
    }
    file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}

/**
 * The safetensors file as bytes (Python's `safetensors.torch.save(tensors, metadata)`).
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.save
 */
export function save(tensors: TensorDict, metadata?: Record<string, string> | null): Uint8Array {
  const { header, plan, dataLength } = prepare('save', tensors, metadata);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header, 0);
  for (const p of plan) {
    const at = header.length + p.begin;
    eachChunk(p.tensor, (flat, from, to) => copyBytes(flat, from, to, out.subarray(at + from, at + to)));
  }
  return out;
}

/** Checks everything before a byte is written, and lays out the data and the header. */
function prepare(fn: string, tensors: TensorDict, metadata: Record<string, string> | null | undefined) {
  const entries = tensorEntries(fn, tensors);
  const planned: Planned[] = entries.map(([name, t]) => {
    const where = `safetensors.${fn}: tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') throw new TypeError(`safetensors.${fn}: "__metadata__" is reserved for the metadata and cannot name a tensor`);
    if (!isWellFormed(name)) throw new TypeError(`safetensors.${fn}: the tensor name ${JSON.stringify(name)} has an unpaired surrogate, which UTF-8 cannot hold`);
    if (!Tensor.isTensor(t)) throw new TypeError(`${where} is not a Tensor`);
    if (t.is_disposed) throw new TypeError(`${where} has been disposed`);
    const dtypeName = nameOfDtype.get(t.dtype);
    if (!dtypeName) throw new TypeError(`${where} has dtype ${t.dtype}, which safetensors cannot store (it stores ${SUPPORTED_NAMES})`);
    if (t.device.type === 'meta') throw new TypeError(`${where} is a meta tensor, which has no data to save`);
    if (!isStrided(t)) throw new TypeError(`${where} is not a dense (strided) tensor; safetensors stores only dense tensors (use to_dense())`);
    const shape = t.shape;
    return { name, tensor: t, dtypeName, shape, nbytes: t.numel() * t.dtype.itemsize, begin: 0 };
  });
  // largest elements first, so each tensor's data is aligned to its element size; stable otherwise
  const plan = planned
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.tensor.dtype.itemsize - a.p.tensor.dtype.itemsize || a.i - b.i)
    .map(({ p }) => p);
  let offset = 0;
  for (const p of plan) {
    p.begin = offset;
    offset += p.nbytes;
  }

  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) parts.push(`"__metadata__":${metadataJson(fn, metadata)}`);
  for (const p of plan) {
    parts.push(`${JSON.stringify(p.name)}:{"dtype":"${p.dtypeName}","shape":[${p.shape.join(',')}],"data_offsets":[${p.begin},${p.begin + p.nbytes}]}`);
  }
  const json = `{${parts.join(',')}}`;
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  const padded = jsonBytes + ((8 - (jsonBytes % 8)) % 8);
  if (padded > MAX_HEADER_SIZE) throw new RangeError(`safetensors.${fn}: the header would be ${padded} bytes, over the ${MAX_HEADER_SIZE}-byte limit readers enforce`);
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  header.write(json, 8, 'utf8');
  return { header: new Uint8Array(header.buffer, header.byteOffset, header.length), plan, dataLength: offset };
}

function tensorEntries(fn: string, tensors: TensorDict): [string, Tensor][] {
  if (tensors instanceof Map) {
    const out = [...tensors];
    for (const [k] of out) if (typeof k !== 'string') throw new TypeError(`safetensors.${fn}: tensor names must be strings, got a ${typeof k}`);
    return out;
  }
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || Tensor.isTensor(tensors)) {
    throw new TypeError(`safetensors.${fn}: expected an object (or Map) from names to tensors`);
  }
  return Object.entries(tensors);
}

function metadataJson(fn: string, metadata: Record<string, string>): string {
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new TypeError(`safetensors.${fn}: metadata must be an object of strings`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`safetensors.${fn}: metadata ${JSON.stringify(k)} is a ${typeof v}; safetensors metadata values are strings`);
    if (!isWellFormed(k) || !isWellFormed(v)) throw new TypeError(`safetensors.${fn}: metadata ${JSON.stringify(k)} has an unpaired surrogate, which UTF-8 cannot hold`);
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Calls fn with the tensor's contiguous CPU bytes (a flat uint8 tensor) for each piece of at most
 * WRITE_CHUNK bytes. A tensor already contiguous on the CPU is read in place.
 */
function eachChunk(t: Tensor, fn: (flat: Tensor, from: number, to: number) => void): void {
  withByteView(t, (x) => {
    const n = x.numel();
    for (let from = 0; from < n; from += WRITE_CHUNK) fn(x, from, Math.min(n, from + WRITE_CHUNK));
  });
}

/** Copies bytes [from, to) of a flat contiguous uint8 CPU tensor into out. */
function copyBytes(flat: Tensor, from: number, to: number, out: Uint8Array): void {
  if (from === 0 && to === flat.numel()) {
    native.copyInto(flat.h, out);
    return;
  }
  const piece: Tensor = ops.aten.slice.Tensor(flat, 0, from, to);
  try {
    native.copyInto(piece.h, out);
  } finally {
    piece.dispose();
  }
}

/** Whether t is an ordinary strided tensor (torch.save's test: ATen's shallow-copy compatibility with one). */
function isStrided(t: Tensor): boolean {
  const dense: Tensor = ops.aten.empty.memory_format([0]);
  try {
    return ops.aten._has_compatible_shallow_copy_type(t, dense);
  } finally {
    dense.dispose();
  }
}

function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
