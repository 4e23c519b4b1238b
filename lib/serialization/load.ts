// torch.load for PyTorch's zip format (the default since PyTorch 1.6, and 2.x's too).
// Each storage record becomes one native tensor, and every saved tensor becomes an as_strided
// view of its storage, so strides, offsets and sharing between tensors come out as in Python.
import { Tensor } from '../tensor';
import { DType, toDType, uint8 } from '../dtype';
import { Device, DeviceLike } from '../device';
import { from_typed_array } from '../creation';
import { ops } from '../raw_ops';
import { Parameter } from '../nn/parameter';
import { ZipReader, ZipFormatError } from './zip';
import { unpickle, PickleError, PyCallable, describePy } from './pickle';
import { dtypeOfStorageType } from './storage_types';

export interface LoadOptions {
  /** Where every tensor goes, whatever device it was saved from ('cpu' by default). */
  map_location?: DeviceLike;
}

/** A storage's persistent id, resolved to bytes only when a tensor uses it. */
class StorageRef {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number, readonly location: string) {}
}

class StorageTypeToken {
  constructor(readonly name: string, readonly dtype: DType) {}
}

const SUPPORTED = 'only tensors, dicts, lists, tuples, numbers, strings and booleans are supported';
// The first bytes of a pre-1.6 ("legacy") torch.save file: PROTO 2, then LONG1 with the magic number.
const LEGACY_MAGIC = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

/**
 * Loads an object saved with torch.save (Python's or torchnode's). Dicts with string keys
 * become plain objects (a state_dict is ready for module.load_state_dict), dicts with other
 * keys become Maps, tuples and lists become arrays, Python ints and floats become numbers
 * (ints beyond 2^53 become bigints). Tensors are restored on options.map_location ('cpu').
 */
export function load(path: string, options: LoadOptions = {}): any {
  const target = new Device(options.map_location ?? 'cpu');
  let zip: ZipReader;
  try {
    zip = ZipReader.open(path); // a missing file throws the fs error as it is
  } catch (e) {
    if (!(e instanceof ZipFormatError)) throw e;
    throw new Error(`torch.load: ${path} is not a PyTorch zip archive (${notZipReason(path, e.message)})`);
  }
  const storages = new Map<string, Tensor>();
  try {
    return loadFromZip(zip, target, storages);
  } catch (e) {
    if (e instanceof ZipFormatError || e instanceof PickleError) throw new Error(`torch.load: ${path}: ${e.message}`);
    throw e;
  } finally {
    // The views keep their storage alive natively; these handles are no longer needed.
    for (const s of storages.values()) s.dispose();
    zip.close();
  }
}

function notZipReason(path: string, zipReason: string): string {
  const head = ZipReader.head(path, LEGACY_MAGIC.length);
  if (head.length === 0) return 'the file is empty';
  if (head.equals(LEGACY_MAGIC)) {
    return 'it uses the legacy pre-1.6 torch.save format, which torchnode does not read; re-save it in Python with torch.save(torch.load(path), path)';
  }
  return zipReason;
}

