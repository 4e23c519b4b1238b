// DataLoader: batches from a dataset, sync (`for...of`) or async with prefetch (`for await`).
import { Tensor } from '../../tensor';
import { tidy, keep } from '../../memory';
import { MapDataset, IterableDataset, asMapDataset, isMapDataset } from './dataset';
import { Sampler, SequentialSampler, RandomSampler, BatchSampler } from './sampler';
import { default_collate } from './collate';
import { Generator, draw_seed } from './generator';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batch_size?: number;
  /** A new random order every epoch (map-style datasets only). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batch_size. */
  drop_last?: boolean;
  /** Merges a list of samples into a batch; default_collate by default. */
  collate_fn?: (samples: T[]) => B;
  /** The index order; exclusive with shuffle. */
  sampler?: Sampler;
  /** Lists of indices, one per batch; exclusive with batch_size, shuffle, sampler, drop_last. */
  batch_sampler?: Iterable<number[]> & { readonly length?: number };
  /** The generator that shuffling (and the per-epoch seed PyTorch draws) uses; default: torch's. */
  generator?: Generator;
  /** Shorthand for generator: new Generator().manual_seed(seed). */
  seed?: number;
}

type AnyDataset<T> = MapDataset<T> | readonly T[] | IterableDataset<T> | Iterable<T> | AsyncIterable<T>;

/**
 * torch.utils.data.DataLoader without worker processes. Each `for...of` (or `for await`) is one
 * epoch. Shuffling reproduces PyTorch's: after torch.manual_seed(s), or with a generator seeded
 * like PyTorch's, the batches hold the same indices as PyTorch's DataLoader gives.
 *
 * Batches are created outside every scope: neither a torch.tidy() around the loop nor a
 * `using` scope in the loop body frees them. The GC owns them; call dispose() on a batch's
 * tensors to free them at once. Per-sample tensors made while collating are freed right away.
 */
