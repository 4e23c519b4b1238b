// DataLoader: batches from a dataset, sync (`for...of`) or async with prefetch (`for await`),
// in the calling thread or, with num_workers > 0, in worker threads.
import { fileURLToPath } from 'node:url';
import { Tensor, isTensor } from '../../tensor';
import { tidy, keep } from '../../memory';
import { is_available as cudaIsAvailable } from '../../cuda';
import { ops } from '../../raw_ops';
import { MapDataset, IterableDataset, asMapDataset, isMapDataset } from './dataset';
import { Sampler, SequentialSampler, RandomSampler, BatchSampler } from './sampler';
import { default_collate, type Collated } from './collate';
import { Generator, draw_seed, draw_base_seed } from './generator';
import { checkOptionNames } from './dataloader_options';
import { decode } from './transfer';
import { WorkerPool } from './worker_pool';
import { WorkerEpoch } from './worker_epoch';
import { describeDataset, describesTypeScript, assertSendable, type WorkerDatasetSpec } from './worker_dataset';
import type { InitDescription } from './worker_loop';

/**
 * DataLoader's keyword arguments (PyTorch's, same defaults), plus `seed` and `worker_dataset`.
 * An unknown name is a TypeError that suggests the nearest known one.
 *
 * @see [torch.utils.data.DataLoader](https://pytorch.org/docs/stable/data.html#torch.utils.data.DataLoader)
 */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batch_size?: number;
  /** A new random order every epoch (default false; map-style datasets only). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batch_size (default false). */
  drop_last?: boolean;
  /** Merges a list of samples into a batch; default_collate by default. */
  collate_fn?: (samples: T[]) => B;
  /** The index order; exclusive with shuffle. */
  sampler?: Sampler;
  /** Lists of indices, one per batch; exclusive with batch_size, shuffle, sampler, drop_last. */
  batch_sampler?: Iterable<number[]> & {
    /** The number of batches, where known. */
    readonly length?: number;
  };
  /** The generator that shuffling (and the per-epoch seed PyTorch draws) uses; default: torch's. */
  generator?: Generator;
  /** Shorthand for generator: new Generator().manual_seed(seed). */
  seed?: number;
  /** Worker threads that fetch and collate batches; 0 (the default) loads in the calling thread. */
  num_workers?: number;
  /** Batches each worker has requested ahead (default 2); only with num_workers > 0. */
  prefetch_factor?: number;
  /** Keep the workers (and their datasets) from one epoch to the next; only with num_workers > 0. */
  persistent_workers?: boolean;
  /**
   * Runs in each worker before its first fetch, with the worker's id. A function is re-created
   * in the worker from its source, so it must be self-contained (it sees `torch` and
   * get_worker_info through torch.utils.data, not the main thread's variables); or name a module
   * export: { module: __filename, export: 'init' }.
   */
  worker_init_fn?: ((worker_id: number) => unknown) | {
    /** The module's path or file URL (`__filename`, `import.meta.url`). */
    module: string | URL;
    /** The export to call (default: the default export). */
    export?: string;
  };
  /** How the workers rebuild the dataset, when the dataset does not say so itself (see DataLoader). */
  worker_dataset?: WorkerDatasetSpec;
  /** Seconds to wait for a batch from the workers before failing; 0 (the default) waits forever. */
  timeout?: number;
  /** With workers: false hands out batches as they arrive instead of in sampler order (default true). */
  in_order?: boolean;
  /** Copies batches into page-locked memory when CUDA is available (a no-op otherwise, as in PyTorch). */
  pin_memory?: boolean;
  /** Accepted for PyTorch compatibility (deprecated there); the pinning device is CUDA's. */
  pin_memory_device?: string;
  /** Workers are threads started fresh, like PyTorch's 'spawn': null, undefined or 'spawn'. */
  multiprocessing_context?: string | null;
}

/** What a DataLoader loads from: a map-style dataset, an array, or a (sync or async) iterable of items. */
export type DataLoaderDataset<T> = MapDataset<T> | readonly T[] | IterableDataset<T> | Iterable<T> | AsyncIterable<T>;
type AnyDataset<T> = DataLoaderDataset<T>;

