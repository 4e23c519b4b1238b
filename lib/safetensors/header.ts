// Reading and checking a safetensors header: 8 bytes of little-endian u64 length N, N bytes of
// UTF-8 JSON, then the data. The checks are the Rust crate's (safetensors/src/tensor.rs,
// read_metadata and validate), stated so that each failure says what is wrong:
// N at most 100,000,000 and inside the file; valid UTF-8 and JSON; an object whose
// "__metadata__" maps strings to strings; every tensor with a known dtype, a shape of
// non-negative integers and two integer data_offsets; end - begin = numel * itemsize; and the
// tensors, in offset order, tiling the data from byte 0 to the end of the file with no gap and
// no overlap. Also refused here, where serde would keep the last silently: a key given twice.
import { DType } from '../dtype';
import { HeaderError, JsonNumber, JsonValue, parseJson } from './json';
import { dtypeOfName, UNSUPPORTED, SUPPORTED_NAMES } from './dtypes';

/**
 * The error a malformed header raises (re-exported from json.ts).
 * @internal
 */
export { HeaderError };

/** The Rust crate's MAX_HEADER_SIZE. */
export const MAX_HEADER_SIZE = 100_000_000;

/**
 * One tensor of a header: its name, dtype, shape and byte range in the data.
 * @internal
 */
export interface TensorEntry {
  name: string;
  dtype: DType;
  /** The file's dtype name ('F32'). */
  dtypeName: string;
  shape: number[];
  /** Offsets into the data section, which starts at byte 8 + N of the file. */
  begin: number;
  end: number;
}

/**
 * A checked safetensors header: the tensors in data order, the metadata, where the data starts.
 * @internal
 */
export interface Header {
  /** Byte length of the JSON header (N). */
  length: number;
  /** Where the data starts in the file: 8 + N. */
  dataStart: number;
  metadata: Record<string, string> | null;
  /** In data-offset order, which is the order of the tensors' bytes in the file. */
  tensors: TensorEntry[];
}

/**
 * The header length from the first 8 bytes, checked against the limit and the file size.
 * @internal
 */
export function headerLength(first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8) throw new HeaderError(`the file has ${fileSize} bytes, fewer than the 8-byte header length it must start with`);
  const n = Buffer.from(first8.buffer, first8.byteOffset, 8).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_SIZE)) throw new HeaderError(`the header length is ${n} bytes, over the limit of ${MAX_HEADER_SIZE}`);
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new HeaderError(`the header length is ${len} bytes, but the file has only ${fileSize - 8} bytes after the length field (truncated?)`);
  }
  return len;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses and checks the header bytes; dataLength is what the file holds after them.
 * @internal
 */
export function parseHeader(bytes: Uint8Array, dataLength: number): Header {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HeaderError('the header is not valid UTF-8');
  }
  const json = parseJson(text);
  if (!(json instanceof Map)) throw new HeaderError(`the header is ${describeJson(json)}, not a JSON object`);

  let metadata: Record<string, string> | null = null;
  const tensors: TensorEntry[] = [];
  for (const [name, info] of json) {
    if (name === '__metadata__') {
      metadata = readMetadata(info);
      continue;
    }
    tensors.push(readEntry(name, info, dataLength));
  }

  // In offset order (as the Rust crate sorts them), the tensors must tile the data exactly.
  const sorted = tensors.map((t, i) => ({ t, i }));
  sorted.sort((a, b) => a.t.begin - b.t.begin || a.t.end - b.t.end || a.i - b.i);
  let at = 0;
  let prev: TensorEntry | undefined;
  for (const { t } of sorted) {
    if (t.begin < at) {
      throw new HeaderError(`tensors ${q(prev!.name)} ${span(prev!)} and ${q(t.name)} ${span(t)} overlap`);
    }
    if (t.begin > at) {
      throw new HeaderError(`bytes ${at} to ${t.begin} of the data belong to no tensor (before ${q(t.name)} ${span(t)}); the tensors must cover the data contiguously`);
    }
    at = t.end;
    prev = t;
  }
  if (at !== dataLength) {
    throw new HeaderError(`the tensors cover ${at} bytes of data, but the file has ${dataLength} bytes after the header; the tensors must cover the data to the end of the file`);
  }
  return { length: bytes.length, dataStart: 8 + bytes.length, metadata, tensors: sorted.map(({ t }) => t) };
}

