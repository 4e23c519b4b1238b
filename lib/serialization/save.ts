// torch.save in PyTorch's zip format: the layout and pickle Python's torch.save writes
// (protocol 2, tensors through torch._utils._rebuild_tensor_v2 with one storage record each),
// so Python's torch.load (1.6 and later) opens the file.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { randomBytes } from 'node:crypto';
import { Tensor } from '../tensor';
import { DType, uint8 } from '../dtype';
import { Device } from '../device';
import { ops } from '../raw_ops';
import { Parameter } from '../nn/parameter';
import { ZipWriter } from './zip';
import { PickleWriter } from './pickle';
import { storageTypeOfDtype } from './storage_types';

const BATCH = 1000; // items per SETITEMS/APPENDS, as Python's pickler batches them

/**
 * Saves obj to path. Supported: tensors (each written as its own contiguous storage; a
 * Parameter stays a Parameter; meta tensors and sparse COO tensors as PyTorch writes them),
 * plain objects and Maps (Python dicts), arrays (lists), numbers (whole numbers become Python
 * ints, others floats), bigints, strings, booleans, null/undefined (None), dtypes and devices.
 * The same Tensor object saved twice loads as one. Any nesting depth torch.load reads back.
 *
 * Atomic: the file is written to a temporary file in the same folder,
 * `.<name>.<pid>.<random>.tmp`, flushed to disk (fsync) and renamed over path, so a save that
 * fails or is interrupted leaves the previous file as it was. A failed save removes its
 * temporary file; a killed process cannot, and leaves it behind (safe to delete).
 * Differs from PyTorch: `path` is a file path only (no file objects or `pickle_module`,
 * `pickle_protocol`, `_use_new_zipfile_serialization`), and views of one storage are saved as
 * separate storages, so they load back not sharing memory.
 * @see https://pytorch.org/docs/stable/generated/torch.save.html
 */
export function save(obj: unknown, path: string): void {
  saveWithOptions(obj, path);
}

/** @internal zip64Threshold lets tests exercise the zip64 fields without writing 4 GiB. */
export function saveWithOptions(obj: unknown, path: string, zip64Threshold?: number): void {
  const storages: Tensor[] = [];
  const p = new PickleWriter();
  p.proto();
  new Pickler(p, storages).write(obj);
  const pickle = p.stop();

  const target = resolveTarget(path);
  const archive = archiveName(path);
  const temp = tempPathFor(target);
  const zip = new ZipWriter(temp, zip64Threshold, 'wx');
  try {
    copyMode(target, zip);
    zip.add(`${archive}/data.pkl`, pickle);
    storages.forEach((t, key) => zip.add(`${archive}/data/${key}`, tensorBytes(t)));
    zip.add(`${archive}/version`, Buffer.from('3\n'));
    zip.add(`${archive}/byteorder`, Buffer.from('little'));
    zip.finish(); // fsyncs and closes
    fs.renameSync(temp, target);
  } catch (e) {
    zip.abort();
    fs.rmSync(temp, { force: true });
    throw e;
  }
  syncFolder(nodePath.dirname(target));
}

/**
 * Writes through a symlink, as opening the path for writing would.
 * @internal
 */
export function resolveTarget(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path; // a new file
  }
}

/**
 * `.<name>.<pid>.<random>.tmp` next to target: same filesystem (so rename is atomic), recognisable, hidden.
 * @internal
 */
export function tempPathFor(target: string): string {
  return nodePath.join(nodePath.dirname(target), `.${nodePath.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** An existing file keeps its permissions, as it would if it were overwritten in place. */
function copyMode(target: string, zip: ZipWriter): void {
  let mode: number;
  try {
    mode = fs.statSync(target).mode & 0o7777;
  } catch {
    return;
  }
  zip.chmod(mode);
}

/**
 * Makes the rename itself durable; not every platform or filesystem allows fsync on a folder.
 * @internal
 */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Python uses the file's name without its extension as the folder inside the zip. */
function archiveName(path: string): string {
  const base = nodePath.basename(path, nodePath.extname(path));
  return /^[A-Za-z0-9_.-]+$/.test(base) ? base : 'archive';
}

/**
 * Where a value sits in the saved object ('obj["layers"][0]'), built only for error messages:
 * formatting it for every value would cost time and memory quadratic in the nesting depth.
 */
class Where {
  constructor(readonly parent: Where | null, readonly segment: string) {}
  child(key: string | number): Where {
    return new Where(this, typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`);
  }
  toString(): string {
    const parts: string[] = [];
    for (let w: Where | null = this; w; w = w.parent) parts.push(w.segment);
    parts.reverse();
    // deep paths keep their two ends
    return parts.length > 24 ? `${parts.slice(0, 12).join('')}...${parts.slice(-11).join('')}` : parts.join('');
  }
}

