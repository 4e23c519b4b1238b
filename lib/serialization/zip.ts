// The zip container torch.save uses: PyTorch writes every record stored (uncompressed), with
// the record data aligned to 64 bytes by padding in the local header's extra field, and the
// crc and sizes only in a data descriptor and the central directory. So the reader trusts the
// central directory alone and reads the local header just for where the data starts. Records
// are read on demand through a file descriptor, so a large checkpoint is never held whole.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * A malformed archive; torch.load adds the path and the "not a PyTorch zip archive" context.
 * @internal
 */
export class ZipFormatError extends Error {}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const EOCD64_LOCATOR_SIZE = 20;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * One record of a zip archive, from its central directory.
 * @internal
 */
export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** A 64-bit little-endian field as a number; zip offsets past 2^53 do not occur in practice. */
function u64(buf: Buffer, at: number): number {
  return Number(buf.readBigUInt64LE(at));
}

/**
 * Reads the records of a zip archive (stored or deflated, zip64 included) from a file.
 * @internal
 */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  /** Entry names in central-directory order (the first one names PyTorch's archive folder). */
  readonly names: string[] = [];

  private constructor(private readonly fd: number, private readonly fileSize: number) {}

  /** Opens path; a missing or unreadable file throws the fs error unchanged. */
  static open(path: string): ZipReader {
    const fd = fs.openSync(path, 'r');
    try {
      const reader = new ZipReader(fd, fs.fstatSync(fd).size);
      reader.readCentralDirectory();
      return reader;
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** The first bytes of the file, for telling other formats apart in error messages. */
  static head(path: string, n: number): Buffer {
    const fd = fs.openSync(path, 'r');
    try {
      return readAt(fd, 0, n);
    } finally {
      fs.closeSync(fd);
    }
  }

  private readCentralDirectory(): void {
    if (this.fileSize < EOCD_SIZE) throw new ZipFormatError('truncated or corrupt: end of central directory not found');
    const tailLen = Math.min(this.fileSize, EOCD_SIZE + MAX_COMMENT + EOCD64_LOCATOR_SIZE);
    const tailStart = this.fileSize - tailLen;
    const tail = readAt(this.fd, tailStart, tailLen);
    // Scan backwards: the EOCD is the last record, followed only by its comment.
    let eocd = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError('truncated or corrupt: end of central directory not found');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    const loc = eocd - EOCD64_LOCATOR_SIZE;
    if (loc >= 0 && tail.readUInt32LE(loc) === SIG_EOCD64_LOCATOR) {
      const eocd64At = u64(tail, loc + 8);
      if (eocd64At + 56 > this.fileSize) throw new ZipFormatError('corrupt zip64 end of central directory (it lies past the end of the file)');
      const rec = readAt(this.fd, eocd64At, 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== SIG_EOCD64) throw new ZipFormatError('corrupt zip64 end of central directory');
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
      throw new ZipFormatError('corrupt: zip64 archive without its end of central directory locator');
    }
    // Checked before anything is allocated: a lying end record cannot make us read or loop more than the file holds.
    if (cdOffset + cdSize > this.fileSize) throw new ZipFormatError('truncated: the central directory lies past the end of the file');
    if (count * 46 > cdSize) throw new ZipFormatError(`corrupt central directory: it declares ${count} entries but has room for at most ${Math.floor(cdSize / 46)}`);
    const cd = readAt(this.fd, cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new ZipFormatError(`corrupt central directory (entry ${i})`);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cd.length) throw new ZipFormatError(`corrupt central directory (entry ${i})`);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      checkName(name);
      if (this.entries.has(name)) throw new ZipFormatError(`the archive has two records named '${name}'`);
      // Zip64: the 32-bit fields set to 0xFFFFFFFF are in the 0x0001 extra field, in this order.
      const extraEnd = p + 46 + nameLen + extraLen;
      for (let e = p + 46 + nameLen; e + 4 <= extraEnd; ) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        const fieldEnd = e + 4 + len;
        if (fieldEnd > extraEnd) throw new ZipFormatError(`corrupt extra field in the central directory entry of '${name}'`);
        if (id === ZIP64_EXTRA_ID) {
          let q = e + 4;
          const next64 = (): number => {
            if (q + 8 > fieldEnd) throw new ZipFormatError(`the zip64 extra field of '${name}' is too short for the sizes it should hold`);
            q += 8;
            return u64(cd, q - 8);
          };
          if (size === U32_MAX) size = next64();
          if (compressedSize === U32_MAX) compressedSize = next64();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = next64();
        }
        e = fieldEnd;
      }
      if (size === U32_MAX || compressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
        // no zip64 field supplied them; PyTorch never writes such a record
        if (this.fileSize < U32_MAX) throw new ZipFormatError(`the zip64 extra field of '${name}' is missing`);
      }
      const entry = { name, method, crc32: crc, compressedSize, size, localHeaderOffset };
      this.entries.set(name, entry);
      this.names.push(name);
      p = next;
    }
  }

  /**
   * The record's bytes, checked against the central directory's size and CRC-32. The declared
   * size is checked (against maxBytes, the file's size, and what deflate can produce) before
   * anything is allocated, and inflation stops at the declared size.
   */
  read(name: string, maxBytes = Infinity): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new ZipFormatError(`no record named '${name}'`);
    if (e.size > maxBytes) throw new ZipFormatError(`record '${name}' needs ${e.size} bytes, more than max_bytes (${maxBytes})`);
    if (e.localHeaderOffset + 30 > this.fileSize) throw new ZipFormatError(`truncated: record '${name}' starts past the end of the file`);
    const header = readAt(this.fd, e.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ZipFormatError(`corrupt local header for record '${name}'`);
    }
    const dataStart = e.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (dataStart + e.compressedSize > this.fileSize) throw new ZipFormatError(`truncated: record '${name}' runs past the end of the file`);
    let data: Buffer;
    if (e.method === METHOD_STORED) {
      if (e.compressedSize !== e.size) throw new ZipFormatError(`record '${name}' declares ${e.size} bytes but stores ${e.compressedSize}`);
      data = readAt(this.fd, dataStart, e.compressedSize);
    } else if (e.method === METHOD_DEFLATE) { // a re-zipped checkpoint
      if (e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
        throw new ZipFormatError(`record '${name}' declares ${e.size} bytes, more than its ${e.compressedSize} compressed bytes can inflate to`);
      }
      data = inflateAtMost(readAt(this.fd, dataStart, e.compressedSize), e.size, name);
    } else {
      throw new ZipFormatError(`record '${name}' uses unsupported compression method ${e.method}`);
    }
    if (data.length !== e.size) throw new ZipFormatError(`record '${name}' has ${data.length} bytes, expected ${e.size}`);
    if (zlib.crc32(data) !== e.crc32) throw new ZipFormatError(`CRC-32 mismatch in record '${name}' (corrupt file)`);
    return data;
  }
}

