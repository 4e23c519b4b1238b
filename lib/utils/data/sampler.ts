// Samplers: the order in which a DataLoader visits a map-style dataset's indices.
import { Generator, randperm, draw_seed } from './generator';

/** torch.utils.data.Sampler: an iterable of indices, with a length when it is known. */
export interface Sampler extends Iterable<number> {
  readonly length?: number;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler implements Sampler {
  constructor(readonly data_source: { readonly length: number }) {}
  get length(): number {
    return this.data_source.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/**
 * A fresh random permutation per iteration (without replacement), drawn as PyTorch's
 * RandomSampler draws it: with no generator, a seed from the default generator (so
 * torch.manual_seed makes it reproducible) seeds a private generator; with one, its randperm.
 * num_samples > length repeats whole permutations, then a prefix of one more.
 */
export class RandomSampler implements Sampler {
  readonly data_source: { readonly length: number };
  readonly generator?: Generator;
  private readonly numSamples?: number;
  constructor(data_source: { readonly length: number }, options: { num_samples?: number; generator?: Generator } = {}) {
    this.data_source = data_source;
    this.generator = options.generator;
    this.numSamples = options.num_samples;
    if (this.numSamples !== undefined && (!Number.isInteger(this.numSamples) || this.numSamples <= 0)) {
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${this.numSamples}`);
    }
  }
  get num_samples(): number {
    return this.numSamples ?? this.data_source.length;
  }
  get length(): number {
    return this.num_samples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    const generator = this.generator ?? new Generator().manual_seed(draw_seed());
    for (let k = 0; k < Math.floor(this.num_samples / n); k++) yield* randperm(n, generator);
    // PyTorch draws this last permutation even when it keeps none of it; a shared generator
    // must advance the same way for later epochs to match.
    yield* randperm(n, generator).slice(0, this.num_samples % n);
  }
}

/** The given indices in random order (randperm on the generator, or the default one). */
export class SubsetRandomSampler implements Sampler {
  readonly indices: number[];
  readonly generator?: Generator;
  constructor(indices: readonly number[], options: { generator?: Generator } = {}) {
    this.indices = Array.from(indices);
    this.generator = options.generator;
  }
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.indices.length, this.generator)) yield this.indices[i];
  }
}

/** Groups a sampler's indices into lists of batch_size; drop_last drops a short last list. */
export class BatchSampler implements Iterable<number[]> {
  constructor(
    readonly sampler: Sampler,
    readonly batch_size: number,
    readonly drop_last: boolean,
  ) {
    if (!Number.isInteger(batch_size) || batch_size <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batch_size}`);
    }
  }
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError('BatchSampler has no length: its sampler has none');
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }
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
