// torch.utils.data and torch.datasets: IDX parsing of the real Fashion-MNIST files, batching,
// seeded shuffling and random_split against PyTorch 1.13's own output, collation, the
// TensorDataset fast path, async prefetch, and the errors for broken or missing data.
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { liveTensors } from './live_tensors';

const { DataLoader, TensorDataset, Subset, ConcatDataset, random_split, default_collate, Generator, RandomSampler } = torch.utils.data;
const { FashionMNIST, read_idx, transforms } = torch.datasets;
type Tensor = torch.Tensor;

const FMNIST = '/usr/share/datasets/fashion-mnist';
const haveFashionMNIST = existsSync(join(FMNIST, 'train-images-idx3-ubyte.gz'));
if (!haveFashionMNIST) console.warn(`Skipping the Fashion-MNIST tests: ${FMNIST} is absent (apt-get install dataset-fashion-mnist)`);

/** The index lists of every batch of an epoch, for a loader over range(n) as a dataset. */
const epoch = (loader: Iterable<Tensor>): number[][] => Array.from(loader, (b) => b.tolist() as number[]);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.skipIf(!haveFashionMNIST)('Fashion-MNIST files', () => {
  // Expected values computed with /usr/bin/python3 and numpy over the gzipped files:
  //   ti = np.frombuffer(gzip.open(root + 'train-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 28, 28)
  //   tl = np.frombuffer(gzip.open(root + 'train-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
  //   int(ti[0].astype(np.int64).sum()) == 76247; int(ti[:100].astype(np.int64).sum()) == 5688570
  //   tl[:10] == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]; int(tl.astype(np.int64).sum()) == 270000
  //   test split: vi[0] pixel sum 33456, vl[:10] == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
  it('read_idx parses images and labels into uint8 tensors', () => {
    const images = read_idx(join(FMNIST, 'train-images-idx3-ubyte.gz'), 'images');
    expect(images.shape).toEqual([60000, 28, 28]);
    expect(images.dtype).toBe(torch.uint8);
    expect(images.select(0, 0).sum().item()).toBe(76247);
    expect(images.narrow(0, 0, 100).sum().item()).toBe(5688570);
    const labels = read_idx(join(FMNIST, 'train-labels-idx1-ubyte.gz'), 'labels');
    expect(labels.shape).toEqual([60000]);
    expect(labels.narrow(0, 0, 10).tolist()).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(labels.sum().item()).toBe(270000);
  });
  it('FashionMNIST gives [image, label] items and whole-split data/targets', () => {
    const train = new FashionMNIST();
    expect(train.length).toBe(60000);
    const [image, label] = train.getItem(0);
    expect(label).toBe(9);
    expect(image.shape).toEqual([28, 28]);
    expect(image.sum().item()).toBe(76247);
    expect(train.classes[label]).toBe('Ankle boot');
    expect(train.data.shape).toEqual([60000, 28, 28]);
    expect(train.targets.dtype).toBe(torch.int64);
    expect(train.targets.narrow(0, 0, 10).tolist()).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const test = new FashionMNIST(FMNIST, { train: false, transform: transforms.ToTensor(), target_transform: (y) => `class ${y}` });
    expect(test.length).toBe(10000);
    const [x, y] = test.getItem(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.dtype).toBe(torch.float32);
    expect(x.sum().item()).toBeCloseTo(33456 / 255, 3);
    expect(y).toBe('class 9');
    expect(test.targets.narrow(0, 0, 10).tolist()).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  });
  it('accepts torchvision\'s root/FashionMNIST/raw layout with uncompressed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-'));
    try {
      const raw = join(dir, 'FashionMNIST', 'raw');
      const images = idxBytes(0x803, [2, 28, 28], (i) => i % 256);
      const labels = idxBytes(0x801, [2], (i) => i + 3);
      require('node:fs').mkdirSync(raw, { recursive: true });
      writeFileSync(join(raw, 'train-images-idx3-ubyte'), images);
      writeFileSync(join(raw, 'train-labels-idx1-ubyte'), labels);
      const ds = new FashionMNIST(dir);
      expect(ds.length).toBe(2);
      expect(ds.getItem(1)[1]).toBe(4);
      expect(ds.getItem(0)[0].index(0, ':3').tolist()).toEqual([0, 1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** An IDX file: magic, big-endian dims, then bytes from fill(i). */
function idxBytes(magic: number, dims: number[], fill: (i: number) => number, extra = 0): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  const buf = Buffer.alloc(4 + 4 * dims.length + count + extra);
  buf.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => buf.writeUInt32BE(d, 4 + 4 * k));
  for (let i = 0; i < count; i++) buf[4 + 4 * dims.length + i] = fill(i) & 0xff;
  return buf;
}

describe('IDX and dataset errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, data: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };

  it('parses a small raw and a gzipped file alike', () => {
    const bytes = idxBytes(0x803, [3, 2, 2], (i) => i * 7);
    const a = read_idx(write('small-idx3', bytes), 'images');
    const b = read_idx(write('small-idx3.gz', gzipSync(bytes)), 'images');
    expect(a.shape).toEqual([3, 2, 2]);
    expect(a.flatten().tolist()).toEqual(range(12).map((i) => i * 7));
    expect(b.equal(a)).toBe(true);
  });
  it('a wrong magic number names the file', () => {
    const p = write('labels-as-images', idxBytes(0x801, [4], (i) => i));
    expect(() => read_idx(p, 'images')).toThrow(new RegExp(`${p}: wrong magic number 0x00000801 for an IDX images file`));
    const q = write('garbage', Buffer.from('hello world, not idx'));
    expect(() => read_idx(q)).toThrow(q);
  });
  it('truncated data and a truncated gzip stream name the file', () => {
    const full = idxBytes(0x803, [10, 28, 28], (i) => i);
    const p = write('truncated-idx3', full.subarray(0, full.length - 100));
    expect(() => read_idx(p, 'images')).toThrow(`${p}: truncated IDX data: dimensions [10, 28, 28] need 7840 bytes after the header, the file has 7740`);
    const gz = gzipSync(full);
    const q = write('truncated-idx3.gz', gz.subarray(0, gz.length >> 1));
    expect(() => read_idx(q, 'images')).toThrow(`${q}: corrupt or truncated gzip data`);
    const h = write('short-header', idxBytes(0x803, [10, 28, 28], () => 0).subarray(0, 9));
    expect(() => read_idx(h, 'images')).toThrow(`${h}: truncated IDX header`);
  });
  it('bytes beyond the dimensions are a mismatch', () => {
    const p = write('long-idx1', idxBytes(0x801, [5], (i) => i, 3));
    expect(() => read_idx(p, 'labels')).toThrow(`${p}: IDX dimension mismatch`);
  });
  it('FashionMNIST checks that images and labels agree', () => {
    const sub = join(dir, 'mismatch');
    require('node:fs').mkdirSync(sub);
    writeFileSync(join(sub, 'train-images-idx3-ubyte'), idxBytes(0x803, [3, 28, 28], () => 0));
    writeFileSync(join(sub, 'train-labels-idx1-ubyte'), idxBytes(0x801, [2], () => 0));
    expect(() => new FashionMNIST(sub)).toThrow('holds 3 images but');
  });
  it('a missing root names the path and how to get the data', () => {
    const missing = join(dir, 'no-such-folder');
    expect(() => new FashionMNIST(missing)).toThrow(`the folder ${missing} does not exist`);
    expect(() => new FashionMNIST(missing)).toThrow('apt-get install dataset-fashion-mnist');
    expect(() => new FashionMNIST(dir)).toThrow(join(dir, 'train-images-idx3-ubyte'));
  });
});

describe('DataLoader batching', () => {
  it('batch sizes, the last partial batch, drop_last and length', () => {
    const loader = new DataLoader(range(10), { batch_size: 4 });
    expect(loader.length).toBe(3);
    expect(epoch(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new DataLoader(range(10), { batch_size: 4, drop_last: true });
    expect(dropping.length).toBe(2);
    expect(epoch(dropping)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(range(8), { batch_size: 4, drop_last: true }).length).toBe(2);
    expect(epoch(new DataLoader(range(3)))).toEqual([[0], [1], [2]]);
    const first = new DataLoader(range(3)).length;
    expect(first).toBe(3);
  });
  it('rejects bad options as PyTorch does', () => {
    expect(() => new DataLoader(range(4), { batch_size: 0 })).toThrow('batch_size should be a positive integer');
    expect(() => new DataLoader(range(4), { shuffle: true, sampler: new RandomSampler(range(4)) })).toThrow('mutually exclusive');
  });
  it('an IterableDataset is batched in stream order, sync and async', async () => {
    class Counter extends torch.utils.data.IterableDataset<number> {
      *[Symbol.iterator]() {
        for (let i = 0; i < 5; i++) yield i * 10;
      }
    }
    const loader = new DataLoader(new Counter(), { batch_size: 2 });
    expect(epoch(loader)).toEqual([[0, 10], [20, 30], [40]]);
    expect(() => loader.length).toThrow('no length');
    async function* stream() {
      for (let i = 0; i < 3; i++) yield { v: i };
    }
    const out: number[][] = [];
    for await (const b of new DataLoader(stream(), { batch_size: 2 })) out.push(b.v.tolist() as number[]);
    expect(out).toEqual([[0, 1], [2]]);
  });
});

describe('shuffling', () => {
  it('every index exactly once per epoch, reproducible under manual_seed', () => {
    const loader = new DataLoader(range(100), { batch_size: 7, shuffle: true });
    torch.manual_seed(1);
    const a = epoch(loader).flat();
    const a2 = epoch(loader).flat();
    torch.manual_seed(1);
    const b = epoch(loader).flat();
    torch.manual_seed(2);
    const c = epoch(loader).flat();
    expect([...a].sort((x, y) => x - y)).toEqual(range(100));
    expect([...a2].sort((x, y) => x - y)).toEqual(range(100));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a2).not.toEqual(a); // a new order each epoch
  });
  it('equals PyTorch 1.13 DataLoader(shuffle=True) batch for batch', () => {
    // /usr/bin/python3: torch.manual_seed(0); dl = DataLoader(list(range(10)), batch_size=4, shuffle=True)
    //   [b.tolist() for b in dl] twice (two epochs)
    torch.manual_seed(0);
    const loader = new DataLoader(range(10), { batch_size: 4, shuffle: true });
    expect(epoch(loader)).toEqual([[6, 7, 1, 4], [2, 0, 9, 8], [3, 5]]);
    expect(epoch(loader)).toEqual([[2, 4, 7, 0], [8, 9, 5, 3], [6, 1]]);
    // g = torch.Generator(); g.manual_seed(5); DataLoader(list(range(10)), batch_size=4, shuffle=True, generator=g)
    const seeded = new DataLoader(range(10), { batch_size: 4, shuffle: true, generator: new Generator().manual_seed(5) });
    expect(epoch(seeded)).toEqual([[7, 4, 8, 1], [2, 3, 6, 5], [9, 0]]);
    expect(epoch(seeded)).toEqual([[2, 1, 6, 3], [5, 9, 4, 7], [8, 0]]);
    expect(epoch(new DataLoader(range(10), { batch_size: 4, shuffle: true, seed: 5 }))).toEqual([[7, 4, 8, 1], [2, 3, 6, 5], [9, 0]]);
  });
  it('advances the default generator as PyTorch does, even without shuffling', () => {
    // torch.manual_seed(3); list(DataLoader(list(range(7)), batch_size=3)); torch.rand(1).item() == 0.2858424782752991
    torch.manual_seed(3);
    epoch(new DataLoader(range(7), { batch_size: 3 }));
    expect(torch.rand(1).item()).toBeCloseTo(0.2858424782752991, 7);
  });
  it('data.Generator matches CPU randperm on the default generator, also for long permutations', () => {
    // /usr/bin/python3: g = torch.Generator(); g.manual_seed(123); torch.randperm(10, generator=g)
    expect(torch.utils.data.randperm(10, new Generator().manual_seed(123))).toEqual([2, 0, 8, 1, 3, 7, 4, 9, 5, 6]);
    torch.manual_seed(42);
    const native = torch.ops.aten.randperm<torch.Tensor>(60000).tolist();
    expect(torch.utils.data.randperm(60000, new Generator().manual_seed(42))).toEqual(native);
    // torch.manual_seed(0); torch.randperm(60000)[:8]
    torch.manual_seed(0);
    expect(torch.utils.data.randperm(60000).slice(0, 8)).toEqual([36044, 10678, 57327, 55074, 21567, 15479, 9481, 43095]);
  });
});

describe('default_collate', () => {
  it('stacks tensors, numbers to int64 or float64, booleans to bool, strings stay', () => {
    const t = default_collate([torch.tensor([1, 2]), torch.tensor([3, 4])]);
    expect(t.tolist()).toEqual([[1, 2], [3, 4]]);
    const ints = default_collate([1, 2, 3]);
    expect(ints.dtype).toBe(torch.int64);
    expect(ints.tolist()).toEqual([1, 2, 3]);
    const floats = default_collate([1, 2.5]);
    expect(floats.dtype).toBe(torch.float64);
    expect(default_collate([true, false]).dtype).toBe(torch.bool);
    expect(default_collate(['a', 'b'])).toEqual(['a', 'b']);
    const typed = default_collate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(typed.dtype).toBe(torch.float32);
    expect(typed.tolist()).toEqual([[1, 2], [3, 4]]);
  });
  it('transposes [tensor, number] samples, collates objects by key, and recurses', () => {
    const [x, y] = default_collate([[torch.ones(2), 0], [torch.zeros(2), 1]]);
    expect(x.tolist()).toEqual([[1, 1], [0, 0]]);
    expect(y.tolist()).toEqual([0, 1]);
    const obj = default_collate([{ x: torch.tensor([1]), y: 5 }, { x: torch.tensor([2]), y: 6 }]);
    expect(obj.x.tolist()).toEqual([[1], [2]]);
    expect(obj.y.tolist()).toEqual([5, 6]);
    const nested = default_collate([
      { input: [torch.tensor(1), { mask: true }], meta: { id: 7, name: 'a' } },
      { input: [torch.tensor(2), { mask: false }], meta: { id: 8, name: 'b' } },
    ]);
    expect(nested.input[0].tolist()).toEqual([1, 2]);
    expect(nested.input[1].mask.tolist()).toEqual([true, false]);
    expect(nested.meta.id.tolist()).toEqual([7, 8]);
    expect(nested.meta.name).toEqual(['a', 'b']);
  });
  it('rejects uneven or mixed samples', () => {
    expect(() => default_collate([[1, 2], [3]])).toThrow('each element in list of batch should be of equal size');
    expect(() => default_collate([1, 'a'])).toThrow('samples mix types');
    expect(() => default_collate([null])).toThrow('default_collate: batch must contain');
  });
  it('the DataLoader collates dataset items with it', () => {
    const ds = { length: 5, getItem: (i: number) => ({ x: torch.full([2], i), y: i % 2 }) };
    const batches = Array.from(new DataLoader(ds, { batch_size: 2 }));
    expect(batches.length).toBe(3);
    expect(batches[2].x.tolist()).toEqual([[4, 4]]);
    expect(batches[1].y.tolist()).toEqual([0, 1]);
    const custom = new DataLoader(ds, { batch_size: 5, collate_fn: (items) => items.length });
    expect(Array.from(custom)).toEqual([5]);
  });
});

describe('TensorDataset', () => {
  const X = torch.arange(40, { dtype: torch.float32 }).view(10, 2, 2);
  const Y = torch.arange(10).remainder(3);
  it('items are [x_i, y_i]; its fast path equals stacking the items', () => {
    const ds = new TensorDataset(X, Y);
    const [x3, y3] = ds.getItem(3);
    expect(x3.tolist()).toEqual([[12, 13], [14, 15]]);
    expect(y3.item()).toBe(0);
    const generic = { length: ds.length, getItem: (i: number) => ds.getItem(i) }; // no getBatch: the stacking path
    for (const shuffle of [false, true]) {
      torch.manual_seed(11);
      const fast = Array.from(new DataLoader(ds, { batch_size: 4, shuffle }));
      torch.manual_seed(11);
      const slow = Array.from(new DataLoader(generic, { batch_size: 4, shuffle }));
      expect(fast.length).toBe(3);
      fast.forEach(([fx, fy], k) => {
        expect(fx.shape).toEqual(slow[k][0].shape);
        expect(fx.equal(slow[k][0])).toBe(true);
        expect(fy.dtype).toBe(torch.int64);
        expect(fy.equal(slow[k][1])).toBe(true);
      });
    }
  });
  it('the fast path creates one tensor per dataset tensor, not one per item', () => {
    const ds = new TensorDataset(X, Y);
    const before = liveTensors();
    const batch = ds.getBatch([0, 5, 9, 2]);
    expect(liveTensors()).toBe(before + 2);
    expect(batch[1].tolist()).toEqual([0, 2, 0, 2]);
  });
  it('checks that first dimensions agree', () => {
    expect(() => new TensorDataset(torch.zeros(3, 2), torch.zeros(4))).toThrow('Size mismatch between tensors');
  });
});

describe('batches and scopes', () => {
  it('batches survive the scopes they were fetched in; per-item tensors do not leak', () => {
    const ds = { length: 8, getItem: (i: number) => [torch.full([3], i), i] };
    const loader = new DataLoader(ds, { batch_size: 4 });
    const before = torch.memory_stats().live_tensors;
    const kept: Tensor[] = [];
    torch.tidy(() => {
      for (const [x] of loader) {
        using scope = torch.scope();
        kept.push(x);
        x.sum();
      }
    });
    expect(kept.every((t) => !t.is_disposed)).toBe(true);
    // Only the two batches' tensors (x and y each) remain.
    expect(torch.memory_stats().live_tensors).toBeLessThanOrEqual(before + 4);
    expect(kept[1].select(0, 0).tolist()).toEqual([4, 4, 4]);
  });
});

describe('async iteration', () => {
  it('yields the same batches as sync iteration, and prefetches while the consumer awaits', async () => {
    const fetched: number[] = [];
    const ds = { length: 9, getItem: (i: number) => (fetched.push(i), [torch.tensor([i, i]), i]) };
    const loader = new DataLoader(ds, { batch_size: 2, shuffle: true });
    torch.manual_seed(4);
    const sync = Array.from(loader, ([x, y]) => [x.tolist(), y.tolist()]);
    torch.manual_seed(4);
    fetched.length = 0;
    const asyncOut: unknown[] = [];
    for await (const [x, y] of loader) {
      const fetchedBefore = fetched.length;
      await new Promise((r) => setImmediate(r)); // the consumer yields to the event loop
      // the next batch was collated meanwhile (unless this was the last one)
      if (asyncOut.length < loader.length - 1) expect(fetched.length).toBeGreaterThan(fetchedBefore);
      asyncOut.push([x.tolist(), y.tolist()]);
    }
    expect(asyncOut).toEqual(sync);
  });
  it('gathers TensorDataset batches off the JS thread: the same batches, seeded shuffles, Subsets, errors', async () => {
    const x = torch.arange(40, { dtype: torch.float32 }).view(20, 2);
    const y = torch.arange(20);
    const ds = new TensorDataset(x, y);
    expect(typeof ds.getBatchAsync).toBe('function');
    const sync = Array.from(new DataLoader(ds, { batch_size: 6, shuffle: true, seed: 3 }), ([a, b]) => [a.tolist(), b.tolist()]);
    const loader = new DataLoader(ds, { batch_size: 6, shuffle: true, seed: 3 });
    const asyncOut: unknown[] = [];
    const before = liveTensors();
    for await (const [a, b] of loader) {
      asyncOut.push([a.tolist(), b.tolist()]);
      a.dispose();
      b.dispose();
    }
    expect(asyncOut).toEqual(sync);
    expect(liveTensors()).toBe(before); // index tensors and batches all freed
    const sub = new Subset(ds, [19, 0, 7]);
    const subOut: unknown[] = [];
    for await (const [a, b] of new DataLoader(sub, { batch_size: 2 })) subOut.push([a.tolist(), b.tolist()]);
    expect(subOut).toEqual([[[[38, 39], [0, 1]], [19, 0]], [[[14, 15]], [7]]]);
    const bad = new DataLoader(ds, { batch_sampler: [[0, 1], [2, 25]] });
    const got: number[][] = [];
    await expect((async () => {
      for await (const [, b] of bad) got.push(b.tolist() as number[]);
    })()).rejects.toThrow(/index 25 is out of range for length 20/);
    expect(got).toEqual([[0, 1]]);
  });
  it('stops cleanly when the consumer breaks, and passes errors on', async () => {
    const loader = new DataLoader(range(10), { batch_size: 2 });
    for await (const b of loader) {
      expect(b.tolist()).toEqual([0, 1]);
      break;
    }
    const failing = new DataLoader({ length: 4, getItem: (i: number) => { if (i === 2) throw new Error('bad item 2'); return i; } }, { batch_size: 2 });
    const got: number[][] = [];
    await expect((async () => {
      for await (const b of failing) got.push(b.tolist() as number[]);
    })()).rejects.toThrow('bad item 2');
    expect(got).toEqual([[0, 1]]);
  });
});

describe('Subset, ConcatDataset, random_split', () => {
  it('Subset and ConcatDataset index through to their datasets', () => {
    const s = new Subset(['a', 'b', 'c', 'd'], [3, 1]);
    expect([s.length, s.getItem(0), s.getItem(1), s.getItem(-1)]).toEqual([2, 'd', 'b', 'b']);
    const c = new ConcatDataset([['a', 'b'], [], ['c', 'd', 'e']]);
    expect(c.length).toBe(5);
    expect(range(5).map((i) => c.getItem(i))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(c.getItem(-1)).toBe('e');
    expect(() => c.getItem(5)).toThrow('out of range');
  });
  it('sizes (counts and fractions) and determinism under manual_seed', () => {
    torch.manual_seed(9);
    const [a, b] = random_split(range(10), [3, 7]);
    expect([a.length, b.length]).toEqual([3, 7]);
    expect([...a.indices, ...b.indices].sort((x, y) => x - y)).toEqual(range(10));
    torch.manual_seed(9);
    const [a2] = random_split(range(10), [3, 7]);
    expect(a2.indices).toEqual(a.indices);
    expect(random_split(range(7), [0.34, 0.33, 0.33]).map((s) => s.length)).toEqual([3, 2, 2]);
    expect(() => random_split(range(10), [3, 6])).toThrow('Sum of input lengths (9) does not equal the length of the input dataset (10)');
  });
  it('equals PyTorch 1.13 random_split', () => {
    // /usr/bin/python3: torch.manual_seed(0); [list(s.indices) for s in random_split(range(10), [3, 7])]
    torch.manual_seed(0);
    expect(random_split(range(10), [3, 7]).map((s) => s.indices)).toEqual([[4, 1, 7], [5, 3, 9, 0, 8, 6, 2]]);
    // torch.manual_seed(7); random_split(range(10), [0.5, 0.3, 0.2])
    torch.manual_seed(7);
    expect(random_split(range(10), [0.5, 0.3, 0.2]).map((s) => s.indices)).toEqual([[5, 0, 3, 4, 1], [7, 9, 6], [8, 2]]);
    // g = torch.Generator(); g.manual_seed(42); random_split(range(7), [0.34, 0.33, 0.33], generator=g)
    const g = new Generator().manual_seed(42);
    expect(random_split(range(7), [0.34, 0.33, 0.33], { generator: g }).map((s) => s.indices)).toEqual([[1, 6, 3], [5, 4], [0, 2]]);
  });
  it('a Subset of a TensorDataset keeps the batched fast path', () => {
    const ds = new TensorDataset(torch.arange(10).mul(10));
    const [train] = random_split(ds, [0.6, 0.4]);
    expect(typeof train.getBatch).toBe('function');
    const batches = Array.from(new DataLoader(train, { batch_size: 4 }), ([x]) => x.tolist());
    expect(batches.flat()).toEqual(train.indices.map((i) => i * 10));
  });
});

describe('transforms', () => {
  const img = torch.arange(16, { dtype: torch.uint8 }).view(4, 4);
  it('ToTensor scales uint8 to [0, 1] float32 and adds the channel; Normalize per channel', () => {
    const x = transforms.ToTensor()(img);
    expect(x.shape).toEqual([1, 4, 4]);
    expect(x.dtype).toBe(torch.float32);
    expect(x.max().item()).toBeCloseTo(15 / 255, 6);
    const norm = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.25])]);
    expect((norm(img) as Tensor).index(0, 0, 0).item()).toBeCloseTo(-2, 6);
    const rgb = torch.ones(2, 3, 2, 2);
    const n = transforms.Normalize([0, 1, 2], [1, 2, 4])(rgb);
    expect(n.index(1, ':', 0, 0).tolist()).toEqual([1, 0, -0.25]);
  });
  it('RandomCrop and RandomHorizontalFlip on one image are seeded by manual_seed', () => {
    const x = torch.arange(25, { dtype: torch.float32 }).view(1, 5, 5);
    const crop = transforms.RandomCrop(3, { padding: 1 });
    torch.manual_seed(3);
    const a = crop(x);
    torch.manual_seed(3);
    expect(crop(x).equal(a)).toBe(true);
    expect(a.shape).toEqual([1, 3, 3]);
    expect(transforms.RandomHorizontalFlip(1)(x).index(0, 0).tolist()).toEqual([4, 3, 2, 1, 0]);
    expect(transforms.RandomHorizontalFlip(0)(x).equal(x)).toBe(true);
  });
  it('batch transforms draw per sample: each sample equals its own crop/flip', () => {
    const n = 64;
    const batch = torch.rand(n, 1, 6, 6);
    torch.manual_seed(5);
    const cropped = transforms.RandomCrop(6, { padding: 2 })(batch);
    expect(cropped.shape).toEqual([n, 1, 6, 6]);
    const padded = torch.zeros(n, 1, 10, 10);
    padded.index_put_([':', ':', '2:8', '2:8'], batch);
    const offsets = new Set<string>();
    for (let k = 0; k < n; k++) {
      let found = false;
      for (let i = 0; i <= 4 && !found; i++) {
        for (let j = 0; j <= 4 && !found; j++) {
          if (padded.index(k, ':', `${i}:${i + 6}`, `${j}:${j + 6}`).equal(cropped.select(0, k))) {
            found = true;
            offsets.add(`${i},${j}`);
          }
        }
      }
      expect(found).toBe(true);
    }
    expect(offsets.size).toBeGreaterThan(5); // per-sample windows, not one for the whole batch
    const flipped = transforms.RandomHorizontalFlip(0.5)(batch);
    let flips = 0;
    for (let k = 0; k < n; k++) {
      const same = flipped.select(0, k).equal(batch.select(0, k));
      const mirrored = flipped.select(0, k).equal(batch.select(0, k).flip(-1));
      expect(same || mirrored).toBe(true);
      if (mirrored) flips++;
    }
    expect(flips).toBeGreaterThan(10);
    expect(flips).toBeLessThan(54);
  });
});