/** Deflate turns at most 258 bytes into one ~2-bit code: no stream inflates past ~1032 times its size. */
const MAX_DEFLATE_RATIO = 1032;

/** Inflates a raw deflate stream, stopping (with an error) as soon as it exceeds `size` bytes. */
function inflateAtMost(compressed: Buffer, size: number, name: string): Buffer {
  try {
    // maxOutputLength makes zlib stop at the limit instead of inflating a bomb to the end
    return zlib.inflateRawSync(compressed, { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ZipFormatError(`record '${name}' inflates to more than its declared ${size} bytes (a zip bomb or a corrupt file)`);
    }
    throw new ZipFormatError(`record '${name}' is not valid deflate data (${(err as Error).message})`);
  }
}

/**
 * torch.load never extracts records to disk, but a name that climbs out of the archive's folder
 * (or is absolute) is never one torch.save wrote, so the archive is refused as a whole.
 */
function checkName(name: string): void {
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0') || name.split('/').includes('..') || /^[A-Za-z]:/.test(name)) {
    throw new ZipFormatError(`unsafe record name '${name.replace(/[\0-\x1f]/g, '?')}'`);
  }
}

const ALIGNMENT = 64; // PyTorch aligns record data so storages can be mmapped in place
const EXTRA_PAD_ID = 0x4246; // 'FB', the id PyTorch's writer uses for its padding field
// A fixed timestamp (1980-01-01 00:00, the DOS epoch) keeps saved files byte-for-byte reproducible.
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;
const FLAG_UTF8 = 0x0800;

interface Written {
  name: Buffer;
  crc32: number;
  size: number;
  offset: number;
}

/**
 * Writes a stored zip record by record straight to the file. Zip64 fields are used only for
 * sizes or offsets at or past `zip64Threshold` (4 GiB in real files; tests lower it).
 * @internal
 */
export class ZipWriter {
  private readonly fd: number;
  private position = 0;
  private readonly written: Written[] = [];
  private closed = false;

  /** flags 'wx' refuses an existing file (torch.save's fresh temporary file). */
  constructor(path: string, private readonly zip64Threshold = U32_MAX, flags: 'w' | 'wx' = 'w') {
    this.fd = fs.openSync(path, flags);
  }

  chmod(mode: number): void {
    fs.fchmodSync(this.fd, mode);
  }

