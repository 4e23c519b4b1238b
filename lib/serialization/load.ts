// torch.load for PyTorch's zip format (the default since PyTorch 1.6, and 2.x's too).
// Each storage record becomes one native tensor, and every saved tensor becomes an as_strided
// view of its storage, so strides, offsets and sharing between tensors come out as in Python.
import { Tensor } from '../tensor';
import { DType, toDType, complex128 } from '../dtype';
import { Device } from '../device';
import { ops } from '../raw_ops';
import { Parameter } from '../nn/parameter';
import { TorchError } from '../errors';
import { ZipReader, ZipFormatError } from './zip';
import { unpickle, PickleError, PyCallable, describePy, isCallable } from './pickle';
import { dtypeOfStorageType } from './storage_types';
import { fromBytes, swapBytes } from './tensor_bytes';
import { LoadOptions, ResolvedLoadOptions, resolveLoadOptions } from './load_options';
import { NumpyArray, NumpyDType, numpyGlobals } from './numpy';
import { weightsOnlyAllows, weightsOnlyRefusal } from './weights_only';

export type { LoadOptions } from './load_options';

/** A storage's persistent id, resolved to bytes only when a tensor uses it. */
class StorageRef {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number, readonly location: string) {}
}

class StorageTypeToken {
  constructor(readonly name: string, readonly dtype: DType) {}
}

const SUPPORTED = 'only tensors, numpy arrays, dicts, lists, tuples, sets, numbers, strings, bytes and booleans are supported';
// The first bytes of a pre-1.6 ("legacy") torch.save file: PROTO 2, then LONG1 with the magic number.
const LEGACY_MAGIC = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

/**
 * torch.load: https://pytorch.org/docs/stable/generated/torch.load.html
 *
 * Returns `unknown`: what a file holds is only known at run time, so narrow it before use
 * (`if (obj instanceof torch.Tensor)`, or a check that a state_dict is an object of Tensors
 * before `model.load_state_dict(obj as Record<string, torch.Tensor>)`). Differs from PyTorch:
 * map_location takes no callable; a file path only (no file-like objects).
 *
 * Loads an object saved with torch.save (Python's or torchnode's). Dicts with string keys
 * become plain objects (a state_dict is ready for module.load_state_dict), dicts with other
 * keys become Maps, tuples and lists become arrays, Python ints and floats become numbers
 * (ints beyond 2^53 become bigints). Tensors are restored on options.map_location (by default
 * where they were saved, or the CPU where that device is missing);
 * meta tensors stay on 'meta' and sparse COO tensors stay sparse, as in PyTorch.
 *
 * numpy arrays (with weights_only: false, as PyTorch requires) become Tensors, numpy scalars
 * numbers (see numpy.ts). Options (LoadOptions) are PyTorch's: map_location, weights_only
 * (true by default, as in PyTorch 2.6+), mmap, encoding; others are a TypeError.
 *
 * Never runs code from the file, whatever weights_only says: the unpickler rebuilds a fixed set
 * of data-only globals itself (tensor and parameter rebuilders, storage types, dtypes,
 * OrderedDict, Counter, torch.device, torch.Size, set, bytes, bytearray, complex, and with
 * weights_only: false also frozenset and numpy arrays, dtypes and scalars) and calls nothing
 * the file names; any other global (os.system, builtins.eval...) and the opcodes that call
 * classes (INST, OBJ...) are refused. weights_only: true refuses, with PyTorch's message, every
 * global PyTorch's weights_only unpickler refuses, so a file torchnode loads that way loads in
 * PyTorch with weights_only=True too. (Unlike PyTorch's weights_only unpickler, the data-only
 * opcodes of pickle protocols 3-5 are read in both modes.)
 * Hostile files are bounded: integers decode in linear time, nesting depth is limited only by
 * memory, a deflated record stops inflating at its declared size, tensors must lie inside their
 * storages, and options.max_bytes caps what is read. Every error but a failure to open the
 * file (the fs error, unchanged) is a TorchError whose message starts with
 * `torch.load: <path>`.
 */
