"""PyTorch side of the benchmark suite: the same cases as bench/cases.ts, timed in this
persistent process. Reads "<case> <iterations>" lines on stdin, answers ns per iteration."""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)


def case_add_1(n):
    a, b = torch.ones(1), torch.ones(1)
    t = time.perf_counter_ns()
    for _ in range(n):
        a + b
    return time.perf_counter_ns() - t


def case_matmul_64(n):
    torch.manual_seed(0)
    a, b = torch.randn(64, 64), torch.randn(64, 64)
    t = time.perf_counter_ns()
    for _ in range(n):
        a @ b
    return time.perf_counter_ns() - t


def case_chain_1m(n):
    x = torch.rand(1_000_000)
    t = time.perf_counter_ns()
    for _ in range(n):
        x.mul(1.5).add(0.5).relu().sqrt().add(1).log().exp().sub(1).abs().neg()
    return time.perf_counter_ns() - t


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

print("ready", torch.__version__, flush=True)
for line in sys.stdin:
    name, iters = line.split()
    fn = CASES[name]
    fn(max(1, int(iters) // 10))  # warm-up
    print(fn(int(iters)) / int(iters), flush=True)