type Children = Iterator<[unknown, Where], void, void>;

/**
 * Writes the pickle without recursion: each container is a generator that writes its opening
 * opcodes, yields its items one at a time (the driver writes them, descending into containers
 * through an explicit stack), and writes its closing opcodes when resumed after the last one.
 */
class Pickler {
  private readonly tensorMemo = new Map<Tensor, number>();
  private readonly active = new Set<object>(); // containers being written, to refuse cycles
  private dense?: Tensor; // an empty strided tensor, to tell other layouts apart

  constructor(private readonly p: PickleWriter, private readonly storages: Tensor[]) {}

  write(obj: unknown): void {
    try {
      this.writeAll(obj);
    } finally {
      this.dense?.dispose();
    }
  }

  private writeAll(obj: unknown): void {
    const stack: Children[] = [];
    const visit = (v: unknown, where: Where): void => {
      const children = this.value(v, where);
      if (children) stack.push(children);
    };
    visit(obj, new Where(null, 'obj'));
    while (stack.length > 0) {
      const next = stack[stack.length - 1].next();
      if (next.done) stack.pop();
      else visit(next.value[0], next.value[1]);
    }
  }

  /** Writes a leaf, or returns the generator that writes a container. */
  private value(v: unknown, where: Where): Children | undefined {
    const p = this.p;
    if (v === null || v === undefined) p.none();
    else if (typeof v === 'boolean') p.bool(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Number.isSafeInteger(v)) p.int(v);
      else p.float(v);
    } else if (typeof v === 'bigint') p.int(v);
    else if (typeof v === 'string') p.str(v);
    else if (v instanceof Tensor) this.tensor(v, where);
    else if (v instanceof DType) p.global('torch', v.name);
    else if (v instanceof Device) {
      p.global('torch', 'device');
      p.mark();
      p.str(v.type);
      if (v.index !== null) p.int(v.index);
      p.tuple();
      p.reduce();
    } else if (Array.isArray(v)) {
      this.enter(v, where);
      return this.list(v, where);
    } else if (v instanceof Map) {
      this.enter(v, where);
      return this.dict(v, v.entries(), where);
    } else if (typeof v === 'object' && isPlainObject(v)) {
      this.enter(v, where);
      return this.dict(v, Object.entries(v)[Symbol.iterator](), where);
    } else {
      throw new TypeError(`torch.save: cannot save ${describeJs(v)} at ${where}; supported are tensors, plain objects, Maps, arrays, numbers, bigints, strings, booleans, null, dtypes and devices`);
    }
    return undefined;
  }

  private enter(v: object, where: Where): void {
    if (this.active.has(v)) throw new TypeError(`torch.save: ${where} refers back to an object that contains it; cyclic structures cannot be saved`);
    this.active.add(v);
  }

  private *list(v: unknown[], where: Where): Children {
    this.p.emptyList();
    for (let start = 0; start < v.length; start += BATCH) {
      this.p.mark();
      for (let i = start; i < Math.min(v.length, start + BATCH); i++) yield [v[i], where.child(i)];
      this.p.appends();
    }
    this.active.delete(v);
  }

  private *dict(owner: object, entries: Iterator<[unknown, unknown]>, where: Where): Children {
    this.p.emptyDict();
    let inBatch = 0;
    for (let e = entries.next(); !e.done; e = entries.next()) {
      const [k, x] = e.value;
      if (k instanceof Tensor || (k !== null && typeof k === 'object' && !Array.isArray(k))) {
        throw new TypeError(`torch.save: the dict at ${where} has a key that Python cannot hash (${describeJs(k)})`);
      }
      if (inBatch === 0) this.p.mark();
      yield [k, where];
      yield [x, where.child(String(k))];
      if (++inBatch === BATCH) {
        this.p.setitems();
        inBatch = 0;
      }
    }
    if (inBatch > 0) this.p.setitems();
    this.active.delete(owner);
  }

  private tensor(t: Tensor, where: Where): void {
    const memo = this.tensorMemo.get(t);
    if (memo !== undefined) {
      this.p.get(memo);
      return;
    }
    if (t.is_disposed) throw new TypeError(`torch.save: the tensor at ${where} has been disposed`);
    const p = this.p;
    if (t instanceof Parameter) {
      // Python's Parameter.__reduce_ex__: _rebuild_parameter(self.data, self.requires_grad, OrderedDict())
      p.global('torch._utils', '_rebuild_parameter');
      p.mark();
      this.plainTensor(t, false, where);
      p.bool(t.requires_grad);
      this.emptyOrderedDict();
      p.tuple();
      p.reduce();
    } else {
      this.plainTensor(t, t.requires_grad, where);
    }
    this.tensorMemo.set(t, p.put());
  }

  private plainTensor(t: Tensor, requiresGrad: boolean, where: Where): void {
    const p = this.p;
    const dtype = t.dtype;
    const storageType = storageTypeOfDtype.get(dtype);
    if (!storageType) throw new TypeError(`torch.save: tensors of dtype ${dtype} cannot be saved (at ${where})`);
    if (t.device.type === 'meta') {
      // Python: _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad); no data
      p.global('torch._utils', '_rebuild_meta_tensor_no_storage');
      p.mark();
      p.global('torch', dtype.name);
      this.intTuple(t.shape);
      this.intTuple(t.stride());
      p.bool(requiresGrad);
      p.tuple();
      p.reduce();
      return;
    }
    this.dense ??= ops.aten.empty.memory_format([0]);
    if (isNotStrided(t, this.dense!)) {
      this.sparseTensor(t, where);
      return;
    }
    const shape = t.shape;
    const key = String(this.storages.length);
    this.storages.push(t);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.mark();
    // persistent id: ('storage', torch.<X>Storage, key, location, numel)
    p.mark();
    p.str('storage');
    p.global('torch', storageType);
    p.str(key);
    p.str(locationTag(t.device));
    p.int(t.numel());
    p.tuple();
    p.binpersid();
    p.int(0); // storage_offset: each tensor is written as its own contiguous storage
    this.intTuple(shape);
    this.intTuple(contiguousStrides(shape));
    p.bool(requiresGrad);
    this.emptyOrderedDict(); // backward_hooks
    p.tuple();
    p.reduce();
  }

  /**
   * Python: _rebuild_sparse_tensor(torch.sparse_coo, (indices, values, torch.Size(size))), the
   * indices and values being ordinary tensors (uncoalesced, as the tensor holds them).
   */
  private sparseTensor(t: Tensor, where: Where): void {
    let dims: number;
    try {
      dims = ops.aten.sparse_dim(t);
    } catch {
      throw new TypeError(`torch.save: the tensor at ${where} has a layout torchnode cannot save (only strided, sparse COO and meta tensors)`);
    }
    void dims;
    const p = this.p;
    p.global('torch._utils', '_rebuild_sparse_tensor');
    p.global('torch.serialization', '_get_layout');
    p.str('torch.sparse_coo');
    p.tuple1();
    p.reduce();
    p.mark();
    this.plainTensor(ops.aten._indices(t), false, where);
    this.plainTensor(ops.aten._values<Tensor>(t).detach(), false, where);
    p.global('torch', 'Size');
    this.intTuple(t.shape);
    p.tuple1();
    p.reduce();
    p.tuple();
    p.tuple2();
    p.reduce();
  }

  private intTuple(xs: number[]): void {
    this.p.mark();
    for (const x of xs) this.p.int(x);
    this.p.tuple();
  }

  private emptyOrderedDict(): void {
    this.p.global('collections', 'OrderedDict');
    this.p.emptyTuple();
    this.p.reduce();
  }
}

