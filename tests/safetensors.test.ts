// torch.safetensors against Hugging Face's safetensors package, both ways. Python-written
// fixtures, what the package reads in them (expected.json) and a corpus of malformed files
// (hostile/, with the package's own verdict on each in manifest.json) come from
// scripts/gen_safetensors_fixtures.py; files torchnode writes are read back by the same script
// (`describe FILE`) in a child process, which needs a Python with the safetensors and numpy
// packages: TORCHNODE_SAFETENSORS_PYTHON, the torch oracle, a .venv/*/bin/python of this
// checkout or python3, the first that has them (those tests are skipped, saying so, without one).
import { describe, expect, it, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';
import { oraclePython } from './oracle';
import { AtomicFile } from '../lib/safetensors/atomic';
import { nativeRead } from '../lib/safetensors/read';
import { native } from '../lib/binding';
import { wrap } from '../lib/tensor';

const st = torch.safetensors;
const FIXTURES = path.join(__dirname, 'fixtures', 'safetensors');
const HOSTILE = path.join(FIXTURES, 'hostile');
const SCRIPT = path.join(__dirname, '..', 'scripts', 'gen_safetensors_fixtures.py');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'));
const manifest: { files: { file: string; what: string; python: string }[] } = JSON.parse(fs.readFileSync(path.join(HOSTILE, 'manifest.json'), 'utf8'));

/** The first Python that imports safetensors and numpy, or null. */
function findPython(): string | null {
  const venvs = path.join(__dirname, '..', '.venv');
  const candidates = [
    process.env.TORCHNODE_SAFETENSORS_PYTHON,
    oraclePython,
    ...(fs.existsSync(venvs) ? fs.readdirSync(venvs).map((d) => path.join(venvs, d, 'bin', 'python')) : []),
    'python3',
  ];
  for (const py of candidates) {
    if (!py) continue;
    try {
      execFileSync(py, ['-c', 'import safetensors, numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      // next
    }
  }
  return null;
}
const PYTHON = findPython();
const NO_PYTHON = 'skipped: no Python with the safetensors and numpy packages (set TORCHNODE_SAFETENSORS_PYTHON)';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-safetensors-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});
const tmpFile = (name: string) => path.join(tmp, name);

// ---- describing tensors as the script does ------------------------------------------------------

const DTYPE_NAMES = new Map<torch.DType, string>([
  [torch.bool, 'BOOL'], [torch.uint8, 'U8'], [torch.int8, 'I8'], [torch.int16, 'I16'], [torch.int32, 'I32'],
  [torch.int64, 'I64'], [torch.float16, 'F16'], [torch.bfloat16, 'BF16'], [torch.float32, 'F32'],
  [torch.float64, 'F64'], [torch.complex64, 'C64'],
]);

/** The tensor's contiguous little-endian bytes, as hex. */
function hexOf(t: torch.Tensor): string {
  return torch.tidy(() => {
    const flat = t.detach().contiguous().reshape([-1]);
    const bytes = flat.dtype === torch.uint8 ? flat : torch.ops.aten.view.dtype<torch.Tensor>(flat, torch.uint8);
    return Buffer.from(bytes.toTypedArray() as Uint8Array).toString('hex');
  });
}

function num(x: number): number | string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x;
}

function valuesOf(t: torch.Tensor): unknown[] {
  return torch.tidy(() => {
    const flat = t.detach().reshape([-1]);
    if (t.dtype === torch.complex64) {
      const p = Array.from(torch.ops.aten.view_as_real<torch.Tensor>(flat).toTypedArray() as Float32Array, num);
      return p.flatMap((_, i) => (i % 2 === 0 ? [[p[i], p[i + 1]]] : []));
    }
    const data = flat.toTypedArray();
    if (t.dtype === torch.int64) return Array.from(data as BigInt64Array, (v) => v.toString());
    if (t.dtype === torch.bool) return Array.from(data as Uint8Array, (v) => v !== 0);
    if (t.dtype.is_floating_point) return Array.from(data as Float32Array, num);
    return Array.from(data as Int32Array);
  });
}

function describeTensor(t: torch.Tensor) {
  return { dtype: DTYPE_NAMES.get(t.dtype), shape: t.shape, hex: hexOf(t), values: valuesOf(t) };
}

