// torchnode side of the benchmark suite. Each case has a twin of the same name in
// bench/torch_side.py; run() returns the total nanoseconds for n iterations.
import * as torch from '../lib/index';

export interface Case {
  name: string;
  /** the Python twin in torch_side.py */
  python: string;
  description: string;
  iterations: number;
  run(n: number): number;
}

const now = () => process.hrtime.bigint();

export const cases: Case[] = [
  {
    name: 'add, 1 element (no memory code)',
    python: 'add_1',
    description: 'a + b on one-element tensors; results left to the GC',
    iterations: 200_000,
    run(n) {
      const a = torch.ones(1), b = torch.ones(1);
      const t = now();
      for (let i = 0; i < n; i++) a.add(b);
      return Number(now() - t);
    },
  },
  {
    name: 'add, 1 element (in a scope)',
    python: 'add_1',
    description: 'the same inside torch.tidy, which frees results deterministically',
    iterations: 200_000,
    run(n) {
      const a = torch.ones(1), b = torch.ones(1);
      const t = now();
      for (let i = 0; i < n; i += 1000) torch.tidy(() => { for (let j = 0; j < 1000; j++) a.add(b); });
      return Number(now() - t);
    },
  },
  {
    name: 'matmul 64x64',
    python: 'matmul_64',
    description: 'a @ b, float32',
    iterations: 20_000,
    run(n) {
      torch.manual_seed(0);
      const a = torch.randn(64, 64), b = torch.randn(64, 64);
      const t = now();
      for (let i = 0; i < n; i += 100) torch.tidy(() => { for (let j = 0; j < 100; j++) a.matmul(b); });
      return Number(now() - t);
    },
  },
  {
    name: '10-op elementwise chain, 1M elements',
    python: 'chain_1m',
    description: 'mul, add, relu, sqrt, add, log, exp, sub, abs, neg on 1M float32',
    iterations: 100,
    run(n) {
      const x = torch.rand(1_000_000);
      const t = now();
      for (let i = 0; i < n; i++) {
        torch.tidy(() => x.mul(1.5).add(0.5).relu().sqrt().add(1).log().exp().sub(1).abs().neg());
      }
      return Number(now() - t);
    },
  },
];
