// torch.utils.data.distributed.DistributedSampler: each of num_replicas processes visits its own
// share of a dataset's indices, the shares together covering the dataset once per epoch.
import { Generator, randperm } from './generator';
import type { Sampler } from './sampler';

/** @internal What a sampler needs from torch.distributed's default process group. */
export interface DefaultProcessGroup {
  /** The number of processes in the group. */
  get_world_size(): number;
  /** This process's rank in the group. */
  get_rank(): number;
}

let defaultGroup: DefaultProcessGroup | undefined;

/**
 * @internal torch.distributed registers itself here when it loads, so that samplers can read the
 * default group's world size and rank without this module importing it (it loads LibTorch's c10d).
 */
export function _register_default_process_group(group: DefaultProcessGroup | undefined): DefaultProcessGroup | undefined {
  const previous = defaultGroup;
  defaultGroup = group;
  return previous; // for a test to put back
}

function fromDefaultGroup(what: 'num_replicas' | 'rank'): number {
  if (!defaultGroup) {
    throw new TypeError(`DistributedSampler: pass ${what}: torch.distributed is not available here to read it from the default process group`);
  }
  return what === 'num_replicas' ? defaultGroup.get_world_size() : defaultGroup.get_rank();
}

/**
 * DistributedSampler's keyword arguments (PyTorch's, same defaults).
 *
 * @see [torch.utils.data.distributed.DistributedSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler)
 */
export interface DistributedSamplerOptions {
  /** Processes taking part; default: the default process group's world size. */
  num_replicas?: number;
  /** This process's share, 0 to num_replicas-1; default: its rank in the default process group. */
  rank?: number;
  /** A fresh permutation each epoch (seeded with seed + epoch), the same on every process (default true). */
  shuffle?: boolean;
  /** The shuffling seed (default 0); must be the same on every process. */
  seed?: number;
  /** Drop the tail that does not divide evenly, instead of padding with repeated indices (default false). */
  drop_last?: boolean;
}

function checkInteger(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`DistributedSampler: ${name} must be an integer, got ${String(value)}`);
  if (value < min) throw new RangeError(`DistributedSampler: ${name} must be at least ${min}, got ${value}`);
}

/**
 * Restricts each process of a distributed job to its own share of a dataset's indices
 * (PyTorch's DistributedSampler).
 *
 * The indices of one process's share, as PyTorch's DistributedSampler gives them: the dataset's
 * indices (a randperm of a generator seeded with seed + epoch when shuffling), padded by
 * repeating them from the start to a multiple of num_replicas, or cut down to one with
 * drop_last, then every num_replicas-th index from position rank. Call set_epoch before each
 * epoch, or every epoch gets the same order.
 *
 * Differs from PyTorch: the keywords come only in an options object (not positionally), and
 * `indices()` returns the current epoch's share as a list.
 *
 * @see [torch.utils.data.distributed.DistributedSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler)
 */
export class DistributedSampler implements Sampler {
  /** The dataset whose indices are shared out. */
  readonly dataset: {
    /** Its number of items. */
    readonly length: number;
  };
  /** Processes taking part. */
  readonly num_replicas: number;
  /** This process's share, 0 to num_replicas-1. */
  readonly rank: number;
  /** Whether each epoch shuffles. */
  readonly shuffle: boolean;
  /** The shuffling seed. */
  readonly seed: number;
  /** Whether the uneven tail is dropped (else padded with repeated indices). */
  readonly drop_last: boolean;
  /** How many indices each process gets (PyTorch's __len__). */
  readonly num_samples: number;
  /** num_samples * num_replicas: the padded or cut length of the whole index list. */
  readonly total_size: number;
  /** The epoch the next iteration shuffles for (set with set_epoch). */
  epoch = 0;

  /**
   * This process's sampler over dataset.
   *
   * @param dataset The dataset (anything with a length) to share out.
   * @param options PyTorch's keywords num_replicas, rank, shuffle=true, seed=0, drop_last=false.
   *   Without num_replicas or rank they come from torch.distributed's default process group (a
   *   TypeError when torch.distributed is not loaded); RangeError for a rank outside [0, num_replicas).
   */
  constructor(dataset: { readonly length: number }, options: DistributedSamplerOptions = {}) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.length !== 'number') {
      throw new TypeError('DistributedSampler: the dataset must have a length (a map-style dataset)');
    }
    const num_replicas = options.num_replicas ?? fromDefaultGroup('num_replicas');
    const rank = options.rank ?? fromDefaultGroup('rank');
    checkInteger('num_replicas', num_replicas, 1);
    checkInteger('rank', rank, Number.MIN_SAFE_INTEGER);
    if (rank < 0 || rank >= num_replicas) {
      throw new RangeError(`Invalid rank ${rank}, rank should be in the interval [0, ${num_replicas - 1}]`);
    }
    const seed = options.seed ?? 0;
    checkInteger('seed', seed, Number.MIN_SAFE_INTEGER);
    this.dataset = dataset;
    this.num_replicas = num_replicas;
    this.rank = rank;
    this.shuffle = options.shuffle ?? true;
    this.seed = seed;
    this.drop_last = options.drop_last ?? false;
    const n = dataset.length;
    // With drop_last, the largest multiple of num_replicas not above n (no padding needed when
    // n divides evenly); otherwise the smallest one at or above it. `|| 0` turns -0 into 0.
    this.num_samples = (this.drop_last && n % num_replicas !== 0 ? Math.ceil((n - num_replicas) / num_replicas) : Math.ceil(n / num_replicas)) || 0;
    this.total_size = this.num_samples * num_replicas;
  }

  /** Same as num_samples. */
  get length(): number {
    return this.num_samples;
  }

  /** The epoch the next iteration shuffles for: give every process the same one. */
  set_epoch(epoch: number): void {
    checkInteger('epoch', epoch, Number.MIN_SAFE_INTEGER);
    this.epoch = epoch;
  }

  /** This process's indices for the current epoch, as a list. */
  indices(): number[] {
    const n = this.dataset.length;
    let all = this.shuffle ? randperm(n, new Generator().manual_seed(BigInt(this.seed) + BigInt(this.epoch))) : Array.from({ length: n }, (_, i) => i);
    if (this.drop_last) {
      all = all.slice(0, this.total_size);
    } else {
      // Repeat the list from its start until it fills total_size (more than once when
      // num_replicas exceeds the dataset's length).
      const padded = all.slice();
      for (let i = 0; padded.length < this.total_size; i++) padded.push(all[i % n]);
      all = padded;
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.total_size; i += this.num_replicas) mine.push(all[i]);
    return mine;
  }

  /** Yields indices(). */
  *[Symbol.iterator](): Iterator<number> {
    yield* this.indices();
  }
}
