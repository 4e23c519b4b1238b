// Datasets, as in torch.utils.data: map-style (length + getItem, PyTorch's __len__/__getitem__)
// and iterable-style, plus the combinators TensorDataset, Subset, ConcatDataset, random_split.
import { Tensor, describe, isTensor } from '../../tensor';
import { from_typed_array } from '../../creation';
import { tidy } from '../../memory';
import { callRawAsync } from '../../raw_ops';
import { Generator, randperm } from './generator';

/** A map-style dataset: `length` items, fetched by index. Extend Dataset or pass any such object. */
export interface MapDataset<T> {
  readonly length: number;
  getItem(index: number): T;
  /** Optional fast path: the already-collated batch for these indices (see TensorDataset). */
  getBatch?(indices: number[]): unknown;
  /** The same batch, gathered off the JS thread (the DataLoader's `for await` prefetches with it). */
  getBatchAsync?(indices: number[]): Promise<unknown>;
}

/** torch.utils.data.Dataset: subclasses define `length` and getItem(index). */
export abstract class Dataset<T> implements MapDataset<T> {
  abstract readonly length: number;
  abstract getItem(index: number): T;
}

/** torch.utils.data.IterableDataset: a stream of items, sync or async. */
export abstract class IterableDataset<T> {
  [Symbol.iterator]?(): Iterator<T>;
  [Symbol.asyncIterator]?(): AsyncIterator<T>;
}

export function isMapDataset(d: unknown): d is MapDataset<unknown> {
  return d !== null && typeof d === 'object' && typeof (d as MapDataset<unknown>).getItem === 'function' && typeof (d as MapDataset<unknown>).length === 'number';
}

/** Arrays are datasets too, as Python lists are in PyTorch. */
export function asMapDataset<T>(d: MapDataset<T> | readonly T[]): MapDataset<T> {
  if (Array.isArray(d)) return { length: d.length, getItem: (i: number) => d[i] };
  // A Tensor is a map-style dataset of its rows, as in PyTorch (not an iterable one).
  if (isTensor(d)) return { length: d.shape[0], getItem: (i: number) => d.select(0, i) as T };
  if (isMapDataset(d)) return d as MapDataset<T>;
  throw new TypeError(`expected a map-style dataset (length and getItem) or an array, got ${describe(d)}`);
}