export function load(path: string, options: LoadOptions = {}): unknown {
  if (typeof path !== 'string') throw new TypeError(`torch.load: expected a file path (string), got ${typeof path}`);
  const opts = resolveLoadOptions(options);
  let zip: ZipReader;
  try {
    zip = ZipReader.open(path); // a missing file throws the fs error as it is
  } catch (e) {
    if ((e as { syscall?: string }).syscall === 'open') throw e;
    if (!(e instanceof ZipFormatError)) throw loadError(path, e);
    throw withCause(new TorchError(`torch.load: ${path} is not a PyTorch zip archive (${notZipReason(path, e.message)})`), e);
  }
  const storages = new Map<string, Tensor>();
  try {
    return loadFromZip(zip, opts, storages, new Budget(opts.maxBytes));
  } catch (e) {
    throw loadError(path, e);
  } finally {
    // The views keep their storage alive natively; these handles are no longer needed.
    for (const s of storages.values()) s.dispose();
    zip.close();
  }
}

/** Any failure while reading the file, as `torch.load: <path>: <reason>`. */
function loadError(path: string, e: unknown): TorchError {
  const err = e instanceof Error ? e : new Error(String(e));
  let reason = err.message;
  if (e instanceof RangeError && /call stack/i.test(reason)) reason = 'the file nests too deeply to load';
  else if (!(e instanceof ZipFormatError || e instanceof PickleError || e instanceof TorchError)) {
    // something that should have been caught as a format error: say what, without internals
    reason = `malformed file (${reason.split('\n')[0]})`;
  }
  return withCause(new TorchError(`torch.load: ${path}: ${reason}`), err);
}

function withCause<E extends Error>(err: E, cause: unknown): E {
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  return err;
}

/**
 * What max_bytes charges for each object the unpickler makes: about what V8 needs for a small
 * array or Map and its slot (10^6 nested tuples took 30-90 MB).
 */
const OBJECT_COST = 100;

