// torch.save in PyTorch's zip format: the layout and pickle Python's torch.save writes
// (protocol 2, tensors through torch._utils._rebuild_tensor_v2 with one storage record each),
// so Python's torch.load (1.6 and later) opens the file.
import * as nodePath from 'node:path';
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
 * Parameter stays a Parameter), plain objects and Maps (Python dicts), arrays (lists),
 * numbers (whole numbers become Python ints, others floats), bigints, strings, booleans,
 * null/undefined (None), dtypes and devices. The same Tensor object saved twice loads as one.
 */
export function save(obj: unknown, path: string): void {
  saveWithOptions(obj, path);
}

/** @internal zip64Threshold lets tests exercise the zip64 fields without writing 4 GiB. */
export function saveWithOptions(obj: unknown, path: string, zip64Threshold?: number): void {
  const storages: Tensor[] = [];
  const p = new PickleWriter();
  p.proto();
  new Pickler(p, storages).value(obj, 'obj');
  const pickle = p.stop();

  const archive = archiveName(path);
  const zip = new ZipWriter(path, zip64Threshold);
  try {
    zip.add(`${archive}/data.pkl`, pickle);
    storages.forEach((t, key) => zip.add(`${archive}/data/${key}`, tensorBytes(t)));
    zip.add(`${archive}/version`, Buffer.from('3\n'));
    zip.add(`${archive}/byteorder`, Buffer.from('little'));
  } catch (e) {
    zip.abort();
    throw e;
  }
  zip.finish();
}

/** Python uses the file's name without its extension as the folder inside the zip. */
function archiveName(path: string): string {
  const base = nodePath.basename(path, nodePath.extname(path));
  return /^[A-Za-z0-9_.-]+$/.test(base) ? base : 'archive';
}

class Pickler {
  private readonly tensorMemo = new Map<Tensor, number>();
  private readonly active = new Set<object>(); // containers being written, to refuse cycles

  constructor(private readonly p: PickleWriter, private readonly storages: Tensor[]) {}

  value(v: unknown, where: string): void {
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
      p.emptyList();
      this.batched(v.length, (i) => this.value(v[i], `${where}[${i}]`), () => p.appends());
      this.active.delete(v);
    } else if (v instanceof Map) {
      this.enter(v, where);
      this.dict([...v.entries()], where);
      this.active.delete(v);
    } else if (typeof v === 'object' && isPlainObject(v)) {
      this.enter(v, where);
      this.dict(Object.entries(v), where);
      this.active.delete(v);
    } else {
      throw new TypeError(`torch.save: cannot save ${describeJs(v)} at ${where}; supported are tensors, plain objects, Maps, arrays, numbers, bigints, strings, booleans, null, dtypes and devices`);
    }
  }

  private enter(v: object, where: string): void {
    if (this.active.has(v)) throw new TypeError(`torch.save: ${where} refers back to an object that contains it; cyclic structures cannot be saved`);
    this.active.add(v);
  }

  private dict(entries: [unknown, unknown][], where: string): void {
    this.p.emptyDict();
    this.batched(entries.length, (i) => {
      const [k, x] = entries[i];
      if (k instanceof Tensor || (k !== null && typeof k === 'object' && !Array.isArray(k))) {
        throw new TypeError(`torch.save: the dict at ${where} has a key that Python cannot hash (${describeJs(k)})`);
      }
      this.value(k, where);
      this.value(x, `${where}[${JSON.stringify(String(k))}]`);
    }, () => this.p.setitems());
  }

  private batched(n: number, item: (i: number) => void, close: () => void): void {
    for (let start = 0; start < n; start += BATCH) {
      this.p.mark();
      for (let i = start; i < Math.min(n, start + BATCH); i++) item(i);
      close();
    }
  }

  private tensor(t: Tensor, where: string): void {
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

  private plainTensor(t: Tensor, requiresGrad: boolean, where: string): void {
    const p = this.p;
    const dtype = t.dtype;
    const storageType = storageTypeOfDtype.get(dtype);
    if (!storageType) throw new TypeError(`torch.save: tensors of dtype ${dtype} cannot be saved (at ${where})`);
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
  const temps: Tensor[] = [];
  const step = (x: Tensor): Tensor => (temps.push(x), x);
  try {
    let x = step(t.detach());
    if (x.device.type !== 'cpu') x = step(x.cpu());
    x = step(step(x.contiguous()).reshape([-1]));
    if (x.dtype !== uint8) x = step(ops.aten.view.dtype(x, uint8));
    return x.toTypedArray() as Uint8Array;
  } finally {
    for (const x of temps) x.dispose();
  }
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
