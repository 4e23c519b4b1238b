// torch.save / torch.load against Python's PyTorch, both ways. Python-written fixtures and
// what Python's torch.load sees in them (expected.json) come from
// scripts/gen_serialization_fixtures.py; files torchnode writes are opened by the same script
// through the PyTorch of the running LibTorch (tests/oracle.ts) and described back as JSON.
import { describe, expect, it, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';
import { checkOracle, oraclePython, torchTag } from './oracle';
import { saveWithOptions } from '../lib/serialization/save';
import { ZipReader, ZipWriter } from '../lib/serialization/zip';
import { PickleWriter, decodeLong, encodeLong } from '../lib/serialization/pickle';

const { nn } = torch;
const FIXTURES = path.join(__dirname, 'fixtures', torchTag, 'serialization');
const SCRIPT = path.join(__dirname, '..', 'scripts', 'gen_serialization_fixtures.py');
const PYTHON = oraclePython;
checkOracle();
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'));
// torch.load returns unknown; these tests inspect what it loaded field by field, so read it as any.
const load = torch.load as (...a: Parameters<typeof torch.load>) => any;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-serialization-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});
const tmpFile = (name: string) => path.join(tmp, name);
const fixture = (name: string) => path.join(FIXTURES, name);

function python(...args: string[]): any {
  return JSON.parse(execFileSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8' }));
}

// ---- the script's describe(), in TypeScript ---------------------------------------------------

function encodeNumber(x: number): number | string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x;
}

function tensorValues(t: torch.Tensor): unknown[] {
  const flat = t.detach().reshape([-1]);
  if (t.dtype === torch.complex64 || t.dtype === torch.complex128) {
    const pairs = Array.from(torch.ops.aten.view_as_real<torch.Tensor>(flat).toTypedArray() as Float32Array, encodeNumber);
    return pairs.flatMap((_, i) => (i % 2 === 0 ? [[pairs[i], pairs[i + 1]]] : []));
  }
  const data = flat.toTypedArray();
  if (t.dtype === torch.int64) return Array.from(data as BigInt64Array, (v) => v.toString());
  if (t.dtype === torch.bool) return Array.from(data as Uint8Array, (v) => v !== 0);
  return Array.from(data as Float32Array, encodeNumber);
}

function describeTs(v: unknown): unknown {
  if (v instanceof torch.Tensor) {
    return {
      tensor: {
        dtype: v.dtype.name, shape: v.shape, stride: v.stride(),
        requires_grad: v.requires_grad, parameter: v instanceof nn.Parameter, values: tensorValues(v),
      },
    };
  }
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (v instanceof Set) return { set: [...v].sort((a, b) => a - b).map(describeTs) };
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: String(v) } : { float: encodeNumber(v) };
  if (Array.isArray(v)) return { list: v.map(describeTs) };
  if (v instanceof Map) return { dict_items: [...v].map(([k, x]) => [describeTs(k), describeTs(x)]) };
  if (v instanceof torch.DType) return { dtype: v.name };
  if (v instanceof torch.Device) return { device: v.toString() };
  if (typeof v === 'object') return { dict: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describeTs(x)])) };
  throw new TypeError(`describeTs: unexpected ${typeof v}`);
}

/**
 * Python's description as torchnode can match it: JS has one array type, so tuples read as
 * lists; storage identity and storage offsets have no torchnode accessor, so they are checked
 * through values and by mutation instead; `layout: false` also drops strides, for files
 * torchnode wrote (it saves every tensor contiguous).
 */
function comparable(v: unknown, opts: { layout: boolean }): unknown {
  if (Array.isArray(v)) return v.map((x) => comparable(x, opts));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'storage' || k === 'offset') continue;
    if (!opts.layout && k === 'stride') continue;
    out[k === 'tuple' ? 'list' : k] = comparable(x, opts);
  }
  return out;
}

// ---- Python → TypeScript -----------------------------------------------------------------------