/**
 * Batches from a dataset, one epoch per loop, optionally shuffled and loaded by worker threads
 * (PyTorch's DataLoader).
 *
 * Typed by its items: `T` is the dataset's item type and `B` the batch type, by default what
 * default_collate makes of T ({@link Collated}), so a DataLoader over `new TensorDataset(x, y)`
 * yields `[Tensor, Tensor]`; with a `collate_fn`, B is what it returns.
 *
 * Each `for...of` (or `for await`) is one epoch. Shuffling
 * reproduces PyTorch's: after torch.manual_seed(s), or with a generator seeded like PyTorch's,
 * the batches hold the same indices as PyTorch's DataLoader gives.
 *
 * Batches are created outside every scope: neither a torch.tidy() around the loop nor a
 * `using` scope in the loop body frees them. The GC owns them; call dispose() on a batch's
 * tensors to free them at once. Per-sample tensors made while collating are freed right away.
 *
 * **Workers** (`num_workers: n`): n worker threads (node:worker_threads) fetch and collate
 * batches in parallel, with PyTorch's semantics: batches come out in sampler order whichever
 * worker finishes first (unless `in_order: false`), each worker has prefetch_factor requests in
 * flight, an error in a worker's getItem is rethrown in the loop as the same error type with
 * "Caught <Error> in DataLoader worker <id>" and the original message and stack, and the workers
 * stop at the end of the epoch or when the loop stops early (`break`, an exception), unless
 * `persistent_workers` keeps them for the next epoch. Idle workers never keep the process alive.
 *
 * How a worker gets the dataset: PyTorch pickles the dataset into each worker process; a JS
 * object cannot be sent to a thread, so each worker rebuilds its own copy:
 *  - arrays (numbers, strings, TypedArrays, tensors, plain objects), TensorDataset, and
 *    Subset / ConcatDataset / random_split over those are sent by value, with no change;
 *  - any other dataset says where its class lives and what its constructor got, with a
 *    `worker_dataset` getter (or the `worker_dataset` option):
 *    ```ts
 *    export class Decoded extends Dataset<[Tensor, number]> {
 *      constructor(readonly root: string) { super(); }
 *      get worker_dataset() { return { module: __filename, export: 'Decoded', args: [this.root] }; }
 *      ...
 *    }
 *    ```
 *    (`import.meta.url` in ESM). Each worker imports the module and runs `new Decoded(root)`
 *    (a factory function export is called, a dataset object export is used as is). Arguments
 *    are structured-cloned; tensors among them are sent as data. A dataset that cannot be sent
 *    is a TypeError that says this. TypeScript dataset modules load through tsx when it is
 *    installed (or through the loader the process already runs with).
 *
 * In a worker, get_worker_info() gives { id, num_workers, seed, generator, dataset }. Each worker
 * gets base_seed + id as PyTorch's do; but LibTorch's default generator is one per process, shared
 * with the main thread, so a worker does not torch.manual_seed() it (that would reseed the main
 * thread's stream): draw reproducible random augmentations from get_worker_info().generator, a
 * data.Generator seeded with that seed. An IterableDataset is iterated whole by every worker, as
 * in PyTorch (duplicates, unless it shards itself with get_worker_info()); the workers' batches
 * are interleaved round-robin. default_collate runs in the workers; a custom collate_fn cannot be
 * sent there, so the workers return the samples and collate_fn runs on the main thread.
 *
 * Both `for await` and plain `for...of` work with workers. `for...of` blocks the thread while it
 * waits for a worker (Atomics.wait), as it blocks while getItem runs without workers: timers and
 * I/O wait until the loop body yields. Prefer `for await` in a server or anywhere the event loop
 * must keep running. Unlike PyTorch, workers do not torch.set_num_threads(1): LibTorch's thread
 * count is process-wide, so that would also slow the main thread.
 *
 * @see [torch.utils.data.DataLoader](https://pytorch.org/docs/stable/data.html#torch.utils.data.DataLoader)
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  /** The dataset, as given. */
  readonly dataset: AnyDataset<T>;
  /** Samples per batch; null when a batch_sampler was given. */
  readonly batch_size: number | null;
  /** Whether a short last batch is dropped. */
  readonly drop_last: boolean;
  /** Merges a list of samples into a batch (default_collate unless one was given). */
  readonly collate_fn: (samples: T[]) => B;
  /** The index order (given, or a RandomSampler / SequentialSampler); null for an iterable dataset. */
  readonly sampler: Sampler | null;
  /** The lists of indices per batch (given, or a BatchSampler over sampler); null for an iterable dataset. */
  readonly batch_sampler: (Iterable<number[]> & {
    /** The number of batches, where known. */
    readonly length?: number;
  }) | null;
  /** The generator shuffling draws from (from the generator or seed option), if any. */
  readonly generator?: Generator;
  /** Worker threads; 0 loads in the calling thread. */
  readonly num_workers: number;
  /** Batches each worker has requested ahead; null without workers. */
  readonly prefetch_factor: number | null;
  /** Whether the workers are kept from one epoch to the next. */
  readonly persistent_workers: boolean;
  /** Seconds to wait for a batch from the workers; 0 waits forever. */
  readonly timeout: number;
  /** Whether worker batches come out in sampler order. */
  readonly in_order: boolean;
  /** Whether batches are copied into page-locked memory (when CUDA is available). */
  readonly pin_memory: boolean;
  /** Accepted for PyTorch compatibility; not used. */
  readonly pin_memory_device: string;
  /** Runs in each worker before its first fetch; null when none was given. */
  readonly worker_init_fn: DataLoaderOptions<T, B>['worker_init_fn'] | null;
  /** null or 'spawn': workers are always fresh threads. */
  readonly multiprocessing_context: string | null;
  private readonly worker_dataset?: WorkerDatasetSpec;
  private readonly mapDataset: MapDataset<T> | null;
  /** The persistent workers, between epochs. */
  private pool: WorkerPool | null = null;

  /**
   * A loader over dataset with the given options.
   *
   * @param dataset A map-style dataset (length and getItem), an array, a Tensor (its rows), or a
   *   sync or async iterable of items (iterable-style: no shuffle, sampler or batch_sampler).
   * @param options PyTorch's keyword arguments (see {@link DataLoaderOptions}); unlike PyTorch,
   *   none may be given positionally. Conflicting options are a TypeError, as in PyTorch.
   */
  constructor(dataset: AnyDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    checkOptionNames(options);
    const { batch_size = 1, shuffle = false, drop_last = false, sampler, batch_sampler, seed } = options;
    this.num_workers = options.num_workers ?? 0;
    this.persistent_workers = options.persistent_workers ?? false;
    this.timeout = options.timeout ?? 0;
    this.in_order = options.in_order ?? true;
    this.pin_memory = options.pin_memory ?? false;
    this.pin_memory_device = options.pin_memory_device ?? '';
    this.worker_init_fn = options.worker_init_fn ?? null;
    this.worker_dataset = options.worker_dataset;
    this.multiprocessing_context = options.multiprocessing_context ?? null;
    this.prefetch_factor = checkWorkerOptions(options as DataLoaderOptions<unknown, unknown>, this.num_workers);
    this.dataset = dataset;
    this.collate_fn = options.collate_fn ?? (default_collate as (s: T[]) => B);
    if (seed !== undefined && options.generator) throw new TypeError('DataLoader: pass either generator or seed, not both');
    this.generator = options.generator ?? (seed !== undefined ? new Generator().manual_seed(seed) : undefined);
    this.mapDataset = Array.isArray(dataset) || isTensor(dataset) || isMapDataset(dataset) ? asMapDataset(dataset as MapDataset<T>) : null;
    if (!this.mapDataset) {
      // PyTorch's rules for IterableDataset: the stream decides the order.
      if (shuffle) throw new TypeError(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${shuffle}`);
      if (sampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified sampler option');
      if (batch_sampler) throw new TypeError('DataLoader with IterableDataset: expected unspecified batch_sampler option');
      if (!isIterable(dataset) && !isAsyncIterable(dataset)) {
        throw new TypeError('DataLoader: dataset must be map-style (length and getItem), an array, or iterable');
      }
    }
    if (this.num_workers > 0) assertSendable(dataset, this.worker_dataset);
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

  /** One epoch, synchronously (with workers, blocking while it waits for them). */
  *[Symbol.iterator](): Iterator<B> {
    if (this.num_workers > 0) {
      const { pool, epoch } = this.startWorkerEpoch();
      try {
        for (let next = epoch.nextSync(); !next.done; next = epoch.nextSync()) yield this.finishWorkerBatch(next.value);
      } finally {
        if (!this.persistent_workers) pool.close();
      }
      return;
    }
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
    if (this.num_workers > 0) {
      const { pool, epoch } = this.startWorkerEpoch();
      try {
        for (let next = await epoch.next(); !next.done; next = await epoch.next()) yield this.finishWorkerBatch(next.value);
      } finally {
        if (!this.persistent_workers) pool.close();
      }
      return;
    }
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

  /** Stops persistent workers now (they stop by themselves at exit; an idle one never keeps the process alive). */
  shutdown_workers(): void {
    this.pool?.close();
    this.pool = null;
  }

  /**
   * Starts (or, with persistent_workers, reuses) the workers. A fresh start draws the base seed
   * as PyTorch's iterator does; PyTorch's persistent iterator keeps its base seed across epochs.
   */
  private startWorkerEpoch(): { pool: WorkerPool; epoch: WorkerEpoch } {
    let pool = this.pool && !this.pool.closed ? this.pool : null;
    if (!pool) {
      const base_seed = draw_base_seed(this.generator);
      const description = describeDataset(this.dataset, this.worker_dataset);
      pool = new WorkerPool({
        num_workers: this.num_workers,
        dataset: description,
        map_style: this.mapDataset !== null,
        collate_in_worker: this.collate_fn === (default_collate as unknown),
        batch_size: this.batch_size ?? 1,
        drop_last: this.drop_last,
        init: describeInit(this.worker_init_fn),
        needsTypeScript: describesTypeScript(description),
        tsWhat: description.kind === 'module' ? description.module : 'the dataset module',
      }, base_seed);
      if (this.persistent_workers) this.pool = pool;
    }
    const batches = this.mapDataset ? this.batch_sampler![Symbol.iterator]() : null;
    const epoch = new WorkerEpoch(pool, { batches, prefetch: this.prefetch_factor!, in_order: this.in_order, timeout_s: this.timeout });
    return { pool, epoch };
  }

  /** A worker's batch as Tensors of this thread: collated here when collate_fn could not go to the workers. */
  private finishWorkerBatch(data: unknown): B {
    let batch: B;
    if (this.collate_fn === (default_collate as unknown)) batch = keepTensors(decode(data)) as B;
    else batch = this.collate(decode(data) as T[]);
    return this.pin_memory && cudaIsAvailable() ? (pinned(batch) as B) : batch;
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

/** PyTorch's checks of the worker options; returns prefetch_factor (null without workers). */
function checkWorkerOptions(o: DataLoaderOptions<unknown, unknown>, num_workers: number): number | null {
  if (!Number.isInteger(num_workers) || num_workers < 0) {
    throw new RangeError(`num_workers option should be a non-negative integer; use num_workers=0 to disable worker threads (got ${num_workers})`);
  }
  if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout >= 0)) throw new RangeError('timeout option should be non-negative');
  if (o.persistent_workers && num_workers === 0) throw new RangeError('persistent_workers option needs num_workers > 0');
  const ctx = o.multiprocessing_context;
  if (ctx !== undefined && ctx !== null && ctx !== 'spawn') {
    throw new TypeError(`multiprocessing_context '${String(ctx)}' cannot be honoured: DataLoader workers are threads that start fresh and rebuild the dataset, like 'spawn' (pass 'spawn' or nothing)`);
  }
  if (o.worker_init_fn != null && typeof o.worker_init_fn !== 'function' && typeof o.worker_init_fn !== 'object') {
    throw new TypeError('worker_init_fn must be a function or { module, export }');
  }
  const prefetch = o.prefetch_factor ?? null;
  if (num_workers === 0) {
    if (prefetch !== null) {
      throw new RangeError('prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.');
    }
    return null;
  }
  if (prefetch === null) return 2;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError('prefetch_factor option should be non-negative');
  // PyTorch accepts 0 but then never requests a batch and hangs; one request per worker is the least that works.
  return Math.max(prefetch, 1);
}

function describeInit(fn: DataLoaderOptions<unknown, unknown>['worker_init_fn'] | null): InitDescription {
  if (fn == null) return null;
  if (typeof fn === 'function') {
    const source = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) throw new TypeError('worker_init_fn: a native or bound function cannot be sent to a worker; pass { module, export }');
    return { source };
  }
  const module = fn.module instanceof URL ? fn.module.href : fn.module;
  return { module: module.startsWith('file:') ? fileURLToPath(module) : module, export: fn.export };
}

/** Page-locked copies of a batch's CPU tensors (what pin_memory does when CUDA is there). */
function pinned(value: unknown): unknown {
  if (value instanceof Tensor) {
    const out = keep(ops.aten.pin_memory(value) as Tensor);
    value.dispose();
    return out;
  }
  if (Array.isArray(value)) return value.map(pinned);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pinned(v)]));
  }
  return value;
}

type Settled<V> = { ok: true; value: V } | { ok: false; error: unknown };

function isIterable(d: unknown): d is Iterable<unknown> {
  return d != null && typeof (d as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(d: unknown): d is AsyncIterable<unknown> {
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
