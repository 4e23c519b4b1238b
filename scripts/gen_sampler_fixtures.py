"""PyTorch's side of tests/sampler.test.ts: the index lists torch.utils.data.DistributedSampler
gives each rank, for shuffle on and off, drop_last on and off, dataset lengths that divide evenly
by the number of replicas and ones that do not (including fewer items than replicas), 2 to 4
replicas, several seeds (one past 32 bits, one negative) and several epochs (set_epoch).

    PYTHON scripts/gen_sampler_fixtures.py
        writes tests/fixtures/torch-<major.minor>/distributed_sampler.json
"""
import json

from torch.utils.data.distributed import DistributedSampler

from fixture_dir import fixture_path

# (dataset length, num_replicas, shuffle, drop_last, seed)
CASES = [
    (10, 2, True, False, 0),
    (10, 2, False, False, 0),
    (11, 2, True, False, 0),
    (11, 2, True, True, 0),
    (11, 2, False, True, 0),
    (11, 3, False, False, 0),
    (17, 3, True, False, 42),
    (17, 3, True, True, 42),
    (17, 4, True, False, 7),
    (17, 4, False, True, 7),
    (100, 4, True, False, 2**32 + 5),
    (1000, 3, True, True, 12345),
    (2, 4, True, False, 1),
    (3, 4, False, False, 0),
    (1, 4, True, True, 0),
    (9, 2, True, False, -3),
    (0, 2, True, False, 0),
]
EPOCHS = [0, 1, 5]


class Sized:
    """DistributedSampler reads only len() of the dataset."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def main():
    out = []
    for n, num_replicas, shuffle, drop_last, seed in CASES:
        ranks = []
        for rank in range(num_replicas):
            sampler = DistributedSampler(Sized(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
            epochs = []
            for epoch in EPOCHS:
                sampler.set_epoch(epoch)
                epochs.append(list(sampler))
            ranks.append({'rank': rank, 'length': len(sampler), 'epochs': epochs})
        out.append({'n': n, 'num_replicas': num_replicas, 'shuffle': shuffle, 'drop_last': drop_last, 'seed': seed, 'epochs': EPOCHS, 'ranks': ranks})
    with open(fixture_path('distributed_sampler.json'), 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