describe('loading files written by Python torch.save', () => {
  const files = ['mlp_state_dict.pt', 'batchnorm_state_dict.pt', 'dtypes.pt', 'views.pt', 'nested.pt', 'parameter.pt',
    'pt2_layout.pt', 'deflated.pt'];
  for (const name of files) {
    it(`${name} matches what Python's torch.load sees`, () => {
      expect(describeTs(load(fixture(name)))).toEqual(comparable(expected[name], { layout: true }));
    });
  }

  it('returns state_dicts as plain objects in the saved key order', () => {
    const sd = load(fixture('batchnorm_state_dict.pt'));
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(sd.num_batches_tracked.dtype).toBe(torch.int64);
  });

  it('keeps views of one storage sharing memory, as Python does', () => {
    const v = load(fixture('views.pt'));
    v.base.add_(100);
    expect(v.transposed.tolist()[1]).toEqual([101, 105, 109]);
    expect(v.row.tolist()).toEqual([104, 105, 106, 107]);
    expect(v.column.tolist()).toEqual([102, 106, 110]);
    expect(v.transposed.is_contiguous()).toBe(false);
  });

  it('restores Parameters as nn.Parameter with requires_grad', () => {
    const p = load(fixture('parameter.pt'));
    expect(p).toBeInstanceOf(nn.Parameter);
    expect(p.requires_grad).toBe(true);
    expect(p.is_leaf).toBe(true);
  });

  it('gives dicts with non-string keys as Maps, and ints past 2^53 as bigints', () => {
    const n = load(fixture('nested.pt'));
    expect(n.int_keys).toBeInstanceOf(Map);
    expect([...n.int_keys]).toEqual([[0, 'zero'], [1, 'one']]);
    expect(n.huge).toBe(2n ** 70n);
    expect(n.dtype).toBe(torch.float16);
  });

  it('a Python state_dict loads strictly into the same torchnode model and computes what Python computed', () => {
    const input = torch.tensor(expected.model_input, { dtype: torch.float32 });
    const mlp = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    mlp.load_state_dict(load(fixture('mlp_state_dict.pt')), { strict: true });
    expectClose(torch.no_grad(() => mlp.forward(input)).tolist() as number[][], expected.mlp_output);

    const bn = new nn.BatchNorm1d(3);
    bn.load_state_dict(load(fixture('batchnorm_state_dict.pt')), { strict: true });
    bn.eval();
    expectClose(torch.no_grad(() => bn.forward(input)).tolist() as number[][], expected.batchnorm_output);
  });

  it('map_location moves the tensors', () => {
    if (torch.cuda.is_available()) {
      const sd = load(fixture('mlp_state_dict.pt'), { map_location: 'cuda' });
      expect(sd['0.weight'].device.type).toBe('cuda');
      expect(sd['0.weight'].cpu().tolist()).toEqual(load(fixture('mlp_state_dict.pt'))['0.weight'].tolist());
    } else {
      expect(() => load(fixture('mlp_state_dict.pt'), { map_location: 'cuda' })).toThrow(/CUDA/);
    }
    expect(load(fixture('mlp_state_dict.pt'), { map_location: 'cpu' })['0.weight'].device.type).toBe('cpu');
  });

  it('loads tensors saved from a GPU back onto it, or onto the CPU where there is none', () => {
    const file = tmpFile('from_cuda.pt');
    writeRawArchive(file, (p) => {
      p.global('torch._utils', '_rebuild_tensor_v2');
      p.mark();
      p.mark();
      p.str('storage');
      p.global('torch', 'FloatStorage');
      p.str('0');
      p.str('cuda:0');
      p.int(2);
      p.tuple();
      p.binpersid();
      p.int(0);
      p.mark(); p.int(2); p.tuple();
      p.mark(); p.int(1); p.tuple();
      p.bool(false);
      p.global('collections', 'OrderedDict'); p.emptyTuple(); p.reduce();
      p.tuple();
      p.reduce();
    }, { 'data/0': new Uint8Array(new Float32Array([1.5, -3]).buffer) });
    const t = load(file);
    expect(t.device.toString()).toBe(torch.cuda.is_available() ? 'cuda:0' : 'cpu');
    expect(t.tolist()).toEqual([1.5, -3]);
  });
});

function expectClose(actual: number[][], wanted: number[][]): void {
  expect(actual.length).toBe(wanted.length);
  actual.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(wanted[i][j], 5)));
}

/** A torch zip archive with a hand-written pickle, for cases Python cannot produce here. */
function writeRawArchive(file: string, pickle: (p: PickleWriter) => void, records: Record<string, Uint8Array> = {}): void {
  const p = new PickleWriter();
  p.proto();
  pickle(p);
  const zip = new ZipWriter(file);
  zip.add('archive/data.pkl', p.stop());
  for (const [name, data] of Object.entries(records)) zip.add(`archive/${name}`, data);
  zip.add('archive/version', Buffer.from('3\n'));
  zip.finish();
}

// ---- TypeScript → Python -------------------------------------------------------------------------

/** Every kind of value torch.save takes, built in torchnode. */
function sampleObject(): Record<string, unknown> {
  const base = torch.arange(12, { dtype: torch.float32 }).reshape([3, 4]);
  const shared = torch.tensor([7, 8], { dtype: torch.int32 });
  const withGrad = torch.tensor([0.5, 1.5], { dtype: torch.float32 }).requires_grad_(true);
  return {
    dtypes: {
      float32: torch.tensor([1.5, -2.25, 3e-8, 1e30], { dtype: torch.float32 }),
      float64: torch.tensor([Math.PI, -1e-300, 1e300], { dtype: torch.float64 }),
      float16: torch.tensor([1, -0.333, 65504, 6e-8], { dtype: torch.float16 }),
      bfloat16: torch.tensor([1, -0.333, 3e38, 1e-38], { dtype: torch.bfloat16 }),
      int64: torch.from_typed_array(BigInt64Array.from([0n, -1n, 2n ** 53n + 1n, -(2n ** 62n), 2n ** 63n - 1n]), [5]),
      int32: torch.tensor([-(2 ** 31), 2 ** 31 - 1, 7], { dtype: torch.int32 }),
      int16: torch.tensor([-32768, 32767, 5], { dtype: torch.int16 }),
      int8: torch.tensor([-128, 127, 0], { dtype: torch.int8 }),
      uint8: torch.tensor([0, 255, 17], { dtype: torch.uint8 }),
      bool: torch.tensor([[true, false], [false, true]]),
      complex64: torch.ops.aten.view_as_complex(torch.tensor([[1, 2], [-0.5, -4]], { dtype: torch.float32 })),
      scalar: torch.tensor(2.5),
      empty: torch.zeros(0, 3),
    },
    views: { base, transposed: base.t(), row: base.select(0, 1), column: base.select(1, 2) },
    same_tensor_twice: [shared, shared],
    requires_grad: withGrad,
    parameter: new nn.Parameter(torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 })),
    nested: {
      name: 'model', epoch: 7, lr: 0.125, flags: [true, false, null], big: 2 ** 40, huge: 2n ** 70n, negative: -5,
      negative_big: -(2 ** 40), unicode: 'héllo ✓', nested: { a: [1, 2, { b: 'c' }], t: torch.tensor([1, 2]) },
      int_keys: new Map<unknown, unknown>([[0, 'zero'], [1, 'one']]), dtype: torch.float16, device: torch.device('cpu'),
      nan: Number.NaN, inf: -Infinity,
    },
  };
}

