// torch.utils.data.get_worker_info(): which DataLoader worker this code runs in, if any.
import type { Generator } from './generator';

/** What a DataLoader worker thread knows about itself (PyTorch's WorkerInfo). */
export interface WorkerInfo {
  /** 0 .. num_workers - 1. */
  readonly id: number;
  /** The DataLoader's num_workers. */
  readonly num_workers: number;
  /**
   * base_seed + id, the seed torch.manual_seed got in this worker before the dataset was built.
   * A bigint: PyTorch's base seed is a 63-bit integer that a number cannot hold exactly.
   */
  readonly seed: bigint;
  /**
   * A data.Generator seeded with `seed`, private to this worker: draw random augmentations from
   * it (randperm, random) for reproducible workers. torch.rand & co. use LibTorch's default
   * generator, which all threads of the process share, so they are not reproducible in workers.
   */
  readonly generator: Generator;
  /** This worker's copy of the dataset (null while its constructor runs). */
  readonly dataset: unknown;
}

// On globalThis, so that a dataset module that loaded another copy of the library (its ESM build
// while the worker loaded the CommonJS one) still sees the worker it runs in.
const KEY = Symbol.for('torchnode.utils.data.worker_info');
const slot = globalThis as { [KEY]?: WorkerInfo | null };

/**
 * In a DataLoader worker thread, its WorkerInfo; on any other thread, null. An IterableDataset
 * uses it to give each worker its own shard (otherwise every worker yields the whole stream,
 * as in PyTorch), and worker_init_fn to seed other random sources from `seed`.
 */
export function get_worker_info(): WorkerInfo | null {
  return slot[KEY] ?? null;
}

/** @internal Set by the worker loop. */
export function setWorkerInfo(info: WorkerInfo): void {
  slot[KEY] = Object.freeze({ ...info });
}