/** What options.max_bytes leaves: charged with each record's declared size before it is read. */
class Budget {
  private used = 0;
  constructor(readonly max: number) {}
  /** The bytes that may still be read; throws when `need` does not fit. */
  charge(need: number, what: string): void {
    if (this.used + need > this.max) {
      throw new ZipFormatError(`${what} needs ${need} bytes, more than max_bytes (${this.max}) allows${this.used ? ` after the ${this.used} already read` : ''}`);
    }
    this.used += need;
  }
  get left(): number {
    return this.max - this.used;
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

function loadFromZip(zip: ZipReader, opts: ResolvedLoadOptions, storages: Map<string, Tensor>, budget: Budget): unknown {
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
  const readRecord = (name: string): Buffer => {
    const size = zip.entries.get(name)?.size ?? 0;
    budget.charge(size, `record '${name}'`);
    return zip.read(name, size);
  };
  const bigEndian = zip.entries.has(byteorderName) && readRecord(byteorderName).toString('latin1').trim() === 'big';

  const storageTensor = (ref: StorageRef): Tensor => {
    let t = storages.get(ref.key);
    if (t) {
      if (t.dtype !== ref.dtype) throw new PickleError(`storage '${ref.key}' is used as both ${t.dtype} and ${ref.dtype}`);
      return t;
    }
    const record = `${prefix}data/${ref.key}`;
    const entry = zip.entries.get(record);
    if (!entry) throw new ZipFormatError(`the storage record '${record}' is missing`);
    const expected = ref.numel * ref.dtype.itemsize;
    // Both sizes are checked before the record is read, so a lie costs nothing.
    if (expected > budget.left) budget.charge(expected, `storage '${record}'`);
    if (entry.size !== expected) {
      throw new ZipFormatError(`storage record '${record}' has ${entry.size} bytes, but ${ref.numel} ${ref.dtype} elements need ${expected}`);
    }
    const bytes = readRecord(record);
    if (bigEndian && ref.dtype.itemsize > 1) swapBytes(bytes, ref.dtype.is_complex ? ref.dtype.itemsize / 2 : ref.dtype.itemsize);
    t = fromBytes(bytes, ref.dtype, opts.deviceFor(ref.location));
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

  // Python 1.13+: a meta tensor has no storage, only its dtype, size and stride.
  const rebuildMeta = (args: unknown[]): Tensor => {
    const [dtype, size, stride, requiresGrad] = args;
    if (!(dtype instanceof DType) || !isIntArray(size) || !isIntArray(stride) || size.length !== stride.length) {
      throw new PickleError('_rebuild_meta_tensor_no_storage: malformed dtype/size/stride');
    }
    checkInBounds(size, stride, 0, Infinity);
    const t: Tensor = ops.aten.empty_strided(size, stride, { dtype, device: 'meta' });
    if (requiresGrad === true) t.requires_grad_(true);
    return t;
  };

  // A sparse COO tensor: its indices and values are ordinary saved tensors.
  const rebuildSparse = (args: unknown[]): Tensor => {
    const [layout, data] = args;
    if (!(layout instanceof LayoutToken)) throw new PickleError('_rebuild_sparse_tensor: expected a layout');
    if (layout.name !== 'torch.sparse_coo') throw new PickleError(`tensors with layout ${layout.name} cannot be loaded; only sparse COO tensors are supported`);
    // PyTorch 1.13 writes (indices, values, size); 2.x adds is_coalesced (a bool or None).
    if (!Array.isArray(data) || (data.length !== 3 && data.length !== 4)) throw new PickleError('_rebuild_sparse_tensor: malformed arguments');
    const [indices, values, size, isCoalesced] = data;
    if (!(indices instanceof Tensor) || !(values instanceof Tensor) || !isIntArray(size) ||
        ![undefined, null, true, false].includes(isCoalesced as boolean | null | undefined)) {
      throw new PickleError('_rebuild_sparse_tensor: expected (indices, values, size[, is_coalesced])');
    }
    // what Python checks after loading (torch._utils._validate_loaded_sparse_tensors)
    ops.aten._validate_sparse_coo_tensor_args(indices, values, size);
    const t: Tensor = ops.aten._sparse_coo_tensor_unsafe(indices, values, size);
    if (isCoalesced === true) ops.aten._coalesced_(t, true);
    return t;
  };

  const callables: Record<string, PyCallable | object> = {
    'collections.OrderedDict': {
      qualname: 'collections.OrderedDict',
      call: (args) => new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []),
      build: (obj) => obj, // the state is `_metadata` (per-module versions), which torchnode does not use
    },
    'torch._utils._rebuild_tensor_v2': { qualname: '_rebuild_tensor_v2', call: (a) => rebuildTensor(a, '_rebuild_tensor_v2') },
    'torch._utils._rebuild_tensor': { qualname: '_rebuild_tensor', call: (a) => rebuildTensor([...a, false], '_rebuild_tensor') },
    'torch._utils._rebuild_parameter': { qualname: '_rebuild_parameter', call: rebuildParameter },
    'torch._utils._rebuild_meta_tensor_no_storage': { qualname: '_rebuild_meta_tensor_no_storage', call: rebuildMeta },
    'torch._utils._rebuild_sparse_tensor': { qualname: '_rebuild_sparse_tensor', call: rebuildSparse },
    'torch.serialization._get_layout': {
      qualname: '_get_layout',
      call: ([name]) => {
        if (typeof name !== 'string') throw new PickleError('_get_layout: expected a layout name');
        return new LayoutToken(name);
      },
    },
    'torch.Size': {
      qualname: 'torch.Size',
      call: ([dims]) => {
        if (!isIntArray(dims)) throw new PickleError('torch.Size: expected a tuple of ints');
        return dims;
      },
    },
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
    // Protocol 2 writes bytearray(b'..') as bytearray(text, 'latin-1'), and b'' as bytes().
    'builtins.bytearray': { qualname: 'bytearray', call: bytearray },
    'builtins.bytes': { qualname: 'bytes', call: bytearray },
    // JS has no complex number: a Python complex becomes a 0-d complex128 tensor.
    'builtins.complex': { qualname: 'complex', call: complexScalar },
    // Counter(dict): a dict like any other once loaded
    'collections.Counter': { qualname: 'collections.Counter', call: ([items]) => new Map(items instanceof Map ? items : []) },
    'torch.nn.parameter.Parameter': { qualname: 'torch.nn.Parameter', call: rebuildParameter },
    'torch.Tensor': TENSOR_CLASS,
    // PyTorch 2.x, for a plain tensor with extra Python attributes (dropped here, as for Parameters).
    'torch._tensor._rebuild_from_type_v2': {
      qualname: '_rebuild_from_type_v2',
      call: ([func, newType, args]) => {
        if (newType !== TENSOR_CLASS) throw new PickleError(`_rebuild_from_type_v2: only torch.Tensor is supported, got ${describePy(newType)}`);
        if (!isCallable(func) || !Array.isArray(args)) throw new PickleError('_rebuild_from_type_v2: malformed arguments');
        return func.call(args);
      },
    },
  };

  const findGlobal = (module: string, name: string): unknown => {
    // Protocol 2 names builtins by their Python 2 module; Python 3 (and PyTorch) map it back.
    if (module === '__builtin__') module = 'builtins';
    const qual = `${module}.${name}`;
    let found: unknown = callables[qual] ?? numpyGlobals[qual];
    let torchDtypeOrStorage = false;
    if (found === undefined && module === 'torch') {
      const storageDtype = dtypeOfStorageType.get(name);
      const dtype = dtypeByName(name); // a pickled torch.dtype is written as the global torch.<name>
      if (storageDtype) found = new StorageTypeToken(name, storageDtype);
      else if (dtype) found = dtype;
      // PyTorch's weights_only list names dtypes by their canonical name (float32, not float)
      torchDtypeOrStorage = storageDtype !== undefined || dtype?.name === name;
    }
    if (opts.weightsOnly && !weightsOnlyAllows(module, name, torchDtypeOrStorage)) {
      throw weightsOnlyRefusal(module, name, found !== undefined, SUPPORTED);
    }
    if (found === undefined) throw new PickleError(`cannot load objects of type '${qual}'; ${SUPPORTED}`);
    return found;
  };

  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new PickleError(`unsupported persistent id (a ${describePy(pid)}); expected a ('storage', ...) tuple`);
    }
    const [, type, key, location, numel] = pid;
    if (typeof numel === 'bigint' || (typeof numel === 'number' && numel > Number.MAX_SAFE_INTEGER)) {
      throw new PickleError(`a storage declares ${numel} elements, more than a tensor can hold`);
    }
    if (!(type instanceof StorageTypeToken) || typeof key !== 'string' || typeof location !== 'string' || !isInt(numel) || numel < 0) {
      throw new PickleError('malformed storage persistent id');
    }
    return new StorageRef(key, type.dtype, numel, location);
  };