describe('files written by torchnode open in Python', () => {
  it('every kind of value reads back in Python as it was in torchnode', () => {
    const obj = sampleObject();
    const file = tmpFile('sample.pt');
    torch.save(obj, file);
    expect(comparable(python('describe', file), { layout: false })).toEqual(comparable(describeTs(obj), { layout: false }));
  });

  it('zip64 fields (used past 4 GiB) are read by Python and by torchnode', () => {
    const obj = { w: torch.tensor([[1, 2], [3, 4]], { dtype: torch.float16 }), n: 3 };
    const file = tmpFile('zip64.pt');
    saveWithOptions(obj, file, 1); // every size and offset written as zip64
    const want = comparable(describeTs(obj), { layout: false });
    expect(comparable(python('describe', file), { layout: false })).toEqual(want);
    expect(comparable(describeTs(load(file)), { layout: false })).toEqual(want);
  });

  it('a torchnode state_dict loads strictly into the PyTorch model and computes the same outputs', () => {
    const input = torch.tensor(expected.model_input, { dtype: torch.float32 });
    torch.manual_seed(3);
    const mlp = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const mlpFile = tmpFile('mlp.pt');
    torch.save(mlp.state_dict(), mlpFile);
    expectClose(python('run-model', 'mlp', mlpFile), torch.no_grad(() => mlp.forward(input)).tolist() as number[][]);

    const bn = new nn.BatchNorm1d(3);
    bn.train();
    bn.forward(torch.randn(8, 3).mul(2).add(1)); // running stats and num_batches_tracked (int64) move
    bn.eval();
    const bnFile = tmpFile('bn.pt');
    torch.save(bn.state_dict(), bnFile);
    expectClose(python('run-model', 'batchnorm', bnFile), torch.no_grad(() => bn.forward(input)).tolist() as number[][]);
  });

  it('lays records out as Python does: data.pkl first, aligned storages, version and byteorder', () => {
    const file = tmpFile('layout_check.pt');
    torch.save({ a: torch.ones(3), b: torch.zeros(2, { dtype: torch.int64 }) }, file);
    const listing = execFileSync(PYTHON, ['-c', `
import json, struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
raw = open(sys.argv[1], 'rb').read()
def data_start(i):  # past the local header, whose extra field holds the alignment padding
    name_len, extra_len = struct.unpack('<HH', raw[i.header_offset + 26:i.header_offset + 30])
    return i.header_offset + 30 + name_len + extra_len
small = lambda i: z.read(i.filename).decode('latin1') if i.filename.endswith(('version', 'byteorder')) else None
print(json.dumps([[i.filename, data_start(i) % 64, small(i)] for i in z.infolist()]))
`, file], { encoding: 'utf8' });
    expect(JSON.parse(listing)).toEqual([
      ['layout_check/data.pkl', 0, null],
      ['layout_check/data/0', 0, null],
      ['layout_check/data/1', 0, null],
      ['layout_check/version', 0, '3\n'],
      ['layout_check/byteorder', 0, 'little'],
    ]);
  });
});

// ---- TypeScript → TypeScript ---------------------------------------------------------------------

