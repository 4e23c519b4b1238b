// The loop each DataLoader worker thread runs (PyTorch's torch.utils.data._utils.worker._worker_loop):
// rebuild the dataset, run worker_init_fn, then answer fetch requests in the order they come.
import type { MessagePort } from 'node:worker_threads';
import { tidy } from '../../memory';
import { default_collate } from './collate';
import { Generator } from './generator';
import { asMapDataset, type MapDataset } from './dataset';
import { encode } from './transfer';
import { setWorkerInfo } from './worker_info';
import { rebuildDataset, checkRebuilt, loadExport, type DatasetDescription } from './worker_dataset';

/** worker_init_fn as it crosses to the worker: its source text, or the module export to call. */
export type InitDescription = { source: string } | { module: string; export?: string } | null;

/** What the main thread gives each worker (workerData). */
export interface WorkerSetup {
  port: MessagePort;
  /** Bumped after every message the worker posts, so a waiting main thread wakes up. */
  signal: Int32Array;
  worker_id: number;
  num_workers: number;
  base_seed: bigint;
  dataset: DatasetDescription;
  map_style: boolean;
  /** default_collate runs here; with a custom collate_fn the samples go back raw and the main thread collates. */
  collate_in_worker: boolean;
  batch_size: number;
  drop_last: boolean;
  init: InitDescription;
}

/** Main thread -> worker. */
export type Request = { type: 'fetch'; task: number; indices: number[] } | { type: 'next'; task: number } | { type: 'reset' } | { type: 'stop' };
/** Worker -> main thread. */
export type Reply =
  | { task: number; kind: 'data'; data: unknown }
  | { task: number; kind: 'end' }
  | { task: number; kind: 'error'; error: SentError }
  | { task: -1; kind: 'fatal'; error: SentError };
export interface SentError { name: string; message: string; stack: string }

export function sendError(e: unknown): SentError {
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, stack: err.stack ?? `${err.name}: ${err.message}` };
}

/** torch.utils.data._worker_loop: `torch` is the library as this worker loaded it. */
export async function worker_loop(torch: unknown, setup: WorkerSetup): Promise<void> {
  const { port, signal } = setup;
  const post = (reply: Reply, transfer: ArrayBuffer[] = []): void => {
    try {
      port.postMessage(reply, transfer);
    } catch (e) {
      // A sample the structured clone rejects (a function, a class instance with private state...).
      const error = sendError(e);
      error.message = `DataLoader worker ${setup.worker_id} cannot send its batch to the main thread: ${error.message}`;
      port.postMessage({ task: reply.task, kind: 'error', error } satisfies Reply);
    }
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  // A worker that ends without replying (process.exit in a dataset) must not leave the main thread waiting.
  process.once('exit', () => post({ task: -1, kind: 'fatal', error: sendError(new Error(`DataLoader worker ${setup.worker_id} exited unexpectedly`)) }));

  let dataset: unknown;
  let map: MapDataset<unknown> | null = null;
  try {
    const seed = setup.base_seed + BigInt(setup.worker_id);
    // PyTorch calls torch.manual_seed(seed) here. LibTorch's default generator is shared by all
    // threads of the process, so doing that in a thread would reseed the main thread's stream;
    // a worker's own seeded generator is offered on get_worker_info() instead (see dataloader.ts).
    const info = { id: setup.worker_id, num_workers: setup.num_workers, seed, generator: new Generator().manual_seed(seed), dataset: null as unknown };
    setWorkerInfo(info);
    dataset = await rebuildDataset(setup.dataset);
    checkRebuilt(dataset, setup.map_style, setup.dataset.kind === 'module' ? setup.dataset.module : `a ${setup.dataset.kind} description`);
    setWorkerInfo({ ...info, dataset });
    if (setup.map_style) map = asMapDataset(dataset as MapDataset<unknown>);
    const init = await initFunction(setup.init, torch);
    if (init) await init(setup.worker_id);
  } catch (e) {
    post({ task: -1, kind: 'fatal', error: sendError(e) });
    return;
  }

  let iterator: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  let exhausted = false;
  const fresh = (): void => {
    const d = dataset as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
    iterator = d[Symbol.iterator] ? d[Symbol.iterator]!() : d[Symbol.asyncIterator]!();
    exhausted = false;
  };

  const fetchMap = (indices: number[]): Reply & { kind: 'data' } & { transfer: ArrayBuffer[] } => {
    const transfer: ArrayBuffer[] = [];
    const data = tidy(() => {
      if (setup.collate_in_worker && typeof map!.getBatch === 'function') return encode(map!.getBatch(indices), transfer);
      const samples = indices.map((i) => map!.getItem(i));
      return encode(setup.collate_in_worker ? default_collate(samples) : samples, transfer);
    });
    return { task: 0, kind: 'data', data, transfer };
  };

  const nextBatch = async (task: number): Promise<void> => {
    if (!iterator) fresh();
    const samples: unknown[] = [];
    while (!exhausted && samples.length < setup.batch_size) {
      const r = await iterator!.next();
      if (r.done) exhausted = true;
      else samples.push(r.value);
    }
    if (samples.length === 0 || (samples.length < setup.batch_size && setup.drop_last)) return post({ task, kind: 'end' });
    const transfer: ArrayBuffer[] = [];
    const data = tidy(() => encode(setup.collate_in_worker ? default_collate(samples) : samples, transfer));
    post({ task, kind: 'data', data }, transfer);
  };

  const handle = async (req: Request): Promise<void> => {
    if (req.type === 'stop') {
      port.close();
      return;
    }
    if (req.type === 'reset') {
      if (!setup.map_style) fresh();
      return;
    }
    try {
      if (req.type === 'fetch') {
        const { data, transfer } = fetchMap(req.indices);
        post({ task: req.task, kind: 'data', data }, transfer);
      } else {
        await nextBatch(req.task);
      }
    } catch (e) {
      post({ task: req.task, kind: 'error', error: sendError(e) });
    }
  };

  // One request at a time, in arrival order: the main thread relies on each worker's FIFO.
  let chain = Promise.resolve();
  port.on('message', (req: Request) => {
    chain = chain.then(() => handle(req));
  });
}

async function initFunction(init: InitDescription, torch: unknown): Promise<((id: number) => unknown) | null> {
  if (!init) return null;
  if ('module' in init) {
    const fn = await loadExport(init.module, init.export);
    if (typeof fn !== 'function') throw new TypeError(`worker_init_fn: ${init.module}'s export ${init.export ?? 'default'} is not a function`);
    return fn as (id: number) => unknown;
  }
  let fn: unknown;
  try {
    // The function's own source, re-evaluated here: it sees `torch` and nothing of the main thread's closure.
    fn = new Function('torch', `"use strict"; return (${init.source});`)(torch);
  } catch (e) {
    throw new TypeError(`worker_init_fn cannot be re-created in a worker from its source (${(e as Error).message}); write it as a self-contained function or arrow function, or pass { module, export }`);
  }
  if (typeof fn !== 'function') throw new TypeError('worker_init_fn: its source did not evaluate to a function');
  return fn as (id: number) => unknown;
}