function loadFromZip(zip: ZipReader, target: Device, storages: Map<string, Tensor>): unknown {
  const first = zip.names[0];
  if (first === undefined) throw new ZipFormatError('the zip archive is empty');
  // Python names the archive folder after the file it saved to ('archive' in some versions).
  const prefix = first.includes('/') ? first.slice(0, first.indexOf('/') + 1) : '';
  if (!zip.entries.has(`${prefix}data.pkl`)) {
    if (zip.entries.has(`${prefix}constants.pkl`)) {
      throw new ZipFormatError('this is a TorchScript archive (torch.jit.save), which torchnode cannot load; save the state_dict with torch.save in Python instead');
    }
    throw new ZipFormatError(`the zip archive has no ${prefix}data.pkl record, so it was not written by torch.save`);
  }
  const byteorderName = `${prefix}byteorder`;
  const bigEndian = zip.entries.has(byteorderName) && zip.read(byteorderName).toString('latin1').trim() === 'big';

  const storageTensor = (ref: StorageRef): Tensor => {
    let t = storages.get(ref.key);
    if (t) {
      if (t.dtype !== ref.dtype) throw new PickleError(`storage '${ref.key}' is used as both ${t.dtype} and ${ref.dtype}`);
      return t;
    }
    const record = `${prefix}data/${ref.key}`;
    if (!zip.entries.has(record)) throw new ZipFormatError(`the storage record '${record}' is missing`);
    const bytes = zip.read(record);
    const expected = ref.numel * ref.dtype.itemsize;
    if (bytes.length !== expected) {
      throw new ZipFormatError(`storage record '${record}' has ${bytes.length} bytes, but ${ref.numel} ${ref.dtype} elements need ${expected}`);
    }
    if (bigEndian && ref.dtype.itemsize > 1) swapBytes(bytes, ref.dtype.is_complex ? ref.dtype.itemsize / 2 : ref.dtype.itemsize);
    t = fromBytes(bytes, ref.dtype, target);
    storages.set(ref.key, t);
    return t;
  };

  const rebuildTensor = (args: unknown[], name: string): Tensor => {
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof StorageRef)) throw new PickleError(`${name}: expected a storage, got ${describePy(storage)}`);
    if (!isIntArray(size) || !isIntArray(stride) || size.length !== stride.length || !isInt(offset)) {
      throw new PickleError(`${name}: malformed size/stride/offset`);
    }
    checkInBounds(size, stride, offset, storage.numel);
    const t: Tensor = ops.aten.as_strided(storageTensor(storage), size, stride, offset);
    if (requiresGrad === true) t.requires_grad_(true);
    return t;
  };

  const callables: Record<string, PyCallable> = {
    'collections.OrderedDict': {
      qualname: 'collections.OrderedDict',
      call: (args) => new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []),
      build: (obj) => obj, // the state is `_metadata` (per-module versions), which torchnode does not use
    },
    'torch._utils._rebuild_tensor_v2': { qualname: '_rebuild_tensor_v2', call: (a) => rebuildTensor(a, '_rebuild_tensor_v2') },
    'torch._utils._rebuild_tensor': { qualname: '_rebuild_tensor', call: (a) => rebuildTensor([...a, false], '_rebuild_tensor') },
    'torch._utils._rebuild_parameter': { qualname: '_rebuild_parameter', call: rebuildParameter },
    // PyTorch 2.x, for a Parameter with extra Python attributes (which are dropped here).
    'torch._utils._rebuild_parameter_with_state': { qualname: '_rebuild_parameter_with_state', call: rebuildParameter },
    'torch.device': {
      qualname: 'torch.device',
      call: ([type, index]) => {
        if (typeof type !== 'string') throw new PickleError('torch.device: expected a device string');
        return new Device(type, typeof index === 'number' ? index : undefined);
      },
    },
    // Python 3 bytes in protocol 2 pickles: _codecs.encode(text, 'latin1').
    '_codecs.encode': {
      qualname: '_codecs.encode',
      call: ([text, encoding]) => {
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new PickleError('_codecs.encode: unsupported arguments');
        return Uint8Array.from(Buffer.from(text, 'latin1'));
      },
    },
    'builtins.set': { qualname: 'set', call: ([items]) => new Set(Array.isArray(items) ? items : []) },
    'builtins.frozenset': { qualname: 'frozenset', call: ([items]) => new Set(Array.isArray(items) ? items : []) },
  };

  const findGlobal = (module: string, name: string): unknown => {
    const qual = `${module}.${name}`;
    if (callables[qual]) return callables[qual];
    if (module === 'torch') {
      const storageDtype = dtypeOfStorageType.get(name);
      if (storageDtype) return new StorageTypeToken(name, storageDtype);
      const dtype = dtypeByName(name);
      if (dtype) return dtype; // a pickled torch.dtype is written as the global torch.<name>
    }
    throw new PickleError(`cannot load objects of type '${qual}'; ${SUPPORTED}`);
  };

  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new PickleError(`unsupported persistent id ${JSON.stringify(String(pid))}; expected a ('storage', ...) tuple`);
    }
    const [, type, key, location, numel] = pid;
    if (!(type instanceof StorageTypeToken) || typeof key !== 'string' || typeof location !== 'string' || !isInt(numel) || numel < 0) {
      throw new PickleError('malformed storage persistent id');
    }
    return new StorageRef(key, type.dtype, numel, location);
  };

  const result = unpickle(zip.read(`${prefix}data.pkl`), { findGlobal, persistentLoad });
  return toJs(result, new Map());
}

function rebuildParameter(args: unknown[]): Parameter {
  const [data, requiresGrad] = args;
  if (!(data instanceof Tensor)) throw new PickleError(`_rebuild_parameter: expected a tensor, got ${describePy(data)}`);
  return new Parameter(data, requiresGrad !== false);
}

/** One native tensor holding a storage record's elements, on the target device. */
function fromBytes(bytes: Buffer, dtype: DType, target: Device): Tensor {
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

function swapBytes(b: Buffer, width: number): void {
  if (width === 2) b.swap16();
  else if (width === 4) b.swap32();
  else if (width === 8) b.swap64();
}

/** as_strided would also refuse these, but with a message that does not name the file's problem. */
function checkInBounds(size: number[], stride: number[], offset: number, numel: number): void {
  if (size.some((s) => s < 0) || stride.some((s) => s < 0) || offset < 0) throw new PickleError('negative size, stride or offset in a saved tensor');
  if (size.includes(0)) return;
  const last = size.reduce((acc, s, i) => acc + (s - 1) * stride[i], offset);
  if (last >= numel) throw new PickleError(`a saved tensor reaches element ${last} of a storage with ${numel} elements`);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isInt);
}

function dtypeByName(name: string): DType | undefined {
  try {
    return toDType(name);
  } catch {
    return undefined;
  }
}

/** Python dicts with only string keys become plain objects; shared and cyclic references are kept. */
function toJs(v: unknown, seen: Map<object, unknown>): unknown {
  if (v === null || typeof v !== 'object' || v instanceof Tensor || v instanceof Device || v instanceof DType || v instanceof Uint8Array) return v;
  if (seen.has(v)) return seen.get(v);
  if (v instanceof StorageRef || v instanceof StorageTypeToken || 'call' in v) {
    throw new PickleError(`the file holds a bare ${v instanceof StorageRef ? 'storage' : 'global'}, which torchnode cannot return; ${SUPPORTED}`);
  }
  if (Array.isArray(v)) {
    seen.set(v, v);
    for (let i = 0; i < v.length; i++) v[i] = toJs(v[i], seen);
    return v;
  }
  if (v instanceof Set) {
    const out = new Set();
    seen.set(v, out);
    for (const x of v) out.add(toJs(x, seen));
    return out;
  }
  if (v instanceof Map) {
    if ([...v.keys()].every((k) => typeof k === 'string')) {
      const out: Record<string, unknown> = {};
      seen.set(v, out);
      // defineProperty, so a key named __proto__ is data and not the prototype
      for (const [k, x] of v) Object.defineProperty(out, k as string, { value: toJs(x, seen), enumerable: true, writable: true, configurable: true });
      return out;
    }
    const out = new Map();
    seen.set(v, out);
    for (const [k, x] of v) out.set(k, toJs(x, seen));
    return out;
  }
  return v;
}
