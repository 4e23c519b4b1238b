// utils.data.distributed.DistributedSampler against PyTorch's: the same index lists for every
// rank, epoch, seed, shuffle and drop_last setting (tests/fixtures/torch-*/distributed_sampler.json,
// written by scripts/gen_sampler_fixtures.py), its length, its errors, and a DataLoader over it.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index';
import { DistributedSampler, _register_default_process_group } from '../lib/utils/data/distributed';
import { readFixture } from './oracle';

interface Case {
  n: number;
  num_replicas: number;
  shuffle: boolean;
  drop_last: boolean;
  seed: number;
  epochs: number[];
  ranks: { rank: number; length: number; epochs: number[][] }[];
}

const sized = (n: number) => ({ length: n });

describe('DistributedSampler', () => {
  const cases = readFixture<Case[]>('distributed_sampler.json');

  it.each(cases.map((c) => [`n=${c.n} replicas=${c.num_replicas} shuffle=${c.shuffle} drop_last=${c.drop_last} seed=${c.seed}`, c] as const))(
    'gives each rank the indices PyTorch gives it, epoch by epoch: %s',
    (_, c) => {
      for (const expected of c.ranks) {
        const { num_replicas, shuffle, drop_last, seed } = c;
        const sampler = new DistributedSampler(sized(c.n), { num_replicas, rank: expected.rank, shuffle, drop_last, seed });
        expect(sampler.length).toBe(expected.length);
        c.epochs.forEach((epoch, i) => {
          sampler.set_epoch(epoch);
          expect([...sampler]).toEqual(expected.epochs[i]);
        });
      }
    },
  );

  it('covers the dataset once per epoch between its ranks, with the same permutation on each', () => {
    const shares = [0, 1, 2].map((rank) => {
      const s = new DistributedSampler(sized(12), { num_replicas: 3, rank, seed: 9 });
      s.set_epoch(4);
      return [...s];
    });
    expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // the shares interleave one permutation of generator(seed + epoch)
    const perm = torch.utils.data.randperm(12, new torch.utils.data.Generator().manual_seed(13));
    expect(shares[1]).toEqual([perm[1], perm[4], perm[7], perm[10]]);
  });

  it('without set_epoch repeats its order; with it, shuffles anew', () => {
    const s = new DistributedSampler(sized(20), { num_replicas: 2, rank: 0 });
    const first = [...s];
    expect([...s]).toEqual(first);
    s.set_epoch(1);
    expect([...s]).not.toEqual(first);
  });

  it('feeds a DataLoader its share in batches', () => {
    const data = Array.from({ length: 10 }, (_, i) => i * 10);
    const sampler = new DistributedSampler(data, { num_replicas: 2, rank: 1, shuffle: false });
    const loader = new torch.utils.data.DataLoader(data, { sampler, batch_size: 2 });
    expect(Array.from(loader, (b) => (b as torch.Tensor).tolist())).toEqual([[10, 30], [50, 70], [90]]);
    expect(loader.length).toBe(3);
  });

  it('refuses a rank outside [0, num_replicas) and bad numbers, as PyTorch does', () => {
    expect(() => new DistributedSampler(sized(4), { num_replicas: 2, rank: 2 })).toThrow(new RangeError('Invalid rank 2, rank should be in the interval [0, 1]'));
    expect(() => new DistributedSampler(sized(4), { num_replicas: 2, rank: -1 })).toThrow('Invalid rank -1, rank should be in the interval [0, 1]');
    expect(() => new DistributedSampler(sized(4), { num_replicas: 0, rank: 0 })).toThrow(RangeError);
    expect(() => new DistributedSampler(sized(4), { num_replicas: 1.5, rank: 0 })).toThrow(TypeError);
    expect(() => new DistributedSampler(sized(4), { num_replicas: 2, rank: 0, seed: 0.5 })).toThrow(TypeError);
    expect(() => new DistributedSampler(sized(4), { num_replicas: 2, rank: 0 }).set_epoch(NaN)).toThrow(TypeError);
    expect(() => new DistributedSampler(5 as never, { num_replicas: 2, rank: 0 })).toThrow('must have a length');
  });

  it('reads num_replicas and rank from the default process group when not given, and says so when there is none', () => {
    const previous = _register_default_process_group(undefined);
    try {
      expect(() => new DistributedSampler(sized(8))).toThrow('DistributedSampler: pass num_replicas: torch.distributed is not available');
      expect(() => new DistributedSampler(sized(8), { num_replicas: 2 })).toThrow('DistributedSampler: pass rank:');
      _register_default_process_group({ get_world_size: () => 4, get_rank: () => 3 });
      const s = new DistributedSampler(sized(8), { shuffle: false });
      expect([s.num_replicas, s.rank, [...s]]).toEqual([4, 3, [3, 7]]);
    } finally {
      _register_default_process_group(previous);
    }
  });
});
