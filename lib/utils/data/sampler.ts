// Samplers: the order in which a DataLoader visits a map-style dataset's indices.
import { Generator, randperm, draw_seed } from './generator';

/**
 * An iterable of dataset indices, with a length when it is known (PyTorch's Sampler).
 *
 * Differs from PyTorch: a structural interface, not a base class; any iterable of numbers is a
 * sampler, and `length` stands in for `__len__`.
 *
 * @see [torch.utils.data.Sampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.Sampler)
 */
export interface Sampler extends Iterable<number> {
  /** The number of indices one iteration yields, where known (PyTorch's len()). */
  readonly length?: number;
}

/**
 * The indices 0, 1, ..., n-1 in order (PyTorch's SequentialSampler).
 *
 * @see [torch.utils.data.SequentialSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.SequentialSampler)
 */
export class SequentialSampler implements Sampler {
  /**
   * A sampler over data_source's indices, in order.
   *
   * @param data_source The dataset (anything with a length) whose indices to yield.
   */
  constructor(
    /** The dataset (anything with a length) whose indices are yielded. */
    readonly data_source: {
      /** Its number of items. */
      readonly length: number;
    },
  ) {}
  /** The dataset's length, read each time (a dataset may grow). */
  get length(): number {
    return this.data_source.length;
  }
  /** Yields 0 .. length - 1. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/**
 * A fresh random permutation of the indices per iteration (PyTorch's RandomSampler).
 *
 * Drawn as PyTorch draws it: with no generator, a seed from the default generator (so
 * torch.manual_seed makes it reproducible) seeds a private generator; with one, its randperm.
 * num_samples > length repeats whole permutations, then a prefix of one more.
 *
 * Differs from PyTorch: sampling with replacement (`replacement=True`) is not supported, so
 * PyTorch's second positional is absent and the keywords come in an options object.
 *
 * @see [torch.utils.data.RandomSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.RandomSampler)
 */
export class RandomSampler implements Sampler {
  /** The dataset whose indices are permuted. */
  readonly data_source: {
    /** Its number of items. */
    readonly length: number;
  };
  /** The generator the permutations are drawn from, if one was given. */
  readonly generator?: Generator;
  private readonly numSamples?: number;
  /**
   * A sampler over data_source's indices, shuffled every iteration.
   *
   * @param data_source The dataset (anything with a length) to sample from.
   * @param options PyTorch's keywords: num_samples (default: the dataset's length; a RangeError
   *   unless a positive integer) and generator (default: a seed drawn from the default generator).
   */
  constructor(data_source: { readonly length: number }, options: { num_samples?: number; generator?: Generator } = {}) {
    this.data_source = data_source;
    this.generator = options.generator;
    this.numSamples = options.num_samples;
    if (this.numSamples !== undefined && (!Number.isInteger(this.numSamples) || this.numSamples <= 0)) {
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${this.numSamples}`);
    }
  }
  /** The number of indices per iteration: num_samples as given, else the dataset's length. */
  get num_samples(): number {
    return this.numSamples ?? this.data_source.length;
  }
  /** Same as num_samples. */
  get length(): number {
    return this.num_samples;
  }
  /** Yields num_samples indices from fresh permutations. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    const generator = this.generator ?? new Generator().manual_seed(draw_seed());
    for (let k = 0; k < Math.floor(this.num_samples / n); k++) yield* randperm(n, generator);
    // PyTorch draws this last permutation even when it keeps none of it; a shared generator
    // must advance the same way for later epochs to match.
    yield* randperm(n, generator).slice(0, this.num_samples % n);
  }
}

/**
 * The given indices in a fresh random order per iteration (PyTorch's SubsetRandomSampler).
 *
 * The order is randperm on the generator, or on the default generator without one, as in PyTorch.
 *
 * @see [torch.utils.data.SubsetRandomSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.SubsetRandomSampler)
 */
export class SubsetRandomSampler implements Sampler {
  /** The indices to shuffle (a copy of the ones given). */
  readonly indices: number[];
  /** The generator the permutations are drawn from, if one was given. */
  readonly generator?: Generator;
  /**
   * A sampler over the given indices, shuffled every iteration.
   *
   * @param indices The dataset indices to sample from.
   * @param options PyTorch's keyword generator (default: the default generator).
   */
  constructor(indices: readonly number[], options: { generator?: Generator } = {}) {
    this.indices = Array.from(indices);
    this.generator = options.generator;
  }
  /** The number of indices. */
  get length(): number {
    return this.indices.length;
  }
  /** Yields every index once, in a random order. */
  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.indices.length, this.generator)) yield this.indices[i];
  }
}

/**
 * Groups a sampler's indices into lists of batch_size (PyTorch's BatchSampler).
 *
 * @see [torch.utils.data.BatchSampler](https://pytorch.org/docs/stable/data.html#torch.utils.data.BatchSampler)
 */
export class BatchSampler implements Iterable<number[]> {
  /**
   * Groups sampler's indices into batches.
   *
   * @param sampler The indices to group.
   * @param batch_size Indices per batch; a RangeError unless a positive integer.
   * @param drop_last Drop a last batch shorter than batch_size (else yield it).
   */
  constructor(
    /** The indices to group. */
    readonly sampler: Sampler,
    /** Indices per batch. */
    readonly batch_size: number,
    /** Whether a short last batch is dropped. */
    readonly drop_last: boolean,
  ) {
    if (!Number.isInteger(batch_size) || batch_size <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batch_size}`);
    }
  }
  /** The number of batches; a TypeError when the sampler has no length. */
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError('BatchSampler has no length: its sampler has none');
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }
  /** Yields the batches, each a fresh array of indices. */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batch_size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.drop_last) yield batch;
  }
}
