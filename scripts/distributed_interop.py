"""The Python rank of tests/distributed.test.ts's interop test: joins a gloo group with torchnode
ranks (the same c10d, from the same LibTorch) and runs what tests/distributed_worker.ts's
'interop' scenario runs, printing one JSON line of results.

    python scripts/distributed_interop.py <rank> <world_size> <init_method>
"""
import json
import sys
from datetime import timedelta

import torch
import torch.distributed as dist


def main():
    rank, world, init_method = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world,
                            timeout=timedelta(seconds=60))
    t = torch.arange(6, dtype=torch.float32) * (rank + 1)
    dist.all_reduce(t)
    b = torch.zeros(3)
    if rank == 1:
        b.copy_(torch.tensor([4.0, 5.0, 6.0]))
    dist.broadcast(b, 1)
    out = {"rank": dist.get_rank(), "world": dist.get_world_size(), "sum": t.tolist(), "broadcast": b.tolist()}
    dist.destroy_process_group()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
