// torch.load's options: PyTorch's keyword arguments that mean something without a Python
// pickle module, checked up front so a typo or a wrong type fails before the file is read.
import { Device, DeviceLike } from '../device';
import { PickleError } from './pickle';
import { device_count, is_available } from '../cuda';

/** The encodings Python's unpickler accepts for Python 2 strings, as torch.load passes them on. */
export type PickleEncoding = 'utf-8' | 'utf8' | 'latin1' | 'latin-1' | 'ascii' | 'bytes';

/**
 * `torch.load`'s keyword arguments that mean something without a Python pickle module, checked up
 * front so a typo or a wrong type fails before the file is read (a TypeError for an unknown key).
 * @see https://pytorch.org/docs/stable/generated/torch.load.html
 */
export interface LoadOptions {
  /**
   * Where the tensors go. A device ('cpu', 'cuda:0' or a Device) takes every tensor there,
   * whatever device it was saved from; a `{ saved: target }` object (`{ 'cuda:0': 'cpu' }`)
   * remaps the listed saved locations, and the others load where they were saved, as in
   * PyTorch. By default each tensor loads where it was saved, as in PyTorch, except that a
   * device this process lacks (a GPU checkpoint on a CPU-only machine) gives the CPU instead of
   * PyTorch's error. PyTorch's callable form has no JS meaning and is refused.
   */
  map_location?: DeviceLike | Record<string, DeviceLike>;
  /**
   * PyTorch's weights_only (true by default, as in PyTorch 2.6+): only the globals PyTorch's
   * weights_only unpickler allows (tensors, Parameters, dicts, OrderedDict, torch.Size,
   * dtypes, devices, set, bytes, complex...); others are refused with PyTorch's message. With
   * false, torchnode also loads what it supports beyond that list (numpy arrays and scalars,
   * frozenset). Neither mode runs code from the file (see load()).
   */
  weights_only?: boolean;
  /**
   * PyTorch maps the file instead of reading it. torchnode always reads the storages into
   * memory; the tensors are the same, and as with PyTorch's default MAP_PRIVATE, writing to
   * them never changes the file. Accepted so PyTorch calls port unchanged.
   */
  mmap?: boolean;
  /**
   * How Python 2 strings (the BINSTRING opcodes) decode: 'utf-8' (torch.load's default),
   * 'latin1', 'ascii', or 'bytes' to keep them as Uint8Arrays.
   */
  encoding?: PickleEncoding;
  /**
   * For files you do not trust: the most bytes the load may read out of the archive's records
   * (data.pkl and the storages, after decompression), plus 100 bytes for each object the
   * pickle makes (each list, dict, tuple or rebuilt tensor). Each record's declared size and
   * each storage's declared element count are checked against what is left before anything
   * is read or allocated. Unlimited by default.
   */
  max_bytes?: number;
}

/**
 * torch.load's options after checking, in the form the loader uses.
 * @internal
 */
export interface ResolvedLoadOptions {
  /** The device for a storage saved at `location` ('cpu', 'cuda:0'...). */
  deviceFor(location: string): Device;
  weightsOnly: boolean;
  maxBytes: number;
  /** Decodes a Python 2 string's bytes (to a string, or kept as bytes). */
  decodeStr(bytes: Uint8Array): string | Uint8Array;
}

const KNOWN = new Set(['map_location', 'weights_only', 'mmap', 'encoding', 'max_bytes']);

/**
 * Checks torch.load's options (TypeError/RangeError for unknown keys or wrong types) and resolves them.
 * @internal
 */
export function resolveLoadOptions(options: unknown): ResolvedLoadOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`torch.load: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      const why = key === 'pickle_module' ? ' (torchnode has its own unpickler; there is no Python pickle module to pass)' : '';
      throw new TypeError(`torch.load: unknown option '${key}'${why}; expected ${[...KNOWN].join(', ')}`);
    }
  }
  const flag = (name: string, dflt: boolean): boolean => {
    const v = o[name];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new TypeError(`torch.load: ${name} must be a boolean, got ${typeof v}`);
    return v;
  };
  const maxBytes = o.max_bytes ?? Infinity;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) throw new RangeError(`torch.load: max_bytes must be a non-negative number, got ${String(maxBytes)}`);
  flag('mmap', false); // validated only: see LoadOptions.mmap
  return {
    deviceFor: resolveMapLocation(o.map_location),
    weightsOnly: flag('weights_only', true),
    maxBytes,
    decodeStr: resolveEncoding(o.encoding),
  };
}

function toDevice(v: unknown, what: string): Device {
  if (typeof v !== 'string' && !(v instanceof Device)) {
    throw new TypeError(`torch.load: ${what} must be a device string or a torch.Device, got ${typeof v === 'function' ? 'a function (PyTorch\'s callable map_location has no torchnode equivalent)' : typeof v}`);
  }
  return new Device(v);
}

/** Whether a saved location ('cpu', 'cuda', 'cuda:1') names a device this process has. */
function deviceExists(location: string): boolean {
  const m = /^cuda(?::(\d+))?$/.exec(location);
  return location === 'cpu' || (m !== null && is_available() && Number(m[1] ?? 0) < device_count());
}

function resolveMapLocation(m: unknown): (location: string) => Device {
  if (m === undefined || m === null) {
    // Where it was saved, as PyTorch restores; where that device is missing here, the CPU
    // instead of PyTorch's error, so that a GPU checkpoint opens on a CPU-only machine.
    // One answer per saved location, for a load of many tensors.
    const cpu = new Device('cpu');
    const devices = new Map<string, Device>();
    return (location) => {
      let d = devices.get(location);
      if (!d) devices.set(location, (d = deviceExists(location) ? new Device(location) : cpu));
      return d;
    };
  }
  if (typeof m === 'string' || m instanceof Device || typeof m === 'function') {
    const d = toDevice(m, 'map_location');
    return () => d;
  }
  if (typeof m === 'object' && !Array.isArray(m)) {
    const table = new Map<string, Device>();
    for (const [from, to] of Object.entries(m)) table.set(from, toDevice(to, `map_location['${from}']`));
    return (location) => table.get(location) ?? new Device(location);
  }
  throw new TypeError(`torch.load: map_location must be a device or an object mapping saved locations to devices, got ${Array.isArray(m) ? 'an array' : typeof m}`);
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function resolveEncoding(e: unknown): (b: Uint8Array) => string | Uint8Array {
  const strict = (label: string) => {
    // ignoreBOM: Python's codecs keep a leading U+FEFF; TextDecoder would drop it.
    const decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
    return (b: Uint8Array): string => {
      try {
        return decoder.decode(b);
      } catch {
        throw new EncodingError(`a Python 2 string in the pickle is not valid ${label}; pass encoding: 'latin1' or 'bytes'`);
      }
    };
  };
  switch (e ?? 'utf-8') {
    case 'utf-8':
    case 'utf8':
      return strict('utf-8');
    case 'latin1':
    case 'latin-1':
      return latin1;
    case 'ascii':
      return (b) => {
        if (b.some((x) => x > 0x7f)) throw new EncodingError("a Python 2 string in the pickle is not ASCII; pass encoding: 'latin1' or 'bytes'");
        return latin1(b);
      };
    case 'bytes':
      return (b) => Uint8Array.from(b);
    default:
      throw new TypeError(`torch.load: encoding must be one of 'utf-8', 'latin1', 'ascii' or 'bytes', got ${typeof e === 'string' ? `'${e}'` : typeof e}`);
  }
}

/**
 * A Python 2 string the chosen encoding cannot decode; load() reports it with the path.
 * @internal
 */
export class EncodingError extends PickleError {}
