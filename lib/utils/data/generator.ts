// Random numbers for sampling, bit-for-bit the same as PyTorch's CPU generator.
//
// The native layer exposes only the default generator (seeded by torch.manual_seed), but
// PyTorch's RandomSampler and `generator=` arguments need private generators. A CPU
// torch.Generator is a plain MT19937 whose seed is truncated to 32 bits, and CPU randperm is a
// Fisher-Yates shuffle driven by its 32-bit outputs, so both are reproduced here in JS: a
// data.Generator seeded with s gives the same permutations as torch.Generator().manual_seed(s).
import { empty } from '../../creation';
import { int64 } from '../../dtype';
import { ops } from '../../raw_ops';
import type { Tensor } from '../../tensor';
import { tidy } from '../../memory';

const N = 624;
const M = 397;
/** PyTorch's default seed for a fresh torch.Generator() (c10::default_rng_seed_val). */
const DEFAULT_SEED = 67280421310721n;

/**
 * A private random-number generator for the data utilities (PyTorch's CPU torch.Generator):
 * `new data.Generator().manual_seed(42)`.
 *
 * Differs from PyTorch: it lives in JS and serves only the samplers, random_split and DataLoader
 * (`generator` options) and worker seeds; it cannot be passed to tensor factories such as
 * torch.rand. For the same seed it gives the same permutations and seeds as PyTorch's.
 *
 * @see [torch.Generator](https://pytorch.org/docs/stable/generated/torch.Generator.html)
 */
export class Generator {
  private readonly state = new Uint32Array(N);
  private next = N;
  private seed = DEFAULT_SEED;

  /** A generator seeded with PyTorch's default seed, 67280421310721, as a fresh torch.Generator(). */
  constructor() {
    this.manual_seed(DEFAULT_SEED);
  }

  /** Reseeds it (only the low 32 bits take effect, as in PyTorch's CPU generator); returns this. */
  manual_seed(seed: number | bigint): this {
    if (typeof seed === 'number' && !Number.isInteger(seed)) throw new TypeError(`manual_seed() expects an integer, got ${seed}`);
    this.seed = BigInt.asUintN(64, BigInt(seed));
    // at::mt19937 keeps only the low 32 bits of the seed.
    const s = this.state;
    s[0] = Number(this.seed & 0xffffffffn);
    for (let j = 1; j < N; j++) {
      const prev = s[j - 1] ^ (s[j - 1] >>> 30);
      s[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
    this.next = N;
    return this;
  }

  /** The seed last set, as an unsigned 64-bit bigint. */
  initial_seed(): bigint {
    return this.seed;
  }

  /** The next 32-bit output (CPUGeneratorImpl::random). */
  random(): number {
    if (this.next >= N) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** CPUGeneratorImpl::random64: two outputs, the first one high. */
  random64(): bigint {
    const hi = this.random();
    const lo = this.random();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  private twist(): void {
    const s = this.state;
    for (let k = 0; k < N; k++) {
      const y = (s[k] & 0x80000000) | (s[(k + 1) % N] & 0x7fffffff);
      let v = s[(k + M) % N] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      s[k] = v >>> 0;
    }
    this.next = 0;
  }
}

/** torch.randperm(n, generator=g).tolist(); without g, the default generator's randperm. */
export function randperm(n: number, generator?: Generator): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm(): n must be a non-negative integer, got ${n}`);
  if (!generator) return tidy(() => ops.aten.randperm<Tensor>(n).tolist() as number[]);
  // ATen's randperm_cpu: swap i with i + (random() % (n - i)).
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = generator.random() % (n - i);
    const tmp = out[i];
    out[i] = out[z + i];
    out[z + i] = tmp;
  }
  return out;
}

/**
 * `int(torch.empty((), dtype=torch.int64).random_(generator=g).item())`, as PyTorch draws the
 * seeds of samplers and loader iterations. Returns the low 32 bits, which is all a generator
 * seeded with it uses; a number cannot hold the whole 63-bit value exactly.
 */
export function draw_seed(generator?: Generator): number {
  if (generator) return Number(generator.random64() & 0xffffffffn);
  return tidy(() => {
    const t = empty([], { dtype: int64 });
    ops.aten.random_(t);
    return t.bitwise_and(0xffffffff).item() as number;
  });
}

/**
 * The whole 63-bit value draw_seed takes the low bits of: PyTorch's `_base_seed`, drawn at the
 * start of every DataLoader iteration (worker w seeds itself with base_seed + w).
 */
export function draw_base_seed(generator?: Generator): bigint {
  if (generator) return generator.random64() % (1n << 63n); // uniform_int over int64's range, as random_() does
  return tidy(() => {
    const t = empty([], { dtype: int64 });
    ops.aten.random_(t);
    return (t.toTypedArray() as BigInt64Array)[0];
  });
}