describe('round trips through torchnode alone', () => {
  it('keeps every value, Maps with number keys, bigints and Parameters', () => {
    const obj = sampleObject();
    const file = tmpFile('roundtrip.pt');
    torch.save(obj, file);
    const back = load(file);
    expect(comparable(describeTs(back), { layout: false })).toEqual(comparable(describeTs(obj), { layout: false }));
    expect(back.parameter).toBeInstanceOf(nn.Parameter);
    expect(back.requires_grad.requires_grad).toBe(true);
    expect(back.nested.huge).toBe(2n ** 70n);
  });

  it('leaves no native tensors behind inside a tidy scope', () => {
    const loadAndSave = () =>
      torch.tidy(() => {
        load(fixture('views.pt'));
        load(fixture('parameter.pt'));
        torch.save(load(fixture('dtypes.pt')), tmpFile('tidy.pt'));
      });
    // Compared across a second round: the first count can still include the previous test's
    // tensors, which a full collection at that moment did not free (once in CI: 21 before, 0
    // after). A scope that leaked would leave more behind after each round.
    const before = liveTensors();
    loadAndSave();
    const afterOne = liveTensors();
    loadAndSave();
    expect(liveTensors()).toBe(afterOne);
    expect(afterOne).toBeLessThanOrEqual(before);
  });

  it('loads one Tensor saved twice as one tensor', () => {
    const file = tmpFile('twice.pt');
    torch.save(sampleObject(), file);
    const [a, b] = load(file).same_tensor_twice;
    expect(a).toBe(b);
  });

  it('refuses what Python could not load, naming where it is', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => torch.save(cyclic, tmpFile('cyclic.pt'))).toThrow(/obj\["self"\] refers back/);
    expect(() => torch.save({ f: () => 1 }, tmpFile('fn.pt'))).toThrow(/cannot save a function \(f\) at obj\["f"\]/);
    expect(() => torch.save([new Date()], tmpFile('date.pt'))).toThrow(/class Date at obj\[0\]/);
  });
});

// ---- malformed files ------------------------------------------------------------------------------