function readMetadata(info: JsonValue): Record<string, string> | null {
  if (info === null) return null;
  if (!(info instanceof Map)) throw new HeaderError(`"__metadata__" is ${describeJson(info)}, not an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of info) {
    if (typeof v !== 'string') throw new HeaderError(`"__metadata__" entry ${q(k)} is ${describeJson(v)}, not a string`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readEntry(name: string, info: JsonValue, dataLength: number): TensorEntry {
  const where = `tensor ${q(name)}`;
  if (!(info instanceof Map)) throw new HeaderError(`${where}: the entry is ${describeJson(info)}, not an object`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!info.has(field)) throw new HeaderError(`${where}: the entry has no "${field}"`);
  }
  // Other fields are ignored, as serde ignores them.
  const dtypeName = info.get('dtype');
  if (typeof dtypeName !== 'string') throw new HeaderError(`${where}: "dtype" is ${describeJson(dtypeName!)}, not a string`);
  const dtype = dtypeOfName.get(dtypeName);
  if (!dtype) {
    if (UNSUPPORTED.has(dtypeName)) throw new HeaderError(`${where} has dtype ${dtypeName}, which torchnode has no tensor type for (it reads ${SUPPORTED_NAMES})`);
    throw new HeaderError(`${where} has unknown dtype ${JSON.stringify(dtypeName)} (torchnode reads ${SUPPORTED_NAMES})`);
  }
  const shape = intArray(info.get('shape')!, `${where}: "shape"`);
  const offsets = intArray(info.get('data_offsets')!, `${where}: "data_offsets"`);
  if (offsets.length !== 2) throw new HeaderError(`${where}: "data_offsets" has ${offsets.length} numbers, not 2`);
  const [begin, end] = offsets;
  if (end < begin) throw new HeaderError(`${where}: "data_offsets" [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw new HeaderError(`${where}: "data_offsets" [${begin}, ${end}] reach past the end of the data, which has ${dataLength} bytes`);
  }
  let numel = 1;
  for (const s of shape) numel *= s;
  const nbytes = numel * dtype.itemsize;
  // Past 2^53 the product is inexact, but it is then far beyond any file and beyond end - begin.
  if (nbytes !== end - begin) {
    throw new HeaderError(`${where}: shape [${shape.join(', ')}] of ${dtypeName} needs ${Number.isSafeInteger(nbytes) ? nbytes : 'more than 2^53'} bytes, but "data_offsets" [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype, dtypeName, shape, begin, end };
}

function intArray(v: JsonValue, what: string): number[] {
  if (!Array.isArray(v)) throw new HeaderError(`${what} is ${describeJson(v)}, not an array of integers`);
  return v.map((x) => {
    const k = x instanceof JsonNumber ? x.index : undefined;
    if (k === undefined) {
      throw new HeaderError(`${what} has ${x instanceof JsonNumber ? x.text : describeJson(x)}, not a non-negative integer${x instanceof JsonNumber && /^[0-9]+$/.test(x.text) ? ' below 2^53' : ''}`);
    }
    return k;
  });
}

function span(t: TensorEntry): string {
  return `[${t.begin}, ${t.end}]`;
}

function q(name: string): string {
  const s = JSON.stringify(name);
  return s.length > 80 ? `${s.slice(0, 77)}..."` : s;
}

/**
 * A short description of a JSON value, for error messages.
 * @internal
 */
export function describeJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `a string`;
  if (v instanceof JsonNumber) return `the number ${v.text.length > 30 ? v.text.slice(0, 30) + '...' : v.text}`;
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}