function describeTensors(d: Record<string, torch.Tensor>) {
  return Object.fromEntries(Object.entries(d).map(([k, t]) => [k, describeTensor(t)]));
}

function pythonDescribe(file: string): any {
  return JSON.parse(execFileSync(PYTHON!, [SCRIPT, 'describe', file], { encoding: 'utf8' }));
}

/** A bfloat16 or float16 tensor with exactly these bit patterns. */
function fromBits(bits: number[], dtype: torch.DType): torch.Tensor {
  return torch.ops.aten.view.dtype(torch.tensor(Int16Array.from(bits, (b) => (b << 16) >> 16)), dtype);
}

// ---- files the safetensors package wrote --------------------------------------------------------

describe('reading files written by the safetensors package', () => {
  for (const [name, want] of Object.entries<any>(expected.files)) {
    it(`${name}: every tensor bit for bit, in the file's order, with its metadata`, () => {
      const file = path.join(FIXTURES, name);
      const loaded = st.load_file(file);
      expect(Object.keys(loaded)).toEqual(want.offset_keys);
      expect(describeTensors(loaded)).toEqual(want.tensors);
      // the in-memory reader gives the same
      expect(describeTensors(st.load(fs.readFileSync(file)))).toEqual(want.tensors);
      // and so does safe_open, lazily
      const f = st.safe_open(file, 'pt');
      try {
        expect(f.keys()).toEqual(want.keys);
        expect(f.offset_keys()).toEqual(want.offset_keys);
        const meta = f.metadata();
        expect(meta === null ? null : Object.fromEntries(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))).toEqual(want.metadata);
        for (const k of f.keys()) {
          expect(describeTensor(f.get_tensor(k))).toEqual(want.tensors[k]);
          expect(f.info(k).shape).toEqual(want.tensors[k].shape);
        }
      } finally {
        f.close();
      }
    });
  }

  it('bfloat16 and float16 special values (NaN payloads, subnormals, -0) come through bit-exactly', () => {
    const d = st.load_file(path.join(FIXTURES, 'all_dtypes.safetensors'));
    expect(hexOf(d.bf16)).toBe('00000080803f20c07f7f0100807f80ffc17f4940');
    expect(hexOf(d.f16)).toBe('00000080003c00c1ff7b0100007c00fc017e662e');
    expect(d.bf16.dtype).toBe(torch.bfloat16);
  });

  it('safe_open reads only what is asked for, and refuses once closed', () => {
    const f = st.safe_open(path.join(FIXTURES, 'state_dict.safetensors'));
    expect(f.metadata()).toBeNull();
    expect(f.info('emb/ü')).toEqual({ dtype: torch.float16, shape: [2, 2] });
    expect(f.get_tensor('layers.1.num_batches_tracked').item()).toBe(12);
    expect(() => f.get_tensor('nope')).toThrow(RangeError);
    f.close();
    expect(() => f.get_tensor('layers.0.bias')).toThrow(/safetensors: .*state_dict\.safetensors: the file has been closed/);
    f.close(); // twice is fine
    {
      using g = st.safe_open(path.join(FIXTURES, 'no_tensors.safetensors'), { device: 'cpu' });
      expect(g.keys()).toEqual([]);
      expect(g.metadata()).toEqual({ note: 'only metadata' });
    }
  });

  it('reads the same through the addon\'s pread and through the JS fallback', () => {
    // the fallback runs on Windows and with addons built before native/file_read.cc
    const file = path.join(FIXTURES, 'all_dtypes.safetensors');
    const want = expected.files['all_dtypes.safetensors'].tensors;
    const was = nativeRead.enabled;
    try {
      for (const enabled of [false, typeof native.readTensor === 'function']) {
        nativeRead.enabled = enabled;
        expect(describeTensors(st.load_file(file)), `native read ${enabled}`).toEqual(want);
        const err = (() => {
          try {
            st.load_file(path.join(HOSTILE, 'truncated_data.safetensors'));
          } catch (e) {
            return e as Error;
          }
        })();
        expect(err?.message).toMatch(/^safetensors: .*truncated_data\.safetensors: tensor "b"/);
      }
    } finally {
      nativeRead.enabled = was;
    }
  });

  it.skipIf(typeof native.readTensor !== 'function')('the addon\'s pread refuses a file that ends before the tensor does', () => {
    const file = tmpFile('short.bin');
    fs.writeFileSync(file, Buffer.alloc(10, 1));
    const fd = fs.openSync(file, 'r');
    try {
      expect(() => native.readTensor!(fd, 4, torch.float32.code, [2])).toThrow(/the file ended at byte 10, before the 8 bytes at 4 could be read/);
      expect(() => native.readTensor!(fd, -1, torch.float32.code, [2])).toThrow(TypeError);
      expect(() => native.readTensor!(fd, 0, torch.float32.code, [2.5])).toThrow(TypeError);
      const t = wrap(native.readTensor!(fd, 2, torch.uint8.code, [2, 4]));
      expect(t.tolist()).toEqual([[1, 1, 1, 1], [1, 1, 1, 1]]);
      t.dispose();
    } finally {
      fs.closeSync(fd);
    }
    // a bad descriptor is an error, not a crash
    expect(() => native.readTensor!(1 << 20, 0, torch.uint8.code, [1])).toThrow(/reading the file failed: Bad file descriptor/);
  });

  it('puts tensors on the requested device', () => {
    const d = st.load_file(path.join(FIXTURES, 'state_dict.safetensors'), { device: 'meta' });
    expect(d['layers.0.weight'].device.type).toBe('meta');
    expect(d['layers.0.weight'].shape).toEqual([3, 4]);
  });

  it('a missing file, or a folder, is the fs error, unchanged', () => {
    expect(() => st.load_file(tmpFile('missing.safetensors'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => st.safe_open(tmpFile('missing.safetensors'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => st.load_file(tmp)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  it('leaves no native tensors behind inside a tidy scope, nor after a failed load', () => {
    const before = liveTensors();
    torch.tidy(() => {
      st.load_file(path.join(FIXTURES, 'all_dtypes.safetensors'));
      st.save_file(st.load_file(path.join(FIXTURES, 'state_dict.safetensors')), tmpFile('tidy.safetensors'));
    });
    expect(() => st.load_file(path.join(HOSTILE, 'truncated_data.safetensors'))).toThrow();
    expect(liveTensors()).toBe(before);
  });
});

// ---- malformed files ---------------------------------------------------------------------------

/** What torchnode says about each hostile file (after `safetensors: <path>: `). */
const HOSTILE_MESSAGES: Record<string, RegExp> = {
  'empty.safetensors': /^the file has 0 bytes, fewer than the 8-byte header length it must start with$/,
  'tiny.safetensors': /^the file has 3 bytes, fewer than the 8-byte header length/,
  'truncated_header.safetensors': /^the header length is \d+ bytes, but the file has only 22 bytes after the length field \(truncated\?\)$/,
  'truncated_data.safetensors': /^tensor "b": "data_offsets" \[8, 16\] reach past the end of the data, which has 11 bytes$/,
  'trailing_bytes.safetensors': /^the tensors cover 16 bytes of data, but the file has 24 bytes after the header/,
  'header_length_past_file.safetensors': /^the header length is 4096 bytes, but the file has only 8 bytes after the length field/,
  'huge_header_length.safetensors': /^the header length is 18446744073709551615 bytes, over the limit of 100000000$/,
  'header_length_over_limit.safetensors': /^the header length is 100000001 bytes, over the limit of 100000000$/,
  'overlap.safetensors': /^tensors "a" \[0, 16\] and "b" \[8, 24\] overlap$/,
  'gap.safetensors': /^bytes 8 to 16 of the data belong to no tensor \(before "b" \[16, 24\]\)/,
  'offsets_outside.safetensors': /^tensor "a": "data_offsets" \[0, 1000\] reach past the end of the data, which has 16 bytes$/,
  'offsets_reversed.safetensors': /^tensor "a": "data_offsets" \[8, 0\] end before they begin$/,
  'wrong_byte_count.safetensors': /^tensor "a": shape \[4\] of F32 needs 16 bytes, but "data_offsets" \[0, 12\] hold 12$/,
  'shape_overflow.safetensors': /^tensor "a": shape \[1099511627776, 1099511627776\] of F32 needs more than 2\^53 bytes, but "data_offsets" \[0, 8\] hold 8$/,
  'negative_shape.safetensors': /^tensor "a": "shape" has -1, not a non-negative integer$/,
  'float_shape.safetensors': /^tensor "a": "shape" has 2\.0, not a non-negative integer$/,
  'three_offsets.safetensors': /^tensor "a": "data_offsets" has 3 numbers, not 2$/,
  'missing_dtype.safetensors': /^tensor "a": the entry has no "dtype"$/,
  'entry_not_object.safetensors': /^tensor "a": the entry is an array, not an object$/,
  'unknown_dtype.safetensors': /^tensor "a" has unknown dtype "Q7" \(torchnode reads BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64, C64\)$/,
  'unsupported_dtype.safetensors': /^tensor "a" has dtype U16, which torchnode has no tensor type for/,
  'fp8_dtype.safetensors': /^tensor "a" has dtype F8_E4M3, which torchnode has no tensor type for/,
  'header_array.safetensors': /^the header is an array, not a JSON object$/,
  'header_string.safetensors': /^the header is a string, not a JSON object$/,
  'invalid_json.safetensors': /^the header is not valid JSON: unexpected end at character 16$/,
  'nul_padding.safetensors': /^the header is not valid JSON: unexpected "\\u0000" after the JSON value at character 2$/,
  'invalid_utf8.safetensors': /^the header is not valid UTF-8$/,
  'duplicate_keys.safetensors': /^the header has the key "a" twice \(at character \d+\)$/,
  'metadata_not_strings.safetensors': /^"__metadata__" entry "epoch" is the number 3, not a string$/,
  'metadata_not_object.safetensors': /^"__metadata__" is a string, not an object of strings$/,
  'deep_nesting.safetensors': /^the header is not valid JSON: nesting deeper than 64 levels at character \d+$/,
  'offset_beyond_2_53.safetensors': /^tensor "a": "data_offsets" has 1152921504606846976, not a non-negative integer below 2\^53$/,
  'lone_surrogate.safetensors': /^the header is not valid JSON: a \\u escape leaves an unpaired surrogate at character \d+$/,
};
// Internals that must never reach a user.
const JUNK = /HeaderError|RangeError|TypeError|ERR_[A-Z_]+|\n\s+at |Maximum call stack|undefined|\[object |malformed file/;

describe('malformed files are TorchErrors that say what is wrong', () => {
  it('the corpus and the expectations name the same files', () => {
    expect(manifest.files.map((f) => f.file).sort()).toEqual(Object.keys(HOSTILE_MESSAGES).sort());
  });

  for (const { file, what, python } of manifest.files) {
    it(`${file} (${what})`, () => {
      const full = path.join(HOSTILE, file);
      const reason = HOSTILE_MESSAGES[file];
      const caught = (fn: () => unknown): Error => {
        try {
          fn();
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${file} loaded`);
      };
      for (const [where, err] of [
        [full, caught(() => st.load_file(full))],
        [full, caught(() => st.safe_open(full))],
        ['<bytes>', caught(() => st.load(fs.readFileSync(full)))],
      ] as const) {
        expect(err).toBeInstanceOf(torch.TorchError);
        const prefix = `safetensors: ${where}: `;
        expect(err.message.startsWith(prefix), err.message).toBe(true);
        expect(err.message.slice(prefix.length)).toMatch(reason);
        expect(err.message).not.toMatch(JUNK);
      }
      // The package refuses all of these too, but for the dtypes torchnode has no tensor type for.
      if (/unsupported_dtype|fp8_dtype/.test(file)) expect(python).toBe('loads');
      else expect(python).toMatch(/^SafetensorError/);
    });
  }

  it('2,000 seeded mutations of a valid file each load or fail as a TorchError', () => {
    const good = fs.readFileSync(path.join(FIXTURES, 'all_dtypes.safetensors'));
    const headerEnd = 8 + Number(good.readBigUInt64LE(0));
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pool = '{}[]":,0123456789-.eE \\u"FIBU';
    const outcomes = { loaded: 0, refused: 0 };
    const file = tmpFile('mutant.safetensors');
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(good);
      const kind = rand(4);
      let mutant: Buffer = buf;
      if (kind === 0) buf[rand(headerEnd)] = rand(256); // any byte of the length or the header
      else if (kind === 1) buf[8 + rand(headerEnd - 8)] = pool.charCodeAt(rand(pool.length)); // a JSON-ish character
      else if (kind === 2) mutant = buf.subarray(0, rand(buf.length)); // truncated
      else buf.writeUInt32LE(rand(2 ** 31) * 2, rand(headerEnd - 4)); // a wild number
      try {
        torch.tidy(() => void st.load(mutant));
        outcomes.loaded++;
      } catch (e) {
        expect(e, `mutation ${i}`).toBeInstanceOf(torch.TorchError);
        expect((e as Error).message.startsWith('safetensors: <bytes>: '), (e as Error).message).toBe(true);
        expect((e as Error).message, `mutation ${i}`).not.toMatch(JUNK);
        outcomes.refused++;
      }
      if (i % 50 === 0) {
        fs.writeFileSync(file, mutant);
        try {
          torch.tidy(() => void st.load_file(file));
        } catch (e) {
          expect(e, `mutation ${i} from a file`).toBeInstanceOf(torch.TorchError);
        }
      }
    }
    expect(outcomes.refused).toBeGreaterThan(1000);
  });

  it('a 20 MB header is parsed in bounded time', () => {
    // one tensor plus a metadata string of 20 million characters
    const filler = 'x'.repeat(20_000_000);
    const buf = st.save({ a: torch.ones(2) }, { filler });
    const t0 = performance.now();
    const d = st.load(buf);
    expect(d.a.tolist()).toEqual([1, 1]);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

// ---- round trips --------------------------------------------------------------------------------

function everyDtype(): Record<string, torch.Tensor> {
  const base = torch.arange(24, { dtype: torch.float64 }).sub(11.5).mul(0.75).reshape([2, 3, 4]);
  const out: Record<string, torch.Tensor> = {};
  for (const d of DTYPE_NAMES.keys()) {
    const t = d === torch.bool ? base.gt(0) : base.to(d);
    out[`${d.name}_contiguous`] = t;
    out[`${d.name}_transposed`] = t.transpose(0, 2); // non-contiguous
    out[`${d.name}_strided`] = t.index(':', '::2', '1::2'); // stepped slices
    out[`${d.name}_expanded`] = t.index(0, 0, 0).expand([3, 2]); // stride 0
    out[`${d.name}_scalar`] = t.index(1, 2, 3); // 0-dim
    out[`${d.name}_empty`] = t.index(':', '0:0'); // no elements
  }
  out.bf16_bits = fromBits([0x0000, 0x8000, 0x0001, 0x7f80, 0xff80, 0x7fc1, 0xffff, 0x7f7f], torch.bfloat16);
  out.f16_bits = fromBits([0x0000, 0x8000, 0x0001, 0x7c00, 0xfc00, 0x7e01, 0xffff, 0x7bff], torch.float16);
  return out;
}

describe('round trips', () => {
  it('every dtype, contiguous or not, 0-dim and empty, bit for bit through save_file and load_file', () => {
    const tensors = everyDtype();
    const file = tmpFile('every_dtype.safetensors');
    st.save_file(tensors, file, { format: 'pt', note: 'ü ✓' });
    const back = st.load_file(file);
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k].dtype, k).toBe(t.dtype);
      expect(back[k].shape, k).toEqual(t.shape);
      expect(back[k].is_contiguous(), k).toBe(true);
      expect(hexOf(back[k]), k).toBe(hexOf(t));
    }
    expect(hexOf(back.bf16_bits)).toBe('000000800100807f80ffc17fffff7f7f');
    expect(hexOf(back.f16_bits)).toBe('000000800100007c00fc017effffff7b');
    const f = st.safe_open(file);
    expect(f.metadata()).toEqual({ format: 'pt', note: 'ü ✓' });
    f.close();
    // the in-memory writer produces the same bytes, and the in-memory reader the same tensors
    const bytes = st.save(tensors, { format: 'pt', note: 'ü ✓' });
    expect(Buffer.from(bytes).equals(fs.readFileSync(file))).toBe(true);
    const fromBytes = st.load(bytes);
    for (const k of Object.keys(tensors)) expect(hexOf(fromBytes[k]), k).toBe(hexOf(tensors[k]));
  });

  it('lays data out as the Python writer does: aligned, the header padded with spaces to 8 bytes', () => {
    const bytes = Buffer.from(st.save({ flag: torch.tensor([true]), w: torch.ones(3, { dtype: torch.float64 }), h: torch.ones(1, { dtype: torch.float16 }) }));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = bytes.subarray(8, 8 + n).toString('utf8');
    expect(header).toBe('{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[1],"data_offsets":[24,26]},"flag":{"dtype":"BOOL","shape":[1],"data_offsets":[26,27]}}'.padEnd(n, ' '));
    // without metadata there is no "__metadata__"; with an empty object there is one
    expect(Buffer.from(st.save({})).subarray(8).toString()).toBe('{}      ');
    expect(Buffer.from(st.save({}, {})).subarray(8).toString().trimEnd()).toBe('{"__metadata__":{}}');
  });

  it('keeps the caller\'s order for tensors of one element size, and loads in file order', () => {
    const sd = { 'z.weight': torch.ones(2), 'a.bias': torch.zeros(1), 'm.running_var': torch.ones(3) };
    const back = st.load(st.save(sd));
    expect(Object.keys(back)).toEqual(['z.weight', 'a.bias', 'm.running_var']);
  });

  it('takes a Map, and a model\'s state_dict loads back into the model', () => {
    torch.manual_seed(0);
    const model = new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.BatchNorm1d(4));
    const file = tmpFile('model.safetensors');
    st.save_file(model.state_dict(), file);
    const fresh = new torch.nn.Sequential(new torch.nn.Linear(3, 4), new torch.nn.BatchNorm1d(4));
    fresh.load_state_dict(st.load_file(file));
    for (const [k, v] of Object.entries(model.state_dict())) expect(hexOf(fresh.state_dict()[k]), k).toBe(hexOf(v));
    const m = st.load(st.save(new Map([['x', torch.ones(2)]])));
    expect(m.x.tolist()).toEqual([1, 1]);
  });

  it('writes a tensor larger than one write piece (16 MB) whole', () => {
    const big = torch.arange((16 << 20) + 5, { dtype: torch.int32 }).to(torch.uint8); // 0..255 repeating
    const file = tmpFile('big.safetensors');
    st.save_file({ big, after: torch.tensor([7], { dtype: torch.uint8 }) }, file);
    const back = st.load_file(file);
    expect(back.big.equal(big)).toBe(true);
    expect(back.after.tolist()).toEqual([7]);
  });

  it('refuses what the format cannot hold, before writing anything', () => {
    const file = tmpFile('refused.safetensors');
    expect(() => st.save_file({ c: torch.ones(2, { dtype: torch.complex128 }) }, file)).toThrow(/safetensors\.save_file: tensor "c" has dtype torch\.complex128, which safetensors cannot store/);
    expect(() => st.save_file({ __metadata__: torch.ones(1) }, file)).toThrow(/"__metadata__" is reserved/);
    expect(() => st.save_file({ a: torch.ones(1) }, file, { epoch: 3 } as any)).toThrow(/metadata "epoch" is a number; safetensors metadata values are strings/);
    expect(() => st.save_file({ a: [1, 2] } as any, file)).toThrow(/tensor "a" is not a Tensor/);
    const gone = torch.ones(1);
    gone.dispose();
    expect(() => st.save_file({ gone }, file)).toThrow(/tensor "gone" has been disposed/);
    const sparse = torch.ops.aten.sparse_coo_tensor.indices<torch.Tensor>(torch.tensor([[0, 1]]), torch.tensor([1, 2], { dtype: torch.float32 }));
    expect(() => st.save_file({ sparse }, file)).toThrow(/tensor "sparse" is not a dense \(strided\) tensor/);
    expect(() => st.save_file({ m: torch.empty(2, { device: 'meta' }) }, file)).toThrow(/tensor "m" is a meta tensor/);
    expect(() => st.save_file({ ['\ud800']: torch.ones(1) }, file)).toThrow(/unpaired surrogate/);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

// ---- Python reads what torchnode writes -------------------------------------------------------------

describe('the safetensors package reads what torchnode writes', () => {
  it.skipIf(!PYTHON)(`every dtype bit for bit, with metadata and order${PYTHON ? '' : ` (${NO_PYTHON})`}`, () => {
    const tensors = everyDtype();
    const file = tmpFile('for_python.safetensors');
    const metadata = { format: 'pt', 'ü': '✓ 😀', empty: '', 'quote "\\ \n': 'x' };
    st.save_file(tensors, file, metadata);
    const py = pythonDescribe(file);
    expect(py.metadata).toEqual(Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    expect(py.offset_keys).toEqual(Object.keys(st.load_file(file)));
    expect(py.tensors).toEqual(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, describeTensor(t)])));
  });

  it.skipIf(!PYTHON)(`a file with no tensors, and one without metadata${PYTHON ? '' : ` (${NO_PYTHON})`}`, () => {
    const empty = tmpFile('empty_for_python.safetensors');
    st.save_file({}, empty, { only: 'metadata' });
    expect(pythonDescribe(empty)).toEqual({ metadata: { only: 'metadata' }, keys: [], offset_keys: [], tensors: {} });
    const plain = tmpFile('plain_for_python.safetensors');
    st.save_file({ x: torch.tensor([1.5, -2], { dtype: torch.float32 }) }, plain);
    const py = pythonDescribe(plain);
    expect(py.metadata).toBeNull();
    expect(py.tensors.x.values).toEqual([1.5, -2]);
  });
});

// ---- saving safely ------------------------------------------------------------------------------

describe('save_file is atomic', () => {
  const listing = (dir: string) => fs.readdirSync(dir).sort();

  function folderWithOldFile(name: string): { dir: string; file: string; old: Buffer } {
    const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
    const file = path.join(dir, name);
    st.save_file({ old: torch.tensor([1, 2, 3], { dtype: torch.float32 }) }, file);
    return { dir, file, old: fs.readFileSync(file) };
  }

  it('a refused save leaves the old file byte-identical and no temporary file', () => {
    const { dir, file, old } = folderWithOldFile('model.safetensors');
    expect(() => st.save_file({ ok: torch.ones(3), bad: torch.ones(2, { dtype: torch.complex128 }) }, file)).toThrow(/cannot store/);
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(listing(dir)).toEqual(['model.safetensors']);
  });

  it('a save that fails after writing has begun leaves the old file byte-identical and removes its temporary file', () => {
    const { dir, file, old } = folderWithOldFile('model.safetensors');
    const seen: string[][] = [];
    let calls = 0;
    const write = AtomicFile.prototype.write;
    const spy = vi.spyOn(AtomicFile.prototype, 'write').mockImplementation(function (this: AtomicFile, buf: Uint8Array) {
      seen.push(listing(dir));
      if (++calls === 2) throw new Error('disk full (simulated)');
      write.call(this, buf);
    });
    try {
      expect(() => st.save_file({ w: torch.ones(1000), b: torch.zeros(3) }, file)).toThrow('disk full (simulated)');
    } finally {
      spy.mockRestore();
    }
    // while it was being written, the new file was a hidden temporary file next to the old one
    expect(seen[1].length).toBe(2);
    expect(seen[1].find((f) => f !== 'model.safetensors')).toMatch(new RegExp(`^\\.model\\.safetensors\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(listing(dir)).toEqual(['model.safetensors']);
    st.save_file({ new: torch.ones(1) }, file); // and the next save works
    expect(Object.keys(st.load_file(file))).toEqual(['new']);
    expect(listing(dir)).toEqual(['model.safetensors']);
  });

  it('a directory as the target fails and leaves the directory and its contents as they were', () => {
    const { dir, file, old } = folderWithOldFile('model.safetensors');
    const target = path.join(dir, 'sub');
    fs.mkdirSync(target);
    fs.copyFileSync(file, path.join(target, 'inside'));
    expect(() => st.save_file({ x: torch.ones(2) }, target)).toThrow(expect.objectContaining({ code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/) }));
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(target, 'inside')).equals(old)).toBe(true);
    expect(listing(dir)).toEqual(['model.safetensors', 'sub']);
  });

  it('keeps the permissions of the file it replaces and writes through a symlink', () => {
    const { dir, file } = folderWithOldFile('model.safetensors');
    fs.chmodSync(file, 0o600);
    st.save_file({ a: torch.ones(2) }, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const link = path.join(dir, 'latest.safetensors');
    fs.symlinkSync('model.safetensors', link);
    st.save_file({ b: torch.ones(2) }, link);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(Object.keys(st.load_file(file))).toEqual(['b']);
  });
});