describe('malformed files raise clear errors', () => {
  const loadsAfterwards = () => expect(load(fixture('parameter.pt')).shape).toEqual([2, 2]);
  const bytesOf = (name: string) => fs.readFileSync(fixture(name));

  it('a truncated archive', () => {
    const file = tmpFile('truncated.pt');
    const whole = bytesOf('mlp_state_dict.pt');
    fs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    expect(() => load(file)).toThrow(`torch.load: ${file} is not a PyTorch zip archive (truncated or corrupt: end of central directory not found)`);
    loadsAfterwards();
  });

  it('an archive cut inside its central directory', () => {
    const file = tmpFile('cut_cd.pt');
    const whole = bytesOf('mlp_state_dict.pt');
    // keep the end record but drop the bytes before it, so the directory it points to is gone
    fs.writeFileSync(file, Buffer.concat([whole.subarray(0, 100), whole.subarray(whole.length - 22)]));
    expect(() => load(file)).toThrow(new RegExp(`torch.load: ${file} is not a PyTorch zip archive \\(truncated`));
    loadsAfterwards();
  });

  it('random bytes', () => {
    const file = tmpFile('random.pt');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    expect(() => load(file)).toThrow(/is not a PyTorch zip archive \(truncated or corrupt/);
    loadsAfterwards();
  });

  it('an empty file', () => {
    const file = tmpFile('empty.pt');
    fs.writeFileSync(file, '');
    expect(() => load(file)).toThrow(`torch.load: ${file} is not a PyTorch zip archive (the file is empty)`);
    loadsAfterwards();
  });

  it('a missing file gives the fs error', () => {
    expect(() => load(tmpFile('does-not-exist.pt'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('a zip without data.pkl', () => {
    const file = tmpFile('no_pickle.pt');
    const zip = new ZipWriter(file);
    zip.add('archive/version', Buffer.from('3\n'));
    zip.finish();
    expect(() => load(file)).toThrow(`torch.load: ${file}: the zip archive has no archive/data.pkl record, so it was not written by torch.save`);
    loadsAfterwards();
  });

  it('a pickle naming an unsupported global', () => {
    const file = fixture('unknown_global.pt');
    const supported = 'only tensors, numpy arrays, dicts, lists, tuples, sets, numbers, strings, bytes and booleans are supported';
    expect(() => load(file, { weights_only: false })).toThrow(`torch.load: ${file}: cannot load objects of type '__main__.Custom'; ${supported}`);
    expect(() => load(file)).toThrow(
      `torch.load: ${file}: Weights only load failed: Unsupported global: GLOBAL __main__.Custom was not an allowed global by default. torchnode cannot load it with weights_only: false either: ${supported}`,
    );
    loadsAfterwards();
  });

  it('the legacy (pre-1.6) format', () => {
    expect(() => load(fixture('legacy_format.pt'))).toThrow(/legacy pre-1\.6 torch\.save format/);
  });

  it('a corrupted storage byte fails the CRC check', () => {
    const file = tmpFile('crc.pt');
    const bytes = Buffer.from(bytesOf('parameter.pt'));
    const at = bytes.indexOf(Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect(() => load(file)).toThrow(/CRC-32 mismatch in record 'parameter\/data\/0'/);
    loadsAfterwards();
  });

  it('a truncated pickle and a tensor that overruns its storage', () => {
    const cut = tmpFile('cut_pickle.pt');
    const zip = new ZipWriter(cut);
    zip.add('archive/data.pkl', Buffer.from([0x80, 0x02, 0x7d, 0x58, 0xff, 0x00]));
    zip.finish();
    expect(() => load(cut)).toThrow(/torch\.load: .*cut_pickle\.pt: pickle data is truncated/);

    const over = tmpFile('overrun.pt');
    writeRawArchive(over, (p) => {
      p.global('torch._utils', '_rebuild_tensor_v2');
      p.mark();
      p.mark(); p.str('storage'); p.global('torch', 'FloatStorage'); p.str('0'); p.str('cpu'); p.int(2); p.tuple();
      p.binpersid();
      p.int(1);
      p.mark(); p.int(5); p.tuple();
      p.mark(); p.int(1); p.tuple();
      p.bool(false);
      p.global('collections', 'OrderedDict'); p.emptyTuple(); p.reduce();
      p.tuple();
      p.reduce();
    }, { 'data/0': new Uint8Array(8) });
    expect(() => load(over)).toThrow(/reaches element 5 of a storage with 2 elements/);
    loadsAfterwards();
  });
});

// ---- saving safely -------------------------------------------------------------------------------

describe('torch.save is atomic', () => {
  const TEMP = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;
  const listing = (dir: string) => fs.readdirSync(dir).sort();

  function folderWithOldFile(name: string): { dir: string; file: string; old: Buffer } {
    const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
    const file = path.join(dir, name);
    torch.save({ old: torch.tensor([1, 2, 3], { dtype: torch.float32 }) }, file);
    return { dir, file, old: fs.readFileSync(file) };
  }

  it('a save refused deep in the structure leaves the old file byte-identical and no temporary file', () => {
    const { dir, file, old } = folderWithOldFile('model.pt');
    const deep = { a: [1, { b: [torch.ones(2), { c: new Date() }] }] };
    expect(() => torch.save(deep, file)).toThrow(/cannot save an object of class Date at obj\["a"\]\[1\]\["b"\]\[1\]\["c"\]/);
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(listing(dir)).toEqual(['model.pt']);
  });

  it('a save that fails after writing has begun leaves the old file byte-identical and removes its temporary file', () => {
    const { dir, file, old } = folderWithOldFile('model.pt');
    const seen: string[][] = [];
    let calls = 0;
    const add = ZipWriter.prototype.add;
    const spy = vi.spyOn(ZipWriter.prototype, 'add').mockImplementation(function (this: ZipWriter, name: string, data: Uint8Array) {
      seen.push(listing(dir));
      if (++calls === 2) throw new Error('disk full (simulated)');
      add.call(this, name, data);
    });
    try {
      expect(() => torch.save({ w: torch.ones(1000), b: torch.zeros(3) }, file)).toThrow('disk full (simulated)');
    } finally {
      spy.mockRestore();
    }
    // while it was being written, the new file was a hidden temporary file next to the old one
    expect(seen[1].length).toBe(2);
    expect(seen[1].find((f) => f !== 'model.pt')).toMatch(new RegExp(`^\\.model\\.pt\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(listing(dir)).toEqual(['model.pt']);
    torch.save({ new: 1 }, file); // and the next save works
    expect(load(file)).toEqual({ new: 1 });
    expect(listing(dir)).toEqual(['model.pt']);
  });

  it('keeps the permissions of the file it replaces and writes through a symlink', () => {
    const { dir, file } = folderWithOldFile('model.pt');
    fs.chmodSync(file, 0o600);
    torch.save([1, 2], file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const link = path.join(dir, 'latest.pt');
    fs.symlinkSync('model.pt', link);
    torch.save([3], link);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(load(file)).toEqual([3]);
  });

  it('a process killed (SIGKILL) in the middle of a large save leaves the old file intact', async () => {
    const { dir, file, old } = folderWithOldFile('big.pt');
    const script = `
      const torch = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index'))});
      const w = torch.ones(64 * 2 ** 20); // 256 MB of float32
      torch.save({ w }, ${JSON.stringify(file)});
      process.stdout.write('saved');`;
    // its own process group, so the kill reaches the node process tsx starts
    const child = spawn(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let temp: string | undefined;
    const deadline = Date.now() + 50_000;
    while (!temp && Date.now() < deadline && child.exitCode === null) {
      temp = listing(dir).find((f) => TEMP.test(f) && fs.statSync(path.join(dir, f)).size > 0);
      if (!temp) await new Promise((r) => setTimeout(r, 1));
    }
    expect(temp, `no temporary file seen before the child ended: ${out}`).toBeDefined();
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    expect(out).not.toContain('saved');
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(load(file).old.tolist()).toEqual([1, 2, 3]);
    // a killed process cannot clean up: its temporary file stays, recognisable by its name
    expect(listing(dir).filter((f) => f !== 'big.pt')).toEqual([temp]);
    fs.rmSync(path.join(dir, temp!));
  }, 60_000);
});

describe('meta and sparse tensors, as PyTorch saves them', () => {
  const describePy = `
import json, sys, torch
d = torch.load(sys.argv[1])
m, s = d['m'], d['s']
print(json.dumps({'m': [str(m.device), list(m.shape), list(m.stride()), str(m.dtype), m.requires_grad],
                  's': [str(s.layout), list(s.shape), s.to_dense().tolist()]}))`;

  it('torchnode writes them so that Python reads them back', () => {
    const file = tmpFile('meta_sparse.pt');
    const m = torch.ops.aten.empty_strided<torch.Tensor>([2, 3], [1, 2], { dtype: torch.float16, device: 'meta' }).requires_grad_(true);
    const s = torch.ops.aten.sparse_coo_tensor.indices(torch.tensor([[0, 1, 1], [1, 0, 1]]), torch.tensor([1.5, 2.5, -1], { dtype: torch.float32 }));
    torch.save({ m, s }, file);
    expect(JSON.parse(execFileSync(PYTHON, ['-c', describePy, file], { encoding: 'utf8' }))).toEqual({
      m: ['meta', [2, 3], [1, 2], 'torch.float16', true],
      s: ['torch.sparse_coo', [2, 2], [[0, 1.5], [2.5, -1]]],
    });
    const back = load(file);
    expect([back.m.device.type, back.m.shape, back.m.stride(), back.m.dtype, back.m.requires_grad]).toEqual(['meta', [2, 3], [1, 2], torch.float16, true]);
    expect(torch.ops.aten.to_dense<torch.Tensor>(back.s).tolist()).toEqual([[0, 1.5], [2.5, -1]]);
  });

  it('torchnode reads what Python writes', () => {
    const file = tmpFile('meta_sparse_py.pt');
    execFileSync(PYTHON, ['-c', `
import sys, torch
torch.save({'m': torch.empty(4, 2, device='meta', dtype=torch.float64),
            's': torch.sparse_coo_tensor([[0, 2], [1, 1]], [3, -4], (3, 2))}, sys.argv[1])`, file]);
    const d = load(file);
    expect([d.m.device.type, d.m.shape, d.m.dtype]).toEqual(['meta', [4, 2], torch.float64]);
    expect(torch.ops.aten.to_dense<torch.Tensor>(d.s).tolist()).toEqual([[0, 3], [0, 0], [0, -4]]);
    expect(d.s.dtype).toBe(torch.int64);
  });

  it('a sparse tensor whose indices lie outside its size is refused, naming the file', () => {
    const file = tmpFile('sparse_oob.pt');
    execFileSync(PYTHON, ['-c', `
import sys, torch
unchecked = getattr(torch, '_sparse_coo_tensor_unsafe', None) or (lambda i, v, s: torch.sparse_coo_tensor(i, v, s, check_invariants=False))  # 1.13 | 2.x
torch.save(unchecked(torch.tensor([[0, 5]]), torch.tensor([1.0, 2.0]), (3,)), sys.argv[1])`, file]);
    expect(() => load(file)).toThrow(new RegExp(`^torch\\.load: ${file}: .*size`));
  });
});

describe('nesting depth: whatever torch.save writes, torch.load reads back', () => {
  function nested(depth: number, kind: 'list' | 'dict'): unknown {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = kind === 'list' ? [v] : { k: v };
    return v;
  }
  function depthOf(v: unknown): number {
    let d = 0;
    for (let x = v; x !== null && typeof x === 'object'; d++) x = Array.isArray(x) ? x[0] : (x as { k: unknown }).k;
    return d;
  }
  for (const depth of [3000, 4000, 100_000]) {
    for (const kind of ['list', 'dict'] as const) {
      it(`${depth} nested ${kind}s`, () => {
        const file = tmpFile(`deep_${kind}_${depth}.pt`);
        torch.save(nested(depth, kind), file);
        expect(depthOf(load(file))).toBe(depth);
      });
    }
  }

  it('Python reads a 100,000-deep torchnode file', () => {
    const file = tmpFile('deep_for_python.pt');
    torch.save(nested(100_000, 'list'), file);
    const d = execFileSync(PYTHON, ['-c', `
import sys, torch
v, d = torch.load(sys.argv[1]), 0
while isinstance(v, list):
    v, d = v[0], d + 1
print(d, v)`, file], { encoding: 'utf8' });
    expect(d.trim()).toBe('100000 leaf');
  });
});

describe('big integers decode exactly', () => {
  it('LONG1/LONG4 payloads, positive and negative, match encodeLong', () => {
    const values = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, -(3n ** 200n), 7n ** 3000n];
    for (const v of values) {
      const back = decodeLong(encodeLong(v));
      expect(BigInt(back)).toBe(v);
      expect(typeof back).toBe(Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? 'number' : 'bigint');
    }
  });
});

// ---- numpy arrays, weights_only and the other load options ---------------------------------------

describe('numpy arrays and scalars inside PyTorch files', () => {
  const numpyFiles = ['numpy_arrays.pt', 'numpy_scalars.pt'];
  for (const name of numpyFiles) {
    it(`${name} (numpy ${expected.numpy_version}) loads as Python's torch.load(weights_only=False) sees it`, () => {
      expect(describeTs(load(fixture(name), { weights_only: false }))).toEqual(comparable(expected[name], { layout: true }));
    });
  }

  it('the fixtures name numpy 1.x\'s module (numpy.core) or numpy 2.x\'s (numpy._core), as their numpy wrote them', () => {
    const zip = ZipReader.open(fixture('numpy_arrays.pt'));
    const name = zip.names.find((n) => n.endsWith('/data.pkl'))!;
    const pickle = zip.read(name, zip.entries.get(name)!.size).toString('latin1');
    zip.close();
    const module = expected.numpy_version.startsWith('1.') ? 'numpy.core.multiarray' : 'numpy._core.multiarray';
    expect(pickle).toContain(`${module}\n_reconstruct`);
  });

  it('arrays become CPU tensors with numpy\'s strides: Fortran order, big-endian data and 0-d arrays', () => {
    const a = load(fixture('numpy_arrays.pt'), { weights_only: false });
    expect(a.fortran_2d.stride()).toEqual([1, 2]);
    expect(a.fortran_2d.tolist()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(a.big_endian_f4.tolist()).toEqual([[-2.5, -1.5, -0.5], [0.5, 1.5, 2.5]]);
    expect(a.big_endian_i2.tolist()).toEqual([[258, -3]]);
    expect(a.scalar_0d.shape).toEqual([]);
    expect(a.scalar_0d.item()).toBe(7.25);
    expect(a.empty.shape).toEqual([0, 3]);
    // one array pickled twice is one tensor, as it is one ndarray in Python
    expect(a.same_array_twice[0]).toBe(a.same_array_twice[1]);
    expect(a.same_array_twice[0]).toBe(a.int64);
  });

  it('map_location does not move numpy arrays (PyTorch leaves them numpy arrays, on the CPU)', () => {
    const a = load(fixture('numpy_arrays.pt'), { weights_only: false, map_location: 'meta' });
    expect(a.float32.device.type).toBe('cpu');
  });

  it('scalars become JS numbers (bigints past 2^53, booleans for np.bool_)', () => {
    const s = load(fixture('numpy_scalars.pt'), { weights_only: false });
    expect(s.float64).toBe(2.5);
    expect(s.int64_big).toBe(2n ** 60n + 1n);
    expect(s.uint64_big).toBe(2n ** 64n - 1n);
    expect(s.bool).toBe(true);
    expect(Number.isNaN(s.nan)).toBe(true);
    expect(s.complex128).toBeInstanceOf(torch.Tensor);
  });

  it('an array whose data does not fill its shape is refused, naming both', () => {
    const file = tmpFile('numpy_short.pt');
    const build = (p: PickleWriter) => (p as unknown as { byte(b: number): void }).byte(0x62); // BUILD
    const bytes = (p: PickleWriter, text: string) => {
      p.global('_codecs', 'encode'); p.str(text); p.str('latin1'); p.tuple2(); p.reduce();
    };
    writeRawArchive(file, (p) => {
      p.global('numpy.core.multiarray', '_reconstruct');
      p.mark(); p.global('numpy', 'ndarray'); p.mark(); p.int(0); p.tuple(); bytes(p, 'b'); p.tuple(); p.reduce();
      p.mark();
      p.int(1);
      p.mark(); p.int(3); p.tuple();
      p.global('numpy', 'dtype'); p.mark(); p.str('f8'); p.bool(false); p.bool(true); p.tuple(); p.reduce();
      p.mark(); p.int(3); p.str('<'); p.none(); p.none(); p.none(); p.int(-1); p.int(-1); p.int(0); p.tuple(); build(p);
      p.bool(false);
      bytes(p, '\0'.repeat(8));
      p.tuple();
      build(p);
    });
    expect(() => load(file, { weights_only: false })).toThrow(`torch.load: ${file}: numpy array: 8 bytes of data, but shape [3] of float64 needs 24`);
  });

  const unsupported: [string, string][] = [
    ['numpy_object.pt', 'a numpy array of dtype object cannot be loaded'],
    ['numpy_str.pt', 'a numpy array of dtype str (<U2) cannot be loaded'],
    ['numpy_structured.pt', 'a numpy array of dtype structured (fields a, b) cannot be loaded'],
    ['numpy_uint16.pt', 'a numpy array of dtype uint16 cannot be loaded'],
    ['numpy_datetime.pt', 'a numpy array of dtype datetime64 cannot be loaded'],
  ];
  for (const [name, message] of unsupported) {
    it(`${name}: a clear error naming the dtype`, () => {
      const file = fixture(name);
      expect(() => load(file, { weights_only: false })).toThrow(
        `torch.load: ${file}: ${message}; torchnode loads numpy arrays of dtype float16/32/64, int8/16/32/64, uint8, bool and complex64/128`,
      );
    });
  }
});

describe('weights_only', () => {
  const outcomes: Record<string, 'ok' | { refused: string; blocked: boolean }> | undefined = expected.weights_only;

  it('is true by default, as in PyTorch 2.6+: numpy arrays need weights_only: false', () => {
    const file = fixture('numpy_arrays.pt');
    const module = expected.numpy_version.startsWith('1.') ? 'numpy.core.multiarray' : 'numpy._core.multiarray';
    expect(() => load(file)).toThrow(
      `torch.load: ${file}: Weights only load failed: Unsupported global: GLOBAL ${module}._reconstruct was not an allowed global by default. Re-running torch.load with weights_only: false will load it`,
    );
    expect(() => load(file, { weights_only: true })).toThrow(/Weights only load failed/);
  });

  // PyTorch 1.13's weights_only list is an older, shorter one (no torch.device, set, bytes...):
  // torchnode follows PyTorch 2.x's, so the outcomes are recorded by the 2.x generator only.
  it.skipIf(!outcomes)('loads or refuses each fixture exactly as PyTorch 2.x\'s weights_only=True does', () => {
    for (const [name, outcome] of Object.entries(outcomes!)) {
      const file = fixture(name);
      if (outcome === 'ok') {
        expect(describeTs(load(file, { weights_only: true })), name).toEqual(comparable(expected[name], { layout: true }));
      } else if (outcome.blocked) {
        const module = outcome.refused.split('.')[0];
        expect(() => load(file, { weights_only: true }), name).toThrow(`Trying to load unsupported GLOBAL ${outcome.refused} whose module ${module} is blocked`);
      } else {
        expect(() => load(file, { weights_only: true }), name).toThrow(`GLOBAL ${outcome.refused} was not an allowed global by default`);
      }
    }
  });

  it('allows what PyTorch allows beyond tensors: Counter, complex, bytes, bytearray, set, device, tensors with attributes', () => {
    const w = load(fixture('weights_only_types.pt'), { weights_only: true });
    expect(describeTs(w)).toEqual(comparable(expected['weights_only_types.pt'], { layout: true }));
    expect(w.counter).toEqual({ a: 2, b: 1 });
    expect(Buffer.from(w.bytearray).toString('hex')).toBe('00ff6162');
    expect(torch.ops.aten.view_as_real<torch.Tensor>(w.complex).tolist()).toEqual([1.5, -2]);
  });

  for (const name of ['weights_only_types.pt', 'frozenset.pt', 'empty_bytes.pt']) {
    it(`${name} loads with weights_only: false as Python's torch.load(weights_only=False) sees it`, () => {
      expect(describeTs(load(fixture(name), { weights_only: false }))).toEqual(comparable(expected[name], { layout: true }));
    });
  }

  it('frozenset loads only with weights_only: false, as in PyTorch', () => {
    const file = fixture('frozenset.pt');
    expect(() => load(file)).toThrow(`torch.load: ${file}: Weights only load failed: Unsupported global: GLOBAL frozenset was not an allowed global by default. Re-running torch.load with weights_only: false will load it`);
    expect(load(file, { weights_only: false }).fs).toEqual(new Set([1, 3]));
  });

  it('os.system is refused in both modes', () => {
    const file = fixture('blocked_module.pt');
    expect(() => load(file)).toThrow(/Weights only load failed: Trying to load unsupported GLOBAL posix\.system whose module posix is blocked/);
    expect(() => load(file, { weights_only: false })).toThrow(`torch.load: ${file}: cannot load objects of type 'posix.system'`);
  });
});

describe('load options', () => {
  const file = () => fixture('parameter.pt');

  it('unknown options and wrong types are TypeErrors', () => {
    expect(() => load(file(), { weights_onyl: true } as never)).toThrow(TypeError);
    expect(() => load(file(), { weights_onyl: true } as never)).toThrow("torch.load: unknown option 'weights_onyl'");
    expect(() => load(file(), { pickle_module: {} } as never)).toThrow(/unknown option 'pickle_module' \(torchnode has its own unpickler/);
    expect(() => load(file(), { weights_only: 'yes' } as never)).toThrow('torch.load: weights_only must be a boolean, got string');
    expect(() => load(file(), { mmap: 1 } as never)).toThrow('torch.load: mmap must be a boolean, got number');
    expect(() => load(file(), { encoding: 'utf-16' } as never)).toThrow(TypeError);
    expect(() => load(file(), { map_location: () => 'cpu' } as never)).toThrow(/callable map_location has no torchnode equivalent/);
    expect(() => load(file(), { map_location: 3 } as never)).toThrow(TypeError);
    expect(() => load(file(), 'cpu' as never)).toThrow('torch.load: options must be an object, got string');
  });

  it('mmap: true loads the same tensors', () => {
    expect(load(file(), { mmap: true }).tolist()).toEqual([[1, 2], [3, 4]]);
  });

  it('map_location as a device, or as an object remapping saved locations', () => {
    expect(load(file(), { map_location: 'meta' }).device.type).toBe('meta');
    expect(load(file(), { map_location: { cpu: 'meta' } }).device.type).toBe('meta');
    // an unlisted location loads where it was saved
    const kept = load(file(), { map_location: { 'cuda:0': 'meta' } });
    expect([kept.device.type, kept.tolist()]).toEqual(['cpu', [[1, 2], [3, 4]]]);
  });

  it('encoding decodes Python 2 strings (SHORT_BINSTRING) as Python\'s unpickler does', () => {
    const py2 = tmpFile('py2_str.pt');
    const text = Buffer.from('héllo', 'utf8');
    const zip = new ZipWriter(py2);
    zip.add('archive/data.pkl', Buffer.concat([Buffer.from([0x80, 0x02, 0x55, text.length]), text, Buffer.from([0x2e])]));
    zip.finish();
    expect(load(py2)).toBe('héllo'); // utf-8, torch.load's default
    expect(load(py2, { encoding: 'latin1' })).toBe(text.toString('latin1'));
    expect(load(py2, { encoding: 'bytes' })).toEqual(new Uint8Array(text));
    expect(() => load(py2, { encoding: 'ascii' })).toThrow(`torch.load: ${py2}: a Python 2 string in the pickle is not ASCII`);
  });
});
