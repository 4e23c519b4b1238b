"""The Python rank of tests/ddp.test.ts's interop test: PyTorch's own DistributedDataParallel in
a gloo group with a torchnode rank (tests/ddp_worker.ts 'interop'), step for step: the same tiny
model, the same formula batches, three SGD steps. Prints one JSON line: each step's gradients
and the final weights.

    python scripts/ddp_interop.py <rank> <world_size> <init_method> [small_buckets|batchnorm]
"""
import json
import os
import sys
from datetime import timedelta

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


class TinyNet(nn.Module):
    def __init__(self, hidden=3, spare=False, bn=False):
        super().__init__()
        self.fc1 = nn.Linear(4, hidden)
        if bn:
            self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, 2)
        if spare:
            self.spare = nn.Linear(2, 2)  # never used by forward

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(torch.relu(self.bn(h) if hasattr(self, "bn") else h))


def tiny_batch(rank, step):
    x = torch.arange(12, dtype=torch.float32).mul(0.37).add(rank * 1.3 + step * 0.71).sin().reshape(3, 4)
    y = torch.arange(6, dtype=torch.float32).mul(0.5).add(rank + step).cos().reshape(3, 2)
    return x, y


def flat(t):
    return t.detach().reshape(-1).tolist()


def main():
    rank, world, init_method = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world,
                            timeout=timedelta(seconds=60))
    # small_buckets: about one parameter per bucket, and a layer forward never uses, which the
    # unused-parameter search must find.
    # batchnorm: buffers, which DDP broadcasts from rank 0 before each forward.
    variant = sys.argv[4] if len(sys.argv) > 4 else "default"
    small = variant == "small_buckets"
    torch.manual_seed(7 + rank)
    model = TinyNet(3, small, variant == "batchnorm")
    ddp = nn.parallel.DistributedDataParallel(model, **(dict(bucket_cap_mb=0.00005, find_unused_parameters=True) if small else {}))
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    grads = []
    for step in range(3):
        x, y = tiny_batch(rank, step)
        opt.zero_grad()
        F.mse_loss(ddp(x), y).backward()
        grads.append([None if p.grad is None else flat(p.grad) for p in model.parameters()])
        opt.step()
    # Each rank's buffers now hold its own last batch's statistics; an evaluation forward first
    # broadcasts rank 0's (and, in eval mode, leaves them as they are).
    ddp.eval()
    with torch.no_grad():
        ddp(tiny_batch(rank, 3)[0])
    out = {"rank": rank, "grads": grads, "weights": [flat(p) for p in model.parameters()],
           "buffers": [flat(b) for b in model.buffers()]}
    dist.destroy_process_group()
    print(json.dumps(out), flush=True)
    if torch.__version__.startswith("1."):
        # PyTorch 1.13 can hang at exit on a rank other than 0, freeing the DDP Reducer (the CI's
        # ASan leg timed out here once; scripts/ddp_cnn.py says what gdb showed). The result is
        # printed and the group is gone: leave without running those destructors.
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
