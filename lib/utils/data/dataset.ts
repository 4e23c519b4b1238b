// Datasets, as in torch.utils.data: map-style (length + getItem, PyTorch's __len__/__getitem__)
// and iterable-style, plus the combinators TensorDataset, Subset, ConcatDataset, random_split.
import { Tensor, describe, isTensor } from '../../tensor';
import { from_typed_array } from '../../creation';
import { tidy } from '../../memory';
import { callRawAsync } from '../../raw_ops';
import { Generator, randperm } from './generator';

/**
 * A map-style dataset: `length` items, fetched by index. Extend Dataset or pass any such object.
 * PyTorch's `__len__` and `__getitem__` are `length` and `getItem` here.
 */
export interface MapDataset<T> {
  /** The number of items (PyTorch's `len(dataset)`). */
  readonly length: number;
  /** The item at index (PyTorch's `dataset[index]`). */
  getItem(index: number): T;
  /** Optional fast path: the already-collated batch for these indices (see TensorDataset). */
  getBatch?(indices: number[]): unknown;
  /** The same batch, gathered off the JS thread (the DataLoader's `for await` prefetches with it). */
  getBatchAsync?(indices: number[]): Promise<unknown>;
}

/**
 * Base class of a map-style dataset (PyTorch's Dataset).
 *
 * Subclasses define `length` and `getItem(index)` (PyTorch's `__len__` and `__getitem__`);
 * `T` is the item type, which the DataLoader's batch type follows. Differs from PyTorch: no
 * `+` operator; concatenate with {@link ConcatDataset}.
 *
 * @see [torch.utils.data.Dataset](https://pytorch.org/docs/stable/data.html#torch.utils.data.Dataset)
 */
export abstract class Dataset<T> implements MapDataset<T> {
  /** The number of items. */
  abstract readonly length: number;
  /** The item at index. */
  abstract getItem(index: number): T;
}

/**
 * Base class of an iterable-style dataset: a stream of items (PyTorch's IterableDataset).
 *
 * Subclasses define `[Symbol.iterator]` (PyTorch's `__iter__`) or, which PyTorch does not have,
 * `[Symbol.asyncIterator]`.
 *
 * @see [torch.utils.data.IterableDataset](https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset)
 */
export abstract class IterableDataset<T> {
  /** The items, synchronously. */
  [Symbol.iterator]?(): Iterator<T>;
  /** The items, asynchronously (read from a file or the network without blocking). */
  [Symbol.asyncIterator]?(): AsyncIterator<T>;
}

/** Whether d is map-style: a numeric `length` and a `getItem` method. */
export function isMapDataset(d: unknown): d is MapDataset<unknown> {
  return d !== null && typeof d === 'object' && typeof (d as MapDataset<unknown>).getItem === 'function' && typeof (d as MapDataset<unknown>).length === 'number';
}

/** d as a MapDataset: arrays are datasets too, as Python lists are in PyTorch, and a Tensor is one of its rows. */
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

/**
 * A dataset of tensors sharing their first dimension (PyTorch's TensorDataset).
 *
 * Each item is [t0[i], t1[i], ...] over tensors that share their first dimension. Typed by its
 * tensors: `new TensorDataset(x, y)` is a `TensorDataset<[Tensor, Tensor]>`, whose items, and
 * whose DataLoader batches, are `[Tensor, Tensor]`.
 *
 * @see [torch.utils.data.TensorDataset](https://pytorch.org/docs/stable/data.html#torch.utils.data.TensorDataset)
 */
export class TensorDataset<Ts extends Tensor[] = Tensor[]> extends Dataset<Ts> {
  /** The tensors, as given. */
  readonly tensors: Ts;
  /**
   * Wraps the tensors; item i is their i-th rows.
   *
   * @param tensors One or more tensors of at least one dimension, all with the same first
   *   dimension (TypeError for none or a non-tensor, RangeError for a 0-dim tensor or a mismatch).
   */
  constructor(...tensors: Ts) {
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
  /** The number of samples: the tensors' first dimension. */
  get length(): number {
    return this.tensors[0].shape[0];
  }
  /** [t0[index], t1[index], ...]; a negative index counts from the end, as in PyTorch. */
  getItem(index: number): Ts {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i)) as Ts;
  }
  /** default_collate of the items at indices, with one index_select per tensor instead of a stack. */
  getBatch(indices: number[]): Ts {
    return tidy(() => {
      const index = this.indexTensors(indices);
      return this.tensors.map((t) => t.index_select(0, index(t)));
    }) as Ts;
  }
  /** getBatch with the index_selects on libuv worker threads. */
  getBatchAsync(indices: number[]): Promise<Ts> {
    const index = this.indexTensors(indices);
    try {
      return Promise.all(this.tensors.map((t) => callRawAsync('index_select', '', [t, 0, index(t)]) as Promise<Tensor>)) as Promise<Ts>;
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
      if (!ix) byDevice.set(device, (ix = from_typed_array(idx, [idx.length], device === 'cpu' ? undefined : { device: t.device })));
      return ix;
    };
    return Object.assign(index, { dispose: () => byDevice.forEach((t) => t.dispose()) });
  }
}

/**
 * The items of a dataset at the given indices, in that order (PyTorch's Subset).
 *
 * @see [torch.utils.data.Subset](https://pytorch.org/docs/stable/data.html#torch.utils.data.Subset)
 */
export class Subset<T> extends Dataset<T> {
  /** The whole dataset (an array given is wrapped as a map-style dataset). */
  readonly dataset: MapDataset<T>;
  /** The indices into dataset, in order. */
  readonly indices: number[];
  /** Present when the underlying dataset can fetch whole batches (a Subset of a TensorDataset). */
  readonly getBatch?: (indices: number[]) => unknown;
  /** Present when the underlying dataset can fetch whole batches off the JS thread. */
  readonly getBatchAsync?: (indices: number[]) => Promise<unknown>;
  /**
   * The items of dataset at indices.
   *
   * @param dataset A map-style dataset or an array.
   * @param indices The indices of dataset to keep (copied).
   */
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

/**
 * Several map-style datasets one after another (PyTorch's ConcatDataset).
 *
 * @see [torch.utils.data.ConcatDataset](https://pytorch.org/docs/stable/data.html#torch.utils.data.ConcatDataset)
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order (arrays wrapped as map-style datasets). */
  readonly datasets: MapDataset<T>[];
  /** Running totals of the lengths, as PyTorch's cumulative_sizes. */
  readonly cumulative_sizes: number[];
  /**
   * The datasets one after another.
   *
   * @param datasets At least one map-style dataset or array (TypeError for none).
   */
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
 *
 * @see [torch.utils.data.random_split](https://pytorch.org/docs/stable/data.html#torch.utils.data.random_split)
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
