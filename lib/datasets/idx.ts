// The IDX file format of (Fashion-)MNIST: a 4-byte magic (two zero bytes, a type code, the
// number of dimensions), one big-endian uint32 per dimension, then the data, row-major.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Tensor } from '../tensor';
import { from_typed_array } from '../creation';

const UBYTE = 0x08;
/** What each kind of file must hold: (Fashion-)MNIST images are 3-d, labels 1-d, all uint8. */
const KINDS = { images: { magic: 0x00000803, ndim: 3 }, labels: { magic: 0x00000801, ndim: 1 } } as const;
/**
 * The kind of (Fashion-)MNIST IDX file {@link read_idx} expects: `'images'` (magic 0x00000803,
 * 3 dimensions) or `'labels'` (magic 0x00000801, 1 dimension). torchvision's
 * `read_image_file` / `read_label_file` make the same checks.
 */
export type IdxKind = keyof typeof KINDS;

/** Reads an IDX file's bytes, un-gzipping when the file starts with the gzip signature. */
function readBytes(path: string): Buffer {
  if (!existsSync(path)) throw new Error(`IDX file not found: ${path}`);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

/**
 * Parses an IDX file of unsigned bytes (raw or .gz) into a uint8 tensor of its shape: [N, 28, 28]
 * for images, [N] for labels. With `kind`, the magic number must be that kind's. Every problem
 * (wrong magic, header or data shorter or longer than the dimensions say) is an Error that
 * names the file.
 *
 * Unlike torchvision's `read_sn3_pascalvincent_tensor`, only the unsigned-byte type (0x08) is
 * read, and a .gz file is decompressed here rather than by a separate extraction step.
 */
export function read_idx(path: string, kind?: IdxKind): Tensor {
  const bytes = readBytes(path);
  if (bytes.length < 4) throw new Error(`${path}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const magic = bytes.readUInt32BE(0);
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (kind && magic !== KINDS[kind].magic) {
    throw new Error(`${path}: wrong magic number ${hex} for an IDX ${kind} file (expected 0x${KINDS[kind].magic.toString(16).padStart(8, '0')})`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${path}: not an IDX file: magic number ${hex} does not start with two zero bytes`);
  if (bytes[2] !== UBYTE) throw new Error(`${path}: IDX type code 0x${bytes[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const ndim = bytes[3];
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    throw new Error(`${path}: truncated IDX header: ${ndim} dimensions need ${header} bytes, the file has ${bytes.length}`);
  }
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(bytes.readUInt32BE(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - header;
  if (available < count) {
    throw new Error(`${path}: truncated IDX data: dimensions [${shape.join(', ')}] need ${count} bytes after the header, the file has ${available}`);
  }
  if (available > count) {
    throw new Error(`${path}: IDX dimension mismatch: dimensions [${shape.join(', ')}] account for ${count} bytes but ${available} follow the header`);
  }
  return from_typed_array(new Uint8Array(bytes.buffer, bytes.byteOffset + header, count), shape);
}