  const shared = new Set<object>();
  const onObject = Number.isFinite(budget.max) ? () => budget.charge(OBJECT_COST, 'the objects in data.pkl') : undefined;
  const result = unpickle(readRecord(`${prefix}data.pkl`), { findGlobal, persistentLoad, shared, onObject, decodeStr: opts.decodeStr });
  return toJs(result, shared);
}

/** torch.Tensor, the class: only ever the type argument of _rebuild_from_type_v2. */
const TENSOR_CLASS = Object.freeze({ pyClass: 'torch.Tensor' });

/** bytes(...) and bytearray(...): both load as a Uint8Array. */
function bytearray(args: unknown[]): Uint8Array {
  const [data, encoding] = args;
  if (data === undefined) return new Uint8Array(0);
  if (data instanceof Uint8Array) return Uint8Array.from(data);
  if (typeof data === 'string' && (encoding === 'latin-1' || encoding === 'latin1')) return Uint8Array.from(Buffer.from(data, 'latin1'));
  throw new PickleError('bytes/bytearray: unsupported arguments');
}

function complexScalar(args: unknown[]): Tensor {
  const [re, im = 0] = args;
  if (typeof re !== 'number' || typeof im !== 'number') throw new PickleError('complex: expected two floats');
  const flat = fromBytes(new Uint8Array(new Float64Array([re, im]).buffer), complex128, new Device('cpu'));
  const t: Tensor = ops.aten.as_strided(flat, [], [], 0);
  flat.dispose();
  return t;
}