  private write(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, this.position + done);
    this.position += buf.length;
  }

  add(name: string, data: Uint8Array): void {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data);
    const offset = this.position;
    const zip64 = data.length >= this.zip64Threshold;
    const zip64Extra = zip64 ? 20 : 0;
    const fixed = 30 + nameBuf.length + zip64Extra + 4;
    const pad = (ALIGNMENT - ((offset + fixed) % ALIGNMENT)) % ALIGNMENT;
    const header = Buffer.alloc(fixed + pad);
    header.writeUInt32LE(SIG_LOCAL, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4);
    header.writeUInt16LE(nameBuf.length !== name.length ? FLAG_UTF8 : 0, 6);
    header.writeUInt16LE(METHOD_STORED, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(zip64 ? U32_MAX : data.length, 18);
    header.writeUInt32LE(zip64 ? U32_MAX : data.length, 22);
    header.writeUInt16LE(nameBuf.length, 26);
    header.writeUInt16LE(zip64Extra + 4 + pad, 28);
    nameBuf.copy(header, 30);
    let e = 30 + nameBuf.length;
    if (zip64) {
      header.writeUInt16LE(ZIP64_EXTRA_ID, e);
      header.writeUInt16LE(16, e + 2);
      header.writeBigUInt64LE(BigInt(data.length), e + 4);
      header.writeBigUInt64LE(BigInt(data.length), e + 12);
      e += 20;
    }
    header.writeUInt16LE(EXTRA_PAD_ID, e);
    header.writeUInt16LE(pad, e + 2);
    header.fill('Z', e + 4);
    this.write(header);
    this.write(data);
    this.written.push({ name: nameBuf, crc32: crc, size: data.length, offset });
  }

  /** Writes the central directory, flushes the file to disk and closes it. */
  finish(): void {
    try {
      const cdOffset = this.position;
      for (const w of this.written) {
        const bigSize = w.size >= this.zip64Threshold;
        const bigOffset = w.offset >= this.zip64Threshold;
        const extraLen = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
        const rec = Buffer.alloc(46 + w.name.length + extraLen);
        rec.writeUInt32LE(SIG_CENTRAL, 0);
        rec.writeUInt16LE(extraLen ? 45 : 20, 4); // made by
        rec.writeUInt16LE(extraLen ? 45 : 20, 6); // needed to extract
        rec.writeUInt16LE(w.name.toString('utf8').length !== w.name.length ? FLAG_UTF8 : 0, 8);
        rec.writeUInt16LE(METHOD_STORED, 10);
        rec.writeUInt16LE(DOS_TIME, 12);
        rec.writeUInt16LE(DOS_DATE, 14);
        rec.writeUInt32LE(w.crc32, 16);
        rec.writeUInt32LE(bigSize ? U32_MAX : w.size, 20);
        rec.writeUInt32LE(bigSize ? U32_MAX : w.size, 24);
        rec.writeUInt16LE(w.name.length, 28);
        rec.writeUInt16LE(extraLen, 30);
        rec.writeUInt32LE(bigOffset ? U32_MAX : w.offset, 42);
        w.name.copy(rec, 46);
        if (extraLen) {
          let e = 46 + w.name.length;
          rec.writeUInt16LE(ZIP64_EXTRA_ID, e);
          rec.writeUInt16LE(extraLen - 4, e + 2);
          e += 4;
          if (bigSize) {
            rec.writeBigUInt64LE(BigInt(w.size), e);
            rec.writeBigUInt64LE(BigInt(w.size), e + 8);
            e += 16;
          }
          if (bigOffset) rec.writeBigUInt64LE(BigInt(w.offset), e);
        }
        this.write(rec);
      }
      const cdSize = this.position - cdOffset;
      const count = this.written.length;
      const zip64 = cdOffset >= this.zip64Threshold || cdSize >= this.zip64Threshold || count >= U16_MAX ||
        this.written.some((w) => w.size >= this.zip64Threshold || w.offset >= this.zip64Threshold);
      if (zip64) {
        const eocd64At = this.position;
        const rec = Buffer.alloc(56 + EOCD64_LOCATOR_SIZE);
        rec.writeUInt32LE(SIG_EOCD64, 0);
        rec.writeBigUInt64LE(44n, 4); // size of the rest of this record
        rec.writeUInt16LE(45, 12);
        rec.writeUInt16LE(45, 14);
        rec.writeBigUInt64LE(BigInt(count), 24);
        rec.writeBigUInt64LE(BigInt(count), 32);
        rec.writeBigUInt64LE(BigInt(cdSize), 40);
        rec.writeBigUInt64LE(BigInt(cdOffset), 48);
        rec.writeUInt32LE(SIG_EOCD64_LOCATOR, 56);
        rec.writeBigUInt64LE(BigInt(eocd64At), 64);
        rec.writeUInt32LE(1, 72); // total number of disks
        this.write(rec);
      }
      const eocd = Buffer.alloc(EOCD_SIZE);
      eocd.writeUInt32LE(SIG_EOCD, 0);
      eocd.writeUInt16LE(zip64 ? U16_MAX : count, 8);
      eocd.writeUInt16LE(zip64 ? U16_MAX : count, 10);
      eocd.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
      eocd.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
      this.write(eocd);
      fs.fsyncSync(this.fd);
    } finally {
      this.close();
    }
  }

  /** Closes the file after a failure (if finish has not), leaving whatever was written. */
  abort(): void {
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
