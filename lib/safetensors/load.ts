// safetensors.torch's readers: load_file, load and safe_open.
import * as fs from 'node:fs';
import { Tensor } from '../tensor';
import { Device, DeviceLike } from '../device';
import { Header, HeaderError } from './header';
import { Scratch, headerOfBytes, largest, readHeader, stError, tensorFromBytes, tensorFromFile } from './read';

/** The options of {@link load_file}, {@link load} and {@link safe_open} (Python's keyword arguments). */
export interface LoadFileOptions {
  /** Where the tensors go ('cpu' by default), as Python's device= argument. */
  device?: DeviceLike;
}

/**
 * Loads every tensor of a safetensors file, as Python's `safetensors.torch.load_file(path,
 * device)`: an object from name to tensor, in the order of the tensors' data in the file (which
 * is the header's order in files Python or torchnode wrote). The header is checked in full
 * before any tensor is made; each tensor is read from the file straight into its storage, so
 * the load needs the tensors' memory and no more (on Windows, or with an addon that predates
 * this, through one reused buffer: plus the largest tensor's size). A missing or unreadable file throws the fs error unchanged; anything wrong with
 * the file is a TorchError starting `safetensors: <path>:`.
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.load_file
 */
export function load_file(path: string, options: LoadFileOptions = {}): Record<string, Tensor> {
  const device = deviceOf(options.device);
  const fd = fs.openSync(path, 'r');
  const out: Record<string, Tensor> = {};
  try {
    const header = readHeader(fd);
    const scratch = new Scratch(largest(header.tensors));
    for (const e of header.tensors) put(out, e.name, tensorFromFile(fd, header, e, scratch, device));
    return out;
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw stError(path, e);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Loads the tensors of a safetensors file held in memory (Python's `safetensors.torch.load(data)`),
 * each copied once out of buf. Errors are TorchErrors starting `safetensors: <bytes>:`.
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.torch.load
 */
export function load(buf: Uint8Array, options: LoadFileOptions = {}): Record<string, Tensor> {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`safetensors.load: expected a Uint8Array (or Buffer), got ${typeof buf}`);
  const device = deviceOf(options.device);
  const out: Record<string, Tensor> = {};
  try {
    const header = headerOfBytes(buf);
    for (const e of header.tensors) {
      put(out, e.name, tensorFromBytes(e, buf.subarray(header.dataStart + e.begin, header.dataStart + e.end), device));
    }
    return out;
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw stError('<bytes>', e);
  }
}

/**
 * Opens a safetensors file lazily, as Python's `safe_open(path, framework='pt', device='cpu')`:
 * the header is read and checked now, and each tensor only when `get_tensor` asks for it. The
 * file stays open until `close()` (or `using f = safe_open(...)`); one that is dropped is closed
 * by the garbage collector.
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.safe_open
 */
export function safe_open(path: string, framework?: string | LoadFileOptions, options?: LoadFileOptions): SafeOpen {
  if (typeof framework === 'object' && framework !== null) {
    options = framework;
    framework = undefined;
  }
  if (framework !== undefined && framework !== 'pt' && framework !== 'torch') {
    throw new TypeError(`safe_open: framework must be 'pt' (torchnode makes torch tensors), got ${JSON.stringify(framework)}`);
  }
  return new SafeOpen(path, deviceOf(options?.device));
}

const closer = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
});

/**
 * A safetensors file opened lazily by {@link safe_open}: the header is checked, tensors are read on
 * demand. Close it with `close()` or `using`.
 * @see https://huggingface.co/docs/safetensors/api/torch#safetensors.safe_open
 */
export class SafeOpen {
  private fd: number | null;
  private readonly header: Header;
  private readonly byName = new Map<string, Header['tensors'][number]>();

  /**
   * Made by safe_open.
   * @param path The file's path.
   * @internal
   */
  constructor(readonly path: string, private readonly device: Device) {
    const fd = fs.openSync(path, 'r');
    try {
      this.header = readHeader(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw stError(path, e);
    }
    this.fd = fd;
    for (const e of this.header.tensors) this.byName.set(e.name, e);
    closer.register(this, fd, this);
  }

  /** The tensor names, sorted (as Python's keys()). */
  keys(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** The tensor names in the order of their data in the file (Python's offset_keys()). */
  offset_keys(): string[] {
    return this.header.tensors.map((e) => e.name);
  }

  /** The header's "__metadata__" (string to string), or null when it has none, as Python's metadata(). */
  metadata(): Record<string, string> | null {
    return this.header.metadata === null ? null : { ...this.header.metadata };
  }

  /** A tensor's dtype and shape without reading it. */
  info(name: string): {
    /** The tensor's dtype. */
    dtype: Tensor['dtype'];
    /** The tensor's shape. */
    shape: number[];
  } {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: [...e.shape] };
  }

  /** Reads one tensor from the file. */
  get_tensor(name: string): Tensor {
    const e = this.entry(name);
    if (this.fd === null) throw stError(this.path, new HeaderError('the file has been closed'));
    try {
      return tensorFromFile(this.fd, this.header, e, new Scratch(0), this.device);
    } catch (err) {
      throw stError(this.path, err);
    }
  }

  /** Closes the file; later get_tensor calls throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    closer.unregister(this);
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  /** Closes the file, for `using f = safe_open(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  private entry(name: string): Header['tensors'][number] {
    const e = this.byName.get(name);
    if (!e) throw new RangeError(`safe_open: ${this.path} has no tensor named ${JSON.stringify(name)}`);
    return e;
  }
}

function deviceOf(d: DeviceLike | undefined): Device {
  return new Device(d ?? 'cpu');
}

/** defineProperty, so a tensor named __proto__ is data and not the prototype. */
function put(out: Record<string, Tensor>, name: string, t: Tensor): void {
  Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
}