function rebuildParameter(args: unknown[]): Parameter {
  const [data, requiresGrad] = args;
  if (!(data instanceof Tensor)) throw new PickleError(`_rebuild_parameter: expected a tensor, got ${describePy(data)}`);
  return new Parameter(data, requiresGrad !== false);
}

/** as_strided would also refuse these, but with a message that does not name the file's problem. */
function checkInBounds(size: number[], stride: number[], offset: number, numel: number): void {
  if (size.some((s) => s < 0) || stride.some((s) => s < 0) || offset < 0) throw new PickleError('negative size, stride or offset in a saved tensor');
  if (size.includes(0)) return;
  // a stride-0 view stays inside any storage, but its element count must still be a real number
  if (size.reduce((acc, s) => acc * s, 1) > Number.MAX_SAFE_INTEGER) {
    throw new PickleError(`a saved tensor of size [${size.join(', ')}] has more elements than a tensor can hold`);
  }
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

/** A layout named by torch.serialization._get_layout ('torch.sparse_coo'...). */
class LayoutToken {
  constructor(readonly name: string) {}
}

/**
 * Python dicts with only string keys become plain objects; shared and cyclic references are
 * kept (tracked for the objects the unpickler reports as reused). Iterative (an explicit work list of child, destination, key), so any depth the
 * unpickler built converts; arrays are converted in place.
 */
function toJs(root: unknown, shared: Set<object>): unknown {
  // converted forms of the objects the pickle refers to more than once (the others occur once)
  const seen = new Map<object, unknown>();
  const values: unknown[] = [];
  const targets: unknown[] = [];
  const keys: unknown[] = [];
  const isLeaf = (v: unknown): boolean =>
    v === null || typeof v !== 'object' || v instanceof Tensor || v instanceof Device || v instanceof DType || v instanceof Uint8Array;
  // Queues v's children (in reverse, so they are placed in order) and returns v's converted form.
  const open = (v: object): unknown => {
    if (!(Array.isArray(v) || v instanceof Set || v instanceof Map)) {
      const what = v instanceof StorageRef ? 'storage' : v instanceof NumpyDType ? `numpy dtype (${v.name})` : 'global';
      throw new PickleError(`the file holds a bare ${what}, which torchnode cannot return; ${SUPPORTED}`);
    }
    if (Array.isArray(v)) {
      if (shared.has(v)) seen.set(v, v);
      for (let i = v.length - 1; i >= 0; i--) {
        if (!isLeaf(v[i])) values.push(v[i]), targets.push(v), keys.push(i);
      }
      return v;
    }
    let out: unknown;
    let entries: [unknown, unknown][];
    if (v instanceof Set) {
      out = new Set();
      entries = [...v].map((x) => [undefined, x]);
    } else {
      entries = [...(v as Map<unknown, unknown>)];
      out = entries.every(([k]) => typeof k === 'string') ? {} : new Map();
    }
    if (shared.has(v)) seen.set(v, out);
    for (let i = entries.length - 1; i >= 0; i--) values.push(entries[i][1]), targets.push(out), keys.push(entries[i][0]);
    return out;
  };
  const place = (target: unknown, key: unknown, x: unknown): void => {
    if (Array.isArray(target)) target[key as number] = x;
    else if (target instanceof Set) target.add(x);
    else if (target instanceof Map) target.set(key, x);
    // defineProperty, so a key named __proto__ is data and not the prototype
    else Object.defineProperty(target, key as string, { value: x, enumerable: true, writable: true, configurable: true });
  };
  // a numpy array is its tensor, once BUILD filled it in
  const unwrap = (v: unknown): unknown => (v instanceof NumpyArray ? v.value : v);
  root = unwrap(root);
  if (isLeaf(root)) return root;
  const result = open(root as object);
  while (values.length > 0) {
    const v = unwrap(values.pop());
    const target = targets.pop();
    const key = keys.pop();
    place(target, key, isLeaf(v) ? v : seen.has(v as object) ? seen.get(v as object) : open(v as object));
  }
  return result;
}