describe('DataLoader worker threads', () => {
  const FIXTURE = join(__dirname, 'fixtures', 'data_worker_datasets.ts');
  const { _live_worker_threads: liveWorkers, get_worker_info } = torch.utils.data;
  /** A batch of Burn items as plain values. */
  const plain = ([x, y]: [Tensor, Tensor]): unknown => [x.dtype.name, x.tolist(), y.dtype.name, y.tolist()];
  const collect = async (loader: AsyncIterable<[Tensor, Tensor]>): Promise<unknown[]> => {
    const out: unknown[] = [];
    for await (const b of loader) out.push(plain(b));
    return out;
  };
  const noWorkersLeft = async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (liveWorkers() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(liveWorkers()).toBe(0);
  };
  afterAll(noWorkersLeft);

  it('the same batches as num_workers=0, shuffled or not, sync and async; persistent workers serve every epoch', async () => {
    const { Burn } = await import('./fixtures/data_worker_datasets');
    const ds = new Burn(11);
    const plainLoader = new DataLoader(ds, { batch_size: 3 });
    const workers = new DataLoader(ds, { batch_size: 3, num_workers: 2, persistent_workers: true });
    const expected = Array.from(plainLoader, plain);
    expect(expected[3]).toEqual(['float32', [[9, 4.5, 2.25], [10, 5, 2.5]], 'int64', [9, 10]]);
    expect(await collect(workers)).toEqual(expected);
    expect(liveWorkers()).toBe(2); // kept for the next epoch
    expect(Array.from(workers, plain)).toEqual(expected);
    expect(await collect(workers)).toEqual(expected);
    expect(liveWorkers()).toBe(2);
    workers.shutdown_workers();
    await noWorkersLeft();

    // Shuffled, two epochs, as PyTorch 1.13 and 2.13 give them:
    //   g = torch.Generator(); g.manual_seed(3)
    //   dl = DataLoader(list(range(11)), batch_size=4, shuffle=True, generator=g, num_workers=nw, persistent_workers=pw)
    //   [[b.tolist() for b in dl] for _ in range(2)]
    // A persistent iterator draws its base seed once, so its second epoch differs from num_workers=0's.
    const epoch1 = [[7, 8, 3, 2], [6, 10, 0, 5], [9, 4, 1]];
    const shuffled = (num_workers: number) => new DataLoader(range(11), { batch_size: 4, shuffle: true, seed: 3, num_workers, persistent_workers: num_workers > 0 });
    const [a, b] = [shuffled(0), shuffled(2)];
    expect([epoch(a), epoch(a)]).toEqual([epoch1, [[7, 9, 0, 5], [1, 2, 6, 10], [4, 3, 8]]]);
    const epochsB: number[][][] = [[], []];
    for (const e of epochsB) for await (const batch of b) e.push(batch.tolist() as number[]);
    b.shutdown_workers();
    expect(epochsB).toEqual([epoch1, [[1, 7, 2, 5], [8, 3, 10, 9], [4, 6, 0]]]);
  });

  it('nested samples (objects, tuples, uint8/float64/bool tensors, strings) round-trip', async () => {
    const { Nested } = await import('./fixtures/data_worker_datasets');
    const asPlain = (b: any) => ({
      image: [b.image.dtype.name, b.image.tolist()],
      meta: { id: [b.meta.id.dtype.name, b.meta.id.tolist()], scale: [b.meta.scale.dtype.name, b.meta.scale.tolist()] },
      tags: [[b.tags[0].dtype.name, b.tags[0].tolist()], b.tags[1]],
    });
    const expected = Array.from(new DataLoader(new Nested(), { batch_size: 4 }), asPlain);
    const got: unknown[] = [];
    for await (const b of new DataLoader(new Nested(), { batch_size: 4, num_workers: 2 })) got.push(asPlain(b));
    expect(got).toEqual(expected);
    expect(expected[1]).toEqual({
      image: ['uint8', [[[4, 5], [6, 255]], [[5, 6], [7, 255]]]],
      meta: { id: ['int64', [4, 5]], scale: ['float64', [4.5, 5.5]] },
      tags: [['bool', [true, false]], ['item4', 'item5']],
    });
  });

  it('keeps sampler order when items take uneven time; in_order: false hands them out as they come', async () => {
    const { Burn } = await import('./fixtures/data_worker_datasets');
    const ds = new Burn(12, 2, 4); // items 0, 4, 8 take 40 ms, the others 2 ms
    const ids = (batches: unknown[]) => batches.map((b) => (b as unknown[])[3]).flat();
    expect(ids(await collect(new DataLoader(ds, { num_workers: 2 })))).toEqual(range(12));
    const unordered = ids(await collect(new DataLoader(ds, { num_workers: 2, in_order: false, prefetch_factor: 4 })));
    expect([...unordered].sort((x, y) => (x as number) - (y as number))).toEqual(range(12));
    expect(unordered).not.toEqual(range(12)); // item 0's 40 ms let worker 1's items overtake it
  });

  it('an error in a worker reaches the loop with its type, the worker and the original message', async () => {
    const loader = new DataLoader(range(8), { batch_size: 2, num_workers: 2, worker_dataset: { module: FIXTURE, export: 'failing', args: [8, 5] } });
    const seen: number[][] = [];
    let error: any;
    try {
      for await (const b of loader) seen.push(b.tolist() as number[]);
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual([[0, 1], [2, 3]]); // the batches before the failing one, in order
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/^Caught RangeError in DataLoader worker 0\.\nOriginal RangeError: cannot decode item 5\n/);
    expect(error.worker_id).toBe(0);
    await noWorkersLeft();
    // A dataset module that cannot build the dataset fails the loop, naming the worker.
    const broken = new DataLoader(range(4), { num_workers: 1, worker_dataset: { module: FIXTURE, export: 'NoSuchDataset' } });
    await expect(collect(broken as never)).rejects.toThrow(/DataLoader worker 0 failed \(TypeError\)\.\nOriginal TypeError: module .*data_worker_datasets.ts has no export 'NoSuchDataset'/);
    // timeout: a batch slower than the limit fails the loop.
    const { Burn } = await import('./fixtures/data_worker_datasets');
    await expect(collect(new DataLoader(new Burn(2, 1500), { num_workers: 1, timeout: 0.5 }))).rejects.toThrow('DataLoader timed out after 0.5 seconds');
    await noWorkersLeft();
  });

  it('stopping early (break in for await and in for...of) stops the workers', async () => {
    const { Burn } = await import('./fixtures/data_worker_datasets');
    const loader = new DataLoader(new Burn(40, 1), { batch_size: 2, num_workers: 2 });
    for await (const [, y] of loader) {
      expect(y.tolist()).toEqual([0, 1]);
      expect(liveWorkers()).toBe(2);
      break;
    }
    await noWorkersLeft();
    for (const [, y] of loader) {
      expect(y.tolist()).toEqual([0, 1]);
      break;
    }
    await noWorkersLeft();
  });

  it('arrays and TensorDatasets (and Subsets of them) go to workers by value, without declaring anything', async () => {
    const x = torch.arange(10).reshape([5, 2]).to(torch.float32);
    const ds = new TensorDataset(x, torch.arange(5));
    const [part] = random_split(ds, [3, 2], { generator: new Generator().manual_seed(1) });
    for (const d of [ds, part, [1.5, 2.5, 3.5]] as any[]) {
      const expected = Array.from(new DataLoader(d, { batch_size: 2 }), (b: any) => JSON.stringify(Array.isArray(b) ? b.map((t: Tensor) => t.tolist()) : b.tolist()));
      const got: string[] = [];
      for await (const b of new DataLoader(d, { batch_size: 2, num_workers: 2 }) as AsyncIterable<any>) got.push(JSON.stringify(Array.isArray(b) ? b.map((t: Tensor) => t.tolist()) : b.tolist()));
      expect(got).toEqual(expected);
    }
  });

  it('an IterableDataset is iterated whole by every worker unless it shards with get_worker_info, as in PyTorch', async () => {
    const { Range } = await import('./fixtures/data_worker_datasets');
    const batches = async (shard: boolean, drop_last = false) => {
      const out: number[][] = [];
      for await (const b of new DataLoader(new Range(0, 5, shard), { batch_size: 2, num_workers: 2, drop_last })) out.push(b.tolist() as number[]);
      return out;
    };
    // PyTorch 1.13 and 2.13 give exactly these, with the same Range dataset:
    expect(await batches(false)).toEqual([[0, 1], [0, 1], [2, 3], [2, 3], [4], [4]]);
    expect(await batches(true)).toEqual([[0, 1], [3, 4], [2]]);
    expect(await batches(true, true)).toEqual([[0, 1], [3, 4]]);
    expect(get_worker_info()).toBeNull(); // on the main thread
  });

  it('per-worker seeds are base_seed + worker id, with the base seed PyTorch draws; worker_init_fn runs first', async () => {
    const { Seeded, InitSeen } = await import('./fixtures/data_worker_datasets');
    // /usr/bin/python3 and PyTorch 2.13: torch.manual_seed(0); torch.empty((), dtype=torch.int64).random_().item()
    //   == 900450186894289455; with g = torch.Generator(); g.manual_seed(5): 4095051218741643470
    const run = async (opts: object) => {
      const out: unknown[] = [];
      for await (const [id, draw, seed] of new DataLoader(new Seeded(), { batch_size: 2, num_workers: 2, ...opts }) as AsyncIterable<[Tensor, Tensor, string[]]>) {
        out.push([id.tolist(), draw.tolist(), seed]);
      }
      return out;
    };
    torch.manual_seed(0);
    const first = await run({});
    const base = 900450186894289455n;
    const draws = (w: bigint) => { const g = new Generator().manual_seed(base + w); return [g.random(), g.random()]; };
    const [d0, d1] = [draws(0n), draws(1n)];
    expect(first).toEqual([
      [[0, 0], [d0[0], d0[1]], [String(base), String(base)]],
      [[1, 1], [d1[0], d1[1]], [String(base + 1n), String(base + 1n)]],
      [[0, 0], expect.anything(), [String(base), String(base)]],
      [[1, 1], expect.anything(), [String(base + 1n), String(base + 1n)]],
    ]);
    torch.manual_seed(0);
    expect(await run({})).toEqual(first); // reproducible
    const withGenerator = await run({ generator: new Generator().manual_seed(5) });
    expect((withGenerator[1] as unknown[])[2]).toEqual(['4095051218741643471', '4095051218741643471']);

    // worker_init_fn from its source (self-contained) or from a module export.
    const inits = async (worker_init_fn: unknown) => {
      const out: number[] = [];
      for await (const b of new DataLoader(new InitSeen(), { num_workers: 2, worker_init_fn: worker_init_fn as never })) out.push(...(b.tolist() as number[]));
      return out;
    };
    expect(await inits((id: number) => { (globalThis as { initValue?: number }).initValue = 10 * (id + 1); })).toEqual([10, 20, 10, 20]);
    expect(await inits({ module: FIXTURE, export: 'init' })).toEqual([100, 101, 100, 101]);
  });

  it('rejects unknown options, and worker options without workers, as PyTorch does', () => {
    expect(() => new DataLoader(range(4), { batchsize: 4 } as never)).toThrow(TypeError);
    expect(() => new DataLoader(range(4), { batchsize: 4 } as never)).toThrow("DataLoader: unknown option 'batchsize'; did you mean 'batch_size'?");
    expect(() => new DataLoader(range(4), { num_worker: 2 } as never)).toThrow("did you mean 'num_workers'?");
    expect(() => new DataLoader(range(4), { prefetch_factor: 2 })).toThrow('prefetch_factor option could only be specified in multiprocessing');
    expect(() => new DataLoader(range(4), { persistent_workers: true })).toThrow('persistent_workers option needs num_workers > 0');
    expect(() => new DataLoader(range(4), { num_workers: -1 })).toThrow('num_workers option should be a non-negative integer');
    expect(() => new DataLoader(range(4), { timeout: -1 })).toThrow('timeout option should be non-negative');
    expect(() => new DataLoader(range(4), { num_workers: 1, multiprocessing_context: 'fork' })).toThrow("multiprocessing_context 'fork' cannot be honoured");
    // Every PyTorch option name is accepted.
    const all = new DataLoader(range(4), {
      batch_size: 2, shuffle: false, sampler: undefined, batch_sampler: undefined, num_workers: 1, collate_fn: default_collate, pin_memory: true,
      drop_last: false, timeout: 0, worker_init_fn: undefined, multiprocessing_context: 'spawn', generator: undefined, prefetch_factor: 3,
      persistent_workers: false, pin_memory_device: '', in_order: true,
    });
    expect([all.num_workers, all.prefetch_factor, all.pin_memory]).toEqual([1, 3, true]);
    // A class instance that says nothing about workers cannot be sent to them.
    class Local extends torch.utils.data.Dataset<number> {
      readonly length = 2;
      getItem(i: number): number { return i; }
    }
    expect(() => new DataLoader(new Local(), { num_workers: 2 })).toThrow(/cannot be sent there .*worker_dataset/);
    expect(() => new DataLoader(new Local(), { num_workers: 2, worker_dataset: { module: './local.ts' } })).toThrow("is relative");
  });

  it('measures a CPU-bound getItem (2 ms per item) with 0 and 2 workers', async () => {
    const { Burn } = await import('./fixtures/data_worker_datasets');
    const ds = new Burn(200, 2);
    const time = async (loader: AsyncIterable<unknown>) => {
      const t0 = performance.now();
      let n = 0;
      for await (const _ of loader) n++;
      return [performance.now() - t0, n];
    };
    const [t0] = await time(new DataLoader(ds, { batch_size: 10 }));
    const two = new DataLoader(ds, { batch_size: 10, num_workers: 2, persistent_workers: true });
    const [tStart, n] = await time(two); // includes starting the workers
    const [tWarm] = await time(two);
    two.shutdown_workers();
    expect(n).toBe(20);
    console.log(`DataLoader, 200 items x 2 ms CPU: num_workers=0 ${t0.toFixed(0)} ms; num_workers=2 ${tStart.toFixed(0)} ms with worker start, ${tWarm.toFixed(0)} ms persistent`);
  });
});