export class DataLoader<T = any, B = any> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: AnyDataset<T>;
  readonly batch_size: number | null;
  readonly drop_last: boolean;
  readonly collate_fn: (samples: T[]) => B;
  readonly sampler: Sampler | null;
  readonly batch_sampler: (Iterable<number[]> & { readonly length?: number }) | null;
  readonly generator?: Generator;
  private readonly mapDataset: MapDataset<T> | null;

  constructor(dataset: AnyDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batch_size = 1, shuffle = false, drop_last = false, sampler, batch_sampler, seed } = options;
    this.dataset = dataset;
    this.collate_fn = options.collate_fn ?? (default_collate as (s: T[]) => B);
    if (seed !== undefined && options.generator) throw new TypeError('DataLoader: pass either generator or seed, not both');
    this.generator = options.generator ?? (seed !== undefined ? new Generator().manual_seed(seed) : undefined);
    this.mapDataset = Array.isArray(dataset) || isMapDataset(dataset) ? asMapDataset(dataset as MapDataset<T>) : null;
    if (!this.mapDataset) {
      // PyTorch's rules for IterableDataset: the stream decides the order.
      if (shuffle) throw new TypeError(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${shuffle}`);
      if (sampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified sampler option');
      if (batch_sampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified batch_sampler option');
      if (!isIterable(dataset) && !isAsyncIterable(dataset)) {
        throw new TypeError('DataLoader: dataset must be map-style (length and getItem), an array, or iterable');
      }
    }
    if (sampler && shuffle) throw new TypeError('sampler option is mutually exclusive with shuffle');
    if (batch_sampler) {
      if (options.batch_size !== undefined || shuffle || sampler || drop_last) {
        throw new TypeError('batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last');
      }
      this.batch_size = null;
    } else {
      if (!Number.isInteger(batch_size) || batch_size <= 0) {
        throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batch_size}`);
      }
      this.batch_size = batch_size;
    }
    this.drop_last = drop_last;
    if (this.mapDataset) {
      this.sampler = sampler ?? (shuffle ? new RandomSampler(this.mapDataset, { generator: this.generator }) : new SequentialSampler(this.mapDataset));
      this.batch_sampler = batch_sampler ?? new BatchSampler(this.sampler, this.batch_size!, drop_last);
    } else {
      this.sampler = null;
      this.batch_sampler = null;
    }
  }

  /** The number of batches per epoch (PyTorch's len(loader)). */
  get length(): number {
    if (this.batch_sampler) {
      const n = this.batch_sampler.length;
      if (n === undefined) throw new TypeError('DataLoader has no length: its batch_sampler has none');
      return n;
    }
    const n = (this.dataset as { length?: unknown }).length;
    if (typeof n !== 'number') throw new TypeError('DataLoader has no length: its IterableDataset defines none');
    return this.drop_last ? Math.floor(n / this.batch_size!) : Math.ceil(n / this.batch_size!);
  }

  /** One epoch, synchronously. */
  *[Symbol.iterator](): Iterator<B> {
    this.startEpoch();
    if (this.mapDataset) {
      for (const indices of this.batch_sampler!) yield this.fetch(indices);
      return;
    }
    if (!isIterable(this.dataset)) {
      throw new TypeError('DataLoader: this dataset is only async-iterable; use `for await (const batch of loader)`');
    }
    let samples: T[] = [];
    for (const sample of this.dataset) {
      samples.push(sample);
      if (samples.length === this.batch_size) {
        yield this.collate(samples);
        samples = [];
      }
    }
    if (samples.length > 0 && !this.drop_last) yield this.collate(samples);
  }

  /**
   * One epoch, asynchronously, one batch ahead, with the same batches as sync iteration.
   * Datasets that gather whole batches natively (TensorDataset and its Subsets, with the default
   * collation) gather batch k+1 on a libuv worker thread while the loop body works on batch k.
   * Otherwise batch k+1 is fetched and collated in a setImmediate callback scheduled when batch
   * k is handed out, so it runs whenever the loop body awaits (I/O, logging, anything that
   * yields to the event loop) instead of after it.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (!this.mapDataset && !isIterable(this.dataset)) {
      yield* this.asyncStream(this.dataset as AsyncIterable<T>);
      return;
    }
    const ds = this.mapDataset;
    if (ds && this.collate_fn === (default_collate as unknown) && typeof ds.getBatchAsync === 'function') {
      yield* this.gatheredOffThread(ds);
      return;
    }
    const it = this[Symbol.iterator]();
    let stopped = false;
    const fetchNext = (): Promise<Settled<IteratorResult<B>>> =>
      new Promise((resolve) =>
        setImmediate(() => {
          if (stopped) return resolve({ ok: true, value: { done: true, value: undefined } });
          try {
            resolve({ ok: true, value: it.next() });
          } catch (error) {
            resolve({ ok: false, error }); // rethrown where the consumer awaits it, never unhandled
          }
        }),
      );
    try {
      let next = it.next();
      while (!next.done) {
        const pending = fetchNext();
        yield next.value;
        const settled = await pending;
        if (!settled.ok) throw settled.error;
        next = settled.value;
      }
    } finally {
      stopped = true;
      it.return?.();
    }
  }

  private async *gatheredOffThread(ds: MapDataset<T>): AsyncGenerator<B> {
    this.startEpoch();
    const batches = this.batch_sampler![Symbol.iterator]();
    // Settled results, so a failure is rethrown where the loop awaits it, never left unhandled.
    const gather = (): Promise<Settled<B>> | null => {
      const next = batches.next();
      if (next.done) return null;
      let gathering: Promise<unknown>;
      try {
        gathering = ds.getBatchAsync!(next.value);
      } catch (error) {
        gathering = Promise.reject(error); // a bad index fails this batch, after the ones before it
      }
      return gathering.then(
        (value) => ({ ok: true as const, value: keepTensors(value) as B }),
        (error) => ({ ok: false as const, error }),
      );
    };
    let pending = gather();
    while (pending) {
      const settled = await pending;
      if (!settled.ok) throw settled.error;
      pending = gather();
      yield settled.value;
    }
  }

  private async *asyncStream(source: AsyncIterable<T>): AsyncGenerator<B> {
    this.startEpoch();
    let samples: T[] = [];
    for await (const sample of source) {
      samples.push(sample);
      if (samples.length === this.batch_size) {
        yield this.collate(samples);
        samples = [];
      }
    }
    if (samples.length > 0 && !this.drop_last) yield this.collate(samples);
  }

  /**
   * PyTorch draws a base seed for worker processes at the start of every epoch, from the
   * loader's generator or the default one. There are no workers here, but the draw is kept so
   * the random stream after (and during) an epoch stays the same as PyTorch's.
   */
  private startEpoch(): void {
    draw_seed(this.generator);
  }

  private fetch(indices: number[]): B {
    const ds = this.mapDataset!;
    if (this.collate_fn === (default_collate as unknown) && typeof ds.getBatch === 'function') {
      return keepTensors(tidy(() => ds.getBatch!(indices))) as B;
    }
    return this.collate(indices.map((i) => ds.getItem(i)));
  }

  private collate(samples: T[]): B {
    return keepTensors(tidy(() => this.collate_fn(samples)));
  }
}

type Settled<V> = { ok: true; value: V } | { ok: false; error: unknown };

function isIterable(d: unknown): d is Iterable<any> {
  return d != null && typeof (d as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(d: unknown): d is AsyncIterable<any> {
  return d != null && typeof (d as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** keep() every tensor in a batch, so no enclosing scope frees it: the GC or the user owns it. */
function keepTensors<V>(value: V, seen = new Set<unknown>()): V {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Tensor) keep(value);
  else if (Array.isArray(value)) value.forEach((v) => keepTensors(v, seen));
  else if (value instanceof Map) value.forEach((v) => keepTensors(v, seen));
  else Object.values(value).forEach((v) => keepTensors(v, seen));
  return value;
}