function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${what} indices must be integers, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${what} index ${index} is out of range for length ${length}`);
  return i;
}

/** Each item is [t0[i], t1[i], ...] over tensors that share their first dimension. */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset() needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset(): argument ${i} must be a Tensor, not ${describe(t)}`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset(): tensor ${i} is 0-dimensional; it needs a first (sample) dimension`);
    });
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.shape[0] !== n)) {
      throw new RangeError(`Size mismatch between tensors: first dimensions are [${tensors.map((t) => t.shape[0]).join(', ')}]`);
    }
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  getItem(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
  /** default_collate of the items at indices, with one index_select per tensor instead of a stack. */
  getBatch(indices: number[]): Tensor[] {
    return tidy(() => {
      const index = this.indexTensors(indices);
      return this.tensors.map((t) => t.index_select(0, index(t)));
    });
  }
  /** getBatch with the index_selects on libuv worker threads. */
  getBatchAsync(indices: number[]): Promise<Tensor[]> {
    const index = this.indexTensors(indices);
    try {
      return Promise.all(this.tensors.map((t) => callRawAsync('index_select', '', [t, 0, index(t)]) as Promise<Tensor>));
    } finally {
      index.dispose(); // the queued calls hold their own references to the index tensors
    }
  }
  /** The indices as an int64 tensor on each tensor's device (CUDA index_select wants it there). */
  private indexTensors(indices: number[]): ((t: Tensor) => Tensor) & { dispose(): void } {
    const n = this.length;
    const idx = BigInt64Array.from(indices, (i) => BigInt(checkIndex(i, n, 'TensorDataset')));
    const byDevice = new Map<string, Tensor>();
    const index = (t: Tensor): Tensor => {
      const device = t.device.toString();
      let ix = byDevice.get(device);
      if (!ix) byDevice.set(device, (ix = from_typed_array(idx, [idx.length], device === 'cpu' ? undefined : { device })));
      return ix;
    };
    return Object.assign(index, { dispose: () => byDevice.forEach((t) => t.dispose()) });
  }
}

/** The items of dataset at the given indices, in that order. */
export class Subset<T> extends Dataset<T> {
  readonly dataset: MapDataset<T>;
  readonly indices: number[];
  /** Present when the underlying dataset can fetch whole batches (a Subset of a TensorDataset). */
  readonly getBatch?: (indices: number[]) => unknown;
  readonly getBatchAsync?: (indices: number[]) => Promise<unknown>;
  constructor(dataset: MapDataset<T> | readonly T[], indices: readonly number[]) {
    super();
    this.dataset = asMapDataset(dataset);
    this.indices = Array.from(indices);
    const inner = this.dataset;
    const outer = (idx: number[]) => idx.map((i) => this.indices[checkIndex(i, this.indices.length, 'Subset')]);
    if (typeof inner.getBatch === 'function') this.getBatch = (idx: number[]) => inner.getBatch!(outer(idx));
    if (typeof inner.getBatchAsync === 'function') this.getBatchAsync = (idx: number[]) => inner.getBatchAsync!(outer(idx));
  }
  get length(): number {
    return this.indices.length;
  }
  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.indices.length, 'Subset')]);
  }
}

/** Several datasets one after another. */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: MapDataset<T>[];
  /** Running totals of the lengths, as PyTorch's cumulative_sizes. */
  readonly cumulative_sizes: number[];
  constructor(datasets: (MapDataset<T> | readonly T[])[]) {
    super();
    if (datasets.length === 0) throw new TypeError('ConcatDataset(): datasets should not be an empty iterable');
    this.datasets = datasets.map((d) => asMapDataset(d));
    let total = 0;
    this.cumulative_sizes = this.datasets.map((d) => (total += d.length));
  }
  get length(): number {
    return this.cumulative_sizes[this.cumulative_sizes.length - 1];
  }
  getItem(index: number): T {
    const i = checkIndex(index, this.length, 'ConcatDataset');
    // Binary search for the first dataset whose running total exceeds i (bisect_right).
    let lo = 0;
    let hi = this.cumulative_sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative_sizes[mid] <= i) lo = mid + 1;
      else hi = mid;
    }
    const start = lo === 0 ? 0 : this.cumulative_sizes[lo - 1];
    return this.datasets[lo].getItem(i - start);
  }
}

/** Turns fractions that sum to 1 into lengths, as PyTorch does: floors, then the remainder round-robin. */
function splitLengths(lengths: readonly number[], total: number): number[] {
  const sum = lengths.reduce((a, b) => a + b, 0);
  // PyTorch's test, math.isclose(sum, 1) and sum <= 1: so [1, 0] also means "everything, nothing".
  const fractional = Math.abs(sum - 1) <= 1e-9 && sum <= 1;
  if (!fractional) return Array.from(lengths);
  const out = lengths.map((frac, i) => {
    if (frac < 0 || frac > 1) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
    return Math.floor(total * frac);
  });
  const remainder = total - out.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) out[i % out.length] += 1;
  return out;
}

/**
 * Splits dataset into non-overlapping Subsets of the given lengths (integers, or fractions that
 * sum to 1). The order comes from randperm(total) on options.generator, or on the default
 * generator, so after torch.manual_seed(s) the split equals PyTorch's random_split.
 */
export function random_split<T>(
  dataset: MapDataset<T> | readonly T[],
  lengths: readonly number[],
  options: { generator?: Generator } = {},
): Subset<T>[] {
  const ds = asMapDataset(dataset);
  const sizes = splitLengths(lengths, ds.length);
  if (sizes.some((l) => !Number.isInteger(l) || l < 0)) throw new RangeError(`random_split(): lengths must be non-negative integers or fractions summing to 1, got [${lengths.join(', ')}]`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== ds.length) {
    throw new RangeError(`Sum of input lengths (${total}) does not equal the length of the input dataset (${ds.length})!`);
  }
  const indices = randperm(total, options.generator);
  let offset = 0;
  return sizes.map((len) => new Subset(ds, indices.slice(offset, (offset += len))));
}