/** Python's location tags: 'cpu', 'cuda:0'... */
function locationTag(d: Device): string {
  return d.type === 'cuda' && d.index === null ? 'cuda:0' : d.toString();
}

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return strides;
}

/** The tensor's elements as raw little-endian bytes, exact for every dtype (float16 included). */
function tensorBytes(t: Tensor): Uint8Array {
  return withByteView(t, (flat) => flat.toTypedArray() as Uint8Array);
}

/**
 * Calls fn with the tensor's elements as a flat contiguous uint8 CPU tensor (its raw
 * little-endian bytes; a tensor already contiguous on the CPU is viewed in place), then frees
 * every temporary. torch.save and safetensors' save_file write through it.
 * @internal
 */
export function withByteView<T>(t: Tensor, fn: (flat: Tensor) => T): T {
  const temps: Tensor[] = [];
  const step = (x: Tensor): Tensor => (temps.push(x), x);
  try {
    let x = step(t.detach());
    if (x.device.type !== 'cpu') x = step(x.cpu());
    x = step(step(x.contiguous()).reshape([-1]));
    if (x.dtype !== uint8) x = step(ops.aten.view.dtype(x, uint8));
    return fn(x);
  } finally {
    for (const x of temps) x.dispose();
  }
}

/**
 * Whether t is not an ordinary strided tensor. torchnode has no layout accessor; ATen's
 * _has_compatible_shallow_copy_type says whether two tensors have the same kind of
 * implementation, and any strided CPU or CUDA tensor is compatible with a strided CPU one.
 */
function isNotStrided(t: Tensor, dense: Tensor): boolean {
  return !ops.aten._has_compatible_shallow_copy_type(t, dense);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describeJs(v: unknown): string {
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`;
  if (typeof v === 'symbol') return 'a symbol';
  if (v !== null && typeof v === 'object') return `an object of class ${v.constructor?.name ?? 'unknown'}`;
  return `a ${typeof v}`;
}
